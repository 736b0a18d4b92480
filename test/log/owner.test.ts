// One process opens a data directory's log at a time (runtime/log/owner.ts): a second ledge is
// refused before it touches the log, `ledge verify` and `ledge backup` hand their work to the
// running ledge, a socket left by SIGKILL does not block a restart, and bad requests on the owner
// socket get an answer without disturbing ledge. The load test is the regression: `ledge verify`
// opening ledge.mdb itself beside a ledge under MQTT QoS 1 load lost a PUBACKed message (lmdb-js
// 3.5.6, owner.ts) in about one run of eight; the owner's lines in the commands' output are what
// proves deterministically that they no longer open it.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { readConfig } from "../../runtime/config/index.ts";
import { decodeBatch } from "../../runtime/core/index.ts";
import { Log, isLogError } from "../../runtime/log/index.ts";
import { ownerSocketPath } from "../../runtime/log/owner.ts";
import { ledgeDirs, runLedge, startLedge, type LedgeDirs } from "../helpers/ledge-process.ts";

const cleanups: Array<() => void | Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function dirs(prefix: string): Promise<LedgeDirs> {
  const d = await ledgeDirs(prefix, "mqtt: { allowAnonymous: true }\n");
  cleanups.push(d.remove);
  return d;
}

/** Every record value of `topic` in the log at `dataDir` (opened in this process). */
async function storedValues(dataDir: string, topic: string): Promise<{ values: string[]; gaps: number }> {
  const config = readConfig({ dataDir });
  const log = await Log.open({ dataDir, storage: config.storage, log: config.log });
  const values: string[] = [];
  let gaps = 0;
  try {
    const partitions = log.listTopics().find((t) => t.name === topic)!.partitions;
    for (let p = 0; p < partitions; p++) {
      const { logStartOffset, highWatermark } = log.partitionState(topic, p);
      for (let offset = logStartOffset; offset < highWatermark;) {
        const { batches } = log.read(topic, p, offset, 1 << 24);
        for (const b of batches) {
          const { header, records } = decodeBatch(b);
          if (header.baseOffset !== offset) gaps++;
          for (const r of records) values.push(Buffer.from(r.value!).toString());
          offset = header.baseOffset + header.lastOffsetDelta + 1;
        }
      }
    }
  } finally {
    await log.close();
  }
  return { values, gaps };
}

