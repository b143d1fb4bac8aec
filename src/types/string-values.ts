// String value variants beyond the plain JS string and MutableString of value.ts.

import { MutableString } from './value.js';

/**
 * A string that Redis stores as `embstr` although it reads as an integer: INCRBYFLOAT creates
 * its result without trying the integer encoding, so "3" is an embstr there, not an int.
 * Any in-place change turns it into a plain MutableString (raw), as Redis unshares it.
 */
export class EmbeddedString extends MutableString {
  static of(text: string): EmbeddedString {
    const bytes = Buffer.allocUnsafe(Math.max(text.length, 16));
    bytes.latin1Write(text, 0);
    return new EmbeddedString(bytes, text.length);
  }

  override encoding(): string {
    return 'embstr';
  }

  override copy(): EmbeddedString {
    return new EmbeddedString(Buffer.from(this.view()), this.length);
  }
}

/**
 * The value to modify in place (Redis's dbUnshareStringValue): the MutableString itself, or a
 * new raw MutableString holding the same bytes (with room for `extra` more).
 */
export function unshared(v: string | MutableString, extra = 0): MutableString {
  if (typeof v === 'string') return MutableString.from(v, extra);
  if (v instanceof EmbeddedString) {
    const bytes = Buffer.allocUnsafe(Math.max(v.length + extra, 16));
    v.bytes.copy(bytes, 0, 0, v.length);
    return new MutableString(bytes, v.length);
  }
  return v;
}
