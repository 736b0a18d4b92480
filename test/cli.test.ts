import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLedge, ledgeBin, ledgeDirs, type LedgeProcess } from "./helpers/ledge-process.ts";
import { parsePasswordHash, verifyPassword } from "../gateways/mqtt/auth-password.ts";

/** The first `count` stderr lines matching `pattern`, waiting up to 5 s for them (stderr and the
 * ready line on stdout arrive on separate pipes). */
async function stderrLines(ledge: LedgeProcess, count: number, pattern: RegExp): Promise<string[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const lines = ledge.stderr().split("\n").filter((l) => pattern.test(l));
    if (lines.length >= count || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("ledge start", () => {
  it("prints the ready line with real ports and exits cleanly on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ledge-cli-"));
    const ledge = await startLedge(["--data-dir", dir]);
    expect(ledge.ports.http).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${ledge.ports.http}/healthz`);
    expect(res.status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${ledge.ports.http}/metrics`);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    ledge.child.kill("SIGTERM");
    expect(await ledge.exited).toBe(0);
  });

  it("stops on a pipeline config mistake with a message naming the key path", () => {
    const dir = mkdtempSync(join(tmpdir(), "ledge-cli-"));
    const file = join(dir, "ledge.yaml");
    writeFileSync(file, "pipelines:\n  - { name: avg, from: t, key: device, fields: [temp], to: out, aggregates: [count], window: { type: tumbling, size: soon } }\n");
    const r = spawnSync(process.execPath, [ledgeBin, "start", "--config", file], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/config key 'pipelines\[0\]\.window\.size' must be a duration/);
  });

  it("warns at start about a deprecated key spelling, naming old and new key", async () => {
    const dirs = await ledgeDirs("ledge-deprecated-", "mqtt: { allowAnonymous: true, limits: { sessionsMax: 50 } }\nstorage: { commitsInFlightMax: 2 }\n");
    const ledge = await startLedge(dirs.args);
    try {
      const lines = await stderrLines(ledge, 2, /deprecated/);
      expect(lines).toEqual([
        expect.stringMatching(/warn config: config key 'storage.commitsInFlightMax' is deprecated and was read as 'storage.commitInflightCountMax'/),
        expect.stringMatching(/warn config: config key 'mqtt.limits.sessionsMax' is deprecated and was read as 'mqtt.limits.sessionCountMax'/),
      ]);
    } finally {
      ledge.child.kill("SIGTERM");
      await ledge.exited;
      await dirs.remove();
    }
  });

  it("says nothing about unbuilt keys when none is set", async () => {
    const dirs = await ledgeDirs("ledge-unbuilt-", "pipelines: []\n");
    const ledge = await startLedge(dirs.args);
    ledge.child.kill("SIGTERM");
    expect(await ledge.exited).toBe(0);
    // The exit event can come before the last stderr bytes: wait for the shutdown line.
    expect(await stderrLines(ledge, 1, /SIGTERM received/)).toHaveLength(1);
    expect(ledge.stderr()).not.toMatch(/not yet built/);
    await dirs.remove();
  });

  it("stops on a config mistake with a message naming the key", () => {
    const dir = mkdtempSync(join(tmpdir(), "ledge-cli-"));
    const file = join(dir, "ledge.yaml");
    writeFileSync(file, "storage:\n  sync: sometimes\n");
    const r = spawnSync(process.execPath, [ledgeBin, "start", "--config", file], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/config key 'storage.sync' must be one of always \| interval/);
  });

  it("refuses an MQTT route to a topic the log would refuse, before listening", () => {
    const dir = mkdtempSync(join(tmpdir(), "ledge-cli-"));
    const file = join(dir, "ledge.yaml");
    writeFileSync(file, 'mqtt:\n  routes:\n    - { filter: "sensors/#", topic: ".." }\n');
    const r = spawnSync(process.execPath, [ledgeBin, "start", "--config", file, "--data-dir", dir, "--mqtt-port", "0", "--kafka-port", "0", "--http-port", "0"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/config key 'mqtt\.routes\[0\]\.topic' must be a log topic name \(1 to 249 characters of \[a-zA-Z0-9._-\], not "\." or "\.\."\); found "\.\."/);
    expect(r.stdout).not.toMatch(/ledge ready/);
  });

  it("rejects an unknown flag", () => {
    const r = spawnSync(process.execPath, [ledgeBin, "start", "--mqtt-prot", "1"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/mqtt-prot/);
  });

  it("hash-password prints a hash that verifies the password read from stdin", async () => {
    const r = spawnSync(process.execPath, [ledgeBin, "hash-password"], { input: "s3cret\n", encoding: "utf8" });
    expect(r.status).toBe(0);
    const hash = parsePasswordHash(r.stdout.trim());
    expect(typeof hash).not.toBe("string");
    if (typeof hash === "string") return;
    expect(await verifyPassword(Buffer.from("s3cret"), hash)).toBe(true);
    expect(await verifyPassword(Buffer.from("s3cret\n"), hash)).toBe(false);
    const empty = spawnSync(process.execPath, [ledgeBin, "hash-password"], { input: "", encoding: "utf8" });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/empty password/);
  });
});
