// CRC-32C, one API over the fastest path: the CPU's instruction through @node-rs/crc32 for
// buffers past the crossover when that package loads (it does not on Bun or 32-bit Arm), the
// wasm slicing-by-16 kernel otherwise. Both paths are checked against each other in tests.
import { createRequire } from "node:module";
import { workspace } from "./workspace.ts";

type Crc32cFunction = (input: Uint8Array) => number;

/**
 * Below this many bytes the napi call overhead loses to copying into wasm. Measured here (x64,
 * Node 20): 64 B wasm 95 ns / napi 126 ns; 256 B 188 / 187 ns; 1 KiB 555 / 304 ns.
 */
export const CRC_HARDWARE_BYTES_MIN = 256;

const CHECK_VECTOR = "123456789";
const CHECK_CRC = 0xe3069283;

function loadHardware(): Crc32cFunction | null {
  if (process.env.LEDGE_CRC_HARDWARE === "off") return null;
  try {
    const native = createRequire(import.meta.url)("@node-rs/crc32") as { crc32c: (b: Uint8Array | string) => number };
    if (native.crc32c(CHECK_VECTOR) >>> 0 !== CHECK_CRC) return null;
    return (input) => native.crc32c(input) >>> 0;
  } catch {
    return null;
  }
}

/** The hardware CRC-32C, or null where @node-rs/crc32 does not load. */
export const hardwareCrc32c: Crc32cFunction | null = loadHardware();

/** CRC-32C in the wasm core (copies `bytes` into wasm memory first). */
export function crc32cWasm(bytes: Uint8Array): number {
  const ws = workspace();
  const ptr = ws.input.write(bytes);
  return ws.core.exports.crc32c(ptr, bytes.length) >>> 0;
}

/** CRC-32C (Castagnoli) of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  if (hardwareCrc32c !== null && bytes.length >= CRC_HARDWARE_BYTES_MIN) return hardwareCrc32c(bytes);
  return crc32cWasm(bytes);
}

// --- Patching a CRC after bytes change in place, without reading the unchanged bytes. ---
// CRC-32C is linear over GF(2): for two messages of equal length, crc(A) ^ crc(B) equals the raw
// CRC (register starting at 0, no final xor) of A ^ B. A ^ B is zero outside the changed span, so
// only that span is read, then moved past the bytes after it by multiplying by x^(8 * trailing)
// mod P. Polynomials are 32-bit words in CRC-32C's reflected order: bit 31 is x^0.
const POLY_REFLECTED = 0x82f63b78;
const X_POW_0 = 0x8000_0000;
const X_POW_8 = 0x0080_0000;

/** (a * b) mod P for reflected polynomials. */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  let shifted = b;
  for (let bit = 31; bit >= 0; bit--) {
    if ((a >>> bit) & 1) product ^= shifted;
    shifted = shifted & 1 ? (shifted >>> 1) ^ POLY_REFLECTED : shifted >>> 1;
  }
  return product >>> 0;
}

/** x^(8 * bytes) mod P: what appending `bytes` zero bytes does to a raw CRC. */
function zeroBytesOperator(bytes: number): number {
  let result = X_POW_0;
  let power = X_POW_8;
  for (let n = bytes; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = multiplyModP(result, power);
    power = multiplyModP(power, power);
  }
  return result;
}

/** Raw CRC register over `bytes` (start 0, no final xor), bit by bit: for short spans only. */
function rawCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLY_REFLECTED : crc >>> 1;
  }
  return crc >>> 0;
}

/**
 * The CRC-32C of a buffer after some of its bytes changed, from its old CRC: `xorOfChange` is
 * old ^ new over the changed span and `bytesAfterChange` how many bytes follow that span. Reads
 * nothing else, so a CRC that was wrong before stays wrong (corruption is not laundered).
 */
export function crc32cPatch(crc: number, xorOfChange: Uint8Array, bytesAfterChange: number): number {
  return (crc ^ multiplyModP(rawCrc(xorOfChange), zeroBytesOperator(bytesAfterChange))) >>> 0;
}
