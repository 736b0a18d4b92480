// Fail-stop on a failing disk. A real ledge process runs over an LD_PRELOAD shim
// (test/fixtures/io-fault-shim.c) that, once the test creates a flag file, fails the data file's
// writes or fsyncs with EIO, or statfs with ENOTCONN. ledge must refuse the write it was doing
// ("storage failed" in the PUBACK), log one line naming the error and the data directory, and
// exit with STORAGE_FAILED_EXIT_CODE; restarted without the shim, everything acknowledged before
// is there and `ledge verify` passes. In-process, with the data directory removed under a running
// log (statfs: ENOENT), every listener answers with its protocol's code: MQTT PUBACK 0x80 and
// CONNACK 0x88, Kafka produce KAFKA_STORAGE_ERROR (56).
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { STORAGE_FAILED_EXIT_CODE } from "../../bin/start.ts";
import { readConfig } from "../../runtime/config/index.ts";
import { decodeBatch, encodeBatch } from "../../runtime/core/index.ts";
import { Log } from "../../runtime/log/index.ts";
import type { ProduceResponse } from "../../runtime/kafka/apis/produce/index.ts";
import { ledgeBin, ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { ioFaultShim } from "../helpers/io-fault-shim.ts";
import { rawClient, rawConnected, type RawClient } from "../mqtt/helpers/raw-client.ts";
import { startGateway } from "../mqtt/helpers/gateway-fixture.ts";
import { RawKafkaClient } from "../kafka/helpers/raw-client.ts";
import { startTestLedge } from "../kafka/helpers/ledge.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** Publishes QoS 1 and returns the PUBACK (undefined if the connection ended first). */
async function publish(c: RawClient, id: number, payload: string): Promise<{ reasonCode?: number; reasonString?: string } | undefined> {
  c.send({ cmd: "publish", topic: "disk/x", payload: Buffer.from(payload), qos: 1, messageId: id, dup: false, retain: false });
  try {
    const p = await c.next("puback", 10_000);
    return p.cmd === "puback" ? { reasonCode: p.reasonCode, reasonString: p.properties?.reasonString } : undefined;
  } catch {
    return undefined;
  }
}

/** The payloads stored in mqtt-messages/0, read with the log opened in this process (no shim). */
async function storedPayloads(dataDir: string): Promise<Set<string>> {
  const config = readConfig({ dataDir });
  const log = await Log.open({ dataDir, storage: config.storage, log: config.log });
  const out = new Set<string>();
  try {
    for (const b of log.read("mqtt-messages", 0, 0, 1 << 30).batches) for (const r of decodeBatch(b).records) out.add(Buffer.from(r.value!).toString());
  } finally {
    await log.close();
  }
  return out;
}

const cases = [
  { name: "a data-file write fails with EIO (sync: always)", sync: "always", ops: "write", refused: true, line: /committing 1 appends to the log failed on the data directory .*: (EIO: )?Input\/output error/ },
  { name: "an fsync fails with EIO (sync: interval)", sync: "interval", ops: "sync", refused: false, line: /flushing the log to disk \(fsync\) failed on the data directory .*Input\/output error/ },
  { name: "statfs fails with ENOTCONN (the disk-space check)", sync: "always", ops: "statfs", refused: true, line: /checking the free space of the disk \(statfs\) failed on the data directory .*: ENOTCONN/ },
] as const;

describe("fail-stop on a failing disk (LD_PRELOAD shim)", () => {
  it.each(cases)("$name: refuses, logs one line, exits with the storage-failed code; acked data survives", async ({ sync, ops, refused, line }) => {
    const d = await ledgeDirs("ledge-io-fail-", `storage: { sync: ${sync}, syncIntervalMs: 100 }\nmqtt:\n  allowAnonymous: true\ntopics:\n  - { name: mqtt-messages, partitions: 1 }\n`);
    const flag = `${d.dataDir}-fail`;
    cleanups.push(async () => {
      rmSync(flag, { force: true });
      await d.remove();
    });
    const ledge = await startLedge(d.args, 20_000, { command: process.execPath, args: [], bin: ledgeBin, env: { LD_PRELOAD: ioFaultShim(), LEDGE_SHIM_FAIL_FLAG: flag, LEDGE_SHIM_FAIL_OPS: ops } });
    const c = await rawConnected(ledge.ports.mqtt!, 5, "disk-test");
    const acked: string[] = [];
    try {
      for (let i = 1; i <= 30; i++) {
        const ack = await publish(c, i, `before-${i}`);
        expect(ack).toMatchObject({ reasonCode: 0 });
        acked.push(`before-${i}`);
      }
      writeFileSync(flag, "");
      const ack = await publish(c, 31, "after-the-failure");
      if (refused) expect(ack).toMatchObject({ reasonCode: 0x80, reasonString: expect.stringMatching(/^storage failed/) });
      else if (ack?.reasonCode === 0) acked.push("after-the-failure"); // committed before the fsync failed: in the page cache
      const exit = await ledge.exited;
      if (exit === "SIGABRT") {
        // lmdb-js 3.5.6 formats a failed page write's message with sprintf into malloc(100)
        // (mdb.c, mdb_page_flush); past 103 characters it overruns the heap and glibc aborts at
        // the write thread's exit. Accepted only when that is what happened.
        expect(ledge.stderr()).toMatch(/corrupted size vs\. prev_size|malloc\(\)|free\(\)/);
        expect(/Attempting to write page[^;\n]*/.exec(ledge.stderr())?.[0].length, ledge.stderr()).toBeGreaterThan(103);
      } else expect(exit, ledge.stderr()).toBe(STORAGE_FAILED_EXIT_CODE);
    } finally {
      c.end();
      ledge.child.kill("SIGKILL");
    }
    const stops = ledge.stderr().split("\n").filter((l) => /storage failed, ledge stops/.test(l));
    expect(stops, ledge.stderr()).toHaveLength(1);
    expect(stops[0]).toMatch(line);
    expect(stops[0]).toContain(d.dataDir);
    expect(stops[0]).toContain(`exit code ${STORAGE_FAILED_EXIT_CODE}`);
    expect(ledge.stderr()).not.toMatch(/ledge bug/);

    rmSync(flag);
    const stored = await storedPayloads(d.dataDir);
    expect(acked.filter((p) => !stored.has(p))).toEqual([]);
    const verify = spawnSync(process.execPath, [ledgeBin, "verify", "--data-dir", d.dataDir], { encoding: "utf8" });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  }, 60_000);
});

describe("fail-stop: every listener answers 'storage failed' (data directory removed: statfs ENOENT)", () => {
  it("MQTT: PUBACK 0x80 'storage failed', then CONNACK 0x88 (v5) and return code 3 (v3.1.1)", async () => {
    const f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 1 }] });
    cleanups.push(() => f.close());
    const c = await rawConnected(f.port, 5, "before");
    expect(await publish(c, 1, "kept")).toMatchObject({ reasonCode: 0 });
    rmSync(f.dataDir, { recursive: true, force: true });
    expect(await publish(c, 2, "refused")).toMatchObject({ reasonCode: 0x80, reasonString: expect.stringMatching(/^storage failed/) });
    expect(f.log.storageFailure).toMatchObject({ code: "LEDGE_ERR_STORAGE_FAILED", kafkaErrorCode: 56 });
    expect(f.logLines.join("\n")).toMatch(/checking the free space of the disk \(statfs\) failed on the data directory .*ENOENT/);
    c.end();

    const v5 = await rawConnectedRefused(f.port, 5);
    expect(v5).toMatchObject({ reasonCode: 0x88, properties: { reasonString: expect.stringMatching(/^storage failed/) } });
    const v311 = await rawConnectedRefused(f.port, 4);
    expect(v311).toMatchObject({ returnCode: 3 });
  });

  it("Kafka: produce answers KAFKA_STORAGE_ERROR (56), and keeps answering it", async () => {
    const ledge = await startTestLedge({}, { topics: [{ name: "k", partitions: 1 }] });
    cleanups.push(() => ledge.close());
    const c = await RawKafkaClient.open(ledge.port);
    cleanups.push(async () => c.destroy());
    const produce = async () => {
      const records = encodeBatch([{ key: null, value: new TextEncoder().encode("v"), timestampMs: Date.now() }]).slice();
      const res = await c.request<ProduceResponse>(0, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: "k", partitionData: [{ index: 0, records }] }] });
      return res.body.responses[0].partitionResponses[0].errorCode;
    };
    expect(await produce()).toBe(0);
    rmSync(ledge.dataDir, { recursive: true, force: true });
    expect(await produce()).toBe(56);
    expect(await produce()).toBe(56);
  });
});

/** Connects and returns the CONNACK of a refused connection. */
async function rawConnectedRefused(port: number, protocolVersion: 4 | 5): Promise<unknown> {
  const c = await rawClient(port, protocolVersion);
  c.send({ cmd: "connect", protocolId: "MQTT", protocolVersion, clean: true, clientId: `after-${protocolVersion}`, keepalive: 30 });
  const connack = await c.next("connack");
  c.end();
  return connack;
}
