// JSON number text -> the nearest double, ties to even: the double JSON.parse gives.
//
// Fast path (Clinger): up to 15 significant digits and a power of ten that is exact in a double,
// so one IEEE multiply or divide rounds once, correctly. Everything else goes through a big
// decimal: up to DIGITS_MAX digits plus a sticky "nonzero digits were dropped" flag, scaled by
// powers of two into [1/2, 1), then its leading 53 bits rounded half to even. 800 digits hold
// any halfway point between two doubles (at most 767 significant digits) exactly, so the sticky
// flag decides every tie correctly. scanJsonNumber checks the grammar in the same pass.

const DIGITS_MAX: i32 = 800;
/** A left shift by at most SHIFT_MAX bits adds at most 19 digits. */
const SCRATCH_DIGITS: i32 = DIGITS_MAX + 24;
const SHIFT_MAX: u32 = 60;
/** The exponent is saturated here: far past where every double is 0 or Infinity. */
const EXPONENT_CLAMP: i32 = 10_000_000;

const DIGITS: usize = memory.data(DIGITS_MAX + 8, 16);
const SCRATCH: usize = memory.data(SCRATCH_DIGITS, 16);
/** 10^0 .. 10^22: every power of ten a double holds exactly. */
const POW10: usize = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);
const POW10_EXACT_MAX: i32 = 22;
const FAST_DIGITS_MAX: i32 = 15;

/** Digits in use (each 0-9, no trailing zeros); value = 0.d0 d1 d2 ... x 10^pointPosition. */
let digitCount: i32 = 0;
let pointPosition: i32 = 0;
/** Nonzero digits were dropped past DIGITS_MAX: the value is slightly above the digits. */
let truncated: bool = false;

// @ts-ignore: decorator
@inline
function digit(i: i32): u64 {
  return <u64>load<u8>(DIGITS + <usize>i);
}

function trimZeros(): void {
  while (digitCount > 0 && load<u8>(DIGITS + <usize>(digitCount - 1)) == 0) digitCount--;
}

/** Divides the decimal by 2^k (k <= SHIFT_MAX). */
function shiftRight(k: u32): void {
  let read: i32 = 0;
  let write: i32 = 0;
  let n: u64 = 0;
  // Take digits until the quotient's first digit is nonzero.
  while ((n >> k) == 0) {
    if (read >= digitCount) {
      while ((n >> k) == 0) {
        n *= 10;
        read++;
      }
      break;
    }
    n = n * 10 + digit(read++);
  }
  pointPosition -= read - 1;
  const mask: u64 = (<u64>1 << k) - 1;
  while (read < digitCount) {
    const quotient = n >> k;
    n = (n & mask) * 10 + digit(read++);
    store<u8>(DIGITS + <usize>(write++), <u8>quotient);
  }
  while (n > 0) {
    const quotient = n >> k;
    n = (n & mask) * 10;
    if (write < DIGITS_MAX) store<u8>(DIGITS + <usize>(write++), <u8>quotient);
    else if (quotient > 0) truncated = true;
  }
  digitCount = write;
  trimZeros();
}

/** Multiplies the decimal by 2^k (k <= SHIFT_MAX): digits are produced right to left in SCRATCH. */
function shiftLeft(k: u32): void {
  let write = SCRATCH_DIGITS;
  let n: u64 = 0;
  for (let read = digitCount - 1; read >= 0; read--) {
    n += digit(read) << k;
    const quotient = n / 10;
    store<u8>(SCRATCH + <usize>(--write), <u8>(n - quotient * 10));
    n = quotient;
  }
  while (n > 0) {
    const quotient = n / 10;
    store<u8>(SCRATCH + <usize>(--write), <u8>(n - quotient * 10));
    n = quotient;
  }
  const produced = SCRATCH_DIGITS - write;
  pointPosition += produced - digitCount;
  let kept = produced;
  if (kept > DIGITS_MAX) {
    for (let i = DIGITS_MAX; i < produced; i++) if (load<u8>(SCRATCH + <usize>(write + i)) != 0) truncated = true;
    kept = DIGITS_MAX;
  }
  memory.copy(DIGITS, SCRATCH + <usize>write, <usize>kept);
  digitCount = kept;
  trimZeros();
}

