// The LD_PRELOAD shim of test/fixtures/io-fault-shim.c (a slow, stalled or failing disk under a
// real ledge process), compiled once per test run with the installed gcc into a temp dir.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../fixtures/io-fault-shim.c", import.meta.url));

let built: string | null = null;

/** The compiled shim's path (built on first use). gcc is a test peer like kcat: .ci/run installs
 * it, and without it the tests that need the shim fail saying so (they never skip). */
export function ioFaultShim(): string {
  if (built) return built;
  const out = join(mkdtempSync(join(tmpdir(), "ledge-io-shim-")), "io-fault-shim.so");
  try {
    execFileSync("gcc", ["-shared", "-fPIC", "-O1", "-o", out, source, "-ldl"], { stdio: "pipe" });
  } catch (err) {
    throw new Error(`the LD_PRELOAD disk-fault shim could not be compiled (${(err as Error).message.split("\n")[0]}); apt-get install gcc`);
  }
  built = out;
  return out;
}
