// Helpers shared by the collection families (lists, hashes, sets, and sorted sets if they
// like): cached encoding limits, the argument handling of HSCAN/SSCAN/ZSCAN, and uniform
// distinct random picks (SRANDMEMBER/HRANDFIELD with a positive count).

import { err, Errors, type Reply } from '../resp/reply.js';
import { globMatch } from '../util/glob.js';
import { parseInt64 } from '../util/numbers.js';
import { isToken } from './args.js';
import type { Server } from '../server/server.js';

/** Encoding thresholds, kept in sync with the settings (read on hot paths). */
export class CollectionLimits {
  listFill = -2;
  hashMaxEntries = 512;
  hashMaxValue = 64;
  setMaxIntset = 512;

  constructor(server: Server) {
    const v = server.config.values;
    const read = () => {
      // Number(): whatever numeric type the settings store uses (huge values may be bigints).
      this.listFill = Number(v['list-max-listpack-size']);
      this.hashMaxEntries = Number(v['hash-max-listpack-entries']);
      this.hashMaxValue = Number(v['hash-max-listpack-value']);
      this.setMaxIntset = Number(v['set-max-intset-entries']);
    };
    read();
    for (const name of ['list-max-listpack-size', 'hash-max-listpack-entries', 'hash-max-listpack-value', 'set-max-intset-entries']) {
      const s = server.config.lookup(name);
      if (s === undefined) continue;
      const prev = s.apply;
      s.apply = (value, old) => {
        const e = prev?.(value, old);
        if (e) return e;
        read(); // the store already holds the new value

      };
    }
  }
}

let lastServer: Server | null = null;
let lastLimits: CollectionLimits | null = null;

export function collectionLimits(server: Server): CollectionLimits {
  // One server per process in practice: skip the state lookup (and its closure) on hot paths.
  if (server === lastServer) return lastLimits!;
  const limits = server.state('collection-limits', () => new CollectionLimits(server));
  lastServer = server;
  lastLimits = limits;
  return limits;
}

const ULONG_MAX = 18446744073709551615n;

/**
 * A SCAN cursor as Redis reads it (strtoul, base 10): optional sign, digits; a leading blank,
 * trailing garbage or overflow is "invalid cursor". A minus sign wraps around, as in C.
 */
export function scanCursorArg(text: string): bigint {
  const m = /^([+-]?)(\d*)$/.exec(text);
  if (m === null || (m[2] === '' && m[1] !== '')) err('ERR invalid cursor');
  if (m[2] === '') return 0n;
  let v = BigInt(m[2]);
  if (v > ULONG_MAX) err('ERR invalid cursor');
  if (m[1] === '-' && v !== 0n) v = ULONG_MAX + 1n - v;
  return v;
}

export interface ScanOptions {
  count: number;
  /** null when there is no pattern (or it is "*"). */
  pattern: string | null;
}

/** COUNT and MATCH options from argv[from] on (TYPE is only for SCAN: a syntax error here). */
export function scanOptions(argv: string[], from: number): ScanOptions {
  let count = 10;
  let pattern: string | null = null;
  for (let i = from; i < argv.length; ) {
    const left = argv.length - i;
    if (isToken(argv[i], 'COUNT') && left >= 2) {
      const v = parseInt64(argv[i + 1]);
      if (v === undefined) err(Errors.notInteger);
      if (v < 1) err(Errors.syntax);
      count = typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
      i += 2;
    } else if (isToken(argv[i], 'MATCH') && left >= 2) {
      pattern = argv[i + 1] === '*' ? null : argv[i + 1];
      i += 2;
    } else {
      err(Errors.syntax);
    }
  }
  return { count, pattern };
}

/** The empty scan reply (missing key). */
export function emptyScan(): Reply {
  return ['0', []];
}

/** Filters a flat list (single items, or pairs whose first item is matched) by a pattern. */
export function filterByPattern(items: string[], pattern: string | null, pairs: boolean): string[] {
  if (pattern === null) return items;
  const out: string[] = [];
  const step = pairs ? 2 : 1;
  for (let i = 0; i < items.length; i += step) {
    if (!globMatch(pattern, items[i])) continue;
    out.push(items[i]);
    if (pairs) out.push(items[i + 1]);
  }
  return out;
}

/** A dense-position cursor (see HashValue.scan) as a JS number, clamped. */
export function denseCursor(cursor: bigint): number {
  return cursor > 9007199254740991n ? Number.MAX_SAFE_INTEGER : Number(cursor);
}

/**
 * `count` distinct positions out of `size` (count < size), uniformly: by removing random
 * positions from all of them when the count is close to the size, else by picking random
 * positions until enough distinct ones came up.
 */
export function pickDistinct(size: number, count: number, mul: number): number[] {
  if (count * mul > size) {
    const all = new Array<number>(size);
    for (let i = 0; i < size; i++) all[i] = i;
    let n = size;
    while (n > count) {
      const j = Math.floor(Math.random() * n);
      all[j] = all[--n];
    }
    all.length = count;
    return all;
  }
  const seen = new Set<number>();
  while (seen.size < count) seen.add(Math.floor(Math.random() * size));
  return [...seen];
}
