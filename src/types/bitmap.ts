// Bit-level operations on string values (bytes, most significant bit first: bit 0 is the top
// bit of byte 0), as SETBIT, BITCOUNT, BITPOS, BITOP and BITFIELD see them.

import type { MutableString } from './value.js';

/** The bytes of a string value for reading: a JS string (latin1) or a byte array. */
export type ByteSource = string | Uint8Array;

/** A string value's bytes as a byte array (copies a JS string; views a MutableString). */
export function bytesOf(v: string | MutableString): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v.bytes.subarray(0, v.length);
}

const BITS_IN_BYTE = new Uint8Array(256);
for (let i = 1; i < 256; i++) BITS_IN_BYTE[i] = (i & 1) + BITS_IN_BYTE[i >> 1];

/** Number of set bits in bytes[from..to] (inclusive byte indexes). */
export function popcount(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  let i = from;
  // Whole 32-bit words where alignment allows, bytes elsewhere.
  const aligned = (bytes.byteOffset + i) & 3;
  if (aligned !== 0) {
    for (const stop = Math.min(to + 1, i + 4 - aligned); i < stop; i++) n += BITS_IN_BYTE[bytes[i]];
  }
  const words = Math.floor((to + 1 - i) / 4);
  if (words > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      let x = w[k];
      x = x - ((x >>> 1) & 0x55555555);
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      n += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
    }
    i += words * 4;
  }
  for (; i <= to; i++) n += BITS_IN_BYTE[bytes[i]];
  return n;
}

/** Set bits between bit positions `first` and `last` (inclusive, within the bytes). */
export function countBits(bytes: Uint8Array, first: number, last: number): number {
  const fb = Math.floor(first / 8);
  const lb = Math.floor(last / 8);
  let n = popcount(bytes, fb, lb);
  // Remove the bits of the edge bytes that are outside the range.
  const headMask = (0xff << (8 - (first & 7))) & 0xff; // bits before `first`
  const tailMask = (1 << (7 - (last & 7))) - 1; // bits after `last`
  n -= BITS_IN_BYTE[bytes[fb] & headMask];
  n -= BITS_IN_BYTE[bytes[lb] & tailMask];
  return n;
}

/** Position of the first bit equal to `bit` between bit positions first..last, or -1. */
export function findBit(bytes: Uint8Array, bit: number, first: number, last: number): number {
  let pos = first;
  // Bit by bit up to a byte boundary, then whole bytes, then bit by bit.
  while (pos <= last && (pos & 7) !== 0) {
    if (((bytes[pos >> 3] >> (7 - (pos & 7))) & 1) === bit) return pos;
    pos++;
  }
  const skip = bit ? 0 : 0xff;
  while (pos + 7 <= last) {
    const b = bytes[pos >> 3];
    if (b !== skip) {
      for (let k = 0; k < 8; k++) if (((b >> (7 - k)) & 1) === bit) return pos + k;
    }
    pos += 8;
  }
  for (; pos <= last; pos++) {
    if (((bytes[pos >> 3] >> (7 - (pos & 7))) & 1) === bit) return pos;
  }
  return -1;
}

/** The byte at `i` of a source, 0 beyond its end. */
export function byteOf(src: ByteSource, length: number, i: number): number {
  if (i >= length) return 0;
  return typeof src === 'string' ? src.charCodeAt(i) : src[i];
}

/** The bit at `offset` of a source (0 beyond its end). */
export function getBit(src: ByteSource, length: number, offset: number): number {
  return (byteOf(src, length, Math.floor(offset / 8)) >> (7 - (offset % 8))) & 1;
}

/** Reads `bits` (1..64) bits at bit `offset` as an unsigned integer; zero beyond the end. */
export function getUnsigned(src: ByteSource, length: number, offset: number, bits: number): bigint {
  const firstByte = Math.floor(offset / 8);
  const lastByte = Math.floor((offset + bits - 1) / 8);
  let v = 0n;
  for (let i = firstByte; i <= lastByte; i++) v = (v << 8n) | BigInt(byteOf(src, length, i));
  const trailing = 7 - ((offset + bits - 1) % 8);
  return (v >> BigInt(trailing)) & ((1n << BigInt(bits)) - 1n);
}

/** Reads a two's complement signed integer of `bits` bits. */
export function getSigned(src: ByteSource, length: number, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsigned(src, length, offset, bits));
}

/** Writes the low `bits` bits of `value` at bit `offset` (the bytes must be long enough). */
export function setBits(bytes: Uint8Array, offset: number, bits: number, value: bigint): void {
  let v = BigInt.asUintN(bits, value);
  // From the last bit backwards, a byte (or part of one) at a time.
  let pos = offset + bits - 1;
  let left = bits;
  while (left > 0) {
    const byte = Math.floor(pos / 8);
    const shift = 7 - (pos % 8); // position of `pos` within its byte, from the right
    const take = Math.min(left, 8 - shift);
    const mask = ((1 << take) - 1) << shift;
    const part = Number(v & BigInt((1 << take) - 1)) << shift;
    bytes[byte] = (bytes[byte] & ~mask) | part;
    v >>= BigInt(take);
    left -= take;
    pos -= take;
  }
}

export const enum Overflow {
  Wrap,
  Sat,
  Fail,
}

/** Outcome of a bitfield store: the value to write, or null when OVERFLOW FAIL refuses it. */
export interface FieldResult {
  overflow: boolean;
  value: bigint | null;
}

const U64 = (v: bigint) => BigInt.asUintN(64, v);
const I64 = (v: bigint) => BigInt.asIntN(64, v);

/**
 * Unsigned field arithmetic with Redis's overflow rules: `value` (uint64) + `incr` (int64)
 * into a field of `bits` bits (1..63). SET passes the new value with a zero increment.
 */
export function unsignedField(value: bigint, incr: bigint, bits: number, mode: Overflow): FieldResult {
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncr = I64(max - value);
  const minIncr = I64(-value);
  let dir = 0;
  if (value > max || (incr > 0n && incr > maxIncr)) dir = 1;
  else if (incr < 0n && incr < minIncr) dir = -1;
  if (dir === 0) return { overflow: false, value: U64(value + incr) };
  if (mode === Overflow.Fail) return { overflow: true, value: null };
  if (mode === Overflow.Sat) return { overflow: true, value: dir > 0 ? max : 0n };
  return { overflow: true, value: U64(value + incr) & max };
}

/**
 * Signed field arithmetic with Redis's overflow rules: `value` + `incr` (both int64) into a
 * field of `bits` bits (1..64). The checks are done in 64-bit wrapping arithmetic, as Redis
 * does (so a SET of a huge negative value into a narrow field saturates at the maximum).
 */
export function signedField(value: bigint, incr: bigint, bits: number, mode: Overflow): FieldResult {
  const max = bits === 64 ? (1n << 63n) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncr = I64(max - value);
  const minIncr = I64(min - value);
  let dir = 0;
  if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) dir = 1;
  else if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) dir = -1;
  if (dir === 0) return { overflow: false, value: I64(value + incr) };
  if (mode === Overflow.Fail) return { overflow: true, value: null };
  if (mode === Overflow.Sat) return { overflow: true, value: dir > 0 ? max : min };
  return { overflow: true, value: BigInt.asIntN(bits, value + incr) };
}
