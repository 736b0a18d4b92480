// Produce (Version: 7): same as v6 (ZStandard compression allowed from here).
export { request, response } from "./v6.ts";
