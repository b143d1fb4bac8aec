// Ziplist: the encoding of small lists, hashes and sorted sets before Redis 7.0 (RDB types
// LIST_ZIPLIST, ZSET_ZIPLIST, HASH_ZIPLIST and the nodes of LIST_QUICKLIST). Larder reads it
// from older files; the encoder exists to test the reader.
//
// Layout: total bytes (u32 LE), offset of the last entry (u32 LE), entry count (u16 LE,
// 65535 when unknown), entries, 0xFF. An entry is: the previous entry's size (1 byte, or 0xFE
// and a u32 LE), the encoding, the data. Encodings:
//   00pppppp                    string up to 63 bytes
//   01pppppp qqqqqqqq           string up to 16383 bytes (14-bit big-endian length)
//   10000000 <u32 big-endian>   longer string
//   11000000 int16 | 11010000 int32 | 11100000 int64 | 11110000 int24 | 11111110 int8
//   1111xxxx                    immediate 0..12 (xxxx - 1, xxxx in 0001..1101)

import { corrupt } from '../errors.js';
import { parseInt64 } from '../../util/numbers.js';

const HEADER = 10;

/** Every element of a ziplist as a string (integers in decimal), validating the structure. */
export function ziplistStrings(buf: Uint8Array, start = 0, end = buf.length): string[] {
  const size = end - start;
  if (size < HEADER + 1) corrupt('ziplist too small');
  const total = (buf[start] | (buf[start + 1] << 8) | (buf[start + 2] << 16) | (buf[start + 3] << 24)) >>> 0;
  if (total !== size) corrupt('ziplist size mismatch');
  if (buf[end - 1] !== 0xff) corrupt('ziplist missing terminator');
  const tail = (buf[start + 4] | (buf[start + 5] << 8) | (buf[start + 6] << 16) | (buf[start + 7] << 24)) >>> 0;
  const count = buf[start + 8] | (buf[start + 9] << 8);
  const out: string[] = [];
  const stop = end - 1;
  let p = start + HEADER;
  let prevSize = 0;
  let lastEntry = start + HEADER;
  const need = (q: number) => {
    if (q > stop) corrupt('ziplist entry out of range');
  };
  while (p < stop) {
    const entry = p;
    // prevlen
    let prevlen: number;
    if (buf[p] < 254) {
      prevlen = buf[p];
      p += 1;
    } else if (buf[p] === 254) {
      need(p + 5);
      prevlen = (buf[p + 1] | (buf[p + 2] << 8) | (buf[p + 3] << 16) | (buf[p + 4] << 24)) >>> 0;
      p += 5;
    } else {
      return corrupt('ziplist bad prevlen');
    }
    if (prevlen !== prevSize) corrupt('ziplist prevlen mismatch');
    need(p + 1);
    const enc = buf[p];
    if (enc < 0xc0) {
      let len: number;
      const kind = enc >>> 6;
      if (kind === 0) {
        len = enc & 0x3f;
        p += 1;
      } else if (kind === 1) {
        need(p + 2);
        len = ((enc & 0x3f) << 8) | buf[p + 1];
        p += 2;
      } else if (enc === 0x80) {
        need(p + 5);
        len = ((buf[p + 1] << 24) | (buf[p + 2] << 16) | (buf[p + 3] << 8) | buf[p + 4]) >>> 0;
        p += 5;
      } else {
        return corrupt('ziplist bad string encoding');
      }
      need(p + len);
      out.push(Buffer.from(buf.buffer, buf.byteOffset + p, len).latin1Slice(0, len));
      p += len;
    } else {
      p += 1;
      let v: number | bigint;
      if (enc === 0xc0) {
        need(p + 2);
        v = ((buf[p] | (buf[p + 1] << 8)) << 16) >> 16;
        p += 2;
      } else if (enc === 0xd0) {
        need(p + 4);
        v = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
        p += 4;
      } else if (enc === 0xe0) {
        need(p + 8);
        v = Buffer.from(buf.buffer, buf.byteOffset + p, 8).readBigInt64LE(0);
        if (v >= -9007199254740991n && v <= 9007199254740991n) v = Number(v);
        p += 8;
      } else if (enc === 0xf0) {
        need(p + 3);
        v = ((buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16)) << 8) >> 8;
        p += 3;
      } else if (enc === 0xfe) {
        need(p + 1);
        v = (buf[p] << 24) >> 24;
        p += 1;
      } else if (enc >= 0xf1 && enc <= 0xfd) {
        v = (enc & 0x0f) - 1;
      } else {
        return corrupt('ziplist bad integer encoding');
      }
      out.push(String(v));
    }
    prevSize = p - entry;
    lastEntry = entry;
  }
  if (p !== stop) corrupt('ziplist overrun');
  if (out.length > 0 && tail !== lastEntry - start) corrupt('ziplist bad tail offset');
  if (out.length === 0 && tail !== HEADER) corrupt('ziplist bad tail offset');
  if (count !== 65535 && count !== out.length) corrupt('ziplist count mismatch');
  return out;
}

/** Encodes strings as a ziplist (as Redis 6.2 did). */
export function ziplistOf(items: string[]): Buffer {
  const parts: Buffer[] = [];
  let prevSize = 0;
  let offset = HEADER;
  let tail = HEADER;
  for (const s of items) {
    const prev = prevSize < 254 ? Buffer.from([prevSize]) : Buffer.from([254, prevSize & 0xff, (prevSize >>> 8) & 0xff, (prevSize >>> 16) & 0xff, prevSize >>> 24]);
    let body: Buffer;
    const v = s.length < 32 ? parseInt64(s) : undefined;
    if (v !== undefined) {
      const n = BigInt(v);
      if (n >= 0n && n <= 12n) body = Buffer.from([0xf1 + Number(n)]);
      else if (n >= -128n && n <= 127n) body = Buffer.from([0xfe, Number(n) & 0xff]);
      else if (n >= -32768n && n <= 32767n) {
        body = Buffer.alloc(3);
        body[0] = 0xc0;
        body.writeInt16LE(Number(n), 1);
      } else if (n >= -8388608n && n <= 8388607n) {
        body = Buffer.alloc(4);
        body[0] = 0xf0;
        body.writeIntLE(Number(n), 1, 3);
      } else if (n >= -2147483648n && n <= 2147483647n) {
        body = Buffer.alloc(5);
        body[0] = 0xd0;
        body.writeInt32LE(Number(n), 1);
      } else {
        body = Buffer.alloc(9);
        body[0] = 0xe0;
        body.writeBigInt64LE(n, 1);
      }
    } else {
      const data = Buffer.from(s, 'latin1');
      const len = data.length;
      let hdr: Buffer;
      if (len <= 0x3f) hdr = Buffer.from([len]);
      else if (len <= 0x3fff) hdr = Buffer.from([0x40 | (len >>> 8), len & 0xff]);
      else hdr = Buffer.from([0x80, len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff]);
      body = Buffer.concat([hdr, data]);
    }
    const entry = Buffer.concat([prev, body]);
    tail = offset;
    parts.push(entry);
    offset += entry.length;
    prevSize = entry.length;
  }
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(offset + 1, 0);
  header.writeUInt32LE(tail, 4);
  header.writeUInt16LE(Math.min(items.length, 65535), 8);
  return Buffer.concat([header, ...parts, Buffer.from([0xff])]);
}
