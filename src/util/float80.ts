// Exact emulation of the C `long double` of x86-64 (x87 80-bit extended precision: 64-bit
// significand with an explicit integer bit, 15-bit exponent, subnormals), which Redis uses for
// INCRBYFLOAT and HINCRBYFLOAT. Parsing follows glibc's strtold plus Redis's string2ld checks,
// addition rounds to nearest-even, and formatting reproduces printf("%.17Lf") exactly (the
// "human friendly" ld2string mode: trailing zeros and a bare dot removed, "-0" shown as "0").
//
// Values are kept as sign, integer significand (BigInt, < 2^64) and binary exponent:
// value = (-1)^neg * mant * 2^exp. Finite non-zero values are normalized: mant has its top bit
// (2^63) set, except subnormals, which sit at the minimum exponent.

/** Exponent of the least significant significand bit of the smallest subnormal: 2^-16445. */
const MIN_EXP = -16445;
/** Largest exponent of the significand's lowest bit: max value = (2^64 - 1) * 2^16320. */
const MAX_EXP = 16320;
const MANT_BITS = 64;
const MANT_LIMIT = 1n << 64n;

export const enum FloatKind {
  Finite,
  Infinite,
  NaN,
}

export class LongDouble {
  private constructor(
    readonly kind: FloatKind,
    readonly neg: boolean,
    /** Significand (finite values only). */
    readonly mant: bigint,
    /** Binary exponent of the significand's lowest bit (finite values only). */
    readonly exp: number,
  ) {}

  static readonly ZERO = new LongDouble(FloatKind.Finite, false, 0n, 0);
  static readonly NEG_ZERO = new LongDouble(FloatKind.Finite, true, 0n, 0);
  static readonly INFINITY = new LongDouble(FloatKind.Infinite, false, 0n, 0);
  static readonly NEG_INFINITY = new LongDouble(FloatKind.Infinite, true, 0n, 0);
  static readonly NAN = new LongDouble(FloatKind.NaN, false, 0n, 0);

  static finite(neg: boolean, mant: bigint, exp: number): LongDouble {
    if (mant === 0n) return neg ? LongDouble.NEG_ZERO : LongDouble.ZERO;
    return new LongDouble(FloatKind.Finite, neg, mant, exp);
  }

  /** The exact value of an integer (every int64 is representable). */
  static fromInteger(n: bigint | number): LongDouble {
    const v = BigInt(n);
    const neg = v < 0n;
    return roundExact(neg, neg ? -v : v, 0, false).value;
  }

  isFinite(): boolean {
    return this.kind === FloatKind.Finite;
  }

  isNaN(): boolean {
    return this.kind === FloatKind.NaN;
  }

  isZero(): boolean {
    return this.kind === FloatKind.Finite && this.mant === 0n;
  }
}

function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  // toString(16) is fast for the sizes used here.
  const hex = n.toString(16);
  const top = parseInt(hex[0], 16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(top));
}

interface Rounded {
  value: LongDouble;
  /** The exact value was non-zero but the result is zero. */
  underflow: boolean;
  /** The result overflowed to infinity. */
  overflow: boolean;
}

/**
 * Rounds (n + s) * 2^e to the nearest long double (ties to even), where s is a positive
 * quantity below one unit of n when `sticky` (bits already discarded below n), else zero.
 * When `sticky`, n must carry at least 66 significant bits (so the discarded part only
 * breaks ties).
 */
function roundExact(neg: boolean, n: bigint, e: number, sticky: boolean): Rounded {
  if (n === 0n && !sticky) return { value: neg ? LongDouble.NEG_ZERO : LongDouble.ZERO, underflow: false, overflow: false };
  const len = bitLength(n);
  let shift = len - MANT_BITS;
  if (e + shift < MIN_EXP) shift = MIN_EXP - e;
  let q: bigint;
  let exp: number;
  if (shift > 0) {
    const s = BigInt(shift);
    q = n >> s;
    const r = n & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    if (r > half || (r === half && (sticky || (q & 1n) === 1n))) q += 1n;
    exp = e + shift;
    if (q === MANT_LIMIT) {
      q >>= 1n;
      exp += 1;
    }
  } else {
    q = n << BigInt(-shift);
    exp = e + shift;
  }
  if (q === 0n) return { value: neg ? LongDouble.NEG_ZERO : LongDouble.ZERO, underflow: true, overflow: false };
  if (exp > MAX_EXP) return { value: neg ? LongDouble.NEG_INFINITY : LongDouble.INFINITY, underflow: false, overflow: true };
  return { value: LongDouble.finite(neg, q, exp), underflow: false, overflow: false };
}

