// Tests load wasm-core/build/*.wasm: if the AssemblyScript sources (or the build options) changed
// after the last build, every wasm test would check stale code and pass. Fail instead.
import { describe, expect, it } from "vitest";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("wasm-core/build is current", () => {
  it("every built .wasm is newer than every source in wasm-core/assembly and asconfig.json", () => {
    const sources = [...filesUnder(join(root, "wasm-core/assembly")), join(root, "asconfig.json")];
    const newest = sources.reduce((a, f) => (statSync(f).mtimeMs > statSync(a).mtimeMs ? f : a));
    const built = ["release.wasm", "debug.wasm"].map((f) => join(root, "wasm-core/build", f));
    for (const wasm of built) {
      expect(statSync(wasm).mtimeMs, `${wasm} is older than ${newest}: run \`npm run build:wasm\``).toBeGreaterThanOrEqual(statSync(newest).mtimeMs);
    }
  });
});
