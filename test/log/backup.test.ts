// `ledge backup` while MQTT QoS 1 publishing runs: the copy opens, `ledge verify` passes on it,
// and every message PUBACKed before the backup started is in it. Bad uses exit 2 with a reason.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { readConfig } from "../../runtime/config/index.ts";
import { decodeBatch } from "../../runtime/core/index.ts";
import { Log } from "../../runtime/log/index.ts";
import { ledgeDirs, runLedge, startLedge } from "../helpers/ledge-process.ts";

const cleanups: Array<() => void | Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const ledgeCommand = (args: string[]) => runLedge(args);

describe("ledge backup", () => {
  it("copies a running ledge's log: verify passes on the copy and it holds every message acked before the backup began", async () => {
    const d = await ledgeDirs("ledge-backup-", "mqtt:\n  allowAnonymous: true\nstorage:\n  sync: always\n");
    cleanups.push(d.remove);
    const target = mkdtempSync(join(tmpdir(), "ledge-backup-copy-"));
    cleanups.push(() => rmSync(target, { recursive: true, force: true }));
    const ledge = await startLedge(d.args);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { clientId: "backup-writer", reconnectPeriod: 0 });
    const acked: string[] = [];
    let stopped = false;
    // 8 publishes in flight, bounded in count; acks arrive in order per client.
    const writer = Promise.all(Array.from({ length: 8 }, async (_, lane) => {
      for (let i = 0; !stopped && i < 20_000; i++) {
        const payload = `m-${lane}-${i}`;
        await client.publishAsync(`backup/${lane}`, payload, { qos: 1 });
        acked.push(payload);
      }
    }));
    while (acked.length < 2_000) await new Promise((r) => setTimeout(r, 10));
    const ackedBefore = [...acked];
    const run = await ledgeCommand(["backup", target, "--data-dir", d.dataDir]);
    const ackedDuring = acked.length - ackedBefore.length;
    stopped = true;
    await writer;
    await client.endAsync();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/wrote .*ledge\.mdb, [\d.]+ MB/);
    expect(ackedDuring).toBeGreaterThan(0); // the backup ran beside the writer, not after it
    ledge.child.kill("SIGTERM");
    await ledge.exited;

    const verify = await ledgeCommand(["verify", "--data-dir", target]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain("every batch and count checks out");

    const config = readConfig({ dataDir: target });
    const log = await Log.open({ dataDir: target, storage: config.storage, log: config.log });
    const stored = new Set<string>();
    const partitions = log.listTopics().find((t) => t.name === "mqtt-messages")!.partitions;
    for (let p = 0; p < partitions; p++) {
      const { logStartOffset, highWatermark } = log.partitionState("mqtt-messages", p);
      for (let offset = logStartOffset; offset < highWatermark;) {
        const { batches } = log.read("mqtt-messages", p, offset, 1 << 24);
        for (const b of batches) {
          const decoded = decodeBatch(b);
          for (const r of decoded.records) stored.add(Buffer.from(r.value!).toString());
          offset = decoded.header.baseOffset + decoded.header.lastOffsetDelta + 1;
        }
      }
    }
    await log.close();
    expect(ackedBefore.filter((m) => !stored.has(m))).toEqual([]);
  });

  it("refuses a target that already holds a log, a missing target and a missing data dir, exit 2 with the reason", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ledge-backup-none-"));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const noLog = await ledgeCommand(["backup", join(empty, "copy"), "--data-dir", join(empty, "absent")]);
    expect(noLog.code).toBe(2);
    expect(noLog.stderr).toContain("no ledge log at");

    const d = await ledgeDirs("ledge-backup-twice-", "mqtt:\n  allowAnonymous: true\n");
    cleanups.push(d.remove);
    const ledge = await startLedge(d.args);
    ledge.child.kill("SIGTERM");
    await ledge.exited;
    const target = join(empty, "copy2");
    expect((await ledgeCommand(["backup", target, "--data-dir", d.dataDir])).code).toBe(0);
    const again = await ledgeCommand(["backup", target, "--data-dir", d.dataDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("a backup never overwrites");

    const noTarget = await ledgeCommand(["backup", "--data-dir", d.dataDir]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain("name the directory to copy into");
  });
});
