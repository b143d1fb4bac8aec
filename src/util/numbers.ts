// Number parsing and formatting with Redis's exact rules (string2ll, strtod checks, %.17g).

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

// Decimal text of 0..999, plain and zero-padded to three digits.
const SMALL_DECIMALS: string[] = [];
const PADDED_DECIMALS: string[] = [];
for (let i = 0; i < 1000; i++) {
  SMALL_DECIMALS.push(String(i));
  PADDED_DECIMALS.push(String(i).padStart(3, '0'));
}

/**
 * The decimal text of an integer, as String(n) gives it. V8's String(n) remembers each number's
 * text in a cache the old generation holds: a stream of fresh numbers (INCR results, growing
 * list lengths) keeps thousands of those strings alive through every young collection, which
 * then cost 4x as long. Here the text is assembled from fixed three-digit pieces instead.
 */
export function formatInteger(n: number | bigint): string {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) return String(n);
  if (n >= 0) return n < 1000 ? SMALL_DECIMALS[n] : formatLarge(n);
  return '-' + formatLarge(-n);
}

function formatLarge(n: number): string {
  if (n < 1000) return SMALL_DECIMALS[n];
  const high = Math.floor(n / 1000);
  return formatLarge(high) + PADDED_DECIMALS[n - high * 1000];
}

/**
 * Parses a decimal int64 as Redis's string2ll does: optional '-', digits without leading
 * zeros, no '+' or blanks, at most 20 characters. Returns a number when it is a safe
 * integer, a bigint otherwise, undefined when it is not such an integer.
 */
export function parseInt64(s: string): number | bigint | undefined {
  const n = s.length;
  if (n === 0 || n > 20) return undefined;
  let i = 0;
  let negative = false;
  let c = s.charCodeAt(0);
  if (c === 45) {
    if (n === 1) return undefined;
    negative = true;
    i = 1;
    c = s.charCodeAt(1);
  }
  if (c === 48) return n === 1 ? 0 : undefined;
  if (c < 49 || c > 57) return undefined;
  if (n - i <= 15) {
    let v = 0;
    for (; i < n; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      v = v * 10 + d;
    }
    return negative ? -v : v;
  }
  for (let j = i; j < n; j++) {
    const d = s.charCodeAt(j) - 48;
    if (d < 0 || d > 9) return undefined;
  }
  const big = BigInt(s);
  if (big > INT64_MAX || big < INT64_MIN) return undefined;
  if (big >= -9007199254740991n && big <= 9007199254740991n) return Number(big);
  return big;
}

/** Like parseInt64, but the result is always a number (approximate beyond 2^53). */
export function parseIntLoose(s: string): number | undefined {
  const v = parseInt64(s);
  return typeof v === 'bigint' ? Number(v) : v;
}

/** True when `s` is the canonical decimal form of an int64 (what Redis stores as `int`). */
export function isInt64String(s: string): boolean {
  return parseInt64(s) !== undefined;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;

/**
 * Parses a double as strtod does, with Redis's extra checks (getDoubleFromObject): no leading
 * blank, nothing left over, no NaN, no overflow to infinity, no underflow to zero.
 * "inf", "-inf", "infinity" are accepted. Returns undefined when Redis would reject it.
 */
export function parseDouble(s: string): number | undefined {
  if (s.length === 0) return undefined;
  if (DECIMAL.test(s)) {
    const v = Number(s);
    if (!Number.isFinite(v)) return undefined; // overflow
    if (v === 0 && /[1-9]/.test(mantissaOf(s))) return undefined; // underflow
    return v;
  }
  if (INFINITY.test(s)) return s.charCodeAt(0) === 45 ? -Infinity : Infinity;
  const hex = HEX.exec(s);
  if (hex) {
    const [, sign, digits, exp] = hex;
    const dot = digits.indexOf('.');
    const intPart = dot < 0 ? digits : digits.slice(0, dot);
    const frac = dot < 0 ? '' : digits.slice(dot + 1);
    let v = 0;
    for (const ch of intPart + frac) v = v * 16 + parseInt(ch, 16);
    v = v * Math.pow(2, (exp ? parseInt(exp, 10) : 0) - 4 * frac.length);
    if (!Number.isFinite(v)) return undefined;
    return sign === '-' ? -v : v;
  }
  return undefined;
}

function mantissaOf(s: string): string {
  const e = s.search(/[eE]/);
  return e < 0 ? s : s.slice(0, e);
}

/** Formats like C's printf("%.17g"), as Redis replies doubles (RESP2 bulk and RESP3 `,`). */
export function formatDouble(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Number.isNaN(x)) return 'nan';
  // Integers below 2^53 print as their digits (String gives them exactly; -0 excepted).
  if (Number.isInteger(x) && x !== 0 && x < 9007199254740992 && x > -9007199254740992) return String(x);
  return formatG(x, 17);
}

