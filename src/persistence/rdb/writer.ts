// The RDB encoder's byte-level writer: lengths, strings (integer-encoded and LZF-compressed as
// Redis does), times and doubles into a buffer that is handed to a sink in large chunks, with
// a running CRC-64. The sink consumes each chunk synchronously (file write or copy).

import { Crc64 } from '../crc64.js';
import { lzfCompress } from '../lzf.js';
import { parseInt64 } from '../../util/numbers.js';
import { RDB_ENC_INT16, RDB_ENC_INT32, RDB_ENC_INT8, RDB_ENC_LZF, RDB_ENCVAL } from './constants.js';

export type Sink = (chunk: Buffer) => void;

export interface WriterOptions {
  /** rdbcompression: LZF-compress strings longer than 20 bytes when it saves space. */
  compression?: boolean;
  /** rdbchecksum: keep a CRC-64 of everything written (else the trailer is 0). */
  checksum?: boolean;
  /** list-max-listpack-size, for the listpack nodes of saved lists. */
  listMaxListpackSize?: number;
  bufferSize?: number;
  /** The sink keeps the chunks it is given (asynchronous writes): use a new buffer after each. */
  sinkKeepsChunks?: boolean;
}

// Scratch space for LZF (input copy and output), grown on demand.
let lzfIn = Buffer.allocUnsafe(64 * 1024);
let lzfOut = Buffer.allocUnsafe(64 * 1024);

export class RdbWriter {
  buf: Buffer;
  pos = 0;
  readonly crc: Crc64 | null;
  readonly compression: boolean;
  readonly listMaxListpackSize: number;
  /** Bytes handed to the sink so far. */
  flushed = 0;
  private readonly sink: Sink | null;
  private readonly sinkKeepsChunks: boolean;

  /** Writes into `sink`, or into memory (see toBuffer) when sink is null. */
  constructor(sink: Sink | null, opts: WriterOptions = {}) {
    this.sink = sink;
    this.buf = Buffer.allocUnsafe(opts.bufferSize ?? (sink ? 1024 * 1024 : 256));
    this.crc = opts.checksum === false ? null : new Crc64();
    this.compression = opts.compression ?? true;
    this.listMaxListpackSize = opts.listMaxListpackSize ?? -2;
    this.sinkKeepsChunks = opts.sinkKeepsChunks ?? false;
  }

  /** Total bytes written (flushed or buffered). */
  get length(): number {
    return this.flushed + this.pos;
  }

  /** Hands buffered bytes to the sink. */
  flush(): void {
    if (this.sink === null || this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    if (this.crc) this.crc.update(chunk);
    this.sink(chunk);
    this.flushed += this.pos;
    this.pos = 0;
    if (this.sinkKeepsChunks) this.buf = Buffer.allocUnsafe(this.buf.length);
  }

  /** Makes room for n more bytes in the buffer. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.sink !== null) {
      this.flush();
      if (n <= this.buf.length) return;
    }
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** The bytes written, in memory mode. */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** CRC-64 of everything written so far (memory mode or after flush). */
  checksum(): Crc64 | null {
    if (this.crc === null) return null;
    if (this.sink === null) return new Crc64().update(this.buf, 0, this.pos);
    this.flush();
    return this.crc;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  raw(data: Uint8Array): void {
    const n = data.length;
    if (n > 65536 && this.sink !== null) {
      this.flush();
      const b = this.sinkKeepsChunks ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, n);
      if (this.crc) this.crc.update(b);
      this.sink(b);
      this.flushed += n;
      return;
    }
    this.ensure(n);
    this.buf.set(data, this.pos);
    this.pos += n;
  }

  /** A latin1 string's bytes, verbatim. */
  rawString(s: string): void {
    const n = s.length;
    if (n > 65536 && this.sink !== null) {
      this.raw(Buffer.from(s, 'latin1'));
      return;
    }
    this.ensure(n);
    this.buf.latin1Write(s, this.pos, n);
    this.pos += n;
  }

  /** RDB length encoding (6, 14, 32 or 64 bits). */
  len(n: number | bigint): void {
    this.ensure(9);
    const buf = this.buf;
    if (typeof n === 'bigint') {
      if (n <= 0xffffffffn) {
        this.len(Number(n));
        return;
      }
      buf[this.pos++] = 0x81;
      buf.writeBigUInt64BE(n, this.pos);
      this.pos += 8;
      return;
    }
    if (n < 64) {
      buf[this.pos++] = n;
    } else if (n < 16384) {
      buf[this.pos++] = 0x40 | (n >>> 8);
      buf[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      buf[this.pos++] = 0x80;
      buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      buf[this.pos++] = 0x81;
      buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** A millisecond time: int64 little-endian. */
  millis(ms: number | bigint): void {
    this.ensure(8);
    if (typeof ms === 'number') {
      this.buf.writeUInt32LE(ms % 4294967296 >>> 0, this.pos);
      this.buf.writeInt32LE(Math.floor(ms / 4294967296), this.pos + 4);
    } else {
      this.buf.writeBigInt64LE(ms, this.pos);
    }
    this.pos += 8;
  }

  /** A double in IEEE 754 binary64, little-endian (ZSET_2 scores). */
  binaryDouble(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /**
   * A string as Redis's rdbSaveRawString writes it: integer encoding for short canonical
   * integers fitting 32 bits, LZF when enabled and it saves at least 4 bytes, else verbatim.
   */
  string(s: string): void {
    const n = s.length;
    if (n <= 11 && n > 0) {
      const c = s.charCodeAt(0);
      if ((c >= 48 && c <= 57) || c === 45) {
        const v = parseInt64(s);
        if (v !== undefined && typeof v === 'number' && this.intEncoded(v)) return;
      }
    }
    if (this.compression && n > 20) {
      if (lzfIn.length < n) lzfIn = Buffer.allocUnsafe(Math.max(n, lzfIn.length * 2));
      lzfIn.latin1Write(s, 0, n);
      if (this.lzf(lzfIn, n)) return;
    }
    this.len(n);
    this.rawString(s);
  }

  /** Bytes as a string (listpacks, intsets, mutable strings), encoded like `string`. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    if (n <= 11 && n > 0 && ((b[0] >= 48 && b[0] <= 57) || b[0] === 45)) {
      const v = parseInt64(Buffer.from(b.buffer, b.byteOffset, n).latin1Slice(0, n));
      if (v !== undefined && typeof v === 'number' && this.intEncoded(v)) return;
    }
    if (this.compression && n > 20 && this.lzf(b, n)) return;
    this.len(n);
    this.raw(b);
  }

  private intEncoded(v: number): boolean {
    this.ensure(5);
    const buf = this.buf;
    if (v >= -128 && v <= 127) {
      buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
      buf[this.pos++] = v & 0xff;
    } else if (v >= -32768 && v <= 32767) {
      buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
      buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
      buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  private lzf(data: Uint8Array, n: number): boolean {
    const outLen = n - 4;
    if (lzfOut.length < outLen) lzfOut = Buffer.allocUnsafe(Math.max(outLen, lzfOut.length * 2));
    const clen = lzfCompress(data, lzfOut.subarray(0, outLen), 0, n);
    if (clen === 0) return false;
    this.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
    this.len(clen);
    this.len(n);
    this.raw(lzfOut.subarray(0, clen));
    return true;
  }
}