/** The decimal's integer part rounded half to even (it is below 2^54 here). */
function roundedInteger(): u64 {
  if (pointPosition < 0) return 0;
  let n: u64 = 0;
  let i: i32 = 0;
  for (; i < pointPosition && i < digitCount; i++) n = n * 10 + digit(i);
  for (; i < pointPosition; i++) n *= 10;
  if (pointPosition < digitCount) {
    const next = digit(pointPosition);
    // Trailing zeros are trimmed, so any digit after `next` is nonzero.
    const above = truncated || pointPosition + 1 < digitCount;
    if (next > 5 || (next == 5 && (above || (n & 1) == 1))) n++;
  }
  return n;
}

/** floor(k * log2(10)) from below, capped at `cap`: 2^result <= 10^k. */
// @ts-ignore: decorator
@inline
function bitsForDigits(k: i32, cap: u32): u32 {
  const bits = <u32>((<i64>k * 3321) / 1000);
  return bits > cap ? cap : bits;
}

/** The loaded decimal as the nearest double (magnitude only). */
function decimalToDouble(): f64 {
  if (digitCount == 0) return 0;
  if (pointPosition > 310) return Infinity; // >= 10^309
  if (pointPosition < -330) return 0; // < 10^-330, below half the smallest subnormal
  let exponent: i32 = 0;
  // Scale into [1/2, 1): value < 10^pointPosition, so left shifts by bitsForDigits never pass 1.
  while (pointPosition > 0) {
    const k = bitsForDigits(pointPosition, SHIFT_MAX);
    shiftRight(k);
    exponent += <i32>k;
  }
  while (pointPosition < 0 || (pointPosition == 0 && digit(0) < 5)) {
    const k = pointPosition == 0 ? 1 : bitsForDigits(-pointPosition, SHIFT_MAX - 1);
    shiftLeft(k);
    exponent -= <i32>k;
  }
  // value = 0.d x 2^exponent = (2 x 0.d) x 2^(exponent - 1), with 2 x 0.d in [1, 2).
  let unbiased = exponent - 1;
  if (unbiased > 1023) return Infinity;
  if (unbiased < -1022) {
    const k = -1022 - unbiased;
    if (k >= 54) return 0; // below a quarter of the smallest subnormal once scaled
    shiftRight(<u32>k);
    unbiased = -1022;
  }
  shiftLeft(53);
  let mantissa = roundedInteger();
  if (mantissa == (<u64>1 << 53)) {
    mantissa >>= 1;
    unbiased++;
    if (unbiased > 1023) return Infinity;
  }
  const biased: u64 = mantissa < (<u64>1 << 52) ? 0 : <u64>(unbiased + 1023);
  return reinterpret<f64>((biased << 52) | (mantissa & ((<u64>1 << 52) - 1)));
}

/** Fills the big decimal from the digits of [p, end) (no sign), stopping at the exponent. */
function loadDecimal(p: usize, end: usize): usize {
  digitCount = 0;
  pointPosition = 0;
  truncated = false;
  let afterPoint = false;
  let nonzeroSeen = false;
  for (; p < end; p++) {
    const c = load<u8>(p);
    if (c == 0x2e) {
      afterPoint = true;
      continue;
    }
    if ((c | 0x20) == 0x65) break;
    const d = c - 0x30;
    if (!nonzeroSeen) {
      if (d == 0) {
        if (afterPoint) pointPosition--;
        continue;
      }
      nonzeroSeen = true;
    }
    if (!afterPoint) pointPosition++;
    if (digitCount < DIGITS_MAX) store<u8>(DIGITS + <usize>(digitCount++), <u8>d);
    else if (d != 0) truncated = true;
  }
  trimZeros();
  return p;
}

/** Set by scanJsonNumber: the number's double, or where its grammar broke. */
export let scannedNumber: f64 = 0;
export let numberFailedAt: usize = 0;

// @ts-ignore: decorator
@inline
function digitAt(p: usize): u32 {
  return <u32>load<u8>(p) - 0x30;
}

/** Whether the 8 bytes of `x` are all ASCII digits (each high nibble 3, and no low nibble past 9). */
@inline
function eightDigits(x: u64): bool {
  return ((x & 0xf0f0_f0f0_f0f0_f0f0) | (((x + 0x0606_0606_0606_0606) & 0xf0f0_f0f0_f0f0_f0f0) >> 4)) == 0x3333_3333_3333_3333;
}