/** C's `%.<precision>g` (precision 1..17), rounding the exact value half to even as glibc does. */
export function formatG(x: number, precision: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  // Significant digits and decimal exponent of x rounded to `precision` digits.
  const expForm = x.toExponential(precision - 1); // d.ddde±X, ties rounded away from zero
  const ePos = expForm.indexOf('e');
  let exp = parseInt(expForm.slice(ePos + 1), 10);
  let digits = expForm.slice(x < 0 ? 1 : 0, ePos).replace('.', '');
  const tie = exactDigitsIfTie(x, precision);
  if (tie !== undefined && (tie.charCodeAt(precision - 1) & 1) === 0) {
    // An exact tie: C keeps the even neighbour, below the one JS chose.
    digits = tie.slice(0, precision);
    exp = tie.length - tie.exponentShift - 1;
  }
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= precision) {
    let mantissa = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    if (mantissa.indexOf('.') >= 0) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '');
    const digitsExp = Math.abs(exp);
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${digitsExp < 10 ? '0' : ''}${digitsExp}`;
  }
  let fixed: string;
  if (exp >= 0) {
    fixed = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  } else {
    fixed = '0.' + '0'.repeat(-exp - 1) + digits;
  }
  if (fixed.indexOf('.') >= 0) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return sign + fixed;
}

/**
 * When |x| written exactly in decimal has exactly precision+1 significant digits (the last one
 * a 5: a rounding tie), those digits (with `exponentShift`, the number of them after the decimal
 * point); otherwise undefined. Only such values round differently in C (half to even) and JS
 * (half up). A non-integer tie has at most 25 fractional bits; an integer tie needs precision <= 15.
 */
function exactDigitsIfTie(x: number, precision: number): (string & { exponentShift: number }) | undefined {
  const a = Math.abs(x);
  let digits: string;
  let shift = 0;
  if (Number.isInteger(a)) {
    if (precision > 15 || a >= 1e21) return undefined;
    digits = String(a).replace(/0+$/, '');
    shift = digits.length - String(a).length; // negative: trailing zeros dropped
  } else {
    if (!Number.isInteger(a * 33554432)) return undefined;
    let m = a;
    while (!Number.isInteger(m)) {
      m *= 2;
      shift++;
    }
    digits = (BigInt(m) * 5n ** BigInt(shift)).toString();
  }
  if (digits.length !== precision + 1 || digits.charCodeAt(precision) !== 53) return undefined;
  return Object.assign(digits, { exponentShift: shift }) as unknown as string & { exponentShift: number };
}

/**
 * C's `%.<f>f` (printf rounds the exact binary value half to even; JS's toFixed rounds ties up
 * and switches to exponent notation from 1e21).
 */
export function formatFixed(x: number, f: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x !== x) return x < 0 ? '-nan' : 'nan';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) {
    s = BigInt(a).toString() + (f > 0 ? '.' + '0'.repeat(f) : '');
  } else {
    s = a.toFixed(f);
    // A tie: exactly f+1 fractional bits, so exactly f+1 decimals; toFixed rounded it up.
    const scaled = a * 2 ** (f + 1);
    if (Number.isInteger(scaled) && !Number.isInteger(scaled / 2)) {
      const exact = a.toFixed(f + 1);
      const truncated = exact.slice(0, -1).replace(/\.$/, '');
      const lastDigit = truncated.charCodeAt(truncated.length - 1) - 48;
      if (lastDigit % 2 === 0) s = truncated;
    }
  }
  return neg ? '-' + s : s;
}

