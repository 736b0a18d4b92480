// Deterministic JSON telemetry lines, the payload ledge mostly carries: the same seed gives the
// same bytes, so compression ratios and rates compare across runs and machines.

/** A small seeded PRNG (mulberry32): uniform floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES = ["ok", "ok", "ok", "ok", "warn", "ok", "ok", "fault"];

/** `bytes` of newline-separated lines like
 *  {"device":"sensor-0042","ts":1767225600123,"temp":21.53,"hum":40.1,"status":"ok"}. */
export function telemetryLines(bytes: number, seed = 42): Uint8Array {
  const random = seededRandom(seed);
  const out = new Uint8Array(bytes);
  const encoder = new TextEncoder();
  let ts = 1_767_225_600_000;
  let filled = 0;
  while (filled < bytes) {
    ts += Math.floor(random() * 50);
    const device = String(Math.floor(random() * 500)).padStart(4, "0");
    const temp = (15 + random() * 15).toFixed(2);
    const hum = (30 + random() * 40).toFixed(1);
    const status = STATUSES[Math.floor(random() * STATUSES.length)];
    const line = `{"device":"sensor-${device}","ts":${ts},"temp":${temp},"hum":${hum},"status":"${status}"}\n`;
    filled += encoder.encodeInto(line, out.subarray(filled)).written;
  }
  return out;
}

/** `bytes` of uniformly random bytes (incompressible). */
export function randomBytes(bytes: number, seed = 7): Uint8Array {
  const random = seededRandom(seed);
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(random() * 256);
  return out;
}
