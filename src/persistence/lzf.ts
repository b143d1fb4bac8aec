// LZF compression, the format of liblzf that Redis uses for compressed RDB strings.
//
// The stream is a sequence of runs, each starting with a control byte:
//   000LLLLL              a literal run of L+1 bytes (1..32) that follow;
//   LLLooooo oooooooo     a back reference of length L+2 (L in 1..6) at distance o+1;
//   111ooooo LLLLLLLL oooooooo   the same with length L+9 (the 3-bit length is 7).
// The distance is counted back from the current output position and is at most 8192.
// Any stream of valid runs decompresses the same way, so the compressor is free to choose
// its matches: this one hashes 3-byte sequences into a table of recent positions.

const MAX_LIT = 1 << 5; // 32
const MAX_OFF = 1 << 13; // 8192
const MAX_REF = (1 << 8) + (1 << 3); // 264
const HLOG = 14;
const HSIZE = 1 << HLOG;

// Positions are stored offset by `base`, which moves past every input compressed so far:
// entries left from earlier inputs fall out of range without clearing the table.
const table = new Int32Array(HSIZE);
let base = 1;

/**
 * Compresses input[start, end) into out; returns the compressed length, or 0 when it would not
 * fit in `out` (the caller then stores the data uncompressed).
 */
export function lzfCompress(input: Uint8Array, out: Uint8Array, start = 0, end = input.length): number {
  const inLen = end - start;
  const outEnd = out.length;
  if (inLen === 0) return 0;
  if (base + inLen > 0x7fff0000) {
    table.fill(0);
    base = 1;
  }
  const shift = base - start; // table value = position + shift
  base += inLen + MAX_OFF + 1;
  let ip = start;
  let op = 0;
  let lit = 0; // literals in the current run
  // Reserve the control byte of the first literal run.
  if (op >= outEnd) return 0;
  op++;
  const last = end - 2; // a match needs 3 bytes
  while (ip < last) {
    const v = (input[ip] << 16) | (input[ip + 1] << 8) | input[ip + 2];
    const h = (Math.imul(v, 0x9e3779b1) >>> (32 - HLOG)) & (HSIZE - 1);
    const ref = table[h] - shift;
    table[h] = ip + shift;
    let off: number;
    if (
      ref >= start &&
      (off = ip - ref - 1) < MAX_OFF &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1] &&
      input[ref + 2] === input[ip + 2]
    ) {
      // Match length: at least 3, at most MAX_REF and what is left.
      let len = 3;
      const maxlen = Math.min(end - ip, MAX_REF);
      while (len < maxlen && input[ref + len] === input[ip + len]) len++;
      // Close the literal run (drop its control byte if it is empty).
      if (lit > 0) out[op - lit - 1] = lit - 1;
      else op--;
      const l = len - 2;
      if (l < 7) {
        if (op + 2 > outEnd) return 0;
        out[op++] = (l << 5) | (off >>> 8);
      } else {
        if (op + 3 > outEnd) return 0;
        out[op++] = (7 << 5) | (off >>> 8);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      // Start a new literal run.
      lit = 0;
      if (op >= outEnd) return 0;
      op++;
      // Hash the positions inside the match (cheaply: the last two) and move on.
      ip += len;
      if (ip < last) {
        for (let p = ip - 2; p < ip; p++) {
          const w = (input[p] << 16) | (input[p + 1] << 8) | input[p + 2];
          table[(Math.imul(w, 0x9e3779b1) >>> (32 - HLOG)) & (HSIZE - 1)] = p + shift;
        }
      }
      continue;
    }
    // A literal byte.
    if (op >= outEnd) return 0;
    out[op++] = input[ip++];
    if (++lit === MAX_LIT) {
      out[op - lit - 1] = MAX_LIT - 1;
      lit = 0;
      if (op >= outEnd) return 0;
      op++;
    }
  }
  while (ip < end) {
    if (op >= outEnd) return 0;
    out[op++] = input[ip++];
    if (++lit === MAX_LIT) {
      out[op - lit - 1] = MAX_LIT - 1;
      lit = 0;
      if (op >= outEnd) return 0;
      op++;
    }
  }
  if (lit > 0) out[op - lit - 1] = lit - 1;
  else op--; // drop the empty run's control byte
  return op;
}

/**
 * Decompresses input[start, end) into out (whose length must be the original length).
 * Returns the number of bytes produced, or -1 when the data is corrupt.
 */
export function lzfDecompress(input: Uint8Array, out: Uint8Array, start = 0, end = input.length): number {
  let ip = start;
  let op = 0;
  const outEnd = out.length;
  while (ip < end) {
    let ctrl = input[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outEnd || ip + ctrl > end) return -1;
      for (let i = 0; i < ctrl; i++) out[op++] = input[ip++];
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) {
        if (ip >= end) return -1;
        len += input[ip++];
      }
      if (ip >= end) return -1;
      ref -= input[ip++];
      len += 2;
      if (op + len > outEnd || ref < 0) return -1;
      for (let i = 0; i < len; i++) out[op++] = out[ref++];
    }
  }
  return op;
}
