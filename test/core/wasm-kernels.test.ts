// The kernels themselves, called directly on the debug build: random input with any count or
// bad descriptors returns a status (never a trap), regions outside memory are refused, and
// repeated calls do not grow wasm memory (the stub runtime never frees).
import { describe, expect, it } from "vitest";
import { decodeBatch, encodeBatch, validateBatch } from "../../runtime/core/index.ts";
import { statusTable, Status } from "../../runtime/core/errors.ts";
import { WasmCore } from "../../runtime/core/wasm.ts";
import { Workspace, workspace } from "../../runtime/core/workspace.ts";
import { crc32cReference } from "../reference/crc32c.ts";
import { randomRecords } from "./batch-fixtures.ts";
import { seededRandom } from "../../bench/lib/telemetry-lines.ts";

const knownStatuses = new Set<number>(statusTable.map((e) => e.status));

describe("wasm kernels on hostile input", () => {
  it("walkRecords returns a header count or a known status for 20,000 random sections", () => {
    const ws = workspace();
    const rand = seededRandom(7);
    const pick = (n: number) => Math.floor(rand() * n);
    const columns = ws.columns.ensure(64 * 32 + 4);
    const headerColumns = ws.headerColumns.ensure(64 * 16);
    const input = ws.input.ensure(256);
    for (let i = 0; i < 20_000; i++) {
      const length = pick(200);
      const memory = ws.core.bytes;
      // Small bytes make plausible varints and lengths, so walks get deep before failing.
      for (let k = 0; k < length; k++) memory[input + k] = rand() < 0.7 ? pick(8) : pick(256);
      const count = rand() < 0.9 ? pick(64) : pick(2 ** 31);
      const withColumns = count < 64 && rand() < 0.5;
      const rc = ws.core.exports.walkRecords(
        input, length, count, pick(100), pick(2), withColumns ? columns : 0, withColumns ? headerColumns : 0, withColumns ? 64 : 0,
      );
      if (rc < 0) expect(knownStatuses.has(rc), `status ${rc}`).toBe(true);
    }
  });

  it("refuses regions outside linear memory instead of trapping", () => {
    const { core } = workspace();
    const end = core.bytes.length;
    expect(core.exports.walkRecords(end - 4, 100, 1, 0, 1, 0, 0, 0)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    expect(core.exports.walkRecords(0, 16, 1, 0, 1, end - 8, 0, 0)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    expect(core.exports.encodeRecords(end - 10, 100, 0, 0, 0, 0, 0, 0)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    expect(core.exports.encodeBatchRecords(0, 60, 0, 0, 0, 0, 0, 0)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    // Sizes computed as count * width must not wrap around 2^32 and pass the check.
    expect(core.exports.walkRecords(0, 16, 2 ** 27, 0, 0, 64, 0, 0)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    expect(core.exports.walkRecords(0, 16, 1, 0, 0, 0, 64, 2 ** 28)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    expect(core.exports.encodeRecords(0, 64, 64, 0x0ccc_cccd, 0, 0, 0, 0)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    expect(core.exports.encodeRecords(0, 64, 0, 0, 64, 2 ** 29, 0, 0)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    expect(() => core.exports.crc32c(end - 2, 100)).toThrow(/ledge bug/);
  });

  it("encode kernels refuse bad descriptors and short output with ERR_OUTPUT_TOO_SMALL", () => {
    const ws = workspace();
    const desc = ws.recordDescriptors.ensure(20);
    const hdesc = ws.headerDescriptors.ensure(8);
    const data = ws.data.ensure(64);
    const out = ws.output.ensure(4096);
    const descriptor = (keyLength: number, valueLength: number, headers: number) =>
      new Int32Array(ws.core.bytes.buffer, desc, 5).set([keyLength, valueLength, headers, 0, 0]);
    const encode = (dataLength: number, capacity = 4096, headerCount = 1) =>
      ws.core.exports.encodeRecords(out, capacity, desc, 1, hdesc, headerCount, data, dataLength);
    new Int32Array(ws.core.bytes.buffer, hdesc, 2).set([2, 3]);
    descriptor(4, 4, 0);
    expect(encode(8)).toBeGreaterThan(0);
    expect(encode(7)).toBe(Status.ERR_OUTPUT_TOO_SMALL); // data shorter than the descriptors say
    expect(encode(8, 10)).toBe(Status.ERR_OUTPUT_TOO_SMALL); // output too small
    descriptor(-5, 4, 0);
    expect(encode(8)).toBe(Status.ERR_OUTPUT_TOO_SMALL);
    descriptor(1, 1, 2); // two headers, one descriptor
    expect(encode(64)).toBe(Status.ERR_OUTPUT_TOO_SMALL);
    descriptor(1, 1, 1);
    expect(encode(64)).toBeGreaterThan(0);
    new Int32Array(ws.core.bytes.buffer, hdesc, 2).set([-1, 3]); // null header key
    expect(encode(64)).toBe(Status.ERR_OUTPUT_TOO_SMALL);
  });

  it("the release build (what production runs) walks and checksums exactly like the debug build", () => {
    const release = new Workspace(new WasmCore("release"));
    const debug = new Workspace(new WasmCore("debug"));
    expect(release.core.build).toBe("release");
    expect(debug.core.build).toBe("debug");
    for (const batch of [encodeBatch(randomRecords(50, 80)), encodeBatch(randomRecords(1, 3000))]) {
      const results = [release, debug].map((ws) => {
        const ptr = ws.input.write(batch);
        const crc = ws.core.exports.crc32c(ptr + 21, batch.length - 21) >>> 0;
        const count = new DataView(batch.buffer).getInt32(57);
        const headers = ws.core.exports.walkRecords(ptr + 61, batch.length - 61, count, count - 1, 1, 0, 0, 0);
        const broken = ws.core.exports.walkRecords(ptr + 61, batch.length - 62, count, count - 1, 1, 0, 0, 0);
        return { crc, headers, broken };
      });
      expect(results[0]).toEqual(results[1]);
      expect(results[0].crc).toBe(crc32cReference(batch.subarray(21)));
      expect(results[0].broken).toBeLessThan(0);
    }
  });

  it("does not grow wasm memory over 2,000 encode/validate/decode cycles once warm", () => {
    const { core } = workspace();
    const records = randomRecords(100, 200);
    const cycle = () => decodeBatch(validateBatch(encodeBatch(records)) && encodeBatch(records));
    for (let i = 0; i < 10; i++) cycle();
    const before = core.exports.memory.buffer.byteLength;
    for (let i = 0; i < 2000; i++) cycle();
    expect(core.exports.memory.buffer.byteLength).toBe(before);
  });
});
