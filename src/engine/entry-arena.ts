// Small string entries of a keyspace table (key and value bytes, or key and integer), kept in
// Buffers outside the V8 heap. A table slot then holds a small integer, the entry's address:
// the garbage collector neither copies new entries out of the young generation nor marks old
// ones, and storing one into the table needs no write barrier. With a million keys written at
// random, that copying and marking was a fifth of a SET's profile, and a SET's CPU fell by
// about 40% when entries moved here.
//
// Blocks are multiples of 8 bytes, at most 255 * 8. Chunks grow from 8 KB to 1 MB; freed
// blocks go on one free list per size (linked through the blocks themselves) and are reused
// first. An address counts 8-byte units: chunk index << 17 | unit offset in the chunk, so it
// stays a small integer for up to 16384 chunks (16 GB).
//
// Block layout: [units][kind][key length][key][value length][value] for a string, and
// [units][kind][key length][key]…[float64 at the block's last 8 bytes] for an integer. A length
// is one byte below 255, else 255 and four bytes (big-endian).

import { latin1 } from '../util/latin1.js';
import { formatInteger } from '../util/numbers.js';

const KIND_STRING = 0;
const KIND_INTEGER = 1;
const UNIT_BITS = 3;
const OFFSET_BITS = 17;
const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
const CHUNK_MAX = 1 << (OFFSET_BITS + UNIT_BITS);
const FIRST_CHUNK = 8 * 1024;
const MAX_CHUNKS = 1 << 14;
const MAX_UNITS = 255;
/** Strings shorter than this are copied char by char (no call into the runtime). */
const SHORT = 32;

function lengthBytes(n: number): number {
  return n < 255 ? 1 : 5;
}

function stringEntryBytes(keyLength: number, valueLength: number): number {
  return 2 + lengthBytes(keyLength) + keyLength + lengthBytes(valueLength) + valueLength;
}

/** An integer entry: its header and key, then the float64 in the block's last (aligned) 8 bytes. */
function integerEntryBytes(keyLength: number): number {
  return ((2 + lengthBytes(keyLength) + keyLength + 7) & ~7) + 8;
}

/** Where a free block's link to the next one sits among its chunk's int32s (its second word). */
function linkIndex(addr: number): number {
  return ((addr & OFFSET_MASK) << 1) + 1;
}

/** The size of the block a string entry takes, or -1 when it is too big for one. */
export function stringBlockBytes(keyLength: number, valueLength: number): number {
  const bytes = (stringEntryBytes(keyLength, valueLength) + 7) & ~7;
  return bytes > MAX_UNITS << UNIT_BITS ? -1 : bytes;
}

export class EntryArena {
  private readonly chunks: Buffer[] = [];
  /** Each chunk's memory as float64s (integers sit at 8-byte aligned ends of blocks). */
  private readonly floats: Float64Array[] = [];
  /** Each chunk's memory as int32s (a free block links to the next through its second word). */
  private readonly words: Int32Array[] = [];
  /** Per block size in units, the first free block's address, or -1. */
  private readonly freeHeads = new Int32Array(MAX_UNITS + 1).fill(-1);
  /** Next unused byte of the last chunk. */
  private top = 0;
  /** Bytes in blocks in use. */
  liveBytes = 0;
  /** Bytes in all chunks. */
  capacity = 0;

  /** A new string entry's address, or -1 when it is too big for a block (or the arena is full). */
  putString(key: string, value: string): number {
    const kl = key.length;
    const vl = value.length;
    const addr = this.allocate(stringEntryBytes(kl, vl));
    if (addr < 0) return -1;
    const b = this.chunks[addr >>> OFFSET_BITS];
    let p = this.writeHeader(b, addr, KIND_STRING, kl);
    p = writeText(b, p, key);
    p = writeLength(b, p, vl);
    writeText(b, p, value);
    return addr;
  }

