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
