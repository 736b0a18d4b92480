import { describe, expect, it } from "vitest";
import { crc32c } from "../../runtime/core/index.ts";
import { CRC_HARDWARE_BYTES_MIN, crc32cPatch, crc32cWasm, hardwareCrc32c } from "../../runtime/core/crc32c.ts";
import { crc32cReference } from "../reference/crc32c.ts";
import { randomBytes, seededRandom } from "../../bench/lib/telemetry-lines.ts";

// Random inputs from a fixed seed, so a failure reproduces; LEDGE_TEST_SEED=N tries others.
const seed = Number(process.env.LEDGE_TEST_SEED ?? 20_260_101);
const random = seededRandom(seed);
const int = (below: number) => Math.floor(random() * below);

const ascii = (s: string) => new TextEncoder().encode(s);

/** Lengths that cross every tail size of the 16-byte loop, the crossover, and up to 100k. */
function lengths(): number[] {
  const out = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 4095, 4096, 65_537, 100_000];
  for (let i = 0; i < 40; i++) out.push(int(100_001));
  return out;
}

describe("crc32c", () => {
  it('computes the check vector crc32c("123456789") = 0xE3069283 on every path', () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32cWasm(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32cReference(ascii("123456789"))).toBe(0xe3069283);
    if (hardwareCrc32c !== null) expect(hardwareCrc32c(ascii("123456789"))).toBe(0xe3069283);
  });

  it("gives the known CRC-32C of empty input and 32 zero bytes (RFC 3720 B.4)", () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32cWasm(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32cWasm(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it("matches the pure-JS reference on random buffers at unaligned offsets (0..100k bytes)", () => {
    const pool = randomBytes(100_000 + 16, seed);
    for (const length of lengths()) {
      const offset = int(16);
      const view = new Uint8Array(pool.buffer, pool.byteOffset + offset, length);
      const expected = crc32cReference(view);
      const where = `length ${length} at +${offset}, seed ${seed}`;
      expect(crc32cWasm(view), `wasm, ${where}`).toBe(expected);
      expect(crc32c(view), `crc32c, ${where}`).toBe(expected);
      if (hardwareCrc32c !== null) expect(hardwareCrc32c(view), `hardware, ${where}`).toBe(expected);
    }
  });

  it("crc32cPatch turns the old CRC into the new one from the changed span alone", () => {
    for (let t = 0; t < 500; t++) {
      const length = 1 + int(70_000);
      const before = randomBytes(length, seed + t);
      const at = int(length);
      const span = 1 + int(Math.min(32, length - at));
      const after = before.slice();
      for (let i = at; i < at + span; i++) after[i] = int(256);
      const xor = after.subarray(at, at + span).map((b, i) => b ^ before[at + i]);
      expect(crc32cPatch(crc32cReference(before), xor, length - at - span), `length ${length}, span ${at}+${span}, seed ${seed}`).toBe(
        crc32cReference(after),
      );
    }
  });

  it("uses the hardware path above the crossover when @node-rs/crc32 loads on this machine", () => {
    // The package ships x64 and arm64 Linux binaries: on CI it must load, or validate loses 6x.
    expect(hardwareCrc32c).not.toBeNull();
    expect(CRC_HARDWARE_BYTES_MIN).toBeGreaterThan(0);
  });
});
