// Glob matching with Redis's semantics (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET...):
// `*` any run, `?` any one char, `[abc]`, `[^abc]`, `[a-z]` (reversed ranges allowed),
// `\x` a literal x. A class left open at the end of the pattern ends there.

/** Matches one char against the class starting after `[` at `p`; returns [matched, next p]. */
function matchClass(pattern: string, p: number, c: number, nocase: boolean): [boolean, number] {
  const n = pattern.length;
  let negate = false;
  if (p < n && pattern[p] === '^') {
    negate = true;
    p++;
  }
  let matched = false;
  const cc = nocase ? lower(c) : c;
  while (p < n && pattern[p] !== ']') {
    if (pattern[p] === '\\' && p + 1 < n) {
      p++;
      if (fold(pattern.charCodeAt(p), nocase) === cc) matched = true;
      p++;
    } else if (p + 2 < n && pattern[p + 1] === '-') {
      let start = fold(pattern.charCodeAt(p), nocase);
      let end = fold(pattern.charCodeAt(p + 2), nocase);
      if (start > end) [start, end] = [end, start];
      if (cc >= start && cc <= end) matched = true;
      p += 3;
    } else {
      if (fold(pattern.charCodeAt(p), nocase) === cc) matched = true;
      p++;
    }
  }
  // p is at ']' or at the end of an unterminated class.
  if (p < n) p++;
  return [negate ? !matched : matched, p];
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function fold(c: number, nocase: boolean): number {
  return nocase ? lower(c) : c;
}

export function globMatch(pattern: string, s: string, nocase = false): boolean {
  const pn = pattern.length;
  const sn = s.length;
  let p = 0;
  let i = 0;
  // Where to resume after the most recent `*`: pattern after the star, and the string position.
  let starP = -1;
  let starI = 0;
  while (i < sn) {
    if (p < pn) {
      const pc = pattern[p];
      if (pc === '*') {
        while (p < pn && pattern[p] === '*') p++;
        if (p === pn) return true;
        starP = p;
        starI = i;
        continue;
      }
      if (pc === '?') {
        p++;
        i++;
        continue;
      }
      if (pc === '[') {
        const [ok, next] = matchClass(pattern, p + 1, s.charCodeAt(i), nocase);
        if (ok) {
          p = next;
          i++;
          continue;
        }
      } else {
        let q = p;
        if (pc === '\\' && p + 1 < pn) q = p + 1;
        if (fold(pattern.charCodeAt(q), nocase) === fold(s.charCodeAt(i), nocase)) {
          p = q + 1;
          i++;
          continue;
        }
      }
    }
    if (starP < 0) return false;
    p = starP;
    i = ++starI;
  }
  while (p < pn && pattern[p] === '*') p++;
  return p === pn;
}

/** Whether a pattern matches only itself (no special chars), so lookups can skip scanning. */
export function isLiteralPattern(pattern: string): boolean {
  return !/[*?[\\]/.test(pattern);
}
