// LZF compression, the format of liblzf that Redis uses for compressed RDB strings.
//
// The stream is a sequence of runs, each starting with a control byte:
//   000LLLLL              a literal run of L+1 bytes (1..32) that follow;
//   LLLooooo oooooooo     a back reference of length L+2 (L in 1..6) at distance o+1;
//   111ooooo LLLLLLLL oooooooo   the same with length L+9 (the 3-bit length is 7).
// The distance is counted back from the current output position and is at most 8192.
//
// Any stream of valid runs decompresses the same way, but to produce the very bytes Redis
// produces (so that DUMP replies match byte for byte) the compressor follows liblzf's choices
// as Redis builds it (HLOG 16, VERY_FAST): a hash of the next three bytes indexes a table of the
// last position seen with that hash; a candidate within range whose three bytes match starts a
// back reference, extended as far as it goes (at most 264 bytes); after a reference, the two
// positions before its end are entered in the table. liblzf leaves its table uninitialised
// between calls; Larder starts every call with an empty table (as a fresh process does).

const MAX_LIT = 1 << 5; // 32
const MAX_OFF = 1 << 13; // 8192
const MAX_REF = (1 << 8) + (1 << 3); // 264
const HSIZE = 1 << 16;

// Table entries are positions + `base`; `base` moves past every input compressed so far, so
// entries left from earlier calls read as empty without clearing the table.
const table = new Uint32Array(HSIZE);
let base = 1;

function idx(h: number): number {
  return ((h >>> 8) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * Compresses input[start, end) into out; returns the compressed length, or 0 when it would not
 * fit in `out` (the caller then stores the data uncompressed).
 */
export function lzfCompress(input: Uint8Array, out: Uint8Array, start = 0, end = input.length): number {
  const inLen = end - start;
  const outEnd = out.length;
  if (inLen === 0 || outEnd === 0) return 0;
  if (base + inLen + 1 > 0xfff00000) {
    table.fill(0);
    base = 1;
  }
  const bias = base - start; // stored value = position + bias; values below `base` are stale
  const floor = base;
  base += inLen + 1;
  let ip = start;
  let op = 0;
  let lit = 0;
  op++; // start a literal run
  let hval = (input[ip] << 8) | input[ip + 1];
  const last = end - 2;
  while (ip < last) {
    hval = ((hval << 8) | input[ip + 2]) >>> 0;
    const slot = idx(hval);
    const stored = table[slot];
    table[slot] = ip + bias;
    const ref = stored >= floor ? stored - bias : -1;
    let off: number;
    if (ref > start && (off = ip - ref - 1) < MAX_OFF && input[ref + 2] === input[ip + 2] && input[ref] === input[ip] && input[ref + 1] === input[ip + 1]) {
      let len = 2;
      const maxlen = Math.min(end - ip - len, MAX_REF);
      if (op + 4 >= outEnd && op - (lit === 0 ? 1 : 0) + 4 >= outEnd) return 0;
      out[op - lit - 1] = lit - 1; // end the literal run
      if (lit === 0) op--; // an empty run takes no byte
      let matched = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            matched = true;
            break;
          }
        }
      }
      if (!matched) {
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      len -= 2; // now the stored length
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start a literal run
      ip += len + 1;
      if (ip >= last) break;
      // Enter the two positions before the end of the match.
      ip -= 2;
      hval = (input[ip] << 8) | input[ip + 1];
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      table[idx(hval)] = ip + bias;
      ip++;
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      table[idx(hval)] = ip + bias;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return 0;
  while (ip < end) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1; // end the run
  if (lit === 0) op--;
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
