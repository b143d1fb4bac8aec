// Redis's sdscatrepr: a string (one char per byte) in double quotes, with backslash, quote and
// the control characters Redis names escaped, and other bytes outside printable ASCII as \xHH.
// MONITOR lines, CONFIG REWRITE values, the AOF manifest and log lines all quote this way.

/** Printable ASCII other than `"` and `\`: such a string is quoted as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function repr(s: string): string {
  if (PLAIN.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x5c: out += '\\\\'; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      default:
        out += c >= 0x20 && c < 0x7f ? s[i] : '\\x' + (c & 0xff).toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}
