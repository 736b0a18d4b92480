// The RecordBatch v2 layout has one TypeScript table (runtime/core/batch-header.ts) and the wasm
// core's own constants (wasm-core/assembly/batch.ts): the two must agree name for name, and
// nothing outside runtime/core may restate an offset.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as layout from "../../runtime/core/batch-header.ts";
import { encodeBatch, readBatchHeader, readBaseOffset, readLastOffsetDelta, readNextOffset, readMaxTimestampMs, readBaseTimestampMs, readRecordCount, readCompression, Compression } from "../../runtime/core/index.ts";

const wasmSource = readFileSync(new URL("../../wasm-core/assembly/batch.ts", import.meta.url), "utf8");
const wasmConstants = [...wasmSource.matchAll(/export const (\w+(?:_OFFSET|_BYTES)): usize = (\d+);/g)]
  .map((m) => ({ name: m[1], value: Number(m[2]) }))
  .filter((c) => c.name.endsWith("_OFFSET") || c.name.startsWith("BATCH_"));

describe("RecordBatch v2 layout", () => {
  it("finds the wasm core's header constants", () => {
    expect(wasmConstants.map((c) => c.name)).toContain("RECORD_COUNT_OFFSET");
    expect(wasmConstants.length).toBeGreaterThanOrEqual(15);
  });

  it("runtime/core's table has every wasm header constant, with the same value", () => {
    const table = layout as unknown as Record<string, unknown>;
    for (const c of wasmConstants) expect(table[c.name], c.name).toBe(c.value);
  });

  it("the offsets tile the 61-byte header in order, CRC covering from attributes on", () => {
    const fields: Array<[string, number]> = [
      ["BASE_OFFSET_OFFSET", 8], ["BATCH_LENGTH_OFFSET", 4], ["PARTITION_LEADER_EPOCH_OFFSET", 4], ["MAGIC_OFFSET", 1],
      ["CRC_OFFSET", 4], ["ATTRIBUTES_OFFSET", 2], ["LAST_OFFSET_DELTA_OFFSET", 4], ["BASE_TIMESTAMP_OFFSET", 8],
      ["MAX_TIMESTAMP_OFFSET", 8], ["PRODUCER_ID_OFFSET", 8], ["PRODUCER_EPOCH_OFFSET", 2], ["BASE_SEQUENCE_OFFSET", 4],
      ["RECORD_COUNT_OFFSET", 4],
    ];
    const table = layout as unknown as Record<string, number>;
    let at = 0;
    for (const [name, size] of fields) {
      expect(table[name], name).toBe(at);
      at += size;
    }
    expect(at).toBe(layout.BATCH_HEADER_BYTES);
    expect(layout.CRC_OFFSET + 4).toBe(layout.ATTRIBUTES_OFFSET);
    expect(layout.BATCH_LENGTH_OFFSET + 4).toBe(layout.BATCH_LENGTH_PREFIX_BYTES);
  });

  it("the single-field readers agree with readBatchHeader", () => {
    const bytes = encodeBatch(
      [1_700_000_000_000, 1_700_000_000_500, 1_700_000_000_200].map((timestampMs, i) => ({ key: null, value: Uint8Array.of(i), timestampMs })),
      { baseOffset: 2 ** 40 + 7, compression: Compression.gzip },
    );
    const h = readBatchHeader(bytes);
    expect(readBaseOffset(bytes)).toBe(h.baseOffset);
    expect(readLastOffsetDelta(bytes)).toBe(2);
    expect(readNextOffset(bytes)).toBe(2 ** 40 + 10);
    expect(readBaseTimestampMs(bytes)).toBe(1_700_000_000_000);
    expect(readMaxTimestampMs(bytes)).toBe(1_700_000_000_500);
    expect(readRecordCount(bytes)).toBe(3);
    expect(readCompression(bytes)).toBe(Compression.gzip);
  });
});
