// Sizes as Redis would report them: allocator size classes (MEMORY USAGE counts allocations
// the way jemalloc rounds them) and RDB encoding lengths (DEBUG OBJECT serializedlength).

import { lzfCompress } from '../util/lzf.js';
import { isInt64String } from '../util/numbers.js';
import { MutableString, stringEncoding, type Value } from './value.js';

/** The size jemalloc hands out for a request of `n` bytes. */
export function allocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/** Header bytes of an SDS string of `len` bytes (type 5 only where Redis uses it: keys). */
function sdsHeader(len: number, allowType5: boolean): number {
  if (len < 32 && allowType5 && len > 0) return 1;
  if (len < 256) return 3;
  if (len < 65536) return 5;
  if (len < 2 ** 32) return 9;
  return 17;
}

/** Bytes of a key name and its table entry. */
export function keyOverhead(key: string): number {
  return allocSize(sdsHeader(key.length, true) + key.length + 1) + 24;
}

const OBJECT_HEADER = 16;

/** Bytes of a string value as Redis stores it (object header plus its SDS allocation). */
export function stringValueSize(v: string | MutableString): number {
  if (v instanceof MutableString) return OBJECT_HEADER + allocSize(sdsHeader(v.bytes.length, false) + v.bytes.length + 1);
  const enc = stringEncoding(v);
  if (enc === 'int') return OBJECT_HEADER;
  if (enc === 'embstr') return allocSize(OBJECT_HEADER + 3 + v.length + 1);
  return OBJECT_HEADER + allocSize(sdsHeader(v.length, false) + v.length + 1);
}

/** A rough size for values whose type gives no estimate of its own. */
export function valueSize(v: Value, samples: number): number {
  if (typeof v === 'string' || v instanceof MutableString) return stringValueSize(v);
  return v.memoryUsage ? v.memoryUsage(samples) : OBJECT_HEADER + 64;
}

/** RDB length prefix size. */
export function rdbLenSize(len: number): number {
  if (len < 1 << 6) return 1;
  if (len < 1 << 14) return 2;
  if (len <= 0xffffffff) return 5;
  return 9;
}

/** Bytes RDB uses for an integer written in its integer encodings, or 0 when it doesn't fit. */
function rdbIntSize(v: bigint): number {
  if (v >= -128n && v <= 127n) return 2;
  if (v >= -32768n && v <= 32767n) return 3;
  if (v >= -2147483648n && v <= 2147483647n) return 5;
  return 0;
}

/** The size of a string in an RDB file (integers encoded, long strings LZF-compressed). */
export function rdbStringLength(s: string | Uint8Array, compression: boolean): number {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  const len = bytes.length;
  if (len <= 11) {
    const text = typeof s === 'string' ? s : Buffer.from(s).toString('latin1');
    if (isInt64String(text)) {
      const n = rdbIntSize(BigInt(text));
      if (n) return n;
    }
  }
  if (compression && len > 20) {
    const c = lzfCompress(bytes, len - 4);
    if (c) return 1 + rdbLenSize(c.length) + rdbLenSize(len) + c.length;
  }
  return rdbLenSize(len) + len;
}

/** DEBUG OBJECT serializedlength of a string value (int-encoded ones as integers). */
export function rdbStringValueLength(v: string | MutableString, compression: boolean): number {
  if (typeof v === 'string' && stringEncoding(v) === 'int') {
    const n = rdbIntSize(BigInt(v));
    return n || rdbLenSize(v.length) + v.length;
  }
  return rdbStringLength(typeof v === 'string' ? v : v.view(), compression);
}
