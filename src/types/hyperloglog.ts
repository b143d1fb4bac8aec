// HyperLogLog in Redis's exact byte layout, so that the values are interchangeable with Redis
// (GET/SET, DUMP/RESTORE, replication):
//
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality (8 bytes, little
//   endian; bit 7 of the last byte set = cache invalid) | registers
//
// 16384 registers (P = 14) of 6 bits. Dense: registers packed from the least significant bit of
// each byte upwards (12288 bytes). Sparse: run-length opcodes
//   ZERO  00xxxxxx          1..64 zero registers
//   XZERO 01xxxxxx yyyyyyyy 1..16384 zero registers
//   VAL   1vvvvvxx          1..4 registers of value 1..32
// Elements are hashed with MurmurHash64A (seed 0xadc83b19); the low 14 bits pick the register,
// the run of zeros above them (plus one) is the candidate value. Cardinality is Ertl's improved
// estimator over the register histogram, as Redis 7.0 computes it.
//
// The functions work on a MutableString's bytes (a HyperLogLog is a string value).

import { MutableString } from './value.js';

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_Q = 64 - HLL_P;
const HLL_BITS = 6;
const REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + Math.floor((HLL_REGISTERS * HLL_BITS + 7) / 8);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)
const CARD_OFFSET = 8;

// ---- MurmurHash64A, in 32-bit halves ----

// Results of the 64-bit helpers (avoids allocating pairs).
let rHi = 0;
let rLo = 0;

/**
 * (aHi:aLo * bHi:bLo) mod 2^64 into rHi:rLo. The high half of aLo * bLo comes from the double
 * product: its rounding error (at most 2^11) is far below 2^32, so rounding recovers it exactly.
 */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = Math.imul(aLo, bLo) >>> 0;
  const carry = Math.round((aLo * bLo - lo) * 2.3283064365386963e-10);
  rLo = lo;
  rHi = (carry + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) >>> 0;
}

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const SEED = 0xadc83b19;

/** MurmurHash64A of a latin1 string's bytes with Redis's seed, into rHi:rLo. */
function murmur64(s: string): void {
  const len = s.length;
  mul64(0, len >>> 0, M_HI, M_LO);
  let hHi = rHi;
  let hLo = (rLo ^ SEED) >>> 0;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    const kLo = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    const kHi = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    // k ^= k >> 47
    let kh = rHi;
    let kl = (rLo ^ (kh >>> 15)) >>> 0;
    mul64(kh, kl, M_HI, M_LO);
    kh = rHi;
    kl = rLo;
    hHi = (hHi ^ kh) >>> 0;
    hLo = (hLo ^ kl) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    let tLo = 0;
    let tHi = 0;
    for (let k = rest - 1; k >= 0; k--) {
      const b = s.charCodeAt(i + k);
      if (k >= 4) tHi |= b << (8 * (k - 4));
      else tLo |= b << (8 * k);
    }
    hHi = (hHi ^ tHi) >>> 0;
    hLo = (hLo ^ tLo) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = rHi;
    hLo = rLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  hHi = rHi;
  hLo = (rLo ^ (rHi >>> 15)) >>> 0;
  rHi = hHi;
  rLo = hLo;
}

