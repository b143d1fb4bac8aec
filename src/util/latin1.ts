// Bytes to latin1 strings (one char per byte) on the hot paths: request arguments, keys and
// values read back from the keyspace arena. Buffer's latin1Slice crosses into C++ for every
// call (~45 ns); short runs, most keys and values, are built in JS for about half that.

const fromCodes = String.fromCharCode;

/** The latin1 string of b[p, p + n). */
export function latin1(b: Buffer, p: number, n: number): string {
  switch (n) {
    case 0: return '';
    case 1: return fromCodes(b[p]);
    case 2: return fromCodes(b[p], b[p + 1]);
    case 3: return fromCodes(b[p], b[p + 1], b[p + 2]);
    case 4: return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3]);
    case 5: return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4]);
    case 6: return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5]);
    case 7: return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6]);
    case 8: return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    case 9: return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8]);
    case 10: return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9]);
    case 11:
      return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10]);
    case 12:
      return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10],
        b[p + 11]);
    case 13:
      return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10],
        b[p + 11], b[p + 12]);
    case 14:
      return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10],
        b[p + 11], b[p + 12], b[p + 13]);
    case 15:
      return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10],
        b[p + 11], b[p + 12], b[p + 13], b[p + 14]);
    case 16:
      return fromCodes(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8], b[p + 9], b[p + 10],
        b[p + 11], b[p + 12], b[p + 13], b[p + 14], b[p + 15]);
  }
  return b.latin1Slice(p, p + n);
}
