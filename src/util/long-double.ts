// What HINCRBYFLOAT (and INCRBYFLOAT) need from C's long double: parsing as string2ld does,
// addition, and formatting as ld2string(LD_STR_HUMAN) does ("%.17Lf" without trailing zeros).
//
// PROVISIONAL: the strings branch is building an exact 80-bit implementation
// (src/util/float80.ts). Until it is merged this module implements the same interface with JS
// doubles: results agree with Redis whenever the long double result, printed with 17 decimals,
// equals the shortest decimal form of the nearest double (true for everyday values such as
// 10.5 + 0.1), and can differ in the last digits otherwise. Swap `longDouble` for the float80
// implementation when merging; callers only use the LongDoubleOps interface.

export interface LongDoubleOps<T> {
  /** string2ld: strtold over the whole string, no leading space, no NaN; undefined if invalid. */
  parse(s: string): T | undefined;
  fromInteger(n: number | bigint): T;
  add(a: T, b: T): T;
  /** Neither NaN nor infinite. */
  isFinite(x: T): boolean;
  /** ld2string(..., LD_STR_HUMAN). */
  formatHuman(x: T): string;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
/** string2ld refuses inputs this long (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

function parseLongDoubleApprox(s: string): number | undefined {
  if (s.length === 0 || s.length >= MAX_CHARS) return undefined;
  if (DECIMAL.test(s)) return Number(s);
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
    return sign === '-' ? -v : v;
  }
  return undefined;
}

/** Fixed-point text of a finite double from its shortest round-trip form, no exponent. */
function toPlainDecimal(x: number): string {
  let s = String(x);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.charCodeAt(0) === 45;
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = parseInt(s.slice(e + 1), 10);
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const pointAt = (dot < 0 ? mantissa.length : dot) + exp;
  if (pointAt <= 0) s = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) s = digits + '0'.repeat(pointAt - digits.length);
  else s = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return negative ? '-' + s : s;
}

export const longDouble: LongDoubleOps<number> = {
  parse: parseLongDoubleApprox,
  fromInteger: (n) => Number(n),
  add: (a, b) => a + b,
  isFinite: (x) => Number.isFinite(x),
  formatHuman(x) {
    // %.17Lf rounds to 17 decimals; then trailing zeros (and the point) go.
    let s = toPlainDecimal(x);
    const dot = s.indexOf('.');
    if (dot >= 0 && s.length - dot - 1 > 17) {
      s = toPlainDecimal(Number(x.toFixed(17)));
    }
    if (s.indexOf('.') >= 0) s = s.replace(/0+$/, '').replace(/\.$/, '');
    if (s === '-0') s = '0';
    return s;
  },
};
