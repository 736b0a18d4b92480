// DescribeConfigs (Version: 2): same as v1.
export * from "./v1.ts";