/** MurmurHash64A of an 8-byte little-endian element hi:lo with Redis's seed, into rHi:rLo. */
let word0Hi = 0;
let word0Lo = 0;
function murmur64Word(hi: number, lo: number): void {
  if (word0Hi === 0) {
    mul64(0, 8, M_HI, M_LO);
    word0Hi = rHi;
    word0Lo = (rLo ^ SEED) >>> 0;
  }
  let hHi = word0Hi;
  let hLo = word0Lo;
  mul64(hi, lo, M_HI, M_LO);
  let kh = rHi;
  let kl = (rLo ^ (kh >>> 15)) >>> 0;
  mul64(kh, kl, M_HI, M_LO);
  kh = rHi;
  kl = rLo;
  mul64((hHi ^ kh) >>> 0, (hLo ^ kl) >>> 0, M_HI, M_LO);
  hHi = rHi;
  hLo = (rLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  hHi = rHi;
  hLo = (rLo ^ (rHi >>> 15)) >>> 0;
  rHi = hHi;
  rLo = hLo;
}

/** MurmurHash64A of a string with Redis's seed, as a BigInt (for tests and debugging). */
export function murmurHash64A(s: string): bigint {
  murmur64(s);
  return (BigInt(rHi) << 32n) | BigInt(rLo);
}

/** The register an element maps to, and the candidate value (1..51) for that register. */
let patIndex = 0;
function patternLength(element: string): number {
  murmur64(element);
  return patternOfHash();
}

/** Register index (into patIndex) and count from the hash in rHi:rLo. */
function patternOfHash(): number {
  patIndex = rLo & (HLL_REGISTERS - 1);
  // Bits 14..63 of the hash, with bit 50 of the shifted value set so the count ends by 51.
  const low = ((rLo >>> HLL_P) | (rHi << (32 - HLL_P))) >>> 0;
  if (low !== 0) return 32 - Math.clz32(low & -low);
  const high = (rHi >>> HLL_P) | (1 << (HLL_Q - 32));
  return 32 + 32 - Math.clz32(high & -high);
}

/** Register index and count for an element (exposed for tests). */
export function hllPattern(element: string): { index: number; count: number } {
  const count = patternLength(element);
  return { index: patIndex, count };
}

// ---- Dense registers ----

function denseGet(b: Uint8Array, index: number): number {
  const bit = index * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < b.length ? b[byte + 1] : 0;
  return ((b[byte] >> fb) | (b1 << (8 - fb))) & REGISTER_MAX;
}

function denseSetRegister(b: Uint8Array, index: number, value: number): void {
  const bit = index * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  b[byte] = (b[byte] & ~(REGISTER_MAX << fb)) | (value << fb);
  if (byte + 1 < b.length) b[byte + 1] = (b[byte + 1] & ~(REGISTER_MAX >> (8 - fb))) | (value >> (8 - fb));
}

/** Raises a dense register to `count`; true if it changed. */
function denseSet(b: Uint8Array, index: number, count: number): boolean {
  if (count > denseGet(b, index)) {
    denseSetRegister(b, index, count);
    return true;
  }
  return false;
}

// ---- The value ----

/** A new empty HyperLogLog: sparse, all registers in XZERO runs, cached cardinality 0. */
export function createHll(): MutableString {
  const runs = Math.ceil(HLL_REGISTERS / SPARSE_XZERO_MAX_LEN);
  const length = HLL_HDR_SIZE + runs * 2;
  const bytes = Buffer.alloc(Math.max(64, length));
  bytes.latin1Write('HYLL', 0);
  bytes[4] = HLL_SPARSE;
  let p = HLL_HDR_SIZE;
  for (let left = HLL_REGISTERS; left > 0; ) {
    const n = Math.min(left, SPARSE_XZERO_MAX_LEN);
    bytes[p++] = ((n - 1) >> 8) | 0x40;
    bytes[p++] = (n - 1) & 0xff;
    left -= n;
  }
  return new MutableString(bytes, length);
}

/** Whether a string value's bytes look like a HyperLogLog (Redis's isHLLObjectOrReply). */
export function isHllBytes(b: Uint8Array, length: number): boolean {
  if (length < HLL_HDR_SIZE) return false;
  if (b[0] !== 72 || b[1] !== 89 || b[2] !== 76 || b[3] !== 76) return false; // "HYLL"
  if (b[4] > HLL_SPARSE) return false;
  if (b[4] === HLL_DENSE && length !== HLL_DENSE_SIZE) return false;
  return true;
}

/** isHllBytes for a plain JS string value. */
export function isHllString(s: string): boolean {
  if (s.length < HLL_HDR_SIZE || !s.startsWith('HYLL')) return false;
  const enc = s.charCodeAt(4);
  if (enc > HLL_SPARSE) return false;
  return enc !== HLL_DENSE || s.length === HLL_DENSE_SIZE;
}

export function hllEncoding(h: MutableString): number {
  return h.bytes[4];
}

export function invalidateCache(h: MutableString): void {
  h.bytes[CARD_OFFSET + 7] |= 0x80;
}

export function cacheValid(h: MutableString): boolean {
  return (h.bytes[CARD_OFFSET + 7] & 0x80) === 0;
}

/** The cached cardinality (meaningful when cacheValid). */
export function cachedCardinality(h: MutableString): bigint {
  return h.bytes.readBigUInt64LE(CARD_OFFSET);
}

export function setCachedCardinality(h: MutableString, card: number): void {
  h.bytes.writeBigUInt64LE(BigInt(card), CARD_OFFSET);
}

/** The byte at `p` of a sparse representation; the terminating zero byte past the end. */
function at(h: MutableString, p: number): number {
  return p < h.length ? h.bytes[p] : 0;
}

/** Converts a sparse HyperLogLog to dense in place; false if the sparse data is corrupt. */
export function sparseToDense(h: MutableString): boolean {
  const src = h.bytes;
  if (src[4] === HLL_DENSE) return true;
  const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
  src.copy(dense, 0, 0, HLL_HDR_SIZE);
  dense[4] = HLL_DENSE;
  const end = h.length;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = src[p];
    if ((op & 0xc0) === 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      idx += (((op & 0x3f) << 8) | at(h, p + 1)) + 1;
      p += 2;
    } else {
      let run = (op & 3) + 1;
      const value = ((op >> 2) & 0x1f) + 1;
      // A run past the last register is corruption (the reference server carries the
      // CVE-2025-32023 fix, which rejects it even when every register was already covered).
      if (run + idx > HLL_REGISTERS) return false;
      while (run-- > 0) denseSetRegister(dense, idx++, value);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  h.bytes = dense;
  h.length = HLL_DENSE_SIZE;
  return true;
}

const VAL = (value: number, len: number) => (((value - 1) << 2) | (len - 1) | 0x80) & 0xff;

/**
 * Raises register `index` of a sparse HyperLogLog to `count`, splitting runs as needed and
 * promoting to dense when the value doesn't fit the sparse form or the string would exceed
 * `maxSparseBytes`. Returns 1 if a register changed, 0 if not, -1 if the data is corrupt.
 */
function sparseSet(h: MutableString, index: number, count: number, maxSparseBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(h, index, count);
  // Room for the worst case (an XZERO split into XZERO VAL XZERO: 3 more bytes).
  if (h.bytes.length < h.length + 4) {
    const grown = Buffer.alloc(h.length * 2 + 8);
    h.bytes.copy(grown, 0, 0, h.length);
    h.bytes = grown;
  }
  const b = h.bytes;
  let end = h.length;
  // Find the opcode covering `index`.
  let p = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    const op = b[p];
    let oplen = 1;
    if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
    else if (op & 0x80) span = (op & 3) + 1;
    else {
      span = (((op & 0x3f) << 8) | at(h, p + 1)) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = b[p];
  const isXzero = (op & 0xc0) === 0x40;
  const isZero = (op & 0xc0) === 0;
  const isVal = (op & 0x80) !== 0;
  let next = isXzero ? p + 2 : p + 1;
  if (next >= end) next = -1;
  const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | at(h, p + 1)) + 1 : (op & 3) + 1;

  let updated = false;
  if (isVal) {
    const old = ((op >> 2) & 0x1f) + 1;
    if (old >= count) return 0;
    if (runlen === 1) {
      b[p] = VAL(count, 1);
      updated = true;
    }
  }
  if (!updated && isZero && runlen === 1) {
    b[p] = VAL(count, 1);
    updated = true;
  }
  if (!updated) {
    // Split the run into (before, our register, after).
    const seq: number[] = [];
    const last = first + span - 1;
    const zeros = (n: number) => {
      if (n > SPARSE_ZERO_MAX_LEN) seq.push(((n - 1) >> 8) | 0x40, (n - 1) & 0xff);
      else seq.push(n - 1);
    };
    if (isZero || isXzero) {
      if (index !== first) zeros(index - first);
      seq.push(VAL(count, 1));
      if (index !== last) zeros(last - index);
    } else {
      const value = ((op >> 2) & 0x1f) + 1;
      if (index !== first) seq.push(VAL(value, index - first));
      seq.push(VAL(count, 1));
      if (index !== last) seq.push(VAL(value, last - index));
    }
    const delta = seq.length - (isXzero ? 2 : 1);
    if (delta > 0 && h.length + delta > maxSparseBytes) return promote(h, index, count);
    if (delta !== 0 && next >= 0) b.copyWithin(next + delta, next, end);
    h.length += delta;
    for (let k = 0; k < seq.length; k++) b[p + k] = seq[k];
    end += delta;
  }

  // Merge adjacent VAL opcodes of equal value around the change (up to 5 opcodes).
  p = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const op1 = b[p];
    if ((op1 & 0xc0) === 0x40) {
      p += 2;
      continue;
    }
    if ((op1 & 0xc0) === 0) {
      p++;
      continue;
    }
    if (p + 1 < end && b[p + 1] & 0x80) {
      const v1 = ((op1 >> 2) & 0x1f) + 1;
      const op2 = b[p + 1];
      if (v1 === ((op2 >> 2) & 0x1f) + 1) {
        const len = (op1 & 3) + 1 + (op2 & 3) + 1;
        if (len <= SPARSE_VAL_MAX_LEN) {
          b[p + 1] = VAL(v1, len);
          b.copyWithin(p, p + 1, end);
          h.length--;
          end--;
          continue;
        }
      }
    }
    p++;
  }
  invalidateCache(h);
  return 1;
}

function promote(h: MutableString, index: number, count: number): number {
  if (!sparseToDense(h)) return -1;
  denseSet(h.bytes, index, count);
  return 1;
}

/**
 * Adds an element: 1 if a register changed, 0 if not, -1 if the HyperLogLog is corrupt.
 * A sparse HyperLogLog may become dense.
 */
export function hllAdd(h: MutableString, element: string, maxSparseBytes: number): number {
  const count = patternLength(element);
  return addPattern(h, patIndex, count, maxSparseBytes);
}

function addPattern(h: MutableString, index: number, count: number, maxSparseBytes: number): number {
  const enc = h.bytes[4];
  if (enc === HLL_DENSE) return denseSet(h.bytes, index, count) ? 1 : 0;
  if (enc === HLL_SPARSE) return sparseSet(h, index, count, maxSparseBytes);
  return -1;
}

/** Sets register `index` to at least `value` (PFMERGE's write-back; errors are ignored). */
export function hllRaise(h: MutableString, index: number, value: number, maxSparseBytes: number): void {
  if (h.bytes[4] === HLL_DENSE) denseSet(h.bytes, index, value);
  else sparseSet(h, index, value, maxSparseBytes);
}

/** Raises `max[i]` to each register of `h`; false if its sparse data is corrupt. */
export function hllMergeInto(max: Uint8Array, h: MutableString | string): boolean {
  const m = typeof h === 'string' ? MutableString.from(h) : h;
  const b = m.bytes;
  if (b[4] === HLL_DENSE) {
    // Four 6-bit registers per three bytes.
    for (let i = 0, p = HLL_HDR_SIZE; i < HLL_REGISTERS; i += 4, p += 3) {
      const b0 = b[p];
      const b1 = b[p + 1];
      const b2 = b[p + 2];
      const r0 = b0 & 63;
      const r1 = ((b0 >> 6) | (b1 << 2)) & 63;
      const r2 = ((b1 >> 4) | (b2 << 4)) & 63;
      const r3 = b2 >> 2;
      if (r0 > max[i]) max[i] = r0;
      if (r1 > max[i + 1]) max[i + 1] = r1;
      if (r2 > max[i + 2]) max[i + 2] = r2;
      if (r3 > max[i + 3]) max[i + 3] = r3;
    }
    return true;
  }
  const end = m.length;
  let i = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p];
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      i += (((op & 0x3f) << 8) | at(m, p + 1)) + 1;
      p += 2;
    } else {
      let run = (op & 3) + 1;
      const value = ((op >> 2) & 0x1f) + 1;
      if (run + i > HLL_REGISTERS) return false;
      while (run-- > 0) {
        if (value > max[i]) max[i] = value;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

// ---- Cardinality ----

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let zPrime: number;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let zPrime: number;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** Ertl's improved estimator over a register histogram. */
function estimate(histogram: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histogram[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * sigma(histogram[0] / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/** Cardinality estimate of a HyperLogLog, or undefined if its sparse data is corrupt. */
export function hllCount(h: MutableString): number | undefined {
  const histogram = new Int32Array(64);
  const b = h.bytes;
  if (b[4] === HLL_DENSE) {
    for (let p = HLL_HDR_SIZE, end = HLL_HDR_SIZE + (HLL_REGISTERS / 4) * 3; p < end; p += 3) {
      const b0 = b[p];
      const b1 = b[p + 1];
      const b2 = b[p + 2];
      histogram[b0 & 63]++;
      histogram[((b0 >> 6) | (b1 << 2)) & 63]++;
      histogram[((b1 >> 4) | (b2 << 4)) & 63]++;
      histogram[b2 >> 2]++;
    }
  } else {
    const end = h.length;
    let idx = 0;
    let p = HLL_HDR_SIZE;
    while (p < end) {
      const op = b[p];
      if ((op & 0xc0) === 0) {
        const run = (op & 0x3f) + 1;
        idx += run;
        histogram[0] += run;
        p++;
      } else if ((op & 0xc0) === 0x40) {
        const run = (((op & 0x3f) << 8) | at(h, p + 1)) + 1;
        idx += run;
        histogram[0] += run;
        p += 2;
      } else {
        const run = (op & 3) + 1;
        idx += run;
        histogram[((op >> 2) & 0x1f) + 1] += run;
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return undefined;
  }
  return estimate(histogram);
}

/** Cardinality estimate of raw registers (one byte each), as PFCOUNT of several keys. */
export function countRegisters(registers: Uint8Array): number {
  const histogram = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histogram[registers[i]]++;
  return estimate(histogram);
}

/** All register values (PFDEBUG GETREG on a dense HyperLogLog). */
export function denseRegisters(h: MutableString): number[] {
  const out: number[] = new Array(HLL_REGISTERS);
  for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGet(h.bytes, i);
  return out;
}

/** The sparse opcodes as PFDEBUG DECODE prints them: "z:N", "Z:N", "v:value,len". */
export function decodeSparse(h: MutableString): string {
  const parts: string[] = [];
  const b = h.bytes;
  const end = h.length;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p];
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      parts.push(`Z:${(((op & 0x3f) << 8) | at(h, p + 1)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}

// ---- Self test (PFSELFTEST) ----

/** Redis's PFSELFTEST: register access, and dense/sparse agreement and error bounds. */
export function hllSelfTest(maxSparseBytes: number): string | undefined {
  // A fast pseudo-random generator (xorshift32) seeded from Math.random.
  let x = (Math.random() * 0xffffffff) | 1;
  const random = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  // 1: every register keeps its value without disturbing its neighbours.
  const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
  const expected = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < 1000; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = random() & REGISTER_MAX;
      expected[i] = r;
      denseSetRegister(dense, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(dense, i);
      if (v !== expected[i]) return `TESTFAILED Register ${i} should be ${expected[i]} but is ${v}`;
    }
  }
  // 2: estimates of dense and sparse agree and stay within the expected error, adding the
  // 8-byte little-endian integers j ^ seed.
  dense.fill(0);
  dense.latin1Write('HYLL', 0);
  const denseHll = new MutableString(dense, HLL_DENSE_SIZE);
  const sparse = createHll();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = random();
  const seedHi = random();
  for (let j = 1; j <= 10000000; j++) {
    murmur64Word(seedHi, (j ^ seedLo) >>> 0);
    const count = patternOfHash();
    const index = patIndex;
    denseSet(dense, index, count);
    addPattern(sparse, index, count, maxSparseBytes);
    if (j !== checkpoint) continue;
    if (j < maxSparseBytes / 2 && sparse.bytes[4] !== HLL_SPARSE) return 'TESTFAILED sparse encoding not used';
    const card = hllCount(denseHll)!;
    if (card !== hllCount(sparse)) return 'TESTFAILED dense/sparse disagree';
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    const abserr = Math.abs(checkpoint - card);
    if (abserr > maxerr) return `TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`;
    checkpoint *= 10;
  }
  return undefined;
}
