// Zipmap: the encoding of small hashes in Redis before 2.6 (RDB type HASH_ZIPMAP), read only.
//
// Layout: a count byte (254 = unknown), then pairs until 0xFF: key length, key, value length,
// a "free" byte (unused bytes after the value), value, free bytes. A length is one byte below
// 254, or 254 followed by a u32 (little-endian).

import { corrupt } from '../errors.js';

/** The field/value pairs of a zipmap, flattened. */
export function zipmapStrings(buf: Uint8Array, start = 0, end = buf.length): string[] {
  const out: string[] = [];
  if (end - start < 2) corrupt('zipmap too small');
  let p = start + 1;
  const len = (): number => {
    if (p >= end) corrupt('zipmap out of range');
    const b = buf[p];
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > end) corrupt('zipmap out of range');
      const v = (buf[p + 1] | (buf[p + 2] << 8) | (buf[p + 3] << 16) | (buf[p + 4] << 24)) >>> 0;
      p += 5;
      return v;
    }
    return corrupt('zipmap bad length');
  };
  const str = (n: number): string => {
    if (p + n > end) corrupt('zipmap out of range');
    const s = Buffer.from(buf.buffer, buf.byteOffset + p, n).latin1Slice(0, n);
    p += n;
    return s;
  };
  for (;;) {
    if (p >= end) corrupt('zipmap missing terminator');
    if (buf[p] === 0xff) {
      p++;
      break;
    }
    const klen = len();
    out.push(str(klen));
    const vlen = len();
    if (p >= end) corrupt('zipmap out of range');
    const free = buf[p++];
    out.push(str(vlen));
    p += free;
    if (p > end) corrupt('zipmap out of range');
  }
  if (p !== end) corrupt('zipmap trailing bytes');
  const count = buf[start];
  if (count < 254 && count !== out.length / 2) corrupt('zipmap count mismatch');
  return out;
}

/** Encodes pairs as a zipmap (for tests). */
export function zipmapOf(pairs: [string, string][]): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length < 254 ? pairs.length : 254])];
  const len = (n: number) => (n < 254 ? Buffer.from([n]) : Buffer.from([254, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]));
  for (const [k, v] of pairs) {
    parts.push(len(k.length), Buffer.from(k, 'latin1'), len(v.length), Buffer.from([0]), Buffer.from(v, 'latin1'));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}
