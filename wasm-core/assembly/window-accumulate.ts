// Window aggregation: folds a batch's extracted values into per-(window, key) accumulators that
// live in wasm memory, in one call per batch. The host decides which slot each record feeds
// (its window and key); this kernel does the arithmetic and feeds the quantile sketches.
//
// State: one slot per open (window, key), SLOT_STRIDE(F) = (1 + 9F) f64:
//   | count | per field f: sum | min | max | first | firstTime | last | lastTime | mean | m2 |
// count 0 = empty slot (the first value initialises it). first/last are the values with the
// smallest / largest event time (ties: the first / last one fed). mean and m2 are Welford's
// running mean and sum of squared deviations (stddev without the cancellation of sum of squares);
// sum is a straight sum, as the issue asks.
//
// Entries: entry e feeds slot slots[e] with record records[e] (a record may feed several slots:
// hopping windows). Per record: times[r] (event time, f64), values[f * recordCount + r].
// sketches: 0, or an i32 table [slot * F + f] of quantile sketch addresses (quantile-sketch.ts).
import * as status from "./status";
import { inMemory } from "./memory";
import { sketchAddFinite } from "./quantile-sketch";

export const WINDOW_FIELD_F64S: i32 = 9;

// @ts-ignore: decorator
@inline
function slotStrideBytes(fieldCount: i32): usize {
  return (1 + <usize>fieldCount * <usize>WINDOW_FIELD_F64S) << 3;
}

/** Feeds value v at time t into one field's accumulators at `at` (n: the slot's count after it). */
export function feedField(at: usize, first: bool, n: f64, v: f64, t: f64): void {
  if (first) {
    store<f64>(at, v);
    store<f64>(at, v, 8);
    store<f64>(at, v, 16);
    store<f64>(at, v, 24);
    store<f64>(at, t, 32);
    store<f64>(at, v, 40);
    store<f64>(at, t, 48);
    store<f64>(at, v, 56);
    store<f64>(at, 0, 64);
    return;
  }
  store<f64>(at, load<f64>(at) + v);
  if (v < load<f64>(at, 8)) store<f64>(at, v, 8);
  if (v > load<f64>(at, 16)) store<f64>(at, v, 16);
  if (t < load<f64>(at, 32)) {
    store<f64>(at, v, 24);
    store<f64>(at, t, 32);
  }
  if (t >= load<f64>(at, 48)) {
    store<f64>(at, v, 40);
    store<f64>(at, t, 48);
  }
  const mean = load<f64>(at, 56);
  const delta = v - mean;
  const next = mean + delta / n;
  store<f64>(at, next, 56);
  store<f64>(at, load<f64>(at, 64) + delta * (v - next), 64);
}

/** Feeds `entryCount` entries; returns 0 or a status (nothing is fed when the arguments are wrong). */
export function windowAccumulate(
  state: usize, slotCount: i32, entryCount: i32, slots: usize, records: usize,
  times: usize, values: usize, recordCount: i32, fieldCount: i32, sketches: usize,
): i32 {
  if (slotCount < 0 || entryCount < 0 || recordCount < 0 || fieldCount < 0 || fieldCount > 64) return status.ERR_WINDOW_ARGUMENTS;
  const stride = slotStrideBytes(fieldCount);
  if (!inMemory(state, <u64>slotCount * <u64>stride)) return status.ERR_REGION_OUT_OF_BOUNDS;
  if (!inMemory(slots, <u64>entryCount << 2) || !inMemory(records, <u64>entryCount << 2)) return status.ERR_REGION_OUT_OF_BOUNDS;
  if (!inMemory(times, <u64>recordCount << 3) || !inMemory(values, (<u64>recordCount * <u64>fieldCount) << 3)) return status.ERR_REGION_OUT_OF_BOUNDS;
  if (sketches != 0 && !inMemory(sketches, (<u64>slotCount * <u64>fieldCount) << 2)) return status.ERR_REGION_OUT_OF_BOUNDS;
  for (let e: usize = 0; e < <usize>entryCount; e++) {
    const slot = load<i32>(slots + (e << 2));
    const record = load<i32>(records + (e << 2));
    if (<u32>slot >= <u32>slotCount || <u32>record >= <u32>recordCount) return status.ERR_WINDOW_ARGUMENTS;
  }
  for (let e: usize = 0; e < <usize>entryCount; e++) {
    const slot = <usize>load<i32>(slots + (e << 2));
    const record = <usize>load<i32>(records + (e << 2));
    const base = state + slot * stride;
    const n = load<f64>(base) + 1;
    store<f64>(base, n);
    const t = load<f64>(times + (record << 3));
    for (let f: usize = 0; f < <usize>fieldCount; f++) {
      const v = load<f64>(values + ((f * <usize>recordCount + record) << 3));
      feedField(base + 8 + f * (<usize>WINDOW_FIELD_F64S << 3), n == 1, n, v, t);
      if (sketches != 0) sketchAddFinite(<usize>load<i32>(sketches + ((slot * <usize>fieldCount + f) << 2)), v);
    }
  }
  return 0;
}

/**
 * Merges slot `from` into slot `into` (session windows that meet): counts, sums, extremes,
 * first/last by time, and Chan's parallel update of mean and m2. Sketches are merged by the host.
 */
export function windowMergeSlots(state: usize, slotCount: i32, fieldCount: i32, into: i32, from: i32): i32 {
  if (slotCount < 0 || fieldCount < 0 || fieldCount > 64 || <u32>into >= <u32>slotCount || <u32>from >= <u32>slotCount) return status.ERR_WINDOW_ARGUMENTS;
  const stride = slotStrideBytes(fieldCount);
  if (!inMemory(state, <u64>slotCount * <u64>stride)) return status.ERR_REGION_OUT_OF_BOUNDS;
  const a = state + <usize>into * stride;
  const b = state + <usize>from * stride;
  const na = load<f64>(a);
  const nb = load<f64>(b);
  if (nb == 0) return 0;
  if (na == 0) {
    memory.copy(a, b, stride);
    return 0;
  }
  const n = na + nb;
  store<f64>(a, n);
  for (let f: usize = 0; f < <usize>fieldCount; f++) {
    const x = a + 8 + f * (<usize>WINDOW_FIELD_F64S << 3);
    const y = b + 8 + f * (<usize>WINDOW_FIELD_F64S << 3);
    store<f64>(x, load<f64>(x) + load<f64>(y));
    if (load<f64>(y, 8) < load<f64>(x, 8)) store<f64>(x, load<f64>(y, 8), 8);
    if (load<f64>(y, 16) > load<f64>(x, 16)) store<f64>(x, load<f64>(y, 16), 16);
    if (load<f64>(y, 32) < load<f64>(x, 32)) {
      store<f64>(x, load<f64>(y, 24), 24);
      store<f64>(x, load<f64>(y, 32), 32);
    }
    if (load<f64>(y, 48) >= load<f64>(x, 48)) {
      store<f64>(x, load<f64>(y, 40), 40);
      store<f64>(x, load<f64>(y, 48), 48);
    }
    const delta = load<f64>(y, 56) - load<f64>(x, 56);
    store<f64>(x, load<f64>(x, 56) + delta * nb / n, 56);
    store<f64>(x, load<f64>(x, 64) + load<f64>(y, 64) + delta * delta * na * nb / n, 64);
  }
  return 0;
}
