// Fetch reads stored batches into pooled buffers, reused once the socket has the response. The
// property that matters: consumers running side by side, each response built in a buffer an
// earlier response used, all receive every record exactly (check.crcs verifies each batch).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRequest, framed, decodeResponse } from "../../runtime/kafka/protocol/request-response.ts";
import type { FetchResponse } from "../../runtime/kafka/apis/fetch/index.ts";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { kcat } from "./helpers/kcat.ts";

let ledge: TestLedge;
const count = 40_000;
const lines = Array.from({ length: count }, (_, i) => `${String(i).padStart(8, "0")}-${(i * 104729).toString(36).padEnd(60, "z")}`);

beforeAll(async () => {
  ledge = await startTestLedge();
  await ledge.log.createTopic("fb", 1);
  const produced = await kcat(["-b", `127.0.0.1:${ledge.port}`, "-P", "-t", "fb", "-p", "0", "-X", "linger.ms=20", "-X", "batch.num.messages=500"], `${lines.join("\n")}\n`, 60_000);
  expect(produced.code).toBe(0);
});

afterAll(async () => {
  await ledge?.close();
});

/** A consumer from the beginning (small fetches: many responses), CRCs checked. */
function consume(fetchBytes = 131_072): Promise<string[]> {
  return kcat(["-b", `127.0.0.1:${ledge.port}`, "-C", "-t", "fb", "-p", "0", "-o", "beginning", "-e", "-q",
    "-X", "check.crcs=true", "-X", `fetch.message.max.bytes=${fetchBytes}`], undefined, 60_000)
    .then((r) => {
      expect(r.code).toBe(0);
      return r.stdout.split("\n").filter((l) => l.length > 0);
    });
}

describe("Fetch through pooled read buffers", () => {
  it("serves three concurrent consumers every record exactly, then reuses the buffers", async () => {
    const reused = () => ledge.metrics.counters.get("ledge_kafka_fetch_buffers_reused_total")?.value ?? 0;
    const got = await Promise.all([consume(), consume(), consume()]);
    for (const g of got) {
      expect(g.length).toBe(count);
      expect(g.findIndex((l, i) => l !== lines[i])).toBe(-1);
    }
    const before = reused();
    const again = await consume(); // the pool is stocked now: its responses reuse buffers
    expect(again.findIndex((l, i) => l !== lines[i])).toBe(-1);
    expect(again.length).toBe(count);
    expect(reused()).toBeGreaterThan(before);
  });

  it("keeps a response's buffer out of the pool until the socket has sent it, however slow the reader", async () => {
    // A consumer that pipelines fetches and does not read: its responses wait in ledge's socket
    // buffer, by reference into pooled buffers, while other consumers cycle the pool.
    const slow = await RawKafkaClient.open(ledge.port);
    slow.socket.pause();
    const fetchCount = 24;
    const offsets = Array.from({ length: fetchCount }, (_, i) => (i * 1500) % count);
    for (const [i, fetchOffset] of offsets.entries()) {
      const body = {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: "fb", partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
        forgottenTopicsData: [], rackId: "",
      };
      for (const c of framed(encodeRequest({ apiKey: 1, apiVersion: 11, correlationId: 100 + i, clientId: "slow" }, body))) slow.socket.write(c);
    }
    await new Promise((r) => setTimeout(r, 300)); // ledge answers into its socket buffer
    // Same 1 MiB fetches as the slow consumer: the same size class of pooled buffer.
    for (let i = 0; i < 3; i++) expect((await consume(1 << 20)).length).toBe(count);
    slow.socket.resume();
    for (const [i, fetchOffset] of offsets.entries()) {
      const payload = await slow.next(20_000);
      const res = decodeResponse<FetchResponse>(1, 11, payload!);
      expect(res.correlationId).toBe(100 + i);
      const records = res.body.responses[0].partitions[0].records as Uint8Array | Uint8Array[];
      const sent = Buffer.concat(Array.isArray(records) ? records : [records]);
      const stored = Buffer.concat(ledge.log.read("fb", 0, fetchOffset, 1 << 20).batches);
      expect(sent.equals(stored)).toBe(true);
    }
    slow.destroy();
  });
});
