// listeners.http.token: whether a request carries it (compared in constant time, so response
// timing does not reveal how much of a guess was right).
import { createHash, timingSafeEqual } from "node:crypto";

/** Whether an Authorization header is `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(header ?? "");
  if (!m) return false;
  const digest = (t: string) => createHash("sha256").update(t).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}
