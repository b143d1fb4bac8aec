// The RDB decoder's byte-level reader over a buffer, or over a file read in large chunks.
// Every read checks bounds: running out of input raises a CorruptDataError marked truncated.
// The CRC-64 of consumed bytes is kept on demand (checksumSoFar).

import fs from 'node:fs';
import { Crc64 } from '../crc64.js';
import { lzfDecompress } from '../lzf.js';
import { CorruptDataError, corrupt } from '../errors.js';
import { RDB_ENC_INT16, RDB_ENC_INT32, RDB_ENC_INT8, RDB_ENC_LZF } from './constants.js';

const CHUNK = 4 * 1024 * 1024;

export class RdbReader {
  buf: Buffer;
  pos: number;
  end: number;
  private readonly fd: number | null;
  /** File offset of buf[0]. */
  private base = 0;
  private crc: Crc64 | null = null;
  /** Position in buf up to which `crc` covers. */
  private crcPos = 0;
  private eof = false;

  constructor(buf: Buffer, start = 0, end = buf.length, fd: number | null = null) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.fd = fd;
    this.crcPos = start;
  }

  /** A reader over an open file, from its current start. */
  static fromFile(fd: number): RdbReader {
    const r = new RdbReader(Buffer.allocUnsafe(CHUNK), 0, 0, fd);
    return r;
  }

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Starts computing the CRC-64 from the current position. */
  startChecksum(): void {
    this.crc = new Crc64();
    this.crcPos = this.pos;
  }

  /** CRC-64 of the bytes consumed since startChecksum. */
  checksumSoFar(): Crc64 {
    if (this.crc === null) throw new Error('checksum not started');
    this.crc.update(this.buf, this.crcPos, this.pos);
    this.crcPos = this.pos;
    return this.crc;
  }

  /** Ensures n bytes are available at pos. */
  need(n: number): void {
    if (this.pos + n <= this.end) return;
    this.fill(n);
  }

  private fill(n: number): void {
    if (this.fd === null || this.eof) throw new CorruptDataError('Unexpected EOF reading RDB file', true);
    if (this.crc !== null) {
      this.crc.update(this.buf, this.crcPos, this.pos);
    }
    const keep = this.end - this.pos;
    let buf = this.buf;
    if (n > buf.length) buf = Buffer.allocUnsafe(Math.max(n, buf.length * 2));
    this.buf.copy(buf, 0, this.pos, this.end);
    this.base += this.pos;
    this.buf = buf;
    this.pos = 0;
    this.crcPos = 0;
    this.end = keep;
    while (this.end < n) {
      const got = fs.readSync(this.fd, buf, this.end, buf.length - this.end, null);
      if (got === 0) {
        this.eof = true;
        throw new CorruptDataError('Unexpected EOF reading RDB file', true);
      }
      this.end += got;
    }
  }

  /** Whether no byte is left (only meaningful for in-memory readers). */
  atEnd(): boolean {
    if (this.pos < this.end) return false;
    if (this.fd === null) return true;
    try {
      this.fill(1);
      return false;
    } catch {
      return true;
    }
  }

  byte(): number {
    if (this.pos >= this.end) this.fill(1);
    return this.buf[this.pos++];
  }

  /** Raw bytes (a copy when reading from a file, a view otherwise). */
  raw(n: number): Buffer {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    if (this.fd === null) return this.buf.subarray(start, start + n);
    return Buffer.from(this.buf.subarray(start, start + n));
  }

  /** A length: { value, encoded } where encoded means a special string encoding follows. */
  lenOrEncoding(): number {
    const b = this.byte();
    const kind = b >> 6;
    if (kind === 0) return b & 0x3f;
    if (kind === 1) return ((b & 0x3f) << 8) | this.byte();
    if (kind === 3) return -1 - (b & 0x3f); // encoded: -1 - encoding type
    if (b === 0x80) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === 0x81) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > 9007199254740991n) corrupt(`Length too big: ${v}`);
      return Number(v);
    }
    return corrupt(`Unknown length encoding ${b} in rdbLoadLen()`);
  }

  /** A plain length (not a string encoding). */
  len(): number {
    const v = this.lenOrEncoding();
    if (v < 0) corrupt('Unexpected encoded length');
    return v;
  }

  /** A length that may exceed 2^53 (stream IDs, counters): bigint when it does. */
  lenBig(): number | bigint {
    const b = this.byte();
    if (b === 0x81) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return v <= 9007199254740991n ? Number(v) : v;
    }
    this.pos--;
    return this.len();
  }

  /** A string, as a latin1 JS string. */
  string(): string {
    const n = this.lenOrEncoding();
    if (n >= 0) {
      this.need(n);
      const s = this.buf.latin1Slice(this.pos, this.pos + n);
      this.pos += n;
      return s;
    }
    return this.encodedString(-1 - n);
  }

  /** A string, as bytes (listpacks and other blobs). */
  bytes(): Buffer {
    const n = this.lenOrEncoding();
    if (n >= 0) return this.raw(n);
    const enc = -1 - n;
    if (enc === RDB_ENC_LZF) return this.lzf();
    return Buffer.from(this.encodedString(enc), 'latin1');
  }

  private encodedString(enc: number): string {
    switch (enc) {
      case RDB_ENC_INT8: {
        this.need(1);
        const v = this.buf.readInt8(this.pos);
        this.pos += 1;
        return String(v);
      }
      case RDB_ENC_INT16: {
        this.need(2);
        const v = this.buf.readInt16LE(this.pos);
        this.pos += 2;
        return String(v);
      }
      case RDB_ENC_INT32: {
        this.need(4);
        const v = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        return String(v);
      }
      case RDB_ENC_LZF: {
        const b = this.lzf();
        return b.latin1Slice(0, b.length);
      }
      default:
        return corrupt(`Unknown RDB string encoding type ${enc}`);
    }
  }

  private lzf(): Buffer {
    const clen = this.len();
    const len = this.len();
    this.need(clen);
    const out = Buffer.allocUnsafe(len);
    const got = lzfDecompress(this.buf, out, this.pos, this.pos + clen);
    this.pos += clen;
    if (got !== len) corrupt('Invalid LZF compressed string');
    return out;
  }

  /** A millisecond time (int64 little-endian): number when exact, else bigint. */
  millis(): number | bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  }

  /** An old-style time in seconds (int32 little-endian). */
  seconds(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  binaryDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A double in the old text form (ZSET scores before RDB 8). */
  textDouble(): number {
    const n = this.byte();
    if (n === 255) return -Infinity;
    if (n === 254) return Infinity;
    if (n === 253) return NaN;
    this.need(n);
    const s = this.buf.latin1Slice(this.pos, this.pos + n);
    this.pos += n;
    const v = Number(s.trim());
    if (Number.isNaN(v) && !/^\s*[-+]?nan/i.test(s)) {
      const m = /^\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?inf(inity)?)/i.exec(s);
      if (!m) corrupt('Bad double value');
      return /inf/i.test(m[1]) ? (m[1].startsWith('-') ? -Infinity : Infinity) : Number(m[1]);
    }
    return v;
  }
}
