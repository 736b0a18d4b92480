// A mergeable quantile sketch with 1% relative accuracy (DDSketch: Masson, Rim, Lee, VLDB 2019).
//
// A value x > 0 counts in bucket i = ceil(log_gamma(x)), gamma = (1 + a) / (1 - a), a = 0.01:
// bucket i holds (gamma^(i-1), gamma^i], and its representative 2 gamma^i / (gamma + 1) is within
// a of every value in it. Negative values count in a second store by the index of |x|; zeros in
// a counter. A quantile q is the value of rank floor(q (n - 1)) in sorted order (0-based, the
// lower of the two neighbours), found by walking the buckets, and clamped to the exact [min, max]
// (ranks 0 and n - 1 are the exact min and max).
//
// Memory: each store is a run of u64 counters of at most `binsMax` buckets, in a block sized to
// what it holds: blocks come in power-of-two capacities from BLOCK_BINS_MIN, and a store moves to
// a block twice as large when its run outgrows its own. A sketch of temperatures in one window
// (a run of ~40 buckets) takes its 64-byte header and a 520-byte block; a sign never seen costs
// nothing. Blocks left behind by growth, and those of released sketches, wait in free lists by
// capacity for the next store that needs one; only when none waits does the core reserve more,
// so a kernel that adds to a sketch may grow wasm memory (host views of memory are valid only
// until the next wasm call, as everywhere in the core). When a store would span more than
// binsMax buckets, the buckets of the smallest magnitudes (positive store) or of the largest
// magnitudes (negative store, kept as negated indices) fold into the lowest bucket kept: the
// low end of the distribution loses accuracy first, never p50..p99 of data that spans less than
// gamma^binsMax (binsMax 1024: a factor of 8e8). The fold depends only on the smallest and
// largest index seen, so adding in any order and merging give the same sketch.
//
// Layout at a sketch's address (SKETCH_HEADER_BYTES):
//   u32 mark | i32 binsMax | u64 count | u64 zeroCount | f64 min | f64 max
//   | i32 positiveLow | i32 positiveLength | i32 negativeLow | i32 negativeLength
//   | u32 positiveBlock | u32 negativeBlock (0: none yet)
// A block: u32 capacity | u32 next free block (while free) | u64 counters[capacity]. Counters
// past a store's run are always 0, and so are all of a free block's.
import * as status from "./status";
import { inMemory } from "./memory";

export const SKETCH_RELATIVE_ACCURACY: f64 = 0.01;
export const SKETCH_HEADER_BYTES: i32 = 64;
export const SKETCH_BINS_MIN: i32 = 16;
export const SKETCH_BINS_MAX: i32 = 32768;
/** Indices of every finite double, subnormals included, lie well inside +-INDEX_LIMIT. */
const INDEX_LIMIT: i32 = 40000;
/** Counts stay exact as doubles below this when ranks are compared. */
const COUNT_LIMIT: u64 = <u64>1 << 53;
const MARK: u32 = 0x4b534444; // "DDSK", set by sketchInit
const SERIAL_MAGIC: u32 = 0x314b5344; // "DSK1" as bytes

const GAMMA: f64 = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA: f64 = Math.log(GAMMA);
const LOG_REPRESENTATIVE_FACTOR: f64 = Math.log(2 / (GAMMA + 1));

const MARK_AT: usize = 0;
const BINS_MAX_AT: usize = 4;
const COUNT_AT: usize = 8;
const ZERO_AT: usize = 16;
const MIN_AT: usize = 24;
const MAX_AT: usize = 32;
const LOW_AT: usize = 40; // + 8 * store
const LENGTH_AT: usize = 44; // + 8 * store
const BLOCK_AT: usize = 56; // + 4 * store
const POSITIVE: i32 = 0;
const NEGATIVE: i32 = 1;

/** Block capacities: BLOCK_BINS_MIN << class, class < BLOCK_CLASSES (up to SKETCH_BINS_MAX). */
const BLOCK_BINS_MIN: i32 = 16;
const BLOCK_CLASSES: i32 = 12;
const BLOCK_HEADER_BYTES: usize = 8;
/** Free blocks by class: the first of each list (0: empty). */
const FREE_BLOCKS: usize = memory.data(BLOCK_CLASSES * 4, 16);