// ---- Parsing (strtold + string2ld) ----

/** Redis's buffer for long double text (MAX_LONG_DOUBLE_CHARS): longer input is rejected. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEXADECIMAL = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY_TEXT = /^([+-]?)(?:inf|infinity)$/i;

/** A decimal exponent's digits as a number, saturating far beyond any meaningful range. */
function exponentOf(text: string | undefined): number {
  if (text === undefined) return 0;
  const neg = text.charCodeAt(0) === 45;
  const digits = text.replace(/^[+-]?0*/, '');
  const v = digits.length > 9 ? 1e9 : digits === '' ? 0 : parseInt(digits, 10);
  return neg ? -v : v;
}

/**
 * Parses a long double as Redis's string2ld does (strtold, the whole text, no leading space,
 * no NaN, no overflow, no underflow to zero; at most 5119 characters). "inf"/"infinity" are
 * accepted. Returns undefined when Redis would reply "value is not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | undefined {
  const n = s.length;
  if (n === 0 || n >= MAX_LONG_DOUBLE_CHARS) return undefined;
  let m = DECIMAL.exec(s);
  if (m !== null) {
    const intDigits = m[2];
    const fracDigits = m[3] ?? '';
    if (intDigits.length + fracDigits.length === 0) return undefined;
    return decimalToLongDouble(m[1] === '-', intDigits + fracDigits, exponentOf(m[4]) - fracDigits.length);
  }
  m = HEXADECIMAL.exec(s);
  if (m !== null) {
    const intDigits = m[2];
    const fracDigits = m[3] ?? '';
    if (intDigits.length + fracDigits.length === 0) return undefined;
    return hexToLongDouble(m[1] === '-', intDigits + fracDigits, exponentOf(m[4]) - 4 * fracDigits.length);
  }
  m = INFINITY_TEXT.exec(s);
  if (m !== null) return m[1] === '-' ? LongDouble.NEG_INFINITY : LongDouble.INFINITY;
  return undefined;
}

/** digits * 10^exp10, correctly rounded; undefined on overflow or underflow to zero. */
function decimalToLongDouble(neg: boolean, digits: string, exp10: number): LongDouble | undefined {
  const first = digits.search(/[1-9]/);
  if (first < 0) return neg ? LongDouble.NEG_ZERO : LongDouble.ZERO;
  const significant = digits.slice(first);
  // value lies in [10^(top), 10^(top+1)) with top = exp10 + significant digits - 1.
  const top = exp10 + significant.length - 1;
  if (top > 4940) return undefined; // beyond LDBL_MAX (about 1.19e4932)
  if (top < -4960) return undefined; // below half the smallest subnormal (about 3.6e-4951)
  const d = BigInt(significant);
  let r: Rounded;
  if (exp10 >= 0) {
    r = roundExact(neg, d * 10n ** BigInt(exp10), 0, false);
  } else {
    const den = 10n ** BigInt(-exp10);
    const shift = Math.max(0, MANT_BITS + 3 + bitLength(den) - bitLength(d));
    const num = d << BigInt(shift);
    const q = num / den;
    r = roundExact(neg, q, -shift, q * den !== num);
  }
  if (r.overflow || r.underflow) return undefined;
  return r.value;
}

