// The exports of the core: one entry, re-exporting each kernel family.
export * from "./memory";
