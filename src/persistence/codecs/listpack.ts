// Listpack: the compact sequence encoding Redis uses inside lists (quicklist nodes), small
// hashes, sorted sets and sets, and stream nodes.
//
// Layout: total bytes (u32 LE), element count (u16 LE, 65535 when unknown), the entries, and
// a 0xFF terminator. An entry is its encoding+data followed by "backlen", the size of
// encoding+data written backwards in 7-bit groups (so the list can be walked from the end).
// Encodings (first byte):
//   0xxxxxxx                 7-bit unsigned integer
//   10xxxxxx <data>          string up to 63 bytes
//   110xxxxx yyyyyyyy        13-bit signed integer
//   1110xxxx yyyyyyyy <data> string up to 4095 bytes (length big-endian in 12 bits)
//   11110000 <u32 LE> <data> longer string
//   11110001/2/3/4           16/24/32/64-bit signed integer, little-endian
// A string that is the canonical decimal form of an int64 is always stored as an integer.

import { corrupt } from '../errors.js';
import { parseInt64 } from '../../util/numbers.js';

const EOF = 0xff;
export const LP_HEADER_SIZE = 6;
export const LP_COUNT_UNKNOWN = 65535;

/** An element: latin1 string, or integer (number when safe, bigint beyond). */
export type LpValue = string | number | bigint;

function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Reads the listpack in `buf[start, end)`, validating everything. */
export class ListpackReader {
  /** Position of the next entry. */
  pos: number;
  readonly end: number;
  /** Element count from the header (LP_COUNT_UNKNOWN when not recorded). */
  readonly headerCount: number;
  /** Elements read so far. */
  index = 0;

  constructor(readonly buf: Uint8Array, start = 0, end = buf.length) {
    const size = end - start;
    if (size < LP_HEADER_SIZE + 1) corrupt('listpack too small');
    const total = (buf[start] | (buf[start + 1] << 8) | (buf[start + 2] << 16) | (buf[start + 3] << 24)) >>> 0;
    if (total !== size) corrupt('listpack size mismatch');
    if (buf[end - 1] !== EOF) corrupt('listpack missing terminator');
    this.headerCount = buf[start + 4] | (buf[start + 5] << 8);
    this.pos = start + LP_HEADER_SIZE;
    this.end = end - 1;
  }

  /** Whether another element follows. */
  hasNext(): boolean {
    if (this.pos < this.end) return true;
    if (this.headerCount !== LP_COUNT_UNKNOWN && this.headerCount !== this.index) corrupt('listpack count mismatch');
    return false;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) corrupt('listpack entry out of range');
  }

  /** The next element. */
  next(): LpValue {
    const buf = this.buf;
    const start = this.pos;
    this.need(1);
    const b = buf[start];
    let value: LpValue;
    let size: number; // encoding + data
    if ((b & 0x80) === 0) {
      value = b;
      size = 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      size = 1 + len;
      this.need(size);
      value = latin1(buf, start + 1, len);
    } else if ((b & 0xe0) === 0xc0) {
      this.need(2);
      let v = ((b & 0x1f) << 8) | buf[start + 1];
      if (v >= 1 << 12) v -= 1 << 13;
      value = v;
      size = 2;
    } else if ((b & 0xf0) === 0xe0) {
      this.need(2);
      const len = ((b & 0x0f) << 8) | buf[start + 1];
      size = 2 + len;
      this.need(size);
      value = latin1(buf, start + 2, len);
    } else {
      switch (b) {
        case 0xf0: {
          this.need(5);
          const len = (buf[start + 1] | (buf[start + 2] << 8) | (buf[start + 3] << 16) | (buf[start + 4] << 24)) >>> 0;
          size = 5 + len;
          this.need(size);
          value = latin1(buf, start + 5, len);
          break;
        }
        case 0xf1:
          this.need(3);
          value = ((buf[start + 1] | (buf[start + 2] << 8)) << 16) >> 16;
          size = 3;
          break;
        case 0xf2:
          this.need(4);
          value = ((buf[start + 1] | (buf[start + 2] << 8) | (buf[start + 3] << 16)) << 8) >> 8;
          size = 4;
          break;
        case 0xf3:
          this.need(5);
          value = buf[start + 1] | (buf[start + 2] << 8) | (buf[start + 3] << 16) | (buf[start + 4] << 24);
          size = 5;
          break;
        case 0xf4: {
          this.need(9);
          const lo = (buf[start + 1] | (buf[start + 2] << 8) | (buf[start + 3] << 16) | (buf[start + 4] << 24)) >>> 0;
          const hi = buf[start + 5] | (buf[start + 6] << 8) | (buf[start + 7] << 16) | (buf[start + 8] << 24);
          const n = hi * 4294967296 + lo;
          value = Number.isSafeInteger(n) ? n : (BigInt(hi) << 32n) | BigInt(lo);
          size = 9;
          break;
        }
        default:
          return corrupt('listpack bad entry encoding');
      }
    }
    // Check the backlen.
    const bl = backlenSize(size);
    this.need(size + bl);
    let p = start + size + bl - 1;
    let l = 0;
    let shift = 0;
    for (;;) {
      const c = buf[p];
      l += (c & 127) * 2 ** shift;
      if ((c & 128) === 0) break;
      shift += 7;
      p--;
      if (shift > 28 || p < start + size) corrupt('listpack bad backlen');
    }
    if (l !== size || p !== start + size) corrupt('listpack backlen mismatch');
    this.pos = start + size + bl;
    this.index++;
    return value;
  }

  /** The next element as a string (integers in decimal). */
  nextString(): string {
    const v = this.next();
    return typeof v === 'string' ? v : String(v);
  }

  /** The next element, which must be an integer. */
  nextInt(): number | bigint {
    const v = this.next();
    if (typeof v === 'string') {
      const n = parseInt64(v);
      if (n === undefined) corrupt('listpack: integer expected');
      return n;
    }
    return v;
  }
}