/** hexdigits * 2^exp2, correctly rounded; undefined on overflow or underflow to zero. */
function hexToLongDouble(neg: boolean, digits: string, exp2: number): LongDouble | undefined {
  const first = digits.search(/[1-9a-fA-F]/);
  if (first < 0) return neg ? LongDouble.NEG_ZERO : LongDouble.ZERO;
  const significant = digits.slice(first);
  const top = exp2 + significant.length * 4;
  if (top > 16400) return undefined;
  if (top < -16500) return undefined;
  const r = roundExact(neg, BigInt('0x' + significant), exp2, false);
  if (r.overflow || r.underflow) return undefined;
  return r.value;
}

// ---- Arithmetic ----

/** a + b in long double arithmetic (round to nearest, ties to even). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === FloatKind.NaN || b.kind === FloatKind.NaN) return LongDouble.NAN;
  if (a.kind === FloatKind.Infinite) {
    if (b.kind === FloatKind.Infinite && a.neg !== b.neg) return LongDouble.NAN;
    return a;
  }
  if (b.kind === FloatKind.Infinite) return b;
  if (a.mant === 0n && b.mant === 0n) return a.neg && b.neg ? LongDouble.NEG_ZERO : LongDouble.ZERO;
  if (a.mant === 0n) return b;
  if (b.mant === 0n) return a;
  const e = Math.min(a.exp, b.exp);
  const x = a.mant << BigInt(a.exp - e);
  const y = b.mant << BigInt(b.exp - e);
  const sum = (a.neg ? -x : x) + (b.neg ? -y : y);
  if (sum === 0n) return LongDouble.ZERO;
  const neg = sum < 0n;
  return roundExact(neg, neg ? -sum : sum, e, false).value;
}

// ---- Formatting ----

const TEN_17 = 10n ** 17n;

/** printf("%.17Lf") of a finite value, exactly (glibc rounds ties to even). */
export function formatFixed17(x: LongDouble): string {
  if (x.kind === FloatKind.Infinite) return x.neg ? '-inf' : 'inf';
  if (x.kind === FloatKind.NaN) return x.neg ? '-nan' : 'nan';
  const sign = x.neg ? '-' : '';
  if (x.exp >= 0) return sign + (x.mant << BigInt(x.exp)).toString() + '.00000000000000000';
  const shift = BigInt(-x.exp);
  const scaled = x.mant * TEN_17;
  let q = scaled >> shift;
  const r = scaled & ((1n << shift) - 1n);
  const half = 1n << (shift - 1n);
  if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  const intPart = q / TEN_17;
  const frac = (q % TEN_17).toString().padStart(17, '0');
  return sign + intPart.toString() + '.' + frac;
}

/**
 * Redis's "human friendly" long double text (ld2string LD_STR_HUMAN): %.17Lf without trailing
 * zeros after the dot (nor the dot itself), "-0" written "0", infinities as "inf"/"-inf".
 */
export function formatLongDouble(x: LongDouble): string {
  if (x.kind === FloatKind.Infinite) return x.neg ? '-inf' : 'inf';
  let s = formatFixed17(x);
  if (x.kind === FloatKind.NaN) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  s = s.slice(0, end);
  return s === '-0' ? '0' : s;
}

/** Outcome of an increment: the new text, or which of Redis's errors applies. */
export type IncrementResult =
  | { ok: true; value: string }
  | { ok: false; error: 'current-not-float' | 'increment-not-float' | 'nan-or-infinity' };

/**
 * The INCRBYFLOAT / HINCRBYFLOAT step: parses the current value (undefined = missing key,
 * counted as 0) and the increment, adds them in long double and formats the result as Redis
 * stores it. The caller maps errors to its command's wording.
 */
export function incrementLongDouble(current: string | undefined, increment: string): IncrementResult {
  const base = current === undefined ? LongDouble.ZERO : parseLongDouble(current);
  if (base === undefined) return { ok: false, error: 'current-not-float' };
  const incr = parseLongDouble(increment);
  if (incr === undefined) return { ok: false, error: 'increment-not-float' };
  const sum = addLongDouble(base, incr);
  if (!sum.isFinite()) return { ok: false, error: 'nan-or-infinity' };
  return { ok: true, value: formatLongDouble(sum) };
}
