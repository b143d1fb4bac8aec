// The set family: membership, random members and pops, moves, algebra (SINTER, SUNION, SDIFF
// and their STORE forms, SINTERCARD) and SSCAN.

import { Notify } from '../config/settings.js';
import { err, Errors, SetReply, type Reply } from '../resp/reply.js';
import { SetValue } from '../types/set.js';
import { parseInt64 } from '../util/numbers.js';
import { readObject, removeElements, writeObject } from './access.js';
import { isToken } from './args.js';
import type { Family } from './command.js';
import { collectionLimits, denseCursor, emptyScan, filterByPattern, pickDistinct, scanCursorArg, scanOptions } from './collection-util.js';
import type { Client } from '../server/client.js';

function maxIntset(c: Client): number {
  return collectionLimits(c.server).setMaxIntset;
}

function sadd(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  let set = writeObject(c, key, SetValue);
  if (set === undefined) {
    set = new SetValue(argv[2]);
    db.set(key, set);
  }
  const max = maxIntset(c);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i], max)) added++;
  if (added) {
    const server = c.server;
    server.wrote(db, key, Notify.Set, 'sadd');
    server.dirty += added - 1;
  }
  return added;
}

function srem(c: Client, argv: string[]): Reply {
  const set = writeObject(c, argv[1], SetValue);
  return set === undefined ? 0 : removeElements(c, argv[1], set, argv, 2, (member) => set.remove(member), Notify.Set, 'srem');
}

function smove(c: Client, argv: string[]): Reply {
  const db = c.db;
  const srcKey = argv[1];
  const dstKey = argv[2];
  const member = argv[3];
  const src = db.get(srcKey);
  const dst = db.get(dstKey);
  if (src === undefined) return 0;
  if (!(src instanceof SetValue) || (dst !== undefined && !(dst instanceof SetValue))) err(Errors.wrongType);
  if (src === dst) return src.has(member) ? 1 : 0;
  if (!src.remove(member)) return 0;
  const server = c.server;
  server.notify(Notify.Set, 'srem', srcKey, db.id);
  if (src.size === 0) {
    db.delete(srcKey);
    server.notify(Notify.Generic, 'del', srcKey, db.id);
  }
  let target = dst as SetValue | undefined;
  if (target === undefined) {
    target = new SetValue(member);
    db.set(dstKey, target);
  }
  server.modified(db, srcKey);
  server.dirty++;
  if (target.add(member, maxIntset(c))) {
    server.dirty++;
    server.modified(db, dstKey);
    server.notify(Notify.Set, 'sadd', dstKey, db.id);
  }
  return 1;
}

function sismember(c: Client, argv: string[]): Reply {
  const set = readObject(c, argv[1], SetValue);
  return set !== undefined && set.has(argv[2]) ? 1 : 0;
}

function smismember(c: Client, argv: string[]): Reply {
  const set = readObject(c, argv[1], SetValue);
  const out: number[] = new Array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) out[i - 2] = set !== undefined && set.has(argv[i]) ? 1 : 0;
  return out;
}

function scard(c: Client, argv: string[]): Reply {
  const set = readObject(c, argv[1], SetValue);
  return set === undefined ? 0 : set.size;
}

function propagate(c: Client, argv: string[]): void {
  if (c.server.propagators.length === 0) return;
  const list = c.propagateAs;
  if (list === undefined) c.propagateAs = [argv];
  else list.push(argv);
}

function spop(c: Client, argv: string[]): Reply {
  if (argv.length === 3) return spopWithCount(c, argv);
  if (argv.length > 3) err(Errors.syntax);
  const db = c.db;
  const key = argv[1];
  const set = writeObject(c, key, SetValue);
  if (set === undefined) return null;
  const member = set.removeAt(set.randomIndex());
  const server = c.server;
  server.notify(Notify.Set, 'spop', key, db.id);
  propagate(c, ['SREM', key, member]);
  if (set.size === 0) {
    db.delete(key);
    server.notify(Notify.Generic, 'del', key, db.id);
  }
  server.modified(db, key);
  server.dirty++;
  return member;
}

