// CRC-64 as Redis computes it for RDB files and DUMP payloads: the "Jones" polynomial
// 0xad93d23594c935a9, reflected input and output, initial value 0, no final xor
// (check value: crc64("123456789") = 0xe9c6d914c4b8d9ca).
//
// JS has no fast 64-bit integers, so the register is kept as two 32-bit halves and the
// tables are split likewise. Slicing-by-8 (eight tables) processes eight bytes per step.

const POLY_REFLECTED_HI = 0x95ac9329;
const POLY_REFLECTED_LO = 0xac4bc9b5;

// T[k][b] for k = 0..7, halves in separate arrays: index k * 256 + b.
const THI = new Uint32Array(8 * 256);
const TLO = new Uint32Array(8 * 256);

(function build() {
  for (let b = 0; b < 256; b++) {
    let hi = 0;
    let lo = b;
    for (let i = 0; i < 8; i++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        hi = (hi ^ POLY_REFLECTED_HI) >>> 0;
        lo = (lo ^ POLY_REFLECTED_LO) >>> 0;
      }
    }
    THI[b] = hi;
    TLO[b] = lo;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const phi = THI[(k - 1) * 256 + b];
      const plo = TLO[(k - 1) * 256 + b];
      // T[k][b] = T[0][prev & 0xff] ^ (prev >> 8)
      const idx = plo & 0xff;
      THI[k * 256 + b] = (THI[idx] ^ (phi >>> 8)) >>> 0;
      TLO[k * 256 + b] = (TLO[idx] ^ ((plo >>> 8) | ((phi & 0xff) << 24))) >>> 0;
    }
  }
})();

/** A running CRC-64 (two 32-bit halves). */
export class Crc64 {
  hi = 0;
  lo = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let hi = this.hi;
    let lo = this.lo;
    let i = start;
    // Eight bytes at a time.
    const stop8 = end - 8;
    while (i <= stop8) {
      const a = lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
      const b = hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24));
      let nhi = THI[7 * 256 + (a & 0xff)] ^ THI[6 * 256 + ((a >>> 8) & 0xff)] ^ THI[5 * 256 + ((a >>> 16) & 0xff)] ^ THI[4 * 256 + (a >>> 24)];
      let nlo = TLO[7 * 256 + (a & 0xff)] ^ TLO[6 * 256 + ((a >>> 8) & 0xff)] ^ TLO[5 * 256 + ((a >>> 16) & 0xff)] ^ TLO[4 * 256 + (a >>> 24)];
      nhi ^= THI[3 * 256 + (b & 0xff)] ^ THI[2 * 256 + ((b >>> 8) & 0xff)] ^ THI[256 + ((b >>> 16) & 0xff)] ^ THI[b >>> 24];
      nlo ^= TLO[3 * 256 + (b & 0xff)] ^ TLO[2 * 256 + ((b >>> 8) & 0xff)] ^ TLO[256 + ((b >>> 16) & 0xff)] ^ TLO[b >>> 24];
      hi = nhi;
      lo = nlo;
      i += 8;
    }
    for (; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = TLO[idx] ^ ((lo >>> 8) | (hi << 24));
      hi = THI[idx] ^ (hi >>> 8);
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
    return this;
  }

  /** The CRC as 8 little-endian bytes (as Redis stores it). */
  bytes(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32LE(this.lo >>> 0, 0);
    b.writeUInt32LE(this.hi >>> 0, 4);
    return b;
  }

  /** Whether the CRC equals the 8 little-endian bytes at buf[pos]. */
  equals(buf: Uint8Array, pos: number): boolean {
    const lo = (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
    const hi = (buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16) | (buf[pos + 7] << 24)) >>> 0;
    return lo === this.lo >>> 0 && hi === this.hi >>> 0;
  }

  toBigInt(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }
}

export function crc64(buf: Uint8Array, start = 0, end = buf.length): Crc64 {
  return new Crc64().update(buf, start, end);
}
