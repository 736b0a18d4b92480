// Fetch (Version: 6): same as v5.
export * from "./v5.ts";
