// SaslHandshake (Version: 1): same schema as v0; tokens then travel in SaslAuthenticate requests.
export { request, response } from "./v0.ts";
