// The LD_PRELOAD shim of test/fixtures/io-fault-shim.c (a slow, stalled or failing disk under a
// real ledge process), compiled once per test run with the installed gcc into a temp dir.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../fixtures/io-fault-shim.c", import.meta.url));

/** Why the shim cannot be built here (no gcc), or null when it can. Tests skip with this reason. */
export const shimUnavailable: string | null = gccPath() ? null : "gcc is not installed: the LD_PRELOAD disk-fault shim cannot be compiled (apt-get install gcc)";

function gccPath(): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(join(dir, "gcc"))) return join(dir, "gcc");
  return null;
}

let built: string | null = null;

/** The compiled shim's path (built on first use). */
export function ioFaultShim(): string {
  if (built) return built;
  const out = join(mkdtempSync(join(tmpdir(), "ledge-io-shim-")), "io-fault-shim.so");
  execFileSync("gcc", ["-shared", "-fPIC", "-O1", "-o", out, source, "-ldl"], { stdio: "pipe" });
  built = out;
  return out;
}
