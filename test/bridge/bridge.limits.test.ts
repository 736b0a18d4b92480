// The bridge's limits crossed against a real upstream (librdkafka's mock cluster) by a real ledge:
// transactionBytesMax and transactionMsMax cut transactions, lingerMs holds one open for more,
// memoryBytesMax bounds the read
// buffer (a larger batch still ships), backoffMsMin/backoffMsMax bound the retry delays.
//
// What each upstream transaction carried is read back from upstream itself: each one writes one
// cursor record per partition it moved (value: the next local offset), so with one partition the
// cursor history upstream lists every transaction's end, and the local log gives the bytes of the
// batches between two ends.
import { createServer } from "node:net";
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { openLog } from "../log/helpers.ts";
import { readBaseOffset, readNextOffset } from "../../runtime/core/index.ts";
import { expectSameBesidesAborted, metric, mockUpstreamSuite, publisher, readTopic, waitFor } from "./helpers.ts";

const { upstream, cleanups } = mockUpstreamSuite(3);

function edgeYaml(partitions: number, bridge: string | null): string {
  const lines = ["mqtt:", "  allowAnonymous: true", "topics:", `  - { name: mqtt-messages, partitions: ${partitions} }`];
  if (bridge !== null) lines.push("bridge:", bridge);
  return lines.join("\n") + "\n";
}

/** Stores `payloads` (MQTT topic, value) at an edge without a bridge, then stops it: a backlog. */
async function backlog(prefix: string, partitions: number, payloads: Array<[topic: string, value: string]>): Promise<LedgeDirs> {
  const d = await ledgeDirs(prefix, edgeYaml(partitions, null));
  cleanups.push(d.remove);
  const edge = await startLedge(d.args);
  const c = await publisher(edge.ports.mqtt!, `${prefix}pub`);
  for (const [topic, value] of payloads) await c.publishAsync(topic, value, { qos: 1 });
  await c.endAsync();
  edge.child.kill("SIGTERM");
  expect(await edge.exited).toBe(0);
  return d;
}

/** Restarts the backlog's edge with a bridge to the mock upstream. */
async function withBridge(d: LedgeDirs, partitions: number, bridge: string): Promise<LedgeProcess> {
  await writeFile(d.configFile, edgeYaml(partitions, `  brokers: ["${upstream.bootstrap.split(",").join('", "')}"]\n${bridge}`));
  const edge = await startLedge(d.args);
  cleanups.push(async () => void edge.child.kill("SIGKILL"));
  return edge;
}

async function shippedAll(edge: LedgeProcess, records: number): Promise<void> {
  const done = await waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")) === records, 90_000);
  expect(done, `shipped ${await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")} of ${records}; edge log:\n${edge.stderr().slice(-3000)}`).toBe(true);
}

/** Next offsets upstream's cursor topic recorded for one local partition, oldest first. */
async function cursorHistory(key: string): Promise<number[]> {
  const cursors = await readTopic(upstream.bootstrap, "__ledge_bridge_cursors", true);
  const out: number[] = [];
  for (const lines of cursors.values()) for (const l of lines) if (l.split("\t")[1] === key) out.push(Number(l.split("\t")[2]));
  return out;
}

/** The stored batches of a stopped edge's partition: base offset, next offset, bytes. */
async function storedBatches(d: LedgeDirs, topic: string, partition: number): Promise<Array<{ base: number; next: number; bytes: number }>> {
  const log = await openLog(d.dataDir);
  try {
    return log.read(topic, partition, 0, 2 ** 31 - 1).batches.map((b) => ({ base: readBaseOffset(b), next: readNextOffset(b), bytes: b.length }));
  } finally {
    await log.close();
  }
}

/** Per upstream transaction (from the cursor history), the stored batches it carried. */
function perTransaction(ends: number[], batches: Array<{ base: number; next: number; bytes: number }>): Array<Array<{ base: number; next: number; bytes: number }>> {
  return ends.map((end, i) => batches.filter((b) => b.base >= (i === 0 ? 0 : ends[i - 1]) && b.next <= end));
}

