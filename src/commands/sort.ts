// SORT and SORT_RO: sorting the elements of a list, set or sorted set numerically or
// lexicographically, by the element itself or by values found in other keys (BY pattern),
// returning the elements or values looked up through GET patterns, or storing the result as a
// list (STORE). Behaviour follows Redis 7.0 (sort.c), including its quirks: patterns are C
// strings (a NUL byte ends them), the reply-side lexicographic order is strcoll's in the C /
// C.UTF-8 locale (byte order up to the first NUL) while STORE compares whole strings, BY without
// `*` means "don't sort" (native order for lists and sorted sets, LIMIT taken as a range).

import { Notify } from '../config/settings.js';
import { err, Errors, type Reply } from '../resp/reply.js';
import { HashValue } from '../types/hash.js';
import { ListValue } from '../types/list.js';
import { SetValue } from '../types/set.js';
import { isStringValue, stringOf } from '../types/value.js';
import { ZSet } from '../types/zset.js';
import { parseDouble } from '../util/numbers.js';
import { partialSort } from '../util/partial-sort.js';
import { ClientFlag, type Client } from '../server/client.js';
import { lookupRead } from './access.js';
import { int64Arg, isToken } from './args.js';
import { collectionLimits } from './collection-util.js';
import type { Family } from './command.js';
import { finderPositions } from './getkeys.js';

const SCORE_ERROR = "ERR One or more scores can't be converted into double";

/** The part of a binary string a C string function sees: up to the first NUL byte. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

// ---- Patterns (BY and GET) ----

/**
 * A BY/GET pattern, split once: `#` (the element itself), `prefix*suffix` (a string key) or
 * `prefix*suffix->field` (a hash field). A pattern without `*` finds nothing.
 */
class KeyPattern {
  readonly self: boolean;
  readonly star: boolean;
  readonly prefix: string = '';
  readonly suffix: string = '';
  readonly field: string | null = null;

  constructor(pattern: string) {
    // Redis reads the pattern as a C string for `#`, `*` and `->`, but takes the field name
    // as every byte after `->`.
    this.self = pattern.charCodeAt(0) === 35 && (pattern.length === 1 || pattern.charCodeAt(1) === 0);
    const text = cString(pattern);
    const at = text.indexOf('*');
    this.star = at >= 0;
    if (this.self || !this.star) return;
    this.prefix = pattern.slice(0, at);
    const arrow = text.indexOf('->', at + 1);
    if (arrow >= 0 && arrow + 2 < text.length) {
      this.suffix = pattern.slice(at + 1, arrow);
      this.field = pattern.slice(arrow + 2);
    } else {
      this.suffix = pattern.slice(at + 1);
    }
  }

  /** The value the pattern designates for `element`, or null (missing key, field or type). */
  lookup(c: Client, element: string): string | null {
    if (this.self) return element;
    if (!this.star) return null;
    const v = lookupRead(c, this.prefix + element + this.suffix);
    if (v === undefined) return null;
    if (this.field !== null) return v instanceof HashValue ? v.get(this.field) ?? null : null;
    return isStringValue(v) ? stringOf(v) : null;
  }
}

// ---- Numeric values ----

const SUBNORMAL_LIMIT = 2.2250738585072014e-308;
const DECIMAL_PARTS = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_PARTS = /^[+-]?0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;

/**
 * Whether strtod flags `text` (a valid number that parsed to `v`) with ERANGE for underflow:
 * a nonzero value that became zero, or a subnormal result that isn't exact.
 */
function underflows(text: string, v: number): boolean {
  const a = Math.abs(v);
  if (a >= SUBNORMAL_LIMIT || a === Infinity) return false;
  let digits: bigint;
  let exp2 = 0;
  let exp10 = 0;
  const hex = HEX_PARTS.exec(text);
  if (hex !== null) {
    const frac = hex[2] ?? '';
    digits = BigInt('0x0' + hex[1] + frac);
    exp2 = Number(hex[3] ?? 0) - 4 * frac.length;
  } else {
    const dec = DECIMAL_PARTS.exec(text);
    if (dec === null) return false; // inf
    const frac = dec[2] ?? '';
    digits = BigInt('0' + dec[1] + frac);
    exp10 = Number(dec[3] ?? 0) - frac.length;
  }
  if (digits === 0n) return false;
  if (a === 0) return true;
  // Exact iff digits * 2^exp2 * 10^exp10 == m * 2^-1074, m the subnormal's integer mantissa.
  let lhs = digits;
  let rhs = BigInt(a * 2 ** 537 * 2 ** 537);
  const shift = exp2 + 1074;
  if (shift >= 0) lhs <<= BigInt(shift);
  else rhs <<= BigInt(-shift);
  if (exp10 >= 0) lhs *= 10n ** BigInt(exp10);
  else rhs *= 10n ** BigInt(-exp10);
  return lhs !== rhs;
}

