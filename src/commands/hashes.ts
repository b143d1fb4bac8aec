// The hash family: HSET and friends, counters, whole-hash reads, HRANDFIELD and HSCAN.

import { Notify } from '../config/settings.js';
import { err, Errors, MapReply, OK, type Reply } from '../resp/reply.js';
import { HashValue } from '../types/hash.js';
import { formatInteger, INT64_MAX, INT64_MIN, parseInt64 } from '../util/numbers.js';
import { addLongDouble, formatLongDouble, LongDouble, parseLongDouble } from '../util/float80.js';
import { readObject, removeElements, writeObject } from './access.js';
import { isToken } from './args.js';
import type { Family } from './command.js';
import { collectionLimits, type CollectionLimits, denseCursor, pickDistinct, emptyScan, filterByPattern, scanCursorArg, scanOptions } from './collection-util.js';
import type { Client } from '../server/client.js';

/** hashTypeLookupWriteOrCreate: the hash at key, created (and stored) when missing. */
function hashForWrite(c: Client, key: string): HashValue {
  const db = c.db;
  let h = writeObject(c, key, HashValue);
  if (h === undefined) {
    h = new HashValue();
    db.set(key, h);
  }
  return h;
}

/**
 * hashTypeTryConversion: a listpack hash becomes a hashtable before taking arguments
 * argv[from..to] if any of them is longer than hash-max-listpack-value.
 */
function convertForArgs(limits: CollectionLimits, h: HashValue, argv: string[], from: number, to: number): void {
  if (!h.isListpack) return;
  const max = limits.hashMaxValue;
  for (let i = from; i <= to; i++) {
    if (argv[i].length > max) {
      h.toHashtable();
      return;
    }
  }
}

/** hashTypeSet: sets a field, converting by value length and entry count like Redis. */
function hashSet(limits: CollectionLimits, h: HashValue, field: string, value: string): boolean {
  if (h.isListpack && (field.length > limits.hashMaxValue || value.length > limits.hashMaxValue)) h.toHashtable();
  const created = h.set(field, value);
  if (h.isListpack && h.size > limits.hashMaxEntries) h.toHashtable();
  return created;
}

