// Decompression bombs sent as Kafka Produce to a real ledge process: a 32 KiB zstd batch that
// really inflates to 1 GiB (8,192 RLE blocks of 128 KiB) and a 1 KiB snappy batch whose preamble
// claims 1 GiB. Each is refused with the protocol's "too large" answer (MESSAGE_TOO_LARGE, 10)
// while ledge's peak RSS (VmHWM) grows by far less than the claimed size: decompression stops at
// the 64 MiB cap (runtime/core DEFAULT_MAX_DECOMPRESSED_BYTES). Nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { RawKafkaClient } from "../kafka/helpers/raw-client.ts";
import { batchAround } from "../core/batch-fixtures.ts";
import { Compression } from "../../runtime/core/index.ts";
import type { ProduceResponse } from "../../runtime/kafka/apis/produce/index.ts";

const GiB = 2 ** 30;
const MiB = 2 ** 20;
let dirs: LedgeDirs;
let ledge: LedgeProcess;

beforeAll(async () => {
  dirs = await ledgeDirs("ledge-bomb-", "topics: [{ name: bombs, partitions: 1 }]\n");
  ledge = await startLedge(dirs.args);
});
afterAll(async () => {
  ledge?.child.kill("SIGKILL");
  await ledge?.exited;
  await dirs?.remove();
});

/** A zstd frame of RLE blocks (RFC 8878 3.1.1.2): `blocks` x 128 KiB of one byte, 4 bytes each. */
function zstdRleFrame(blocks: number): Uint8Array {
  const blockBytes = 128 * 1024;
  const out = new Uint8Array(6 + blocks * 4);
  out.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]); // magic; descriptor 0 (no content size); window 128 KiB (exponent 7)
  for (let i = 0; i < blocks; i++) {
    const header = (blockBytes << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0); // size, type RLE, last
    out.set([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x61], 6 + i * 4);
  }
  return out;
}

/** A snappy raw block whose length preamble (varint) claims `claimed` bytes, then one literal. */
function snappyClaim(claimed: number, padBytes: number): Uint8Array {
  const varint: number[] = [];
  for (let v = claimed; ; v = Math.floor(v / 128)) {
    if (v < 128) { varint.push(v); break; }
    varint.push((v % 128) | 0x80);
  }
  return Uint8Array.from([...varint, 0xfc, (padBytes - 1) & 0xff, ((padBytes - 1) >> 8) & 0xff, ...new Uint8Array(padBytes)]);
}

const peakRssBytes = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${ledge.child.pid}/status`, "utf8"))![1]) * 1024;

async function produce(batch: Uint8Array): Promise<number> {
  const c = await RawKafkaClient.open(ledge.ports.kafka!);
  const body = { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: "bombs", partitionData: [{ index: 0, records: batch }] }] };
  const r = await c.request<ProduceResponse>(0, 7, body);
  c.destroy();
  return r.body.responses[0].partitionResponses[0].errorCode;
}

describe("decompression bombs over Kafka Produce", () => {
  it("a 32 KiB zstd batch inflating to 1 GiB is refused at the cap, without allocating near 1 GiB", async () => {
    const records = zstdRleFrame(GiB / (128 * 1024));
    const batch = batchAround(records, 1, { compression: Compression.zstd });
    expect(batch.length).toBeLessThan(40 * 1024);
    const before = peakRssBytes();
    expect(await produce(batch)).toBe(10); // MESSAGE_TOO_LARGE
    const grown = peakRssBytes() - before;
    if (process.env.LEDGE_FUZZ_PRINT) console.log(`peak RSS grew ${(grown / MiB).toFixed(1)} MiB`);
    expect(grown).toBeLessThan(256 * MiB); // the 64 MiB cap and its copies; never the 1 GiB
    expect(ledge.child.exitCode).toBeNull();
  });

  it("a 1 KiB snappy batch claiming 1 GiB is refused before decoding", async () => {
    const batch = batchAround(snappyClaim(GiB, 900), 1, { compression: Compression.snappy });
    expect(batch.length).toBeLessThanOrEqual(1024);
    const before = peakRssBytes();
    expect(await produce(batch)).toBe(10);
    expect(peakRssBytes() - before).toBeLessThan(64 * MiB);
  });

  it("nothing was stored, and a normal batch still is", async () => {
    const c = await RawKafkaClient.open(ledge.ports.kafka!);
    const offsets = await c.request(2, 1, { replicaId: -1, topics: [{ name: "bombs", partitions: [{ partitionIndex: 0, timestamp: -1 }] }] });
    c.destroy();
    expect((offsets.body as { topics: { partitions: { offset: number }[] }[] }).topics[0].partitions[0].offset).toBe(0);
  });
});
