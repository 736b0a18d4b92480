// Fetch (Version: 10): same as v9 (ZStandard batches may now be returned).
export * from "./v9.ts";