// @ts-ignore: decorator
@inline
function binsMaxOf(sketch: usize): i32 {
  return load<i32>(sketch + BINS_MAX_AT);
}

// @ts-ignore: decorator
@inline
function blockOf(sketch: usize, side: i32): usize {
  return <usize>load<u32>(sketch + BLOCK_AT + (<usize>side << 2));
}

/** The counters of a store (only when its run is not empty, or its block is set). */
// @ts-ignore: decorator
@inline
function bins(sketch: usize, side: i32): usize {
  return blockOf(sketch, side) + BLOCK_HEADER_BYTES;
}

/** The smallest class whose blocks hold `length` counters. */
function classFor(length: i32): i32 {
  let c = 0;
  while ((BLOCK_BINS_MIN << c) < length) c++;
  return c;
}

/** A zeroed block of class c: a free one, else newly reserved (fresh memory is zero). */
function takeBlock(c: i32): usize {
  const head = FREE_BLOCKS + (<usize>c << 2);
  const free = <usize>load<u32>(head);
  if (free != 0) {
    store<u32>(head, load<u32>(free, 4));
    store<u32>(free, 0, 4);
    return free;
  }
  const block = heap.alloc(BLOCK_HEADER_BYTES + (<usize>(BLOCK_BINS_MIN << c) << 3));
  store<u32>(block, <u32>(BLOCK_BINS_MIN << c));
  return block;
}

/** Zeroes the first `used` counters of a block and puts it on its free list. */
function giveBlock(block: usize, used: i32): void {
  memory.fill(block + BLOCK_HEADER_BYTES, 0, <usize>used << 3);
  const head = FREE_BLOCKS + (<usize>classFor(<i32>load<u32>(block)) << 2);
  store<u32>(block, load<u32>(head), 4);
  store<u32>(head, <u32>block);
}

/** The bytes of a sketch's header (its stores' blocks are the core's), or ERR_SKETCH_ARGUMENTS for a cap out of range. */
export function sketchBytes(binsMax: i32): i32 {
  if (binsMax < SKETCH_BINS_MIN || binsMax > SKETCH_BINS_MAX) return status.ERR_SKETCH_ARGUMENTS;
  return SKETCH_HEADER_BYTES;
}

/** A live sketch: inside memory, initialised, sane cap, blocks inside memory. */
function valid(sketch: usize): bool {
  if (!inMemory(sketch, <u64>SKETCH_HEADER_BYTES) || load<u32>(sketch + MARK_AT) != MARK) return false;
  const binsMax = binsMaxOf(sketch);
  if (binsMax < SKETCH_BINS_MIN || binsMax > SKETCH_BINS_MAX) return false;
  for (let s = POSITIVE; s <= NEGATIVE; s++) {
    const block = blockOf(sketch, s);
    if (block != 0 && !inMemory(block, BLOCK_HEADER_BYTES + (<u64>load<u32>(block) << 3))) return false;
  }
  return true;
}

/**
 * Empties the sketch. `blocks`: keep (a window's sketch reused for the next window, which will
 * likely need as many buckets), give back to the free lists, or forget (memory of unknown
 * contents: sketchInit).
 */
const KEEP_BLOCKS: i32 = 0;
const GIVE_BLOCKS: i32 = 1;
const NO_BLOCKS: i32 = 2;

function clear(sketch: usize, blocks: i32): void {
  for (let s = POSITIVE; s <= NEGATIVE; s++) {
    const length = load<i32>(sketch + LENGTH_AT + (<usize>s << 3));
    const block = blockOf(sketch, s);
    if (blocks == KEEP_BLOCKS) {
      if (block != 0) memory.fill(block + BLOCK_HEADER_BYTES, 0, <usize>length << 3);
    } else {
      if (blocks == GIVE_BLOCKS && block != 0) giveBlock(block, length);
      store<u32>(sketch + BLOCK_AT + (<usize>s << 2), 0);
    }
    store<i32>(sketch + LOW_AT + (<usize>s << 3), 0);
    store<i32>(sketch + LENGTH_AT + (<usize>s << 3), 0);
  }
  store<u64>(sketch + COUNT_AT, 0);
  store<u64>(sketch + ZERO_AT, 0);
  store<f64>(sketch + MIN_AT, Infinity);
  store<f64>(sketch + MAX_AT, -Infinity);
}