  /** putString for a key and value given as bytes: buf[ks, ks + kl) and buf[vs, vs + vl). */
  putStringBytes(buf: Uint8Array, ks: number, kl: number, vs: number, vl: number): number {
    const addr = this.allocate(stringEntryBytes(kl, vl));
    if (addr < 0) return -1;
    const b = this.chunks[addr >>> OFFSET_BITS];
    let p = this.writeHeader(b, addr, KIND_STRING, kl);
    b.set(buf.subarray(ks, ks + kl), p);
    p = writeLength(b, p + kl, vl);
    b.set(buf.subarray(vs, vs + vl), p);
    return addr;
  }

  /** A new integer entry's address, or -1 when the key is too long for a block. */
  putInteger(key: string, n: number): number {
    const kl = key.length;
    const addr = this.allocate(integerEntryBytes(kl));
    if (addr < 0) return -1;
    const b = this.chunks[addr >>> OFFSET_BITS];
    writeText(b, this.writeHeader(b, addr, KIND_INTEGER, kl), key);
    this.setInteger(addr, n);
    return addr;
  }

  /**
   * Makes the entry at `addr` hold the string `value` in place when that needs a block of the
   * same size (its key stays); false, changing nothing, when it does not.
   */
  rewriteString(addr: number, value: string): boolean {
    const b = this.chunks[addr >>> OFFSET_BITS];
    const o = (addr & OFFSET_MASK) << UNIT_BITS;
    const kl = readLength(b, o + 2);
    const vp = o + 2 + lengthBytes(kl) + kl;
    const vl = value.length;
    if ((stringEntryBytes(kl, vl) + 7) >>> UNIT_BITS !== b[o]) return false;
    b[o + 1] = KIND_STRING;
    writeText(b, writeLength(b, vp, vl), value);
    return true;
  }

  /** rewriteString for an integer value. */
  rewriteInteger(addr: number, n: number): boolean {
    const b = this.chunks[addr >>> OFFSET_BITS];
    const o = (addr & OFFSET_MASK) << UNIT_BITS;
    if (b[o + 1] !== KIND_INTEGER) {
      if (integerEntryBytes(readLength(b, o + 2)) >>> UNIT_BITS !== b[o]) return false;
      b[o + 1] = KIND_INTEGER;
    }
    this.setInteger(addr, n);
    return true;
  }

  private writeHeader(b: Buffer, addr: number, kind: number, kl: number): number {
    const o = (addr & OFFSET_MASK) << UNIT_BITS;
    b[o + 1] = kind;
    return writeLength(b, o + 2, kl);
  }

  /** A block of at least `bytes`, its size in units written in its first byte; -1 if too big. */
  private allocate(bytes: number): number {
    const units = (bytes + 7) >>> UNIT_BITS;
    if (units > MAX_UNITS) return -1;
    let addr = this.freeHeads[units];
    if (addr >= 0) {
      this.freeHeads[units] = this.words[addr >>> OFFSET_BITS][linkIndex(addr)];
    } else {
      const size = units << UNIT_BITS;
      let last = this.chunks.length - 1;
      if (last < 0 || this.top + size > this.chunks[last].length) {
        if (!this.addChunk()) return -1;
        last++;
      }
      addr = (last << OFFSET_BITS) | (this.top >>> UNIT_BITS);
      this.top += size;
    }
    this.chunks[addr >>> OFFSET_BITS][(addr & OFFSET_MASK) << UNIT_BITS] = units;
    this.liveBytes += units << UNIT_BITS;
    return addr;
  }

  private addChunk(): boolean {
    const n = this.chunks.length;
    if (n === MAX_CHUNKS) return false;
    if (n > 0) {
      // The rest of the last chunk becomes a free block (it is smaller than the biggest block).
      const rest = (this.chunks[n - 1].length - this.top) >>> UNIT_BITS;
      if (rest > 0) {
        const addr = ((n - 1) << OFFSET_BITS) | (this.top >>> UNIT_BITS);
        this.chunks[n - 1][this.top] = rest;
        this.pushFree(addr, rest);
      }
    }
    const size = Math.min(CHUNK_MAX, FIRST_CHUNK * 2 ** n);
    const chunk = Buffer.allocUnsafeSlow(size);
    this.chunks.push(chunk);
    this.floats.push(new Float64Array(chunk.buffer, chunk.byteOffset, size >>> 3));
    this.words.push(new Int32Array(chunk.buffer, chunk.byteOffset, size >>> 2));
    this.top = 0;
    this.capacity += size;
    return true;
  }

