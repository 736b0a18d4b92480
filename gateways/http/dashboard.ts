// The dashboard at `/`: a static page (dashboard/: HTML, one script, one stylesheet) and uPlot
// from node_modules, served as they are — no build step. The page reads /api with the bearer
// token the operator gives it, so the files themselves need none. Only the paths in `files` are
// served: a request names an entry of that table, never a file path, so no URL (`/../x`,
// `%2e%2e`) reaches outside it.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { IncomingMessage, ServerResponse } from "node:http";

// "../../" is the project root both from gateways/http/ and from the bundle in dist/bin/.
const folder = fileURLToPath(new URL("../../gateways/http/dashboard/", import.meta.url));
const fromHere = createRequire(import.meta.url);

interface StaticFile {
  /** Where the file is, resolved on first use (uPlot through Node's module resolution). */
  locate: () => string;
  contentType: string;
}

const html = "text/html; charset=utf-8";
const js = "text/javascript; charset=utf-8";
const css = "text/css; charset=utf-8";

const files: ReadonlyMap<string, StaticFile> = new Map([
  ["/", { locate: () => `${folder}index.html`, contentType: html }],
  ["/dashboard.js", { locate: () => `${folder}dashboard.js`, contentType: js }],
  ["/dashboard.css", { locate: () => `${folder}dashboard.css`, contentType: css }],
  ["/vendor/uplot.js", { locate: () => fromHere.resolve("uplot/dist/uPlot.iife.min.js"), contentType: js }],
  ["/vendor/uplot.css", { locate: () => fromHere.resolve("uplot/dist/uPlot.min.css"), contentType: css }],
]);

/** Scripts, styles and fetches from this origin only; no inline code, no framing. `connect-src
 * 'self'` covers ws:// to the same host in CSP 3. */
const contentSecurityPolicy = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join("; ");

const headers = {
  "content-security-policy": contentSecurityPolicy,
  // The page is small and changes with ledge: revalidate rather than run a stale copy.
  "cache-control": "no-cache",
  "x-content-type-options": "nosniff",
  // `/?token=...` must not leave in a Referer header.
  "referrer-policy": "no-referrer",
};

/** Whether `path` is one of the dashboard's files (then it answers the request). */
export function serveDashboard(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const file = files.get(path);
  if (!file) return false;
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { "content-type": "text/plain", allow: "GET, HEAD" }).end(`${req.method} is not served at ${path}; use GET\n`);
    return true;
  }
  let location: string;
  try {
    location = file.locate();
  } catch (err) {
    res.writeHead(500, { "content-type": "text/plain" }).end(`${path}: ${(err as Error).message} (is the uplot package installed? npm install)\n`);
    return true;
  }
  readFile(location).then(
    (body) => res.writeHead(200, { ...headers, "content-type": file.contentType, "content-length": body.length }).end(req.method === "HEAD" ? undefined : body),
    (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${path}: cannot read ${location}: ${err.message}\n`),
  );
  return true;
}