/** Makes [sketch, + sketchBytes(binsMax)) an empty sketch. */
export function sketchInit(sketch: usize, binsMax: i32): i32 {
  const bytes = sketchBytes(binsMax);
  if (bytes < 0) return bytes;
  if (!inMemory(sketch, <u64>bytes)) return status.ERR_REGION_OUT_OF_BOUNDS;
  store<u32>(sketch + MARK_AT, MARK);
  store<i32>(sketch + BINS_MAX_AT, binsMax);
  clear(sketch, NO_BLOCKS);
  return status.OK;
}

/** Empties a live sketch, keeping its cap and its blocks. */
export function sketchClear(sketch: usize): i32 {
  if (!valid(sketch)) return status.ERR_SKETCH_ARGUMENTS;
  clear(sketch, KEEP_BLOCKS);
  return status.OK;
}

/** Empties a live sketch and gives its blocks to the free lists (the host is done with it). */
export function sketchRelease(sketch: usize): i32 {
  if (!valid(sketch)) return status.ERR_SKETCH_ARGUMENTS;
  clear(sketch, GIVE_BLOCKS);
  return status.OK;
}

/** Adds `n` to bucket `key` of a store: inline when the run covers the key (the usual case). */
// @ts-ignore: decorator
@inline
function storeAdd(sketch: usize, side: i32, key: i32, n: u64): void {
  const low = load<i32>(sketch + LOW_AT + (<usize>side << 3));
  if (<u32>(key - low) < <u32>load<i32>(sketch + LENGTH_AT + (<usize>side << 3))) {
    const slot = bins(sketch, side) + (<usize>(key - low) << 3);
    store<u64>(slot, load<u64>(slot) + n);
  } else {
    storeGrowAdd(sketch, side, key, n);
  }
}

/**
 * storeAdd for a key outside the run. The run grows to cover the key, up to binsMax buckets:
 * past that, the lowest buckets fold into the lowest one kept (a key below the run counts in it).
 */
function storeGrowAdd(sketch: usize, side: i32, key: i32, n: u64): void {
  const lowAt = sketch + LOW_AT + (<usize>side << 3);
  const lengthAt = sketch + LENGTH_AT + (<usize>side << 3);
  const length = load<i32>(lengthAt);
  const low = load<i32>(lowAt);
  const binsMax = binsMaxOf(sketch);
  let newLow = key;
  let newHigh = key;
  if (length != 0) {
    const high = low + length - 1;
    newLow = min(low, key);
    newHigh = max(high, key);
    if (newHigh - newLow + 1 > binsMax) {
      newLow = newHigh - binsMax + 1;
      if (key < newLow) key = newLow;
    }
  }
  const newLength = newHigh - newLow + 1;
  // Room below: the run moves up by this much.
  const up: usize = length != 0 && newLow < low ? <usize>(low - newLow) : 0;
  const blockAt = sketch + BLOCK_AT + (<usize>side << 2);
  let block = <usize>load<u32>(blockAt);
  if (block == 0 || <i32>load<u32>(block) < newLength) {
    // A larger block (zeroed): the run goes straight to its new place.
    const grown = takeBlock(classFor(newLength));
    if (block != 0) {
      memory.copy(grown + BLOCK_HEADER_BYTES + (up << 3), block + BLOCK_HEADER_BYTES, <usize>length << 3);
      giveBlock(block, length);
    }
    block = grown;
    store<u32>(blockAt, <u32>block);
  } else if (up != 0) {
    const at = block + BLOCK_HEADER_BYTES;
    memory.copy(at + (up << 3), at, <usize>length << 3);
    memory.fill(at, 0, up << 3);
  }
  const at = block + BLOCK_HEADER_BYTES;
  if (length != 0 && newLow > low) {
    // Past the cap: the lowest buckets fold into the lowest kept.
    const shift = newLow - low;
    let folded: u64 = 0;
    for (let i = 0; i < min(shift, length); i++) folded += load<u64>(at + (<usize>i << 3));
    if (shift < length) memory.copy(at, at + (<usize>shift << 3), <usize>(length - shift) << 3);
    const kept = max(length - shift, 0);
    memory.fill(at + (<usize>kept << 3), 0, <usize>(length - kept) << 3);
    store<u64>(at, load<u64>(at) + folded);
  }
  store<i32>(lowAt, newLow);
  store<i32>(lengthAt, newLength);
  const slot = at + (<usize>(key - newLow) << 3);
  store<u64>(slot, load<u64>(slot) + n);
}

