// Fetch (Version: 8): same as v7 (the broker may throttle after responding).
export * from "./v7.ts";