function hset(c: Client, argv: string[]): Reply {
  if (argv.length % 2 === 1) err(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`);
  const key = argv[1];
  const h = hashForWrite(c, key);
  const limits = collectionLimits(c.server);
  convertForArgs(limits, h, argv, 2, argv.length - 1);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (hashSet(limits, h, argv[i], argv[i + 1])) created++;
  const server = c.server;
  server.wrote(c.db, key, Notify.Hash, 'hset');
  server.dirty += (argv.length - 2) / 2 - 1;
  const isHset = argv[0].charCodeAt(1) === 115 || argv[0].charCodeAt(1) === 83; // 's' / 'S'
  return isHset ? created : OK;
}

function hsetnx(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const h = hashForWrite(c, key);
  if (h.has(argv[2])) return 0;
  const limits = collectionLimits(c.server);
  convertForArgs(limits, h, argv, 2, 3);
  hashSet(limits, h, argv[2], argv[3]);
  c.server.wrote(c.db, key, Notify.Hash, 'hset');
  return 1;
}

function hget(c: Client, argv: string[]): Reply {
  const h = readObject(c, argv[1], HashValue);
  if (h === undefined) return null;
  return h.get(argv[2]) ?? null;
}

function hmget(c: Client, argv: string[]): Reply {
  const h = readObject(c, argv[1], HashValue);
  const out: Reply[] = new Array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) out[i - 2] = h === undefined ? null : h.get(argv[i]) ?? null;
  return out;
}

function hdel(c: Client, argv: string[]): Reply {
  const h = writeObject(c, argv[1], HashValue);
  return h === undefined ? 0 : removeElements(c, argv[1], h, argv, 2, (field) => h.delete(field), Notify.Hash, 'hdel');
}

function hincrby(c: Client, argv: string[]): Reply {
  const incr = parseInt64(argv[3]);
  if (incr === undefined) err(Errors.notInteger);
  const key = argv[1];
  const h = hashForWrite(c, key);
  const field = argv[2];
  const current = h.get(field);
  let value: number | bigint = 0;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === undefined) err('ERR hash value is not an integer');
    value = parsed;
  }
  let result: number | bigint;
  if (typeof value === 'number' && typeof incr === 'number' && Number.isSafeInteger(value + incr)) {
    result = value + incr;
  } else {
    const r = BigInt(value) + BigInt(incr);
    if (r > INT64_MAX || r < INT64_MIN) err('ERR increment or decrement would overflow');
    result = r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
  }
  hashSet(collectionLimits(c.server), h, field, formatInteger(result));
  c.server.wrote(c.db, key, Notify.Hash, 'hincrby');
  return result;
}

function hincrbyfloat(c: Client, argv: string[]): Reply {
  // C long double arithmetic, as Redis (see util/float80.ts).
  const incr = parseLongDouble(argv[3]);
  if (incr === undefined) err(Errors.notFloat);
  if (!incr.isFinite()) err('ERR value is NaN or Infinity');
  const key = argv[1];
  const h = hashForWrite(c, key);
  const field = argv[2];
  const current = h.get(field);
  let value = LongDouble.ZERO;
  if (current !== undefined) {
    const parsed = parseLongDouble(current);
    if (parsed === undefined) err('ERR hash value is not a float');
    value = parsed;
  }
  const sum = addLongDouble(value, incr);
  if (!sum.isFinite()) err('ERR increment would produce NaN or Infinity');
  const text = formatLongDouble(sum);
  hashSet(collectionLimits(c.server), h, field, text);
  const server = c.server;
  server.wrote(c.db, key, Notify.Hash, 'hincrbyfloat');
  if (server.propagators.length !== 0) c.propagateAs = [['HSET', key, field, text]];
  return text;
}

function hlen(c: Client, argv: string[]): Reply {
  const h = readObject(c, argv[1], HashValue);
  return h === undefined ? 0 : h.size;
}

function hstrlen(c: Client, argv: string[]): Reply {
  const h = readObject(c, argv[1], HashValue);
  if (h === undefined) return 0;
  const v = h.get(argv[2]);
  return v === undefined ? 0 : v.length;
}

function hexists(c: Client, argv: string[]): Reply {
  const h = readObject(c, argv[1], HashValue);
  return h !== undefined && h.has(argv[2]) ? 1 : 0;
}

const KEYS = 1;
const VALUES = 2;

function getAll(c: Client, argv: string[], what: number): Reply {
  const h = readObject(c, argv[1], HashValue);
  const both = what === (KEYS | VALUES);
  if (h === undefined) return both ? new MapReply([]) : [];
  const n = h.size;
  const out: string[] = new Array(both ? 2 * n : n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (what & KEYS) out[j++] = h.fieldAt(i);
    if (what & VALUES) out[j++] = h.valueAt(i);
  }
  return both ? new MapReply(out) : out;
}

function hscan(c: Client, argv: string[]): Reply {
  const cursor = scanCursorArg(argv[2]);
  const h = readObject(c, argv[1], HashValue);
  if (h === undefined) return emptyScan();
  const { count, pattern } = scanOptions(argv, 3);
  const items: string[] = [];
  let next = 0;
  if (h.isListpack) {
    for (let i = 0; i < h.size; i++) items.push(h.fieldAt(i), h.valueAt(i));
  } else {
    next = h.scan(denseCursor(cursor), count, (f, v) => items.push(f, v));
  }
  return [String(next), filterByPattern(items, pattern, true)];
}

/** How many times the hash must exceed the count before picking instead of removing. */
const SUB_STRATEGY_MUL = 3;

function hrandfield(c: Client, argv: string[]): Reply {
  if (argv.length >= 3) {
    const v = parseInt64(argv[2]);
    if (v === undefined) err(Errors.notInteger);
    if (v < -9223372036854775807n || v > 9223372036854775807n) {
      err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    }
    let withValues = false;
    if (argv.length > 4 || (argv.length === 4 && !isToken(argv[3], 'WITHVALUES'))) err(Errors.syntax);
    if (argv.length === 4) {
      withValues = true;
      if (v < -4611686018427387903n || v > 4611686018427387903n) err('ERR value is out of range');
    }
    return randomFieldsWithCount(c, argv[1], typeof v === 'bigint' ? Number(v) : v, withValues);
  }
  const h = readObject(c, argv[1], HashValue);
  if (h === undefined) return null;
  return h.fieldAt(h.randomIndex());
}

function randomFieldsWithCount(c: Client, key: string, l: number, withValues: boolean): Reply {
  const h = readObject(c, key, HashValue);
  if (h === undefined) return [];
  const size = h.size;
  const unique = l >= 0;
  let count = Math.abs(l);
  if (count === 0) return [];
  const resp3 = c.resp >= 3;
  const out: Reply[] = [];
  const emit = (i: number) => {
    if (!withValues) out.push(h.fieldAt(i));
    else if (resp3) out.push([h.fieldAt(i), h.valueAt(i)]);
    else out.push(h.fieldAt(i), h.valueAt(i));
  };
  // Sampling with replacement (negative count), or a single pick.
  if (!unique || count === 1) {
    guardReplySize(count);
    while (count-- > 0) emit(h.randomIndex());
    return out;
  }
  // The whole hash.
  if (count >= size) {
    for (let i = 0; i < size; i++) emit(i);
    return out;
  }
  // A random subset of positions: drop random ones when count is close to size, else pick.
  const chosen = pickDistinct(size, count, SUB_STRATEGY_MUL);
  for (const i of chosen) emit(i);
  return out;
}

/**
 * A negative count asks for that many random picks, however large: Redis streams them until
 * the client's output limit closes it. Larder builds replies whole, so it refuses counts that
 * could not possibly be sent instead of exhausting memory.
 */
function guardReplySize(count: number): void {
  if (count > 100_000_000) err('ERR count is too large for a random sample');
}

export const hashes: Family = {
  hset: { run: hset },
  hmset: { run: hset },
  hsetnx: { run: hsetnx },
  hget: { run: hget },
  hmget: { run: hmget },
  hdel: { run: hdel },
  hlen: { run: hlen },
  hstrlen: { run: hstrlen },
  hexists: { run: hexists },
  hkeys: { run: (c, argv) => getAll(c, argv, KEYS) },
  hvals: { run: (c, argv) => getAll(c, argv, VALUES) },
  hgetall: { run: (c, argv) => getAll(c, argv, KEYS | VALUES) },
  hincrby: { run: hincrby },
  hincrbyfloat: { run: hincrbyfloat },
  hrandfield: { run: hrandfield },
  hscan: { run: hscan },
};
