// Setting types: how a setting's arguments are parsed, printed (CONFIG GET) and written back
// (CONFIG REWRITE), with Redis's error wording. Numbers are checked with 64-bit arithmetic so
// that limits and overflow behave as in Redis's config.c.

import { parseDouble, parseInt64 } from '../util/numbers.js';
import { repr } from '../util/repr.js';

/** A parsed value; `text` is its exact CONFIG GET form when `format` could not reproduce it. */
export type Parsed<T> = { value: T; text?: string } | { error: string };

/** One line CONFIG REWRITE writes for a setting: its arguments, and whether it must be written. */
export interface RewriteLine {
  args: string;
  /** Written even when the file does not mention the setting (the value is not the default). */
  force: boolean;
}

export interface SettingType<T> {
  /**
   * Parses one argument (CONFIG SET, or a config file line with one argument). `current` is
   * the value being replaced (client-output-buffer-limit only changes the classes it names).
   */
  parse(text: string, current?: T): Parsed<T>;
  /**
   * For multi-argument settings: parses the arguments of a config file line, or a CONFIG SET
   * value split at single spaces.
   */
  parseArgs?(args: string[], current?: T): Parsed<T>;
  /** CONFIG GET's text. */
  format(value: T): string;
  /**
   * CONFIG REWRITE's lines (arguments after the name). null: the setting must not appear in
   * the file (its lines are removed). Default: one line, the CONFIG GET text, forced when it
   * differs from the default's.
   */
  rewrite?(value: T, defaultValue: T, exactText?: string): RewriteLine[] | null;
}

export const BOOL_ERROR = "argument must be 'yes' or 'no'";

export const bool: SettingType<boolean> = {
  parse(text) {
    const t = text.toLowerCase();
    if (t === 'yes') return { value: true };
    if (t === 'no') return { value: false };
    return { error: BOOL_ERROR };
  },
  format: (v) => (v ? 'yes' : 'no'),
};

// ---- Numbers ----

const U64 = (1n << 64n) - 1n;

export interface NumericOptions {
  min: bigint;
  max: bigint;
  /** Limits compare as unsigned 64-bit (Redis's unsigned int, unsigned long long, size_t). */
  unsigned?: boolean;
  /** Accepts unit suffixes (1gb, 10mb…); CONFIG REWRITE writes units. */
  memory?: boolean;
  /** Accepts "N%" (stored negative, as Redis does). */
  percent?: boolean;
  /** Parsed and printed in octal. */
  octal?: boolean;
  /** An extra check of the parsed value. */
  check?: (v: bigint) => string | undefined;
}

/**
 * Parses a memory amount as Redis's memtoull: digits with an optional unit (b, k, kb, m, mb,
 * g, gb, any case). Returns the 64-bit unsigned result (wrapping as C does), or undefined.
 */
export function memtoull(text: string): bigint | undefined {
  if (text.startsWith('-')) return undefined;
  let i = 0;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  const unit = text.slice(i).toLowerCase();
  const mul = MEMORY_UNITS[unit];
  if (mul === undefined) return undefined;
  if (i >= 128) return undefined;
  const digits = text.slice(0, i);
  // strtoull saturates on overflow; an empty string reads as 0.
  let v = digits === '' ? 0n : BigInt(digits);
  if (v > U64) v = U64;
  return (v * mul) & U64;
}

const MEMORY_UNITS: Record<string, bigint> = {
  '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n,
};

/** Parses a memory amount like "1gb" (memtoull); undefined when invalid. Approximate beyond 2^53. */
export function parseMemory(text: string): number | undefined {
  const v = memtoull(text);
  return v === undefined ? undefined : Number(v);
}

/** Writes a byte count as CONFIG REWRITE does: in gb, mb or kb when it divides evenly. */
export function formatMemoryUnits(bytes: bigint): string {
  const gb = 1024n ** 3n;
  const mb = 1024n ** 2n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % 1024n === 0n) return `${bytes / 1024n}kb`;
  return String(bytes);
}