/** Whether every character may appear in a plain decimal number (digits, sign, dot, exponent). */
function decimalChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    // 0-9 + - . e E
    if ((ch < 48 || ch > 57) && ch !== 43 && ch !== 45 && ch !== 46 && ch !== 101 && ch !== 69) return false;
  }
  return true;
}

/**
 * A value as SORT reads a number (strtod on the C string, then Redis's checks): leading blanks
 * are skipped, the empty string is 0, nothing may follow the number, no NaN, no ERANGE.
 */
function sortScore(s: string): number | undefined {
  if (s.length === 0) return 0;
  // The common case: a decimal number, which Number() reads as strtod does (a string of these
  // characters that Number() rejects has something strtod leaves over, too).
  if (decimalChars(s)) {
    const v = Number(s);
    if (v !== v || v === Infinity || v === -Infinity) return undefined;
    if ((v === 0 || Math.abs(v) < SUBNORMAL_LIMIT) && underflows(s, v)) return undefined;
    return v;
  }
  return slowScore(cString(s));
}

function slowScore(s: string): number | undefined {
  if (s.length === 0) return 0;
  let i = 0;
  for (; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch !== 32 && (ch < 9 || ch > 13)) break;
  }
  // Only blanks: strtod converts nothing and points at the first blank.
  if (i === s.length) return undefined;
  const text = i === 0 ? s : s.slice(i);
  const v = parseDouble(text);
  if (v === undefined) return undefined;
  if ((v === 0 || Math.abs(v) < SUBNORMAL_LIMIT) && underflows(text, v)) return undefined;
  return v;
}

// ---- Comparisons ----

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort state for one call (the comparator reads it). */
class SortVector {
  constructor(
    readonly elements: string[],
    /** Numeric sort: the scores. */
    readonly scores: Float64Array | null,
    /** Lexicographic sort: the strings compared (BY values, null when missing, or the elements). */
    readonly keys: (string | null)[] | null,
    readonly desc: boolean,
  ) {}

  /** A total order: ties that Redis leaves equal keep the input order (as a stable sort). */
  readonly compare = (x: number, y: number): number => {
    let cmp: number;
    const scores = this.scores;
    if (scores !== null) {
      const a = scores[x];
      const b = scores[y];
      // Same score: the elements decide, so that the result is deterministic.
      cmp = a > b ? 1 : a < b ? -1 : compareBytes(this.elements[x], this.elements[y]);
    } else {
      const a = this.keys![x];
      const b = this.keys![y];
      if (a === null || b === null) cmp = a === b ? 0 : a === null ? -1 : 1;
      else cmp = compareBytes(a, b);
    }
    if (cmp === 0) return x - y;
    return this.desc ? -cmp : cmp;
  };
}

// ---- The command ----

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  by: KeyPattern | null;
  dontSort: boolean;
  gets: KeyPattern[];
  store: string | null;
}

function parseOptions(argv: string[], readOnly: boolean): SortOptions {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, by: null, dontSort: false, gets: [], store: null };
  for (let j = 2; j < argv.length; j++) {
    const a = argv[j];
    const left = argv.length - j - 1;
    if (isToken(a, 'ASC')) {
      o.desc = false;
    } else if (isToken(a, 'DESC')) {
      o.desc = true;
    } else if (isToken(a, 'ALPHA')) {
      o.alpha = true;
    } else if (isToken(a, 'LIMIT') && left >= 2) {
      // Huge values are clamped to the collection's size later: a number is precise enough.
      o.limitStart = Number(int64Arg(argv[j + 1]));
      o.limitCount = Number(int64Arg(argv[j + 2]));
      j += 2;
    } else if (!readOnly && isToken(a, 'STORE') && left >= 1) {
      o.store = argv[++j];
    } else if (isToken(a, 'BY') && left >= 1) {
      const by = new KeyPattern(argv[++j]);
      // A pattern without `*` is constant: nothing to sort by. The last BY is the pattern,
      // but any constant one among them turns sorting off.
      o.by = by;
      if (!by.star) o.dontSort = true;
    } else if (isToken(a, 'GET') && left >= 1) {
      o.gets.push(new KeyPattern(argv[++j]));
    } else {
      err(Errors.syntax);
    }
  }
  return o;
}