const fixed = (i: number, bytes: number) => `{"seq":${String(i).padStart(6, "0")}}`.padEnd(bytes, ".");

describe("bridge limits against a mock cluster upstream", () => {
  it("transactionBytesMax: no upstream transaction carries more than the bound plus its last batch; all but the last reach it", { timeout: 180_000 }, async () => {
    const d = await backlog("ledge-bridge-txbytes-", 1, Array.from({ length: 40 }, (_, i) => ["sensors/a", fixed(i, 200)]));
    const max = 1024;
    const edge = await withBridge(d, 1, `  edgeId: edge-txbytes\n  prefix: txbytes.\n  transactionBytesMax: ${max}\n  transactionMsMax: 30s\n`);
    await shippedAll(edge, 40);
    const transactions = await metric(edge.ports.http!, "ledge_bridge_transactions_total");
    const shippedBytes = await metric(edge.ports.http!, "ledge_bridge_shipped_bytes_total");
    expect(await metric(edge.ports.http!, "ledge_bridge_aborted_records_total")).toBe(0);
    edge.child.kill("SIGTERM");
    expect(await edge.exited).toBe(0);
    const ends = await cursorHistory("edge-txbytes/mqtt-messages/0");
    expect(ends.length, `cursor history ${ends.join(",")}`).toBe(transactions);
    expect(ends[ends.length - 1]).toBe(40);
    const txns = perTransaction(ends, await storedBatches(d, "mqtt-messages", 0));
    const bytes = txns.map((t) => t.reduce((n, b) => n + b.bytes, 0));
    // Small stored batches go merged: fewer batch headers upstream than stored.
    expect(bytes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(shippedBytes);
    expect(shippedBytes).toBeGreaterThan(4 * max); // the bound is crossed several times over
    txns.forEach((t, i) => {
      expect(t.length, `transaction ${i}`).toBeGreaterThan(0);
      // Counted in stored bytes: a merged run ships each stored batch without its 61-byte header.
      expect(bytes[i] - t[t.length - 1].bytes, `transaction ${i}: ${bytes[i]} bytes before its last batch`).toBeLessThan(max + 61 * t.length);
      if (i < txns.length - 1) expect(bytes[i], `transaction ${i} was cut before the bound`).toBeGreaterThanOrEqual(max);
    });
  });

  it("transactionMsMax: a rate-capped backlog far under transactionBytesMax is committed in many short transactions, not one", { timeout: 180_000 }, async () => {
    // The rate cap holds each transaction back; it waits for the cap only until transactionMsMax,
    // then commits (one round of ~270 bytes is due 130 ms later at 2 KiB/s, past the 100 ms).
    const batches = 30;
    const d = await backlog("ledge-bridge-txms-", 1, Array.from({ length: batches }, (_, i) => ["sensors/a", fixed(i, 200)]));
    const edge = await withBridge(d, 1, "  edgeId: edge-txms\n  prefix: txms.\n  transactionMsMax: 100ms\n  rateLimitBytesPerS: 2KiB\n");
    await shippedAll(edge, batches);
    const transactions = await metric(edge.ports.http!, "ledge_bridge_transactions_total");
    expect(await metric(edge.ports.http!, "ledge_bridge_aborted_records_total")).toBe(0);
    edge.child.kill("SIGTERM");
    expect(await edge.exited).toBe(0);
    const stored = await storedBatches(d, "mqtt-messages", 0);
    expect(stored.reduce((n, b) => n + b.bytes, 0)).toBeLessThan(4 * 1024 * 1024); // transactionBytesMax never cut
    const ends = await cursorHistory("edge-txms/mqtt-messages/0");
    expect(ends.length).toBe(transactions);
    expect(transactions, `cursor history ${ends.join(",")}`).toBeGreaterThanOrEqual(stored.length / 2);
    for (const t of perTransaction(ends, stored)) expect(t.length).toBeGreaterThan(0);
  });

  it("lingerMs: a trickle of live publishes shares one transaction while it lingers; with 0 each is committed alone", { timeout: 180_000 }, async () => {
    const trickle = async (edge: LedgeProcess, name: string) => {
      const c = await publisher(edge.ports.mqtt!, name);
      for (let i = 0; i < 8; i++) {
        await c.publishAsync("sensors/a", fixed(i, 100), { qos: 1 }); // acked: stored as its own batch
        await new Promise((r) => setTimeout(r, 50));
      }
      await c.endAsync();
      await shippedAll(edge, 8);
      return metric(edge.ports.http!, "ledge_bridge_transactions_total");
    };
    const lingering = await ledgeDirs("ledge-bridge-linger-", edgeYaml(1, `  brokers: ["${upstream.bootstrap.split(",").join('", "')}"]\n  edgeId: edge-linger\n  prefix: linger.\n  lingerMs: 4s\n  transactionMsMax: 20s\n`));
    cleanups.push(lingering.remove);
    const edge = await startLedge(lingering.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    expect(await trickle(edge, "linger-pub")).toBe(1);
    edge.child.kill("SIGTERM");
    expect(await edge.exited).toBe(0);
    expect((await storedBatches(lingering, "mqtt-messages", 0)).length).toBe(8);

    const eager = await ledgeDirs("ledge-bridge-eager-", edgeYaml(1, `  brokers: ["${upstream.bootstrap.split(",").join('", "')}"]\n  edgeId: edge-eager\n  prefix: eager.\n  lingerMs: 0\n`));
    cleanups.push(eager.remove);
    const edge0 = await startLedge(eager.args);
    cleanups.push(async () => void edge0.child.kill("SIGKILL"));
    expect(await trickle(edge0, "eager-pub")).toBeGreaterThan(1);
  });

  it("memoryBytesMax: with a 64 KiB read buffer, batches larger than it still ship, every record once and intact", { timeout: 180_000 }, async () => {
    const payloads: Array<[string, string]> = Array.from({ length: 12 }, (_, i) => [`big/d${i % 6}`, fixed(i, i % 3 === 0 ? 100_000 : 30_000)]);
    const d = await backlog("ledge-bridge-mem-", 3, payloads);
    const edge = await withBridge(d, 3, "  edgeId: edge-mem\n  prefix: mem.\n  memoryBytesMax: 64KiB\n");
    await shippedAll(edge, payloads.length);
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    const remote = await readTopic(upstream.bootstrap, "mem.mqtt-messages", true);
    expectSameBesidesAborted(local, remote, await metric(edge.ports.http!, "ledge_bridge_aborted_records_total"), () => edge.stderr().slice(-3000));
    edge.child.kill("SIGTERM");
    expect(await edge.exited).toBe(0);
    let largest = 0;
    for (let p = 0; p < 3; p++) for (const b of await storedBatches(d, "mqtt-messages", p)) largest = Math.max(largest, b.bytes);
    expect(largest).toBeGreaterThan(64 * 1024);
  });

  it("backoffMsMin/backoffMsMax: retry delays double from the minimum and stay within the maximum", { timeout: 120_000 }, async () => {
    // An upstream address where nothing listens: every session fails at once.
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const d = await ledgeDirs("ledge-bridge-backoff-", edgeYaml(1, `  brokers: ["127.0.0.1:${closed}"]\n  edgeId: edge-backoff\n  backoffMsMin: 20ms\n  backoffMsMax: 300ms\n`));
    cleanups.push(d.remove);
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const delays = () => [...edge.stderr().matchAll(/bridge: state backing-off: .*retrying in (\d+) ms/g)].map((m) => Number(m[1]));
    expect(await waitFor(async () => delays().length >= 10, 60_000, 200), edge.stderr().slice(-3000)).toBe(true);
    const seen = delays();
    edge.child.kill("SIGTERM");
    await edge.exited;
    // Failure n waits between half and all of min(backoffMsMax, backoffMsMin * 2^(n-1)).
    expect(seen[0]).toBeGreaterThanOrEqual(10);
    expect(seen[0]).toBeLessThanOrEqual(20);
    for (const ms of seen) expect(ms).toBeLessThanOrEqual(300);
    // From the 6th failure on, the doubling (640, 1280, ...) is past the maximum: capped.
    for (const ms of seen.slice(5)) expect(ms).toBeGreaterThanOrEqual(150);
  });
});