function spopWithCount(c: Client, argv: string[]): Reply {
  const v = parseInt64(argv[2]);
  if (v === undefined || v < 0) err('ERR value is out of range, must be positive');
  const count = typeof v === 'bigint' ? Number(v) : v;
  const db = c.db;
  const key = argv[1];
  const set = writeObject(c, key, SetValue);
  if (set === undefined) return new SetReply([]);
  if (count === 0) return new SetReply([]);
  const size = set.size;
  const server = c.server;
  server.notify(Notify.Set, 'spop', key, db.id);
  server.dirty += count >= size ? size : count;
  if (count >= size) {
    // The whole set, in its iteration order (as SUNION of it would answer).
    const all = set.toArray();
    db.delete(key);
    server.notify(Notify.Generic, 'del', key, db.id);
    propagate(c, ['DEL', key]);
    server.modified(db, key);
    return new SetReply(all);
  }
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const m = set.removeAt(set.randomIndex());
    out[i] = m;
    propagate(c, ['SREM', key, m]);
  }
  if (size - count <= Math.floor(count / SPOP_MOVE_STRATEGY_MUL) && !set.isIntset) {
    // When few members remain, Redis moves them to a new set instead, created as for its first
    // member: a hashtable set whose survivors are all integers becomes an intset again.
    db.replace(key, rebuild(set, maxIntset(c)));
  }
  server.modified(db, key);
  return new SetReply(out);
}

/** How many times bigger than the rest the count must be for SPOP to rebuild the set. */
const SPOP_MOVE_STRATEGY_MUL = 5;

/** A new set holding `set`'s members, encoded as Redis encodes a set built member by member. */
function rebuild(set: SetValue, max: number): SetValue {
  const members = set.toArray();
  const out = new SetValue(members[0]);
  for (let i = 0; i < members.length; i++) out.add(members[i], max);
  return out;
}

/** How many times the set must exceed the count before picking instead of removing. */
const SUB_STRATEGY_MUL = 3;

function srandmember(c: Client, argv: string[]): Reply {
  if (argv.length === 3) return srandmemberWithCount(c, argv);
  if (argv.length > 3) err(Errors.syntax);
  const set = readObject(c, argv[1], SetValue);
  if (set === undefined) return null;
  return set.memberAt(set.randomIndex());
}

function srandmemberWithCount(c: Client, argv: string[]): Reply {
  const v = parseInt64(argv[2]);
  if (v === undefined) err(Errors.notInteger);
  if (v < -9223372036854775807n) {
    err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  }
  const l = typeof v === 'bigint' ? Number(v) : v;
  const set = readObject(c, argv[1], SetValue);
  if (set === undefined) return [];
  const count = Math.abs(l);
  if (count === 0) return [];
  const size = set.size;
  if (l < 0 || count === 1) {
    if (count > 100_000_000) err('ERR count is too large for a random sample');
    const out: string[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = set.memberAt(set.randomIndex());
    return out;
  }
  if (count >= size) return set.toArray();
  const out: string[] = [];
  for (const i of pickDistinct(size, count, SUB_STRATEGY_MUL)) out.push(set.memberAt(i));
  return out;
}

/** The sets at `keys` (null for missing keys), read with stats; WRONGTYPE for other types. */
function readSets(c: Client, keys: string[]): (SetValue | null)[] {
  const sets: (SetValue | null)[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) sets[i] = readObject(c, keys[i], SetValue) ?? null;
  return sets;
}

/** Stores a computed set at dstKey (or deletes dstKey when the result is empty). */
function storeResult(c: Client, dstKey: string, result: SetValue, event: string): Reply {
  const db = c.db;
  const server = c.server;
  if (result.size > 0) {
    db.set(dstKey, result);
    server.modified(db, dstKey);
    server.notify(Notify.Set, event, dstKey, db.id);
    server.dirty++;
    return result.size;
  }
  if (db.delete(dstKey)) {
    server.dirty++;
    server.modified(db, dstKey);
    server.notify(Notify.Generic, 'del', dstKey, db.id);
  }
  return 0;
}

/**
 * SINTER, SMEMBERS, SINTERSTORE, SINTERCARD. Walks the smallest set and keeps the members
 * every other set has; `limit` stops SINTERCARD early (0 = no limit).
 */
function inter(c: Client, keys: string[], dstKey: string | null, cardinalityOnly: boolean, limit: number): Reply {
  const sets = readSets(c, keys);
  if (sets.includes(null)) {
    if (dstKey !== null) return storeResult(c, dstKey, new SetValue(), 'sinterstore');
    return cardinalityOnly ? 0 : new SetReply([]);
  }
  const sorted = (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const first = sorted[0];
  const members = first.toArray();
  const dst = dstKey !== null ? new SetValue() : null;
  const out: string[] = [];
  const max = maxIntset(c);
  let cardinality = 0;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    let j = 1;
    for (; j < sorted.length; j++) {
      if (sorted[j] === first) continue;
      if (!sorted[j].has(m)) break;
    }
    if (j !== sorted.length) continue;
    if (cardinalityOnly) {
      cardinality++;
      if (limit && cardinality >= limit) break;
    } else if (dst !== null) {
      dst.add(m, max);
    } else {
      out.push(m);
    }
  }
  if (cardinalityOnly) return cardinality;
  if (dst !== null) return storeResult(c, dstKey!, dst, 'sinterstore');
  return new SetReply(out);
}

function sintercard(c: Client, argv: string[]): Reply {
  const n = parseInt64(argv[1]);
  if (n === undefined || n < 1) err('ERR numkeys should be greater than 0');
  if (n > argv.length - 2) err("ERR Number of keys can't be greater than number of args");
  const numkeys = Number(n);
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (isToken(argv[j], 'LIMIT') && j + 1 < argv.length) {
      const v = parseInt64(argv[++j]);
      if (v === undefined || v < 0) err("ERR LIMIT can't be negative");
      limit = typeof v === 'bigint' ? Number(v) : v;
    } else {
      err(Errors.syntax);
    }
  }
  return inter(c, argv.slice(2, 2 + numkeys), null, true, limit);
}

