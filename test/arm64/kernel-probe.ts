// What the wasm kernels compute on fixed inputs, as hashes: run on arm64 under qemu and on this
// machine, the two reports must be equal (the same wasm, a different CPU and engine backend).
// zstd is left out: its native addon is not built for arm64 here.
import { createHash } from "node:crypto";
import { Compression, crc32c, decodeBatch, encodeBatch, QuantileSketches } from "../../runtime/core/index.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex").slice(0, 16);

/** Deterministic bytes: a small linear congruential generator, with runs that compress. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = i % 97 < 40 ? 0x61 + (i % 7) : x >>> 24;
  }
  return out;
}

export function kernelReport(): Record<string, string | number> {
  const report: Record<string, string | number> = {};
  for (const n of [0, 1, 7, 8, 9, 63, 64, 65, 1000, 65_539]) report[`crc32c/${n}`] = crc32c(bytes(n, n + 1));
  const records = Array.from({ length: 300 }, (_, i) => ({
    key: i % 5 === 0 ? null : bytes(8 + (i % 13), i),
    value: bytes(20 + ((i * 37) % 900), 1000 + i),
    timestampMs: 1_767_225_600_000 + i * 17,
    headers: i % 3 === 0 ? [{ key: `h${i}`, value: bytes(i % 9, 7) }] : [],
  }));
  for (const codec of ["none", "gzip", "snappy", "lz4"] as const) {
    const batch = encodeBatch(records, { compression: Compression[codec] });
    // gzip is node:zlib, whose deflate may choose differently per CPU: its bytes are not compared.
    if (codec !== "gzip") report[`encode/${codec}`] = sha(batch);
    const decoded = decodeBatch(batch).records;
    report[`decode/${codec}`] = sha(Buffer.concat(decoded.flatMap((r) => [r.key ?? new Uint8Array(0), r.value ?? new Uint8Array(0)])));
    report[`decode/${codec}/count`] = decoded.length;
  }
  const sketches = new QuantileSketches();
  const s = sketches.create();
  sketches.add(s, Float64Array.from({ length: 10_000 }, (_, i) => ((i * 7919) % 10_007) / 3.7 + 0.5));
  report["sketch/quantiles"] = [...sketches.quantiles(s, [0.5, 0.9, 0.95, 0.99])].join(",");
  report["sketch/serialized"] = sha(sketches.serialize(s));
  return report;
}