describe("data directory owner", () => {
  it("refuses a second ledge on a data directory a ledge holds, naming it, and the first keeps running", async () => {
    const d = await dirs("ledge-owner-twice-");
    const first = await startLedge(d.args);
    cleanups.push(() => void first.child.kill("SIGKILL"));
    const second = await startLedge(d.args).then(
      (p) => (p.child.kill("SIGKILL"), "started"),
      (err: Error) => err.message,
    );
    expect(second).toMatch(new RegExp(`data directory ${d.dataDir} is in use by ledge start \\(pid ${first.child.pid}\\)`));
    expect(second).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.ports.mqtt}`, { clientId: "owner-still-there", reconnectPeriod: 0 });
    await client.publishAsync("owner/t", "still here", { qos: 1 });
    await client.endAsync();
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect((await storedValues(d.dataDir, "mqtt-messages")).values).toEqual(["still here"]);
  });

  it("refuses a second Log in the same process, before it opens LMDB", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ledge-owner-inproc-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = readConfig({ dataDir });
    const log = await Log.open({ dataDir, storage: config.storage, log: config.log, ownerRole: "the first test log" });
    const err = await Log.open({ dataDir, storage: config.storage, log: config.log }).then(() => null, (e: unknown) => e);
    expect(isLogError(err, "LEDGE_ERR_DATA_DIR_IN_USE")).toBe(true);
    expect((err as Error).message).toContain(`in use by the first test log (pid ${process.pid})`);
    await log.close();
    expect(() => statSync(ownerSocketPath(dataDir))).toThrow(); // released on close
    const again = await Log.open({ dataDir, storage: config.storage, log: config.log });
    await again.close();
  });

  it("starts again on a data directory whose ledge was killed with SIGKILL (its socket is left behind)", async () => {
    const d = await dirs("ledge-owner-killed-");
    const killed = await startLedge(d.args);
    killed.child.kill("SIGKILL");
    await killed.exited;
    expect(statSync(ownerSocketPath(d.dataDir)).isSocket()).toBe(true);
    const restarted = await startLedge(d.args);
    restarted.child.kill("SIGTERM");
    expect(await restarted.exited).toBe(0);
  });

  it("answers bad requests on the owner socket with an error, and ledge goes on", async () => {
    const d = await dirs("ledge-owner-bad-");
    const ledge = await startLedge(d.args);
    cleanups.push(() => void ledge.child.kill("SIGKILL"));
    const ask = (text: string) => new Promise<string>((resolve, reject) => {
      const s = createConnection(ownerSocketPath(d.dataDir));
      let answer = "";
      s.setEncoding("utf8");
      s.on("connect", () => s.write(text));
      s.on("data", (c: string) => (answer += c));
      s.on("end", () => resolve(answer));
      s.on("error", reject);
      s.setTimeout(5_000, () => s.destroy(new Error("no answer")));
    });
    expect(JSON.parse(await ask("not json\n"))).toMatchObject({ ok: false, error: "the request is not one line of JSON" });
    expect(JSON.parse(await ask(`${JSON.stringify({ op: "format-disk" })}\n`))).toMatchObject({ ok: false, error: "ledge start does not serve 'format-disk' requests" });
    expect(JSON.parse(await ask("x".repeat(5000)))).toMatchObject({ ok: false, error: "request over 4096 bytes" });
    expect(JSON.parse(await ask(`${JSON.stringify({ op: "whoami" })}\n`))).toEqual({ ok: true, pid: ledge.child.pid, role: "ledge start" });
    const r = await runLedge(["verify", "--data-dir", d.dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ledge start (pid ${ledge.child.pid}) holds ${d.dataDir}; it read its own log for this check`);
  });

  it("loses no PUBACKed message while verify and backup run again and again beside ledge under QoS 1 load", async () => {
    const d = await dirs("ledge-owner-load-");
    const ledge = await startLedge(d.args);
    cleanups.push(() => void ledge.child.kill("SIGKILL"));
    const copies = mkdtempSync(join(tmpdir(), "ledge-owner-copies-"));
    cleanups.push(() => rmSync(copies, { recursive: true, force: true }));
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { clientId: "owner-load", reconnectPeriod: 0 });
    const acked: string[] = [];
    let stop = false;
    const deadline = Date.now() + 60_000;
    const writers = Promise.all(Array.from({ length: 4 }, async (_, lane) => {
      for (let i = 0; !stop && i < 50_000 && Date.now() < deadline; i++) {
        await client.publishAsync(`load/${lane}`, `m-${lane}-${i}`, { qos: 1 });
        acked.push(`m-${lane}-${i}`);
      }
    }));
    for (let round = 0; round < 8; round++) {
      const v = await runLedge(["verify", "--data-dir", d.dataDir]);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout).toContain("it read its own log for this check"); // this process never opened ledge.mdb
      const b = await runLedge(["backup", join(copies, String(round)), "--data-dir", d.dataDir]);
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout).toContain("made the copy");
    }
    stop = true;
    await writers;
    await client.endAsync();
    ledge.child.kill("SIGTERM");
    expect(await ledge.exited).toBe(0);
    const { values, gaps } = await storedValues(d.dataDir, "mqtt-messages");
    expect(gaps).toBe(0);
    const stored = new Set(values);
    expect(acked.length).toBeGreaterThan(100);
    expect(acked.filter((m) => !stored.has(m))).toEqual([]);
  }, 120_000);
});
