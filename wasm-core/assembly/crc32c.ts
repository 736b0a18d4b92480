// CRC-32C (Castagnoli; reflected polynomial 0x82F63B78), slicing-by-16.
//
// Table k holds the CRC of byte i followed by k zero bytes, so 16 input bytes fold into the
// running CRC with 16 independent lookups per step. wasm has no CRC instruction; runtime/core
// prefers the CPU's (via @node-rs/crc32) for large buffers outside wasm memory.
import { inMemory } from "./memory";

const POLY: u32 = 0x82f63b78;
const TABLE_COUNT: i32 = 16;
const TABLE_BYTES: usize = 256 * 4;
const TABLES: usize = memory.data(<i32>(TABLE_COUNT * <i32>TABLE_BYTES), 64);

function fillTables(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    store<u32>(TABLES + (<usize>i << 2), c);
  }
  for (let t = 1; t < TABLE_COUNT; t++) {
    const prev = TABLES + <usize>(t - 1) * TABLE_BYTES;
    const cur = TABLES + <usize>t * TABLE_BYTES;
    for (let i: usize = 0; i < 256; i++) {
      const c = load<u32>(prev + (i << 2));
      store<u32>(cur + (i << 2), (c >>> 8) ^ load<u32>(TABLES + ((<usize>c & 0xff) << 2)));
    }
  }
}
fillTables();

// @ts-ignore: decorator
@inline
function lookup(table: usize, byte: u32): u32 {
  return load<u32>(TABLES + table * TABLE_BYTES + (<usize>(byte & 0xff) << 2));
}

/** Folds [ptr, ptr + len) into a running (pre-inverted) CRC state; caller checks bounds. */
export function crc32cFold(state: u32, ptr: usize, len: usize): u32 {
  let crc = state;
  let p = ptr;
  const end16 = ptr + (len & ~(<usize>15));
  while (p < end16) {
    const a = load<u32>(p) ^ crc;
    const b = load<u32>(p, 4);
    const c = load<u32>(p, 8);
    const d = load<u32>(p, 12);
    crc =
      lookup(15, a) ^ lookup(14, a >>> 8) ^ lookup(13, a >>> 16) ^ lookup(12, a >>> 24) ^
      lookup(11, b) ^ lookup(10, b >>> 8) ^ lookup(9, b >>> 16) ^ lookup(8, b >>> 24) ^
      lookup(7, c) ^ lookup(6, c >>> 8) ^ lookup(5, c >>> 16) ^ lookup(4, c >>> 24) ^
      lookup(3, d) ^ lookup(2, d >>> 8) ^ lookup(1, d >>> 16) ^ lookup(0, d >>> 24);
    p += 16;
  }
  const end = ptr + len;
  while (p < end) {
    crc = (crc >>> 8) ^ lookup(0, crc ^ load<u8>(p));
    p++;
  }
  return crc;
}

/** CRC-32C of [ptr, ptr + len). Pointers come only from runtime/core's regions. */
export function crc32c(ptr: usize, len: usize): u32 {
  if (!inMemory(ptr, len)) abort("crc32c: region outside linear memory (a ledge bug)");
  return ~crc32cFold(0xffffffff, ptr, len);
}