/** strtoll(text, &end, 8) accepting the whole string; undefined on leftovers or overflow. */
function parseOctal(text: string): bigint | undefined {
  if (text === '') return 0n; // no digits: strtoll stops at the (empty) end
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-7]+)$/.exec(text);
  if (!m) return undefined;
  const v = m[1] === '-' ? -BigInt('0o' + m[2]) : BigInt('0o' + m[2]);
  if (v > LIMITS_I64.max || v < LIMITS_I64.min) return undefined;
  return v;
}

const LIMITS_I64 = { max: (1n << 63n) - 1n, min: -(1n << 63n) };

/**
 * A numeric setting with Redis's parsing order (memory, then percent, then octal, then a plain
 * integer), limits and error texts. Values are JS numbers (exact CONFIG GET text is kept).
 */
export function numeric(o: NumericOptions): SettingType<number> {
  const toNumber = (v: bigint) => Number(v);
  const show = (v: bigint): string => {
    if (o.percent && v < 0n) return `${-v}%`;
    if (o.memory) return String(BigInt.asUintN(64, v));
    if (o.octal) return BigInt.asUintN(64, v).toString(8);
    return String(v);
  };
  const type: SettingType<number> = {
    parse(text) {
      let v: bigint | undefined;
      if (o.memory) v = memtoull(text);
      if (v === undefined && o.percent && text.length > 1 && text.endsWith('%')) {
        const p = parseInt64(text.slice(0, -1));
        if (p !== undefined && BigInt(p) >= 0n) v = -BigInt(p);
      }
      if (v === undefined && o.octal) v = parseOctal(text);
      if (v === undefined && !o.memory && !o.percent && !o.octal) {
        const p = parseInt64(text);
        if (p !== undefined) v = BigInt(p);
      }
      if (v === undefined) {
        if (o.memory && o.percent) return { error: 'argument must be a memory or percent value' };
        if (o.memory) return { error: 'argument must be a memory value' };
        if (o.octal) return { error: "argument couldn't be parsed as an octal number" };
        return { error: "argument couldn't be parsed into an integer" };
      }
      if (o.unsigned) {
        const u = BigInt.asUintN(64, v);
        const lo = BigInt.asUintN(64, o.min);
        const hi = BigInt.asUintN(64, o.max);
        if (u > hi || u < lo) {
          if (o.octal) return { error: `argument must be between ${lo.toString(8)} and ${hi.toString(8)} inclusive` };
          return { error: `argument must be between ${lo} and ${hi} inclusive` };
        }
        v = u;
      } else {
        v = BigInt.asIntN(64, v);
        if (o.percent && v < 0n) {
          if (v < o.min) return { error: `percentage argument must be less or equal to ${-o.min}` };
        } else if (v > o.max || v < o.min) {
          return { error: `argument must be between ${o.min} and ${o.max} inclusive` };
        }
      }
      const bad = o.check?.(v);
      if (bad) return { error: bad };
      return { value: toNumber(v), text: show(v) };
    },
    format: (v) => show(BigInt(Math.trunc(v))),
    rewrite(value, def, exact) {
      // The exact CONFIG GET text keeps 64-bit values that a JS number rounds.
      let v = BigInt(Math.trunc(value));
      if (exact !== undefined) {
        if (o.percent && exact.endsWith('%')) v = -BigInt(exact.slice(0, -1));
        else v = BigInt(o.octal ? '0o' + exact : exact);
      }
      const force = value !== def;
      if (o.percent && v < 0n) return [{ args: `${-v}%`, force }];
      if (o.memory) return [{ args: formatMemoryUnits(v), force }];
      if (o.octal) return [{ args: v.toString(8), force }];
      return [{ args: String(v), force }];
    },
  };
  return type;
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
export const LIMITS = {
  INT_MIN, INT_MAX,
  UINT_MAX: 4294967295n,
  LONG_MAX: 9223372036854775807n,
  LLONG_MAX: 9223372036854775807n,
  ULLONG_MAX: U64,
  SSIZE_MAX: 9223372036854775807n,
};

/** Integers in [min, max] (plain decimal). */
export function int(min: number | bigint, max: number | bigint): SettingType<number> {
  return numeric({ min: BigInt(min), max: BigInt(max) });
}

/** Byte amounts with unit suffixes, in [min, max]. CONFIG GET prints plain bytes. */
export function memory(min: number | bigint, max: number | bigint, unsigned = false): SettingType<number> {
  return numeric({ min: BigInt(min), max: BigInt(max), memory: true, unsigned });
}

// ---- Enums ----

/**
 * One of a fixed set of names (case-insensitive). Several names may share a value (the first
 * one is what CONFIG GET shows). With `flags`, the setting takes several names whose values
 * are OR-ed (a multi-argument setting).
 */
export function enumOf<V extends number | string>(
  entries: readonly (readonly [string, V])[],
  opts: { flags?: boolean; check?: (v: V) => string | undefined } = {},
): SettingType<V> {
  const error = { error: `argument(s) must be one of the following: ${entries.map((e) => e[0]).join(', ')}` };
  const lookup = (name: string) => entries.find((e) => e[0] === name.toLowerCase());
  const finish = (v: V): Parsed<V> => {
    const bad = opts.check?.(v);
    return bad ? { error: bad } : { value: v };
  };
  const type: SettingType<V> = {
    parse(text) {
      if (opts.flags) return type.parseArgs!(text.split(' '));
      const e = lookup(text);
      return e ? finish(e[1]) : error;
    },
    format(v) {
      const exact = entries.find((e) => e[1] === v);
      if (exact) return exact[0];
      if (!opts.flags || typeof v !== 'number') return 'unknown';
      let rest = v as number;
      const names: string[] = [];
      for (const [name, bit] of entries as readonly (readonly [string, number])[]) {
        if (bit !== 0 && (rest & bit) === bit) {
          names.push(name);
          rest &= ~bit;
        }
      }
      return names.length && rest === 0 ? names.join(' ') : 'unknown';
    },
  };
  if (opts.flags) {
    type.parseArgs = (args) => {
      if (args.length === 0) return error;
      let v = 0;
      for (const a of args) {
        const e = lookup(a);
        if (!e) return error;
        v |= e[1] as number;
      }
      return finish(v as V);
    };
  }
  return type;
}

/** One of a fixed set of names (case-insensitive), stored as the lowercase name. */
export function oneOf(names: readonly string[]): SettingType<string> {
  return enumOf(names.map((n) => [n, n] as const));
}

// ---- Strings ----

/**
 * Free text. With `emptyIsNull` (Redis's EMPTY_STRING_IS_NULL), an empty value means "unset"
 * and CONFIG REWRITE leaves the setting out of the file.
 */
export function str(opts: { emptyIsNull?: boolean; check?: (v: string) => string | undefined } = {}): SettingType<string> {
  return {
    parse(t) {
      const bad = opts.check?.(t);
      return bad ? { error: bad } : { value: t };
    },
    format: (v) => v,
    rewrite(v, def) {
      if (opts.emptyIsNull && v === '') return null;
      return [{ args: repr(v), force: v !== def }];
    },
  };
}

/** Free text (empty allowed). */
export const text: SettingType<string> = str();

// ---- Lists of doubles (latency-tracking-info-percentiles) ----

/** "%f" with trailing zeros (and a trailing dot) removed, as Redis's trimDoubleString. */
export function trimmedFixed(v: number): string {
  let s = v.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

export const percentiles: SettingType<number[]> = {
  parse(t) {
    return percentiles.parseArgs!(t.split(' '));
  },
  parseArgs(args) {
    if (args.length === 1 && args[0] === '') return { value: [] };
    const out: number[] = [];
    for (const a of args) {
      const v = parseDouble(a);
      if (v === undefined) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
      if (v > 100 || v < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
      out.push(v);
    }
    return { value: out };
  },
  format: (v) => v.map(trimmedFixed).join(' '),
  rewrite: (v) => [{ args: v.length ? v.map(trimmedFixed).join(' ') : '""', force: true }],
};