function latin1(buf: Uint8Array, start: number, len: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, len).latin1Slice(0, len);
}

/** Every element of a listpack, as strings (integers in decimal). */
export function listpackStrings(buf: Uint8Array, start = 0, end = buf.length): string[] {
  const r = new ListpackReader(buf, start, end);
  const out: string[] = [];
  while (r.hasNext()) out.push(r.nextString());
  return out;
}

/** Builds a listpack. */
export class ListpackBuilder {
  private buf: Buffer;
  private pos = LP_HEADER_SIZE;
  count = 0;

  constructor(capacity = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 16));
  }

  /** Bytes used so far, including header and terminator. */
  get bytes(): number {
    return this.pos + 1;
  }

  private ensure(n: number): void {
    if (this.pos + n + 1 <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n + 1));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Appends a string element (stored as an integer when it is a canonical int64). */
  append(s: string): this {
    if (s.length > 0 && s.length <= 20) {
      const c = s.charCodeAt(0);
      if ((c >= 48 && c <= 57) || c === 45) {
        const v = parseInt64(s);
        if (v !== undefined) return this.appendInt(v);
      }
    }
    const len = s.length;
    let hdr: number;
    if (len < 64) hdr = 1;
    else if (len < 4096) hdr = 2;
    else hdr = 5;
    const size = hdr + len;
    const bl = backlenSize(size);
    this.ensure(size + bl);
    const buf = this.buf;
    let p = this.pos;
    if (hdr === 1) buf[p++] = 0x80 | len;
    else if (hdr === 2) {
      buf[p++] = 0xe0 | (len >>> 8);
      buf[p++] = len & 0xff;
    } else {
      buf[p++] = 0xf0;
      buf.writeUInt32LE(len, p);
      p += 4;
    }
    buf.latin1Write(s, p, len);
    p += len;
    this.pos = writeBacklen(buf, p, size);
    this.count++;
    return this;
  }

  /** Appends bytes as a string element (no integer detection). */
  appendBytes(b: Uint8Array): this {
    return this.append(Buffer.from(b.buffer, b.byteOffset, b.byteLength).latin1Slice(0, b.byteLength));
  }

  appendInt(v: number | bigint): this {
    this.ensure(9 + 1);
    const buf = this.buf;
    let p = this.pos;
    let size: number;
    if (typeof v === 'number' && v >= 0 && v <= 127) {
      buf[p++] = v;
      size = 1;
    } else if (typeof v === 'number' && v >= -4096 && v <= 4095) {
      const u = v < 0 ? (1 << 13) + v : v;
      buf[p++] = 0xc0 | (u >>> 8);
      buf[p++] = u & 0xff;
      size = 2;
    } else if (typeof v === 'number' && v >= -32768 && v <= 32767) {
      buf[p++] = 0xf1;
      buf.writeInt16LE(v, p);
      p += 2;
      size = 3;
    } else if (typeof v === 'number' && v >= -8388608 && v <= 8388607) {
      buf[p++] = 0xf2;
      buf.writeIntLE(v, p, 3);
      p += 3;
      size = 4;
    } else if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
      buf[p++] = 0xf3;
      buf.writeInt32LE(v, p);
      p += 4;
      size = 5;
    } else {
      buf[p++] = 0xf4;
      buf.writeBigInt64LE(BigInt(v), p);
      p += 8;
      size = 9;
    }
    this.pos = writeBacklen(buf, p, size);
    this.count++;
    return this;
  }

  /** The finished listpack (a new buffer of the exact size). */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos + 1);
    this.buf.copy(out, 0, 0, this.pos);
    out[this.pos] = EOF;
    out.writeUInt32LE(this.pos + 1, 0);
    out.writeUInt16LE(this.count < LP_COUNT_UNKNOWN ? this.count : LP_COUNT_UNKNOWN, 4);
    return out;
  }
}

function writeBacklen(buf: Buffer, p: number, l: number): number {
  if (l <= 127) {
    buf[p++] = l;
  } else if (l < 16383) {
    buf[p++] = l >>> 7;
    buf[p++] = (l & 127) | 128;
  } else if (l < 2097151) {
    buf[p++] = l >>> 14;
    buf[p++] = ((l >>> 7) & 127) | 128;
    buf[p++] = (l & 127) | 128;
  } else if (l < 268435455) {
    buf[p++] = l >>> 21;
    buf[p++] = ((l >>> 14) & 127) | 128;
    buf[p++] = ((l >>> 7) & 127) | 128;
    buf[p++] = (l & 127) | 128;
  } else {
    buf[p++] = Math.floor(l / 2 ** 28);
    buf[p++] = ((l >>> 21) & 127) | 128;
    buf[p++] = ((l >>> 14) & 127) | 128;
    buf[p++] = ((l >>> 7) & 127) | 128;
    buf[p++] = (l & 127) | 128;
  }
  return p;
}

/** A listpack of the given strings. */
export function listpackOf(items: Iterable<string>): Buffer {
  const b = new ListpackBuilder();
  for (const s of items) b.append(s);
  return b.finish();
}
