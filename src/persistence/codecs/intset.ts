// Intset: the encoding of small sets of integers (RDB type SET_INTSET): encoding width
// (u32 LE: 2, 4 or 8 bytes), count (u32 LE), then the integers sorted ascending, each in the
// width, little-endian. The width is the smallest that holds every member, unless the set
// asks for a wider one (an intset never narrows when its wide members are removed).

import { corrupt } from '../errors.js';

/** The integer width (2, 4 or 8) of a valid intset. */
export function intsetWidthOf(buf: Uint8Array): number {
  return buf[0] | (buf[1] << 8);
}

/** The members of an intset, as decimal strings, validating order and size. */
export function intsetStrings(buf: Uint8Array, start = 0, end = buf.length): string[] {
  const size = end - start;
  if (size < 8) corrupt('intset too small');
  const b = Buffer.from(buf.buffer, buf.byteOffset + start, size);
  const width = b.readUInt32LE(0);
  const count = b.readUInt32LE(4);
  if (width !== 2 && width !== 4 && width !== 8) corrupt('intset bad encoding');
  if (8 + count * width !== size) corrupt('intset size mismatch');
  if (count === 0) corrupt('intset is empty');
  const out: string[] = new Array(count);
  let prev: bigint | number | undefined;
  for (let i = 0; i < count; i++) {
    const p = 8 + i * width;
    const v: number | bigint = width === 2 ? b.readInt16LE(p) : width === 4 ? b.readInt32LE(p) : b.readBigInt64LE(p);
    if (prev !== undefined && !(v > prev)) corrupt('intset not sorted or has duplicates');
    prev = v;
    out[i] = String(v);
  }
  return out;
}

/** An intset of the given integers (any order, no duplicates), at least `minWidth` bytes wide. */
export function intsetOf(values: (number | bigint)[], minWidth = 2): Buffer {
  const sorted = values.map((v) => BigInt(v)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = minWidth === 8 || minWidth === 4 ? minWidth : 2;
  for (const v of sorted) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if ((v < -32768n || v > 32767n) && width < 4) width = 4;
  }
  const out = Buffer.alloc(8 + sorted.length * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(sorted.length, 4);
  for (let i = 0; i < sorted.length; i++) {
    const p = 8 + i * width;
    if (width === 2) out.writeInt16LE(Number(sorted[i]), p);
    else if (width === 4) out.writeInt32LE(Number(sorted[i]), p);
    else out.writeBigInt64LE(sorted[i], p);
  }
  return out;
}
