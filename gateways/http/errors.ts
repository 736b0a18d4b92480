// gateways/http's error codes: what the admin API (/api) answers besides the log's own codes
// (STYLE habit 8: a table per room; docs/errors.md explains each). Each carries its HTTP status.
export const apiErrors = {
  LEDGE_ERR_API_BAD_REQUEST: { status: 400, advice: "send a JSON body of the documented form (README, 'HTTP admin API')" },
  LEDGE_ERR_API_UNAUTHORIZED: { status: 401, advice: "send the header Authorization: Bearer <listeners.http.token>" },
  LEDGE_ERR_API_NOT_FOUND: { status: 404, advice: "check the path and the name in it (GET /api/topics lists topics)" },
  LEDGE_ERR_API_METHOD: { status: 405, advice: "use one of the methods the Allow header names" },
  LEDGE_ERR_API_GROUP_ACTIVE: { status: 409, advice: "stop the group's consumers first, or commit through them" },
  LEDGE_ERR_API_BODY_TOO_LARGE: { status: 413, advice: "send a request body of at most 64 KiB" },
} as const;

export type ApiErrorCode = keyof typeof apiErrors;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;

  /** LEDGE_ERR_API_METHOD: the methods the path serves (the Allow header). */
  readonly allow?: string[];

  constructor(code: ApiErrorCode, message: string, allow?: string[]) {
    super(message);
    this.allow = allow;
    this.name = "ApiError";
    this.code = code;
    this.status = apiErrors[code].status;
  }
}