const UNION = 0;
const DIFF = 1;

/** SUNION, SDIFF and their STORE forms. The result is built as Redis builds it (an intset
 * until a non-integer or too many members arrive), so small integer results come out sorted. */
function unionDiff(c: Client, keys: string[], dstKey: string | null, op: number): Reply {
  const sets = readSets(c, keys);
  const dst = new SetValue();
  const max = maxIntset(c);
  if (op === UNION) {
    for (const s of sets) {
      if (s === null) continue;
      const n = s.size;
      for (let i = 0; i < n; i++) dst.add(s.memberAt(i), max);
    }
  } else if (sets[0] !== null) {
    const first = sets[0];
    let same = false;
    for (let j = 1; j < sets.length; j++) if (sets[j] === first) same = true;
    if (!same) {
      // Redis picks between two algorithms by estimated work; both give the same members.
      const others = sets.slice(1).filter((s): s is SetValue => s !== null);
      let workOne = 0;
      let workTwo = 0;
      for (const s of sets) {
        if (s === null) continue;
        workOne += first.size;
        workTwo += s.size;
      }
      workOne = Math.floor(workOne / 2);
      const members = first.toArray();
      if (workOne <= workTwo) {
        others.sort((a, b) => b.size - a.size);
        for (let i = 0; i < members.length; i++) {
          const m = members[i];
          if (!others.some((s) => s.has(m))) dst.add(m, max);
        }
      } else {
        for (let i = 0; i < members.length; i++) dst.add(members[i], max);
        for (const s of others) {
          if (dst.size === 0) break;
          const n = s.size;
          for (let i = 0; i < n; i++) dst.remove(s.memberAt(i));
        }
      }
    }
  }
  if (dstKey === null) return new SetReply(dst.toArray());
  return storeResult(c, dstKey, dst, op === UNION ? 'sunionstore' : 'sdiffstore');
}

function sscan(c: Client, argv: string[]): Reply {
  const cursor = scanCursorArg(argv[2]);
  const set = readObject(c, argv[1], SetValue);
  if (set === undefined) return emptyScan();
  const { count, pattern } = scanOptions(argv, 3);
  let items: string[];
  let next = 0;
  if (set.isIntset) {
    items = set.toArray();
  } else {
    items = [];
    next = set.scan(denseCursor(cursor), count, (m) => items.push(m));
  }
  return [String(next), filterByPattern(items, pattern, false)];
}

export const sets: Family = {
  sadd: { run: sadd },
  srem: { run: srem },
  smove: { run: smove },
  sismember: { run: sismember },
  smismember: { run: smismember },
  scard: { run: scard },
  smembers: { run: (c, argv) => inter(c, [argv[1]], null, false, 0) },
  spop: { run: spop },
  srandmember: { run: srandmember },
  sinter: { run: (c, argv) => inter(c, argv.slice(1), null, false, 0) },
  sintercard: { run: sintercard },
  sinterstore: { run: (c, argv) => inter(c, argv.slice(2), argv[1], false, 0) },
  sunion: { run: (c, argv) => unionDiff(c, argv.slice(1), null, UNION) },
  sunionstore: { run: (c, argv) => unionDiff(c, argv.slice(2), argv[1], UNION) },
  sdiff: { run: (c, argv) => unionDiff(c, argv.slice(1), null, DIFF) },
  sdiffstore: { run: (c, argv) => unionDiff(c, argv.slice(2), argv[1], DIFF) },
  sscan: { run: sscan },
};
