// Normalizers for differential tests of replies whose order is unspecified (members of
// hashtable-encoded sets and hashes): the top-level aggregate's items (or key/value pairs) are
// sorted by their raw encoding before comparison, so both servers' replies compare equal when
// they hold the same items.

import { parseReply } from './resp-client.js';

/** The raw text of each item of the aggregate reply `raw`, grouped by `group` (2 for pairs). */
function items(raw: string, group: number): { header: string; parts: string[] } | null {
  const t = raw[0];
  if (t !== '*' && t !== '~' && t !== '%') return null;
  const eol = raw.indexOf('\r\n');
  const n = Number(raw.slice(1, eol));
  if (n < 0) return null;
  const total = t === '%' ? n * 2 : n;
  const buf = Buffer.from(raw, 'latin1');
  const parts: string[] = [];
  let pos = eol + 2;
  let current = '';
  for (let i = 0; i < total; i++) {
    const r = parseReply(buf, pos)!;
    current += raw.slice(pos, r.end);
    pos = r.end;
    if ((i + 1) % (t === '%' ? 2 : group) === 0) {
      parts.push(current);
      current = '';
    }
  }
  return { header: raw.slice(0, eol + 2), parts };
}

/** The reply with its top-level items sorted (`group` 2: sorted as key/value pairs). */
export function sortReply(raw: string, group = 1): string {
  const r = items(raw, group);
  if (r === null) return raw;
  return r.header + r.parts.sort().join('');
}

/**
 * A Differential `normalize` that sorts the replies of the named commands (upper case).
 * `pairs` lists commands whose flat replies are key/value pairs (HGETALL in RESP2, …).
 */
export function unordered(commands: string[], pairs: string[] = []): (command: string[], raw: string) => string {
  const plain = new Set(commands);
  const paired = new Set(pairs);
  return (command, raw) => {
    const name = command[0].toUpperCase();
    if (paired.has(name)) return sortReply(raw, 2);
    if (plain.has(name)) return sortReply(raw, 1);
    return raw;
  };
}
