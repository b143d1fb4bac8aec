// Splits an inline request (or a config-file line) into arguments the way redis-server does:
// blanks separate arguments; "double quotes" take \xHH, \n, \r, \t, \b, \a and \<char> escapes;
// 'single quotes' take only \'; a closing quote must be followed by a blank or the end.
// Returns null for unbalanced quotes. The line ends at its first NUL byte, as a C string would.

function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

export function splitArgs(input: string): string[] | null {
  const nul = input.indexOf('\0');
  const line = nul >= 0 ? input.slice(0, nul) : input;
  const n = line.length;
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (i < n && isBlank(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let token = '';
    let quote: 0 | 1 | 2 = 0; // 1: inside "double", 2: inside 'single'
    for (;;) {
      if (quote === 1) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === 'x' && hexValue(line.charCodeAt(i + 2)) >= 0 && hexValue(line.charCodeAt(i + 3)) >= 0) {
          token += String.fromCharCode(hexValue(line.charCodeAt(i + 2)) * 16 + hexValue(line.charCodeAt(i + 3)));
          i += 4;
        } else if (c === '\\' && i + 1 < n) {
          const e = line[i + 1];
          token += ESCAPES[e] ?? e;
          i += 2;
        } else if (c === '"') {
          if (i + 1 < n && !isBlank(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        } else {
          token += c;
          i++;
        }
      } else if (quote === 2) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && line[i + 1] === "'") {
          token += "'";
          i += 2;
        } else if (c === "'") {
          if (i + 1 < n && !isBlank(line.charCodeAt(i + 1))) return null;
          i++;
          break;
        } else {
          token += c;
          i++;
        }
      } else {
        if (i >= n) break;
        const c = line[i];
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
          i++;
          break;
        }
        if (c === '"') quote = 1;
        else if (c === "'") quote = 2;
        else token += c;
        i++;
      }
    }
    out.push(token);
  }
}
