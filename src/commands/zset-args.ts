// Argument parsing shared by the sorted set and geo families: score and lex ranges with
// Redis's exact acceptance rules and errors.

import { err } from '../resp/reply.js';
import type { LexRange, ScoreRange } from '../types/zset.js';

export const NOT_FLOAT_RANGE = 'ERR min or max is not a float';
export const NOT_LEX_RANGE = 'ERR min or max not valid string range item';

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;
const NAN = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?$/i;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;

function isCSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/**
 * C's strtod applied to a whole argument (as far as its first NUL byte): the value, or
 * undefined when characters are left over. Leading blanks are skipped; a string with no number
 * at all converts to 0 only when it is empty (strtod leaves the end pointer at its start).
 * Overflow gives ±inf, NaN comes back as NaN (callers reject it).
 */
export function strtodWhole(s: string): number | undefined {
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  const body = i === 0 ? s : s.slice(i);
  if (DECIMAL.test(body)) return Number(body);
  if (INFINITY.test(body)) return body.charCodeAt(0) === 45 ? -Infinity : Infinity;
  if (NAN.test(body)) return NaN;
  const hex = HEX.exec(body);
  if (hex) {
    const intPart = hex[2] ?? '';
    const frac = hex[3] ?? hex[4] ?? '';
    let v = 0;
    for (const ch of intPart + frac) v = v * 16 + parseInt(ch, 16);
    v = v * Math.pow(2, (hex[5] ? parseInt(hex[5], 10) : 0) - 4 * frac.length);
    return hex[1] === '-' ? -v : v;
  }
  return undefined;
}

function scoreBound(s: string): [number, boolean] {
  const ex = s.charCodeAt(0) === 40; // '('
  const v = strtodWhole(ex ? s.slice(1) : s);
  if (v === undefined || v !== v) err(NOT_FLOAT_RANGE);
  return [v, ex];
}

/** ZRANGEBYSCORE-style bounds: `1.5`, `(1.5`, `-inf`, `+inf`. */
export function parseScoreRange(minArg: string, maxArg: string): ScoreRange {
  const [min, minex] = scoreBound(minArg);
  const [max, maxex] = scoreBound(maxArg);
  return { min, max, minex, maxex };
}

/** One lex bound into `range` (side 0: min, 1: max); false when invalid. */
function lexBound(s: string, range: LexRange, side: 0 | 1): boolean {
  const c0 = s.charCodeAt(0);
  // C sees the argument up to its first NUL: "-\0x" is "-".
  const single = s.length === 1 || s.charCodeAt(1) === 0;
  let value: string | null;
  let ex: boolean;
  let plus = false;
  let minus = false;
  if (c0 === 43) {
    if (!single) return false;
    value = null;
    ex = true;
    plus = true;
  } else if (c0 === 45) {
    if (!single) return false;
    value = null;
    ex = true;
    minus = true;
  } else if (c0 === 40) {
    value = s.slice(1);
    ex = true;
  } else if (c0 === 91) {
    value = s.slice(1);
    ex = false;
  } else {
    return false;
  }
  if (side === 0) {
    range.min = value;
    range.minex = ex;
    range.minIsPlus = plus;
  } else {
    range.max = value;
    range.maxex = ex;
    range.maxIsMinus = minus;
  }
  return true;
}

/** ZRANGEBYLEX-style bounds: `[a`, `(a`, `-`, `+`. */
export function parseLexRange(minArg: string, maxArg: string): LexRange {
  const range: LexRange = { min: null, max: null, minex: false, maxex: false };
  if (!lexBound(minArg, range, 0) || !lexBound(maxArg, range, 1)) err(NOT_LEX_RANGE);
  return range;
}
