// Pure-JS CRC-32C (slicing-by-8), the reference the wasm and hardware paths are checked and
// benchmarked against. Written for speed (one flat Int32Array table, bytes read directly) so the
// benchmark's baseline is good JS, not a strawman. Not shipped: runtime/core never imports test/.
const POLY = 0x82f63b78;

/** Eight 256-entry tables in one array: table k at k * 256 is "byte, then k zero bytes". */
const T = new Int32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[i] = c;
}
for (let t = 1; t < 8; t++) {
  for (let i = 0; i < 256; i++) {
    const c = T[(t - 1) * 256 + i];
    T[t * 256 + i] = (c >>> 8) ^ T[c & 0xff];
  }
}

/** CRC-32C of `bytes`, slicing-by-8 in plain JS. */
export function crc32cReference(bytes: Uint8Array): number {
  let crc = -1;
  let i = 0;
  const n = bytes.length;
  const end8 = n - (n & 7);
  while (i < end8) {
    const a = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) ^ crc;
    crc =
      T[1792 + (a & 0xff)] ^ T[1536 + ((a >>> 8) & 0xff)] ^ T[1280 + ((a >>> 16) & 0xff)] ^ T[1024 + (a >>> 24)] ^
      T[768 + bytes[i + 4]] ^ T[512 + bytes[i + 5]] ^ T[256 + bytes[i + 6]] ^ T[bytes[i + 7]];
    i += 8;
  }
  for (; i < n; i++) crc = (crc >>> 8) ^ T[(crc ^ bytes[i]) & 0xff];
  return (crc ^ -1) >>> 0;
}
