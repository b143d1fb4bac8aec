// LZF compression (the format RDB files use for long strings), producing the same output as
// the liblzf compressor Redis bundles (16-bit hash table, "very fast" mode), so that compressed
// sizes match Redis's.
//
// Format: 000LLLLL + L+1 literal bytes; LLLooooo oooooooo: back reference of L+2 bytes at
// offset o+1; 111ooooo LLLLLLLL oooooooo: back reference of L+9 bytes.

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

const table = new Int32Array(HSIZE);

function idx(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - h * 5) & (HSIZE - 1);
}

/**
 * Compresses `input` into at most `outLen` bytes; returns the compressed bytes, or null when
 * they would not fit (the caller then stores the data uncompressed).
 */
export function lzfCompress(input: Uint8Array, outLen: number): Uint8Array | null {
  const inLen = input.length;
  if (inLen === 0 || outLen === 0) return null;
  const out = new Uint8Array(outLen + 3);
  table.fill(-1);
  let ip = 0;
  let op = 1; // leave room for the first literal run's length
  let lit = 0;
  let hval = (input[0] << 8) | input[1];
  while (ip < inLen - 2) {
    hval = ((hval << 8) | input[ip + 2]) >>> 0;
    const slot = idx(hval);
    const ref = table[slot];
    table[slot] = ip;
    const off = ip - ref - 1;
    if (ref >= 0 && ref < ip && off < MAX_OFF && ref > 0 && input[ref + 2] === input[ip + 2] && input[ref] === input[ip] && input[ref + 1] === input[ip + 1]) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outLen) {
        if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outLen) return null;
      }
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // an empty run takes no byte
      scan: {
        // Up to 16 bytes are compared without the length cap, as the reference code does.
        if (maxlen > 16) {
          for (let k = 0; k < 16; k++) {
            len++;
            if (input[ref + len] !== input[ip + len]) break scan;
          }
        }
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      len -= 2; // now the stored length
      ip++;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start a new run
      ip += len + 1;
      if (ip >= inLen - 2) break;
      // Hash the two positions before the next one ("very fast" mode).
      ip -= 2;
      hval = (input[ip] << 8) | input[ip + 1];
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      table[idx(hval)] = ip;
      ip++;
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      table[idx(hval)] = ip;
      ip++;
    } else {
      if (op >= outLen) return null;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outLen) return null;
  while (ip < inLen) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return out.subarray(0, op);
}

/** Decompresses LZF data into exactly `outLen` bytes; null when the data is corrupt. */
export function lzfDecompress(input: Uint8Array, outLen: number): Uint8Array | null {
  const out = new Uint8Array(outLen);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > input.length) return null;
      out.set(input.subarray(ip, ip + ctrl), op);
      op += ctrl;
      ip += ctrl;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) {
        if (ip >= input.length) return null;
        len += input[ip++];
      }
      if (ip >= input.length) return null;
      ref -= input[ip++];
      len += 2;
      if (op + len > outLen || ref < 0) return null;
      for (let i = 0; i < len; i++) out[op++] = out[ref++];
    }
  }
  return op === outLen ? out : null;
}