// @ts-ignore: decorator
@inline
function indexOf(magnitude: f64): i32 {
  return <i32>Math.ceil(Math.log(magnitude) / LOG_GAMMA);
}

// @ts-ignore: decorator
@inline
function representative(index: i32): f64 {
  return Math.exp(<f64>index * LOG_GAMMA + LOG_REPRESENTATIVE_FACTOR);
}

/** Counts one value `n` times (finite values only; the caller filters). */
function addValue(sketch: usize, x: f64, n: u64): void {
  if (x > 0) storeAdd(sketch, POSITIVE, indexOf(x), n);
  else if (x < 0) storeAdd(sketch, NEGATIVE, -indexOf(-x), n);
  else store<u64>(sketch + ZERO_AT, load<u64>(sketch + ZERO_AT) + n);
  store<u64>(sketch + COUNT_AT, load<u64>(sketch + COUNT_AT) + n);
  if (x < load<f64>(sketch + MIN_AT)) store<f64>(sketch + MIN_AT, x == 0 ? 0 : x);
  if (x > load<f64>(sketch + MAX_AT)) store<f64>(sketch + MAX_AT, x == 0 ? 0 : x);
}

/**
 * For aggregation kernels inside the core (not exported to the host): counts one finite value
 * in a sketch they hold live, without the entry checks.
 */
// @ts-ignore: decorator
@inline
export function sketchAddFinite(sketch: usize, x: f64): void {
  addValue(sketch, x, 1);
}

/**
 * Adds the `count` f64 values at `values`. NaN and +-Infinity are not counted; returns how many
 * were skipped, or a status.
 */
export function sketchAdd(sketch: usize, values: usize, count: i32): i32 {
  if (!valid(sketch)) return status.ERR_SKETCH_ARGUMENTS;
  if (count < 0 || !inMemory(values, <u64>count << 3)) return status.ERR_REGION_OUT_OF_BOUNDS;
  if (load<u64>(sketch + COUNT_AT) + <u64>count >= COUNT_LIMIT) return status.ERR_SKETCH_ARGUMENTS;
  let skipped: i32 = 0;
  for (let i = 0; i < count; i++) {
    const x = load<f64>(values + (<usize>i << 3));
    if (!isFinite(x)) {
      skipped++;
      continue;
    }
    addValue(sketch, x, 1);
  }
  return skipped;
}

/** Adds every counter of `from` into `into` (caps may differ: `into`'s cap folds). */
export function sketchMerge(into: usize, from: usize): i32 {
  if (!valid(into) || !valid(from) || into == from) return status.ERR_SKETCH_ARGUMENTS;
  const total = load<u64>(into + COUNT_AT) + load<u64>(from + COUNT_AT);
  if (total >= COUNT_LIMIT) return status.ERR_SKETCH_ARGUMENTS;
  for (let s = POSITIVE; s <= NEGATIVE; s++) {
    const low = load<i32>(from + LOW_AT + (<usize>s << 3));
    const length = load<i32>(from + LENGTH_AT + (<usize>s << 3));
    const at = bins(from, s);
    for (let i = 0; i < length; i++) {
      const n = load<u64>(at + (<usize>i << 3));
      if (n != 0) storeAdd(into, s, low + i, n);
    }
  }
  store<u64>(into + ZERO_AT, load<u64>(into + ZERO_AT) + load<u64>(from + ZERO_AT));
  store<u64>(into + COUNT_AT, total);
  store<f64>(into + MIN_AT, min(load<f64>(into + MIN_AT), load<f64>(from + MIN_AT)));
  store<f64>(into + MAX_AT, max(load<f64>(into + MAX_AT), load<f64>(from + MAX_AT)));
  return status.OK;
}

// @ts-ignore: decorator
@inline
function clamp(x: f64, low: f64, high: f64): f64 {
  return min(max(x, low), high);
}

