import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { crc32c } from "../../runtime/core/index.ts";
import { CRC_HARDWARE_BYTES_MIN, crc32cPatch, crc32cWasm, hardwareCrc32c } from "../../runtime/core/crc32c.ts";
import { crc32cReference } from "../reference/crc32c.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

/** Lengths that cross every tail size of the 16-byte loop, the crossover, and up to 100k. */
function lengths(): number[] {
  const out = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 4095, 4096, 65_537, 100_000];
  for (let i = 0; i < 40; i++) out.push(Math.floor(Math.random() * 100_001));
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
    const pool = randomBytes(100_000 + 16);
    for (const length of lengths()) {
      const offset = Math.floor(Math.random() * 16);
      const view = new Uint8Array(pool.buffer, pool.byteOffset + offset, length);
      const expected = crc32cReference(view);
      expect(crc32cWasm(view), `wasm, length ${length} at +${offset}`).toBe(expected);
      expect(crc32c(view), `crc32c, length ${length} at +${offset}`).toBe(expected);
      if (hardwareCrc32c !== null) expect(hardwareCrc32c(view), `hardware, length ${length}`).toBe(expected);
    }
  });

  it("crc32cPatch turns the old CRC into the new one from the changed span alone", () => {
    for (let t = 0; t < 500; t++) {
      const length = 1 + Math.floor(Math.random() * 70_000);
      const before = new Uint8Array(randomBytes(length));
      const at = Math.floor(Math.random() * length);
      const span = 1 + Math.floor(Math.random() * Math.min(32, length - at));
      const after = before.slice();
      for (let i = at; i < at + span; i++) after[i] = Math.floor(Math.random() * 256);
      const xor = after.subarray(at, at + span).map((b, i) => b ^ before[at + i]);
      expect(crc32cPatch(crc32cReference(before), xor, length - at - span), `length ${length}, span ${at}+${span}`).toBe(
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