  private pushFree(addr: number, units: number): void {
    this.words[addr >>> OFFSET_BITS][linkIndex(addr)] = this.freeHeads[units];
    this.freeHeads[units] = addr;
  }

  free(addr: number): void {
    const units = this.chunks[addr >>> OFFSET_BITS][(addr & OFFSET_MASK) << UNIT_BITS];
    this.liveBytes -= units << UNIT_BITS;
    this.pushFree(addr, units);
  }

  keyEquals(addr: number, key: string): boolean {
    const b = this.chunks[addr >>> OFFSET_BITS];
    const o = (addr & OFFSET_MASK) << UNIT_BITS;
    let kl = b[o + 2];
    let p = o + 3;
    if (kl === 255) {
      kl = readLength(b, o + 2);
      p = o + 7;
    }
    if (kl !== key.length) return false;
    if (kl >= SHORT) return b.latin1Slice(p, p + kl) === key;
    for (let i = 0; i < kl; i++) if (b[p + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  key(addr: number): string {
    const b = this.chunks[addr >>> OFFSET_BITS];
    const o = (addr & OFFSET_MASK) << UNIT_BITS;
    const kl = readLength(b, o + 2);
    return latin1(b, o + 2 + lengthBytes(kl), kl);
  }

  /**
   * Adds `delta` to an integer entry's number when the sum is a safe integer, and returns the
   * sum; undefined, changing nothing, otherwise (or for a string entry).
   */
  addToInteger(addr: number, delta: number): number | undefined {
    const b = this.chunks[addr >>> OFFSET_BITS];
    const o = (addr & OFFSET_MASK) << UNIT_BITS;
    if (b[o + 1] !== KIND_INTEGER) return undefined;
    const floats = this.floats[addr >>> OFFSET_BITS];
    const i = this.integerIndex(addr);
    const n = floats[i] + delta;
    if (!Number.isSafeInteger(n)) return undefined;
    floats[i] = n;
    return n;
  }

  /** Where an integer entry's number sits among its chunk's float64s: the block's last 8 bytes. */
  private integerIndex(addr: number): number {
    const units = addr & OFFSET_MASK;
    return units + this.chunks[addr >>> OFFSET_BITS][units << UNIT_BITS] - 1;
  }

  private integer(addr: number): number {
    return this.floats[addr >>> OFFSET_BITS][this.integerIndex(addr)];
  }

  private setInteger(addr: number, n: number): void {
    this.floats[addr >>> OFFSET_BITS][this.integerIndex(addr)] = n;
  }

  /** The value as a string (an integer entry's decimal text). */
  value(addr: number): string {
    const b = this.chunks[addr >>> OFFSET_BITS];
    const o = (addr & OFFSET_MASK) << UNIT_BITS;
    if (b[o + 1] === KIND_INTEGER) return formatInteger(this.integer(addr));
    const kl = readLength(b, o + 2);
    const vp = o + 2 + lengthBytes(kl) + kl;
    const vl = readLength(b, vp);
    return latin1(b, vp + lengthBytes(vl), vl);
  }
}

function writeLength(b: Buffer, p: number, n: number): number {
  if (n < 255) {
    b[p] = n;
    return p + 1;
  }
  b[p] = 255;
  b.writeUInt32BE(n, p + 1);
  return p + 5;
}

function readLength(b: Buffer, p: number): number {
  const n = b[p];
  return n < 255 ? n : b.readUInt32BE(p + 1);
}

function writeText(b: Buffer, p: number, s: string): number {
  const n = s.length;
  if (n < SHORT) {
    for (let i = 0; i < n; i++) b[p + i] = s.charCodeAt(i);
  } else {
    b.latin1Write(s, p, n);
  }
  return p + n;
}