/** The value of rank floor(q (n - 1)), within 1% relative; NaN when empty or q is outside [0, 1]. */
function quantile(sketch: usize, q: f64): f64 {
  const count = load<u64>(sketch + COUNT_AT);
  if (count == 0 || !(q >= 0 && q <= 1)) return NaN;
  const rank = Math.floor(q * <f64>(count - 1));
  const low = load<f64>(sketch + MIN_AT);
  const high = load<f64>(sketch + MAX_AT);
  // The extremes are known exactly.
  if (rank == 0) return low;
  if (rank == <f64>(count - 1)) return high;
  let seen: f64 = 0;
  // Negative store, keys ascending = values ascending (keys are negated indices of |x|).
  const negativeLow = load<i32>(sketch + LOW_AT + 8);
  const negativeLength = load<i32>(sketch + LENGTH_AT + 8);
  const negative = bins(sketch, NEGATIVE);
  for (let i = 0; i < negativeLength; i++) {
    seen += <f64>load<u64>(negative + (<usize>i << 3));
    if (seen > rank) return clamp(-representative(-(negativeLow + i)), low, high);
  }
  seen += <f64>load<u64>(sketch + ZERO_AT);
  if (seen > rank) return 0; // min <= 0 <= max when zeros were counted
  const positiveLow = load<i32>(sketch + LOW_AT);
  const positiveLength = load<i32>(sketch + LENGTH_AT);
  const positive = bins(sketch, POSITIVE);
  for (let i = 0; i < positiveLength; i++) {
    seen += <f64>load<u64>(positive + (<usize>i << 3));
    if (seen > rank) return clamp(representative(positiveLow + i), low, high);
  }
  return high;
}

/** Writes the quantiles for the `count` f64 fractions at `fractions` to `out` (f64 each). */
export function sketchQuantiles(sketch: usize, fractions: usize, count: i32, out: usize): i32 {
  if (!valid(sketch)) return status.ERR_SKETCH_ARGUMENTS;
  if (count < 0 || !inMemory(fractions, <u64>count << 3) || !inMemory(out, <u64>count << 3)) return status.ERR_REGION_OUT_OF_BOUNDS;
  for (let i = 0; i < count; i++) store<f64>(out + (<usize>i << 3), quantile(sketch, load<f64>(fractions + (<usize>i << 3))));
  return status.OK;
}

/** The number of values counted, or a status. */
export function sketchCount(sketch: usize): f64 {
  if (!valid(sketch)) return <f64>status.ERR_SKETCH_ARGUMENTS;
  return <f64>load<u64>(sketch + COUNT_AT);
}

// Serialised form (little-endian; LEB128 varints, zigzag for the signed lows):
//   "DSK1" | u32 binsMax | f64 min | f64 max | varint count | varint zeroCount
//   | per store (positive, negative): zigzag low | varint length | length x varint counter
const SERIAL_FIXED_BYTES: i32 = 24;
const VARINT_BYTES_MAX: i32 = 10;

/** An upper bound on the serialised bytes of a live sketch, or a status. */
export function sketchSerializedBound(sketch: usize): i32 {
  if (!valid(sketch)) return status.ERR_SKETCH_ARGUMENTS;
  const counters = load<i32>(sketch + LENGTH_AT) + load<i32>(sketch + LENGTH_AT + 8);
  return SERIAL_FIXED_BYTES + VARINT_BYTES_MAX * (counters + 6);
}

function writeVarint(p: usize, v: u64): usize {
  while (v >= 0x80) {
    store<u8>(p++, <u8>(v | 0x80));
    v >>= 7;
  }
  store<u8>(p++, <u8>v);
  return p;
}

/** Writes the sketch to [out, + capacity); returns the bytes written, or a status. */
export function sketchSerialize(sketch: usize, out: usize, capacity: i32): i32 {
  const bound = sketchSerializedBound(sketch);
  if (bound < 0) return bound;
  if (capacity < bound) return status.ERR_SKETCH_ARGUMENTS;
  if (!inMemory(out, <u64>capacity)) return status.ERR_REGION_OUT_OF_BOUNDS;
  store<u32>(out, SERIAL_MAGIC);
  store<i32>(out + 4, binsMaxOf(sketch));
  store<f64>(out + 8, load<f64>(sketch + MIN_AT));
  store<f64>(out + 16, load<f64>(sketch + MAX_AT));
  let p = writeVarint(out + <usize>SERIAL_FIXED_BYTES, load<u64>(sketch + COUNT_AT));
  p = writeVarint(p, load<u64>(sketch + ZERO_AT));
  for (let s = POSITIVE; s <= NEGATIVE; s++) {
    const low = load<i32>(sketch + LOW_AT + (<usize>s << 3));
    const length = load<i32>(sketch + LENGTH_AT + (<usize>s << 3));
    p = writeVarint(p, <u64>(<u32>((low << 1) ^ (low >> 31))));
    p = writeVarint(p, <u64>length);
    const at = bins(sketch, s);
    for (let i = 0; i < length; i++) p = writeVarint(p, load<u64>(at + (<usize>i << 3)));
  }
  return <i32>(p - out);
}