/** The value of 8 ASCII digits read as a little-endian u64 (the first digit in the low byte): pairs, then fours, then eight. */
@inline
function eightDigitsValue(x: u64): u64 {
  x = ((x & 0x0f0f_0f0f_0f0f_0f0f) * (10 * 256 + 1)) >> 8;
  x = ((x & 0x00ff_00ff_00ff_00ff) * (100 * 65536 + 1)) >> 16;
  return ((x & 0x0000_ffff_0000_ffff) * (10000 * 0x1_0000_0000 + 1)) >> 32;
}

/**
 * Checks the JSON number starting at p (text up to `end`) against JSON's grammar and, when
 * `wanted`, reads the double nearest it into scannedNumber, in one pass over its digits. Returns
 * the number's end, or 0 with numberFailedAt where a digit was missing.
 */
export function scanJsonNumber(start: usize, end: usize, wanted: bool): usize {
  let p = start;
  const negative = load<u8>(p) == 0x2d;
  if (negative) p++;
  const unsigned = p;
  // The first 19 significant digits and their power of ten, for the fast path.
  let mantissa: u64 = 0;
  let significant: i32 = 0;
  let scale: i32 = 0;
  if (p >= end || digitAt(p) >= 10) {
    numberFailedAt = p;
    return 0;
  }
  if (digitAt(p) == 0) {
    p++;
  } else {
    // Long integer parts (epoch milliseconds) eight digits at a time while the mantissa holds them.
    while (p + 8 <= end && significant <= 11 && eightDigits(load<u64>(p))) {
      mantissa = mantissa * 100_000_000 + eightDigitsValue(load<u64>(p));
      significant += 8;
      p += 8;
    }
    for (; p < end; p++) {
      const d = digitAt(p);
      if (d >= 10) break;
      if (significant < 19) mantissa = mantissa * 10 + <u64>d;
      else scale++;
      significant++;
    }
  }
  if (p < end && load<u8>(p) == 0x2e) {
    p++;
    const fraction = p;
    if (significant == 0) {
      while (p < end && load<u8>(p) == 0x30) {
        scale--;
        p++;
      }
    }
    while (p + 8 <= end && significant <= 11 && eightDigits(load<u64>(p))) {
      mantissa = mantissa * 100_000_000 + eightDigitsValue(load<u64>(p));
      scale -= 8;
      significant += 8;
      p += 8;
    }
    for (; p < end; p++) {
      const d = digitAt(p);
      if (d >= 10) break;
      if (significant < 19) {
        mantissa = mantissa * 10 + <u64>d;
        scale--;
      }
      significant++;
    }
    if (p == fraction) {
      numberFailedAt = p;
      return 0;
    }
  }
  let exponent: i32 = 0;
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    let negativeExponent = false;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) {
      negativeExponent = load<u8>(p) == 0x2d;
      p++;
    }
    const digits = p;
    for (; p < end; p++) {
      const d = digitAt(p);
      if (d >= 10) break;
      if (exponent < EXPONENT_CLAMP) exponent = exponent * 10 + <i32>d; // saturated
    }
    if (p == digits) {
      numberFailedAt = p;
      return 0;
    }
    if (negativeExponent) exponent = -exponent;
  }
  if (wanted) scannedNumber = nearestDouble(unsigned, p, negative, mantissa, significant, scale, exponent);
  return p;
}

/** The double of a checked number: Clinger's fast path when it is exact, else the big decimal. */
function nearestDouble(unsigned: usize, end: usize, negative: bool, mantissa: u64, significant: i32, scale: i32, exponent: i32): f64 {
  if (significant == 0) return negative ? -0.0 : 0.0;
  if (significant <= FAST_DIGITS_MAX) {
    const power = scale + exponent;
    let v = <f64>mantissa;
    let exact = true;
    if (power >= 0 && power <= POW10_EXACT_MAX) v *= load<f64>(POW10 + (<usize>power << 3));
    else if (power < 0 && power >= -POW10_EXACT_MAX) v /= load<f64>(POW10 + (<usize>-power << 3));
    else if (power > POW10_EXACT_MAX && power <= POW10_EXACT_MAX + FAST_DIGITS_MAX - significant) {
      // mantissa x 10^(power - 22) is still an integer below 10^15, so exact; then one rounding.
      v *= load<f64>(POW10 + (<usize>(power - POW10_EXACT_MAX) << 3));
      v *= load<f64>(POW10 + (<usize>POW10_EXACT_MAX << 3));
    } else {
      exact = false;
    }
    if (exact) return negative ? -v : v;
  }
  loadDecimal(unsigned, end);
  pointPosition += exponent;
  const magnitude = decimalToDouble();
  return negative ? -magnitude : magnitude;
}
