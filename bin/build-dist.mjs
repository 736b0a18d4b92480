// Bundles ledge's TypeScript into dist/bin/ledge.js for running: no transpiler in the process
// saves ~35 MB of RSS and most of the start-up time (bin/ledge falls back to tsx when dist is
// missing or older than the sources). Dependencies stay in node_modules (not bundled).
import { readFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

await build({
  entryPoints: ["bin/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  // Same depth as runtime/core/, so paths relative to import.meta.url resolve the same way.
  outfile: "dist/bin/ledge.js",
  logLevel: "warning",
  // ASCII only: V8 keeps a script's source for the life of the process, as a one-byte string
  // when every character is Latin-1 and as a two-byte one otherwise. One arrow in a comment made
  // the bundle's ~0.9 MB source a 1.8 MB string in the old generation.
  charset: "ascii",
});
// esbuild escapes strings, templates, regexps and identifiers (charset above), not the comments
// it keeps: escape what is left there.
const out = "dist/bin/ledge.js";
const text = readFileSync(out, "utf8");
const ascii = text.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
if (ascii !== text) writeFileSync(out, ascii);
