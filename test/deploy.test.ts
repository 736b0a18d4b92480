// deploy/ledge.service passes `systemd-analyze verify` (Debian's systemd): every key parses and
// ExecStart runs bin/ledge. systemd-analyze only warns (exit 0) on a key it cannot parse, so any
// output at all fails the test. The unit's /opt/ledge path is pointed at this checkout.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ledgeBin } from "./helpers/ledge-process.ts";

const unitFile = fileURLToPath(new URL("../deploy/ledge.service", import.meta.url));

function verify(unitText: string, name: string): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-unit-"));
  const path = join(dir, name);
  writeFileSync(path, unitText);
  return new Promise((resolve) => {
    execFile("systemd-analyze", ["verify", path], { timeout: 30_000 }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe("deploy/ledge.service", () => {
  const unit = readFileSync(unitFile, "utf8");

  it("passes systemd-analyze verify without a warning", async () => {
    expect(unit).toContain("ExecStart=/opt/ledge/bin/ledge start");
    const r = await verify(unit.replaceAll("/opt/ledge/bin/ledge", ledgeBin), "ledge.service");
    expect(r.output).toBe("");
    expect(r.code).toBe(0);
  });

  it("the check has teeth: a misspelt value and a missing binary are reported", async () => {
    const misspelt = await verify(unit.replaceAll("/opt/ledge/bin/ledge", ledgeBin).replace("Restart=on-failure", "Restart=sometimes"), "ledge.service");
    expect(misspelt.output).toContain("sometimes");
    const missing = await verify(unit, "ledge.service");
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain("/opt/ledge/bin/ledge");
  });

  it("runs as its own user, keeps its data in the state directory, restarts on failure, and logs to journald", () => {
    for (const line of ["DynamicUser=yes", "StateDirectory=ledge", "--data-dir /var/lib/ledge", "Restart=on-failure", "MemoryMax=", "StandardOutput=journal"]) {
      expect(unit).toContain(line);
    }
  });
});