let readAt: usize = 0;
let readEnd: usize = 0;
let readFailed: bool = false;

function readVarint(): u64 {
  let v: u64 = 0;
  for (let shift: u64 = 0; shift < 64; shift += 7) {
    if (readAt >= readEnd) break;
    const b = <u64>load<u8>(readAt++);
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  readFailed = true;
  return 0;
}

/** Checks a serialised store and returns its counters' sum, or -1 if malformed. */
function checkStore(): i64 {
  const zigzag = readVarint();
  const length = readVarint();
  if (readFailed || zigzag > 0xffff_ffff || length > <u64>SKETCH_BINS_MAX) return -1;
  const low = <i32>(<u32>(zigzag >> 1)) ^ -(<i32>(zigzag & 1));
  if (length > 0 && (low < -INDEX_LIMIT || low + <i32>length - 1 > INDEX_LIMIT)) return -1;
  let sum: u64 = 0;
  for (let i: u64 = 0; i < length; i++) {
    const n = readVarint();
    if (readFailed || n >= COUNT_LIMIT) return -1;
    sum += n;
    if (sum >= COUNT_LIMIT) return -1;
  }
  return <i64>sum;
}

/** Re-reads a checked store and adds its counters to the sketch. */
function loadStore(sketch: usize, side: i32): void {
  const zigzag = readVarint();
  const length = <i32>readVarint();
  const low = <i32>(<u32>(zigzag >> 1)) ^ -(<i32>(zigzag & 1));
  for (let i = 0; i < length; i++) {
    const n = readVarint();
    if (n != 0) storeAdd(sketch, side, low + i, n);
  }
}

/**
 * Replaces a live sketch's contents with the serialised sketch at [src, + length): checked in
 * full first (ERR_SKETCH_CORRUPT leaves the sketch as it was). A different cap is folded into
 * this sketch's own.
 */
export function sketchDeserialize(sketch: usize, src: usize, length: i32): i32 {
  if (!valid(sketch)) return status.ERR_SKETCH_ARGUMENTS;
  if (length < 0 || !inMemory(src, <u64>length)) return status.ERR_REGION_OUT_OF_BOUNDS;
  if (length < SERIAL_FIXED_BYTES || load<u32>(src) != SERIAL_MAGIC) return status.ERR_SKETCH_CORRUPT;
  const binsMax = load<i32>(src + 4);
  const low = load<f64>(src + 8);
  const high = load<f64>(src + 16);
  if (binsMax < SKETCH_BINS_MIN || binsMax > SKETCH_BINS_MAX) return status.ERR_SKETCH_CORRUPT;
  readAt = src + <usize>SERIAL_FIXED_BYTES;
  readEnd = src + <usize>length;
  readFailed = false;
  const count = readVarint();
  const zeros = readVarint();
  if (readFailed || count >= COUNT_LIMIT || zeros > count) return status.ERR_SKETCH_CORRUPT;
  const positive = checkStore();
  if (positive < 0) return status.ERR_SKETCH_CORRUPT;
  const negative = checkStore();
  if (negative < 0 || readAt != readEnd || <u64>positive + <u64>negative + zeros != count) return status.ERR_SKETCH_CORRUPT;
  const empty = count == 0 && low == Infinity && high == -Infinity;
  if (!empty && !(isFinite(low) && isFinite(high) && low <= high)) return status.ERR_SKETCH_CORRUPT;
  clear(sketch, KEEP_BLOCKS);
  readAt = src + <usize>SERIAL_FIXED_BYTES;
  readVarint();
  readVarint();
  loadStore(sketch, POSITIVE);
  loadStore(sketch, NEGATIVE);
  store<u64>(sketch + COUNT_AT, count);
  store<u64>(sketch + ZERO_AT, zeros);
  store<f64>(sketch + MIN_AT, low);
  store<f64>(sketch + MAX_AT, high);
  return status.OK;
}
