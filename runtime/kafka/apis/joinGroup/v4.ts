// JoinGroup Request/Response (Version: 4) => same as v3. A first join (empty member_id) now
// gets MEMBER_ID_REQUIRED (79) with its new id, and joins again with it (KIP-394).
export { request, response } from "./v3.ts";
