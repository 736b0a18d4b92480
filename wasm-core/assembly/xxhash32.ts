// xxHash32 (Yann Collet's XXH32): the checksum of the LZ4 frame format (header byte, block
// and content checksums). Written from the algorithm's description; little-endian loads.
import { inMemory } from "./memory";

// @ts-ignore: decorator
@inline const P1: u32 = 2654435761;
// @ts-ignore: decorator
@inline const P2: u32 = 2246822519;
// @ts-ignore: decorator
@inline const P3: u32 = 3266489917;
// @ts-ignore: decorator
@inline const P4: u32 = 668265263;
// @ts-ignore: decorator
@inline const P5: u32 = 374761393;

// @ts-ignore: decorator
@inline
function round(acc: u32, lane: u32): u32 {
  return rotl<u32>(acc + lane * P2, 13) * P1;
}

/** XXH32 of [ptr, ptr + len); the caller has checked the bounds. */
export function xxh32(ptr: usize, len: usize, seed: u32): u32 {
  let p = ptr;
  const end = ptr + len;
  let h: u32;
  if (len >= 16) {
    let v1 = seed + P1 + P2;
    let v2 = seed + P2;
    let v3 = seed;
    let v4 = seed - P1;
    const limit = end - 16;
    while (p <= limit) {
      v1 = round(v1, load<u32>(p));
      v2 = round(v2, load<u32>(p, 4));
      v3 = round(v3, load<u32>(p, 8));
      v4 = round(v4, load<u32>(p, 12));
      p += 16;
    }
    h = rotl<u32>(v1, 1) + rotl<u32>(v2, 7) + rotl<u32>(v3, 12) + rotl<u32>(v4, 18);
  } else {
    h = seed + P5;
  }
  h += <u32>len;
  while (p + 4 <= end) {
    h = rotl<u32>(h + load<u32>(p) * P3, 17) * P4;
    p += 4;
  }
  while (p < end) {
    h = rotl<u32>(h + <u32>load<u8>(p) * P5, 11) * P1;
    p++;
  }
  h ^= h >>> 15;
  h *= P2;
  h ^= h >>> 13;
  h *= P3;
  h ^= h >>> 16;
  return h;
}

/** XXH32 kernel for the host (tests, tools): the hash's bits as an i32, or 0 when
 *  [ptr, ptr + len) lies outside memory (a ledge bug: the host hands out regions). */
export function xxhash32(ptr: usize, len: usize, seed: u32): i32 {
  if (!inMemory(ptr, len)) return 0;
  return <i32>xxh32(ptr, len, seed);
}