function sortGeneric(c: Client, argv: string[], readOnly: boolean): Reply {
  const o = parseOptions(argv, readOnly);
  const v = lookupRead(c, argv[1]);
  if (v !== undefined && !(v instanceof ListValue) && !(v instanceof SetValue) && !(v instanceof ZSet)) err(Errors.wrongType);

  let dontSort = o.dontSort;
  let alpha = o.alpha;
  let by = o.by;
  // An unsorted set would come out in hash table order: when the result is stored, or goes to
  // a script, it is sorted lexicographically instead, so that replicas agree.
  if (dontSort && v instanceof SetValue && (o.store !== null || (c.flags & ClientFlag.Script) !== 0)) {
    dontSort = false;
    alpha = true;
    by = null;
  }
  // Redis converts a listpack sorted set to a skiplist (visible in OBJECT ENCODING).
  if (v instanceof ZSet) v.toSkiplist();

  const length = v === undefined ? 0 : v instanceof ListValue ? v.length : v.size;
  // LIMIT: clamp to the collection, as Redis does.
  let start = Math.min(Math.max(o.limitStart, 0), length);
  const count = Math.min(Math.max(o.limitCount, -1), length);
  let end = count < 0 ? length - 1 : start + count - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;

  let elements: string[];
  let order: number[] | null = null;
  if (v === undefined) {
    elements = [];
  } else if (dontSort && !(v instanceof SetValue)) {
    // Native order (reversed for DESC), just the LIMIT range.
    if (end < start) elements = [];
    else if (v instanceof ListValue) elements = o.desc ? v.range(length - 1 - end, length - 1 - start, true) : v.range(start, end);
    else elements = zsetRange(v, start, end - start + 1, o.desc);
    end -= start;
    start = 0;
  } else {
    if (v instanceof ListValue) elements = v.range(0, length - 1);
    else if (v instanceof SetValue) elements = v.toArray();
    else elements = Array.from(v.dict!.keys());
    if (!dontSort) order = sortOrder(c, elements, by, alpha, o.desc, o.store !== null, start, end);
  }

  const gets = o.gets;
  if (o.store === null) {
    const out: Reply[] = [];
    for (let j = start; j <= end; j++) {
      const e = elements[order === null ? j : order[j]];
      if (gets.length === 0) out.push(e);
      for (let g = 0; g < gets.length; g++) out.push(gets[g].lookup(c, e));
    }
    return out;
  }

  const list = new ListValue(collectionLimits(c.server).listFill);
  for (let j = start; j <= end; j++) {
    const e = elements[order === null ? j : order[j]];
    if (gets.length === 0) list.pushTail(e);
    for (let g = 0; g < gets.length; g++) list.pushTail(gets[g].lookup(c, e) ?? '');
  }
  const db = c.db;
  const server = c.server;
  const dst = o.store;
  const stored = list.length;
  if (stored > 0) {
    db.set(dst, list);
    server.modified(db, dst);
    server.notify(Notify.List, 'sortstore', dst, db.id);
    server.dirty += stored;
  } else if (db.delete(dst)) {
    server.wrote(db, dst, Notify.Generic, 'del');
  }
  return stored;
}

/** `count` members of a sorted set from rank `start`, counting from the highest when `desc`. */
function zsetRange(z: ZSet, start: number, count: number, desc: boolean): string[] {
  const out: string[] = [];
  z.walk(desc ? z.size - 1 - start : start, count, desc, (member) => {
    out.push(member);
  });
  return out;
}

/**
 * The sorted order of `elements` (indexes), by their values or by the BY pattern's, exact for
 * ranks start..end (LIMIT); throws Redis's error when a numeric sort meets a value that isn't
 * a number (after every lookup).
 */
function sortOrder(c: Client, elements: string[], by: KeyPattern | null, alpha: boolean, desc: boolean, storing: boolean, start: number, end: number): number[] {
  const n = elements.length;
  let scores: Float64Array | null = null;
  let keys: (string | null)[] | null = null;
  let bad = false;
  if (alpha) {
    if (by !== null) {
      keys = new Array(n);
      for (let j = 0; j < n; j++) keys[j] = by.lookup(c, elements[j]);
    } else {
      keys = elements.slice();
    }
    // Replies use strcoll (byte order up to a NUL in the C locales); STORE compares bytes.
    if (!storing) {
      for (let j = 0; j < n; j++) {
        const k = keys[j];
        if (k !== null && k.includes('\0')) keys[j] = cString(k);
      }
    }
  } else {
    scores = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let value: string | null = elements[j];
      if (by !== null) {
        value = by.lookup(c, value);
        if (value === null) continue; // missing: sorts as 0
      }
      const score = sortScore(value);
      if (score === undefined) bad = true;
      else scores[j] = score;
    }
  }
  if (bad) err(SCORE_ERROR);
  const order: number[] = new Array(n);
  for (let j = 0; j < n; j++) order[j] = j;
  // The comparison is a total order, so a partial sort of a LIMIT range gives what a full sort
  // would (Redis's own partial sort for BY ... LIMIT may order ALPHA ties differently).
  const compare = new SortVector(elements, scores, keys, desc).compare;
  if ((end - start + 1) * 2 < n) partialSort(order, start, end, compare);
  else order.sort(compare);
  return order;
}

const sortKeys = finderPositions('sort');
const sortRoKeys = finderPositions('sort_ro');

export const sortCommands: Family = {
  sort: { run: (c, argv) => sortGeneric(c, argv, false), getKeys: sortKeys },
  sort_ro: { run: (c, argv) => sortGeneric(c, argv, true), getKeys: sortRoKeys },
};
