// The sorted set family: ZADD, ZINCRBY, scores and ranks, ranges (by rank, score, lex) and their
// STORE forms, removals, pops (and their blocking forms), ZRANDMEMBER, the set operations
// (ZUNION/ZINTER/ZDIFF, STORE forms, ZINTERCARD) and ZSCAN.

import { Notify } from '../config/settings.js';
import { blocking, canBlock, timeoutArg } from '../engine/blocking.js';
import { DoubleReply, err, Errors, NIL_ARRAY, type Reply } from '../resp/reply.js';
import type { Client } from '../server/client.js';
import { RObject, type Value } from '../types/value.js';
import { ZAddIn, ZAddOut, ZSet, lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type LexRange, type ScoreRange } from '../types/zset.js';
import { SetValue } from '../types/set.js';
import { formatDouble, parseDouble, parseInt64 } from '../util/numbers.js';
import { globMatch } from '../util/glob.js';
import { readObject, writeObject } from './access.js';
import { int64Arg, intArg, isToken } from './args.js';
import type { Family } from './command.js';
import { parseLexRange, parseScoreRange } from './zset-args.js';

const NAN_SCORE = 'ERR resulting score is not a number (NaN)';
/** The empty array reply, shared (replies are never mutated once returned). */
const EMPTY: Reply[] = [];
const NOT_POSITIVE = 'ERR value is out of range, must be positive';

// ---- Settings ----

export function maxListpackEntries(c: Client): number {
  return c.server.config.values['zset-max-listpack-entries'] as number;
}

export function maxListpackValue(c: Client): number {
  return c.server.config.values['zset-max-listpack-value'] as number;
}

// ---- Lookups ----

export function readZset(c: Client, key: string): ZSet | undefined {
  return readObject(c, key, ZSet);
}

export function writeZset(c: Client, key: string): ZSet | undefined {
  return writeObject(c, key, ZSet);
}

/** Adds `n` more to the dirty counter beyond the one `wrote` counts (Redis counts each change). */
function moreDirty(c: Client, n: number): void {
  if (n > 1) c.server.dirty += n - 1;
}

// ---- Replies ----

/** Members with scores: a flat array in RESP2, [member, score] pairs in RESP3. */
function pairsReply(c: Client, members: string[], scores: number[] | null): Reply {
  if (scores === null) return members;
  const out: Reply[] = [];
  if (c.resp === 2) {
    for (let i = 0; i < members.length; i++) out.push(members[i], new DoubleReply(scores[i]));
  } else {
    for (let i = 0; i < members.length; i++) out.push([members[i], new DoubleReply(scores[i])]);
  }
  return out;
}

// ---- ZADD / ZINCRBY ----

/** Reused for parsed scores (no allocation per ZADD). */
let scoreBuffer: number[] = [0, 0, 0, 0, 0, 0, 0, 0];

/** A score argument (getDoubleFromObject rules), with a fast path for small integers. */
export function scoreArg(s: string): number {
  const n = s.length;
  if (n > 0 && n < 16) {
    let i = s.charCodeAt(0) === 45 ? 1 : 0;
    if (i < n) {
      let v = 0;
      for (; i < n; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === n) return s.charCodeAt(0) === 45 ? -v : v;
    }
  }
  const v = parseDouble(s);
  if (v === undefined) err(Errors.notFloat);
  return v;
}

function zaddCommand(c: Client, argv: string[], incrCommand: boolean): Reply {
  let flags = incrCommand ? ZAddIn.INCR : 0;
  let ch = false;
  let idx = 2;
  const argc = argv.length;
  while (idx < argc) {
    const o = argv[idx];
    if (o.length < 2 || o.length > 4) break;
    const u = o.toUpperCase();
    if (u === 'NX') flags |= ZAddIn.NX;
    else if (u === 'XX') flags |= ZAddIn.XX;
    else if (u === 'CH') ch = true;
    else if (u === 'INCR') flags |= ZAddIn.INCR;
    else if (u === 'GT') flags |= ZAddIn.GT;
    else if (u === 'LT') flags |= ZAddIn.LT;
    else break;
    idx++;
  }
  const elements = argc - idx;
  if (elements % 2 !== 0 || elements === 0) err(Errors.syntax);
  const n = elements / 2;
  if (flags & ZAddIn.NX && flags & ZAddIn.XX) err('ERR XX and NX options at the same time are not compatible');
  if ((flags & ZAddIn.GT && flags & ZAddIn.NX) || (flags & ZAddIn.LT && flags & ZAddIn.NX) || (flags & ZAddIn.GT && flags & ZAddIn.LT)) {
    err('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (flags & ZAddIn.INCR && n > 1) err('ERR INCR option supports a single increment-element pair');
  if (scoreBuffer.length < n) scoreBuffer = new Array<number>(n).fill(0);
  const scores = scoreBuffer;
  for (let j = 0; j < n; j++) scores[j] = scoreArg(argv[idx + j * 2]);
  return zaddApply(c, argv[1], flags, ch, scores, n, argv, idx + 1, 2);
}

/**
 * ZADD's work once arguments are parsed (shared with GEOADD): scores[j] goes with member
 * argv[first + j * stride].
 */
export function zaddApply(
  c: Client, key: string, flags: number, ch: boolean, scores: number[], n: number,
  argv: string[], first: number, stride: number,
): Reply {
  const incr = (flags & ZAddIn.INCR) !== 0;
  const db = c.db;
  const maxEntries = maxListpackEntries(c);
  const maxValue = maxListpackValue(c);
  let z = writeZset(c, key);
  if (z === undefined) {
    if (flags & ZAddIn.XX) return incr ? null : 0;
    z = new ZSet(!(maxEntries === 0 || maxValue < argv[first].length));
    db.set(key, z);
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  for (let j = 0; j < n; j++) {
    const r = z.add(scores[j], argv[first + j * stride], flags, maxEntries, maxValue);
    if (r & ZAddOut.NaN) err(NAN_SCORE);
    if (r & ZAddOut.Added) added++;
    else if (r & ZAddOut.Updated) updated++;
    if ((r & ZAddOut.Nop) === 0) {
      processed++;
      score = z.newScore;
    }
  }
  if (added + updated > 0) {
    c.server.wrote(db, key, Notify.Zset, incr ? 'zincr' : 'zadd');
    moreDirty(c, added + updated);
  }
  if (incr) return processed ? new DoubleReply(score) : null;
  return ch ? added + updated : added;
}

// ---- Single-key reads ----

function zcard(c: Client, argv: string[]): Reply {
  const z = readZset(c, argv[1]);
  return z === undefined ? 0 : z.size;
}

function zscore(c: Client, argv: string[]): Reply {
  const z = readZset(c, argv[1]);
  if (z === undefined) return null;
  const s = z.score(argv[2]);
  return s === undefined ? null : new DoubleReply(s);
}

function zmscore(c: Client, argv: string[]): Reply {
  const z = readZset(c, argv[1]);
  const out: Reply[] = new Array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    out[j - 2] = s === undefined ? null : new DoubleReply(s);
  }
  return out;
}

function zrank(c: Client, argv: string[], reverse: boolean): Reply {
  const z = readZset(c, argv[1]);
  if (z === undefined) return null;
  const r = z.rank(argv[2], reverse);
  return r < 0 ? null : r;
}

function zcount(c: Client, argv: string[]): Reply {
  const range = parseScoreRange(argv[2], argv[3]);
  const z = readZset(c, argv[1]);
  if (z === undefined) return 0;
  return z.countInScoreRange(range);
}

function zlexcount(c: Client, argv: string[]): Reply {
  const range = parseLexRange(argv[2], argv[3]);
  const z = readZset(c, argv[1]);
  if (z === undefined) return 0;
  const first = z.firstInLexRange(range);
  if (first < 0) return 0;
  if (z.isListpack) {
    let n = 0;
    z.walk(first, z.size, false, (m) => {
      if (!lexLteMax(m, range)) return false;
      n++;
    });
    return n;
  }
  const last = z.lastInLexRange(range);
  return last < 0 ? z.size - first : last - first + 1;
}

// ---- Ranges ----

const enum RangeType {
  Auto,
  Rank,
  Score,
  Lex,
}

const enum Direction {
  Auto,
  Forward,
  Reverse,
}

/** What a range query selected. */
interface RangeResult {
  members: string[];
  scores: number[];
}

/** Pairs of ranks start..end after Redis's index sanitizing (negative from the end). */
function rankRange(z: ZSet, start: number, end: number, reverse: boolean, out: RangeResult): void {
  const llen = z.size;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) return;
  if (end >= llen) end = llen - 1;
  const n = end - start + 1;
  z.walk(reverse ? llen - 1 - start : start, n, reverse, (m, s) => {
    out.members.push(m);
    out.scores.push(s);
  });
}

function scoreRange(z: ZSet, range: ScoreRange, offset: number, limit: number, reverse: boolean, out: RangeResult): void {
  if (offset > 0 && offset >= z.size) return;
  const first = reverse ? z.lastInScoreRange(range) : z.firstInScoreRange(range);
  if (first < 0 || offset < 0 || limit === 0) return;
  const start = reverse ? first - offset : first + offset;
  if (start < 0 || start >= z.size) return;
  z.walk(start, limit < 0 ? z.size : limit, reverse, (m, s) => {
    if (reverse ? !scoreGteMin(s, range) : !scoreLteMax(s, range)) return false;
    out.members.push(m);
    out.scores.push(s);
  });
}

function lexRange(z: ZSet, range: LexRange, offset: number, limit: number, reverse: boolean, out: RangeResult): void {
  const first = reverse ? z.lastInLexRange(range) : z.firstInLexRange(range);
  if (first < 0 || offset < 0 || limit === 0) return;
  const start = reverse ? first - offset : first + offset;
  if (start < 0 || start >= z.size) return;
  z.walk(start, limit < 0 ? z.size : limit, reverse, (m, s) => {
    if (reverse ? !lexGteMin(m, range) : !lexLteMax(m, range)) return false;
    out.members.push(m);
    out.scores.push(s);
  });
}

/**
 * ZRANGE and its relatives: `keyIdx` is the source key's position; `dst` the destination of
 * ZRANGESTORE (null to reply to the client).
 */
function zrangeGeneric(c: Client, argv: string[], keyIdx: number, dst: string | null, type: RangeType, dir: Direction): Reply {
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = keyIdx + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (dst === null && isToken(a, 'WITHSCORES')) withScores = true;
    else if (isToken(a, 'LIMIT') && left >= 2) {
      offset = intArg(argv[j + 1]);
      limit = intArg(argv[j + 2]);
      j += 2;
    } else if (dir === Direction.Auto && isToken(a, 'REV')) dir = Direction.Reverse;
    else if (type === RangeType.Auto && isToken(a, 'BYLEX')) type = RangeType.Lex;
    else if (type === RangeType.Auto && isToken(a, 'BYSCORE')) type = RangeType.Score;
    else err(Errors.syntax);
  }
  if (dir === Direction.Auto) dir = Direction.Forward;
  if (type === RangeType.Auto) type = RangeType.Rank;
  if (limit !== -1 && type === RangeType.Rank) err('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (withScores && type === RangeType.Lex) err('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  const reverse = dir === Direction.Reverse;
  let minIdx = keyIdx + 1;
  let maxIdx = keyIdx + 2;
  if (reverse && type !== RangeType.Rank) {
    minIdx = keyIdx + 2;
    maxIdx = keyIdx + 1;
  }
  let start = 0;
  let end = 0;
  let sr: ScoreRange | undefined;
  let lr: LexRange | undefined;
  if (type === RangeType.Rank) {
    start = intArg(argv[minIdx]);
    end = intArg(argv[maxIdx]);
  } else if (type === RangeType.Score) {
    sr = parseScoreRange(argv[minIdx], argv[maxIdx]);
  } else {
    lr = parseLexRange(argv[minIdx], argv[maxIdx]);
  }
  const z = readZset(c, argv[keyIdx]);
  const out: RangeResult = { members: [], scores: [] };
  if (z !== undefined) {
    if (type === RangeType.Rank) rankRange(z, start, end, reverse, out);
    else if (type === RangeType.Score) scoreRange(z, sr!, offset, limit, reverse, out);
    else lexRange(z, lr!, offset, limit, reverse, out);
  }
  if (dst !== null) return storeRange(c, dst, out, type === RangeType.Rank);
  return pairsReply(c, out.members, withScores ? out.scores : null);
}

/** ZRANGESTORE's destination: built the way Redis builds it, so it ends in the same encoding. */
function storeRange(c: Client, dst: string, out: RangeResult, byRank: boolean): Reply {
  const n = out.members.length;
  const db = c.db;
  if (n === 0) {
    if (db.delete(dst)) c.server.wrote(db, dst, Notify.Generic, 'del');
    return 0;
  }
  const maxEntries = maxListpackEntries(c);
  const maxValue = maxListpackValue(c);
  // By rank the length is known up front; by score or lex it starts as a listpack.
  const z = new ZSet(!(byRank && n > maxEntries));
  for (let i = 0; i < n; i++) z.add(out.scores[i], out.members[i], 0, maxEntries, maxValue);
  db.set(dst, z);
  c.server.wrote(db, dst, Notify.Zset, 'zrangestore');
  return n;
}

// ---- Removals ----

function zrem(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const z = writeZset(c, key);
  if (z === undefined) return 0;
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.length; j++) {
    if (z.remove(argv[j])) deleted++;
    if (z.size === 0) {
      c.db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted > 0) {
    c.server.wrote(c.db, key, Notify.Zset, 'zrem');
    if (removed) c.server.notify(Notify.Generic, 'del', key, c.db.id);
    moreDirty(c, deleted);
  }
  return deleted;
}

function zremrange(c: Client, argv: string[], type: RangeType): Reply {
  const key = argv[1];
  let start = 0;
  let end = 0;
  let sr: ScoreRange | undefined;
  let lr: LexRange | undefined;
  let event: string;
  if (type === RangeType.Rank) {
    event = 'zremrangebyrank';
    start = intArg(argv[2]);
    end = intArg(argv[3]);
  } else if (type === RangeType.Score) {
    event = 'zremrangebyscore';
    sr = parseScoreRange(argv[2], argv[3]);
  } else {
    event = 'zremrangebylex';
    lr = parseLexRange(argv[2], argv[3]);
  }
  const z = writeZset(c, key);
  if (z === undefined) return 0;
  let deleted = 0;
  if (type === RangeType.Rank) {
    const llen = z.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return 0;
    if (end >= llen) end = llen - 1;
    deleted = z.removeRanks(start, end);
  } else {
    const first = type === RangeType.Score ? z.firstInScoreRange(sr!) : z.firstInLexRange(lr!);
    if (first >= 0) {
      let n = 0;
      z.walk(first, z.size, false, (m, s) => {
        if (type === RangeType.Score ? !scoreLteMax(s, sr!) : !lexLteMax(m, lr!)) return false;
        n++;
      });
      deleted = z.removeRanks(first, first + n - 1);
    }
  }
  let removed = false;
  if (z.size === 0) {
    c.db.delete(key);
    removed = true;
  }
  if (deleted > 0) {
    c.server.wrote(c.db, key, Notify.Zset, event);
    if (removed) c.server.notify(Notify.Generic, 'del', key, c.db.id);
    moreDirty(c, deleted);
  }
  return deleted;
}

// ---- Pops ----

const enum Where {
  Min,
  Max,
}

/**
 * Pops from a non-empty set (Redis's genericZpopCommand once a key is chosen). `count` -1 is
 * the plain single pop. With `emitKey` the key leads the reply; `nested` gives [member, score]
 * pairs (and, with the key, [key, pairs]).
 */
function popFrom(c: Client, key: string, z: ZSet, where: Where, count: number, emitKey: boolean, nested: boolean): Reply {
  const n = count === -1 ? 1 : Math.min(count, z.size);
  const items: Reply[] = [];
  for (let i = 0; i < n; i++) {
    const member = z.removeAt(where === Where.Min ? 0 : z.size - 1);
    const score = new DoubleReply(z.newScore);
    if (nested) items.push([member, score]);
    else items.push(member, score);
  }
  const db = c.db;
  c.server.wrote(db, key, Notify.Zset, where === Where.Min ? 'zpopmin' : 'zpopmax');
  moreDirty(c, n);
  if (z.size === 0) {
    db.delete(key);
    c.server.notify(Notify.Generic, 'del', key, db.id);
  }
  if (!emitKey) return items;
  if (nested) return [key, items];
  items.unshift(key);
  return items;
}

/** Finds the first existing key (WRONGTYPE when it is not a sorted set). */
function firstExisting(c: Client, keys: string[]): [string, ZSet] | undefined {
  for (let i = 0; i < keys.length; i++) {
    const v = c.db.get(keys[i]);
    if (v === undefined) continue;
    if (!(v instanceof ZSet)) err(Errors.wrongType);
    return [keys[i], v];
  }
  return undefined;
}

function popCommandName(where: Where): string {
  return where === Where.Min ? 'ZPOPMIN' : 'ZPOPMAX';
}

function zpop(c: Client, argv: string[], where: Where): Reply {
  if (argv.length > 3) err(Errors.syntax);
  let count = -1;
  if (argv.length === 3) count = positiveCount(argv[2], NOT_POSITIVE);
  const key = argv[1];
  const v = c.db.get(key);
  if (v === undefined) return EMPTY;
  if (!(v instanceof ZSet)) err(Errors.wrongType);
  if (count === 0) return EMPTY;
  return popFrom(c, key, v, where, count, false, c.resp > 2 && count !== -1);
}

/** A count in [0, LONG_MAX] (Redis's getPositiveLongFromObjectOrReply with a message). */
function positiveCount(s: string, message: string): number {
  const v = parseInt64(s);
  if (v === undefined || v < 0) err(message);
  return Number(v);
}

/** A count in [1, LONG_MAX]. */
function countAtLeastOne(s: string, message: string): number {
  const v = parseInt64(s);
  if (v === undefined || v < 1) err(message);
  return Number(v);
}

/** ZMPOP / BZMPOP arguments from numkeys at `numkeysIdx`. */
function parseMpop(argv: string[], numkeysIdx: number): { keys: string[]; where: Where; count: number } {
  const numkeys = countAtLeastOne(argv[numkeysIdx], 'ERR numkeys should be greater than 0');
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) err(Errors.syntax);
  let where: Where;
  if (isToken(argv[whereIdx], 'MIN')) where = Where.Min;
  else if (isToken(argv[whereIdx], 'MAX')) where = Where.Max;
  else err(Errors.syntax);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && isToken(argv[j], 'COUNT') && more > 0) {
      j++;
      count = countAtLeastOne(argv[j], 'ERR count should be greater than 0');
    } else {
      err(Errors.syntax);
    }
  }
  if (count === -1) count = 1;
  return { keys: argv.slice(numkeysIdx + 1, numkeysIdx + 1 + numkeys), where, count };
}

function zmpop(c: Client, argv: string[]): Reply {
  const { keys, where, count } = parseMpop(argv, 1);
  const found = firstExisting(c, keys);
  if (found === undefined) return NIL_ARRAY;
  const [key, z] = found;
  const llen = z.size;
  const reply = popFrom(c, key, z, where, count, true, true);
  c.propagateAs = [[popCommandName(where), key, String(Math.min(count, llen))]];
  return reply;
}

/**
 * BZPOPMIN/BZPOPMAX (count -1, flat replies) and BZMPOP (nested): pops at once when a key has
 * members, else blocks (or, where blocking is denied, replies with a null array).
 */
function blockingPop(c: Client, keys: string[], where: Where, timeoutText: string, count: number, nested: boolean): Reply {
  const deadline = timeoutArg(timeoutText);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const v = c.db.get(key);
    if (v === undefined) continue;
    if (!(v instanceof ZSet)) err(Errors.wrongType);
    if (v.size === 0) continue;
    const llen = v.size;
    const reply = popFrom(c, key, v, where, count, true, nested);
    c.propagateAs = [popPropagation(where, key, count, llen)];
    return reply;
  }
  if (!canBlock(c)) return NIL_ARRAY;
  return blocking(c.server).block(c, {
    keys,
    deadline,
    timeoutReply: NIL_ARRAY,
    tryServe: (key) => {
      const v = c.db.get(key);
      if (!(v instanceof ZSet) || v.size === 0) return undefined;
      const llen = v.size;
      const reply = popFrom(c, key, v, where, count, true, nested);
      c.server.propagate(c.db.id, popPropagation(where, key, count, llen));
      return reply;
    },
  });
}

function popPropagation(where: Where, key: string, count: number, llen: number): string[] {
  return count === -1 ? [popCommandName(where), key] : [popCommandName(where), key, String(Math.min(count, llen))];
}

function bzpop(c: Client, argv: string[], where: Where): Reply {
  return blockingPop(c, argv.slice(1, argv.length - 1), where, argv[argv.length - 1], -1, false);
}

function bzmpop(c: Client, argv: string[]): Reply {
  const { keys, where, count } = parseMpop(argv, 2);
  return blockingPop(c, keys, where, argv[1], count, true);
}

// ---- ZRANDMEMBER ----

const LONG_MAX = 9223372036854775807n;
/** Replies beyond this many items are refused rather than built (Redis streams them). */
const RANDOM_REPLY_CAP = 100_000_000;

function zrandmember(c: Client, argv: string[]): Reply {
  if (argv.length >= 3) {
    const l = int64Arg(argv[2]);
    if (BigInt(l) < -LONG_MAX) err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    if (argv.length > 4 || (argv.length === 4 && !isToken(argv[3], 'WITHSCORES'))) err(Errors.syntax);
    const withScores = argv.length === 4;
    if (withScores && (BigInt(l) < -LONG_MAX / 2n || BigInt(l) > LONG_MAX / 2n)) err('ERR value is out of range');
    return zrandmemberCount(c, argv[1], Number(l), withScores);
  }
  const z = readZset(c, argv[1]);
  if (z === undefined) return null;
  return z.tree.memberAt(z.randomRank());
}

function zrandmemberCount(c: Client, key: string, l: number, withScores: boolean): Reply {
  const z = readZset(c, key);
  if (z === undefined) return [];
  const size = z.size;
  const unique = l >= 0;
  const count = Math.abs(l);
  if (count === 0) return [];
  const members: string[] = [];
  const scores: number[] | null = withScores ? [] : null;
  const tree = z.tree;
  const take = (rank: number) => {
    tree.seek(rank);
    members.push(tree.leaf.members[tree.index]);
    if (scores !== null) scores.push(tree.leaf.scores[tree.index]);
  };
  if (!unique || count === 1) {
    // Repeats allowed, random order.
    if (count > RANDOM_REPLY_CAP) err('ERR value is out of range');
    for (let i = 0; i < count; i++) take(z.randomRank());
  } else if (count >= size) {
    z.walk(0, size, false, (m, s) => {
      members.push(m);
      if (scores !== null) scores.push(s);
    });
  } else if (count * 3 > size) {
    // Drop random members from the whole set until `count` remain.
    const ranks = new Array<number>(size);
    for (let i = 0; i < size; i++) ranks[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = ranks[i];
      ranks[i] = ranks[j];
      ranks[j] = t;
    }
    for (let i = 0; i < count; i++) take(ranks[i]);
  } else if (z.isListpack) {
    // Selection sampling: unique members in set order (as a listpack samples).
    let needed = count;
    for (let rank = 0; rank < size && needed > 0; rank++) {
      if (Math.random() * (size - rank) < needed) {
        take(rank);
        needed--;
      }
    }
  } else {
    const seen = new Set<number>();
    while (seen.size < count) {
      const r = z.randomRank();
      if (seen.has(r)) continue;
      seen.add(r);
      take(r);
    }
  }
  return pairsReply(c, members, scores);
}

// ---- Set operations ----

/** One input of a set operation. */
interface OpSource {
  value: Value | undefined;
  z: ZSet | null;
  set: SetValue | null;
  size: number;
  weight: number;
}

const enum SetOp {
  Union,
  Inter,
  Diff,
}

const enum Aggregate {
  Sum,
  Min,
  Max,
}

function aggregate(target: number, v: number, how: Aggregate): number {
  if (how === Aggregate.Sum) {
    const r = target + v;
    return r !== r ? 0 : r; // inf + -inf: Redis keeps 0
  }
  if (how === Aggregate.Min) return v < target ? v : target;
  return v > target ? v : target;
}

function sourceScore(src: OpSource, member: string): number | undefined {
  if (src.z !== null) return src.z.score(member);
  if (src.set !== null) return src.set.has(member) ? 1 : undefined;
  return undefined;
}

function forEachInSource(src: OpSource, visit: (member: string, score: number) => boolean | void): void {
  if (src.z !== null) src.z.walk(0, src.z.size, false, visit);
  else if (src.set !== null) {
    for (const m of src.set) if (visit(m, 1) === false) return;
  }
}

/**
 * ZUNION/ZINTER/ZDIFF, their STORE forms and ZINTERCARD (Redis's
 * zunionInterDiffGenericCommand): `dst` for the STORE forms, `cardinality` for ZINTERCARD.
 */
function zsetOp(c: Client, argv: string[], numkeysIdx: number, dst: string | null, op: SetOp, cardinality: boolean): Reply {
  const setnum = intArg(argv[numkeysIdx]);
  if (setnum < 1) err(`ERR at least 1 input key is needed for '${argv[0].toLowerCase()}' command`);
  if (setnum > argv.length - (numkeysIdx + 1)) err(Errors.syntax);
  const srcs: OpSource[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = readObject(c, argv[j], RObject);
    const src: OpSource = { value: v, z: null, set: null, size: 0, weight: 1 };
    if (v !== undefined) {
      if (v instanceof ZSet) {
        src.z = v;
        src.size = v.size;
      } else if (v instanceof SetValue) {
        src.set = v;
        src.size = v.size;
      } else {
        err(Errors.wrongType);
      }
    }
    srcs.push(src);
  }
  let how = Aggregate.Sum;
  let withScores = false;
  let limit = 0;
  let remaining = argv.length - j;
  while (remaining > 0) {
    const a = argv[j];
    if (op !== SetOp.Diff && !cardinality && remaining >= setnum + 1 && isToken(a, 'WEIGHTS')) {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        const w = parseDouble(argv[j]);
        if (w === undefined) err('ERR weight value is not a float');
        srcs[i].weight = w;
      }
    } else if (op !== SetOp.Diff && !cardinality && remaining >= 2 && isToken(a, 'AGGREGATE')) {
      const h = argv[j + 1];
      if (isToken(h, 'SUM')) how = Aggregate.Sum;
      else if (isToken(h, 'MIN')) how = Aggregate.Min;
      else if (isToken(h, 'MAX')) how = Aggregate.Max;
      else err(Errors.syntax);
      j += 2;
      remaining -= 2;
    } else if (remaining >= 1 && dst === null && !cardinality && isToken(a, 'WITHSCORES')) {
      j++;
      remaining--;
      withScores = true;
    } else if (cardinality && remaining >= 2 && isToken(a, 'LIMIT')) {
      limit = positiveCount(argv[j + 1], "ERR LIMIT can't be negative");
      j += 2;
      remaining -= 2;
    } else {
      err(Errors.syntax);
    }
  }
  // Smallest inputs first (a stable sort, as glibc's qsort is in practice).
  if (op !== SetOp.Diff) srcs.sort((a, b) => a.size - b.size);

  const members: string[] = [];
  const scores: number[] = [];
  let count = 0;
  if (op === SetOp.Inter) {
    const first = srcs[0];
    if (first.size > 0) {
      forEachInSource(first, (m, s) => {
        let score = first.weight * s;
        if (score !== score) score = 0;
        let k = 1;
        for (; k < srcs.length; k++) {
          const other = srcs[k];
          if (other.value === first.value) {
            score = aggregate(score, s * other.weight, how);
          } else {
            const v = sourceScore(other, m);
            if (v === undefined) break;
            score = aggregate(score, v * other.weight, how);
          }
        }
        if (k !== srcs.length) return;
        if (cardinality) {
          count++;
          if (limit && count >= limit) return false;
        } else {
          members.push(m);
          scores.push(score);
        }
      });
    }
  } else if (op === SetOp.Union) {
    const acc = new Map<string, number>();
    for (const src of srcs) {
      if (src.size === 0) continue;
      const w = src.weight;
      forEachInSource(src, (m, s) => {
        let score = w * s;
        if (score !== score) score = 0;
        const cur = acc.get(m);
        acc.set(m, cur === undefined ? score : aggregate(cur, score, how));
      });
    }
    for (const [m, s] of acc) {
      members.push(m);
      scores.push(s);
    }
  } else {
    const first = srcs[0];
    if (first.size > 0) {
      forEachInSource(first, (m, s) => {
        for (let k = 1; k < srcs.length; k++) {
          if (srcs[k].value === first.value || sourceScore(srcs[k], m) !== undefined) return;
        }
        members.push(m);
        scores.push(s);
      });
    }
  }
  if (cardinality) return count;
  const order = sortedOrder(members, scores);
  if (dst !== null) {
    const db = c.db;
    if (order.length === 0) {
      if (db.delete(dst)) c.server.wrote(db, dst, Notify.Generic, 'del');
      return 0;
    }
    const z = new ZSet(false);
    let maxLen = 0;
    let total = 0;
    for (const i of order) {
      const m = members[i];
      z.appendSorted(scores[i], m);
      if (m.length > maxLen) maxLen = m.length;
      total += m.length;
    }
    z.shrinkIfSmall(maxListpackEntries(c), maxListpackValue(c), maxLen, total);
    db.set(dst, z);
    c.server.wrote(db, dst, Notify.Zset, op === SetOp.Union ? 'zunionstore' : op === SetOp.Inter ? 'zinterstore' : 'zdiffstore');
    return z.size;
  }
  const outMembers = order.map((i) => members[i]);
  return pairsReply(c, outMembers, withScores ? order.map((i) => scores[i]) : null);
}

/** Indexes of (score, member) pairs in set order. */
function sortedOrder(members: string[], scores: number[]): number[] {
  const order = new Array<number>(members.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => {
    const sa = scores[a];
    const sb = scores[b];
    if (sa < sb) return -1;
    if (sa > sb) return 1;
    const ma = members[a];
    const mb = members[b];
    return ma < mb ? -1 : ma > mb ? 1 : 0;
  });
  return order;
}

// ---- ZSCAN ----

/** A SCAN cursor (strtoul rules: no leading blank, digits only, within 64 bits). */
export function scanCursorArg(s: string): bigint {
  if (s.length === 0) return 0n;
  if (!/^[+-]?\d+$/.test(s)) err('ERR invalid cursor');
  let v = BigInt(s.charCodeAt(0) === 43 ? s.slice(1) : s);
  if (v > 18446744073709551615n || v < -18446744073709551615n) err('ERR invalid cursor');
  if (v < 0n) v = BigInt.asUintN(64, v);
  return v;
}

const LISTPACK_INT_LIMIT = 4611686018427387904; // (double)(LLONG_MAX / 2)

/** A score as a listpack holds it: integral values as integers, others as %.17g. */
export function listpackScoreText(s: number): string {
  if (Number.isInteger(s) && s >= -LISTPACK_INT_LIMIT && s <= LISTPACK_INT_LIMIT) return String(s === 0 ? 0 : s);
  return formatDouble(s);
}

function zscan(c: Client, argv: string[]): Reply {
  const cursor = scanCursorArg(argv[2]);
  const z = readZset(c, argv[1]);
  if (z === undefined) return ['0', []];
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < argv.length; ) {
    const left = argv.length - i;
    if (isToken(argv[i], 'COUNT') && left >= 2) {
      count = intArg(argv[i + 1]);
      if (count < 1) err(Errors.syntax);
      i += 2;
    } else if (isToken(argv[i], 'MATCH') && left >= 2) {
      pattern = argv[i + 1];
      if (pattern === '*') pattern = null;
      i += 2;
    } else {
      err(Errors.syntax);
    }
  }
  const items: Reply[] = [];
  if (z.dict === null) {
    z.walk(0, z.size, false, (m, s) => {
      if (pattern !== null && !globMatch(pattern, m)) return;
      items.push(m, listpackScoreText(s));
    });
    return ['0', items];
  }
  const dict = z.dict;
  const next = c.server.scanCursors.scan(dict, () => dict.entries(), cursor, count, (e: [string, number]) => {
    if (pattern === null || globMatch(pattern, e[0])) items.push(e[0], formatDouble(e[1]));
    return true;
  });
  return [next, items];
}

// ---- The family ----

export const zsets: Family = {
  zadd: { run: (c, argv) => zaddCommand(c, argv, false) },
  zincrby: { run: (c, argv) => zaddCommand(c, argv, true) },
  zcard: { run: zcard },
  zscore: { run: zscore },
  zmscore: { run: zmscore },
  zrank: { run: (c, argv) => zrank(c, argv, false) },
  zrevrank: { run: (c, argv) => zrank(c, argv, true) },
  zcount: { run: zcount },
  zlexcount: { run: zlexcount },
  zrange: { run: (c, argv) => zrangeGeneric(c, argv, 1, null, RangeType.Auto, Direction.Auto) },
  zrangestore: { run: (c, argv) => zrangeGeneric(c, argv, 2, argv[1], RangeType.Auto, Direction.Auto) },
  zrevrange: { run: (c, argv) => zrangeGeneric(c, argv, 1, null, RangeType.Rank, Direction.Reverse) },
  zrangebyscore: { run: (c, argv) => zrangeGeneric(c, argv, 1, null, RangeType.Score, Direction.Forward) },
  zrevrangebyscore: { run: (c, argv) => zrangeGeneric(c, argv, 1, null, RangeType.Score, Direction.Reverse) },
  zrangebylex: { run: (c, argv) => zrangeGeneric(c, argv, 1, null, RangeType.Lex, Direction.Forward) },
  zrevrangebylex: { run: (c, argv) => zrangeGeneric(c, argv, 1, null, RangeType.Lex, Direction.Reverse) },
  zrem: { run: zrem },
  zremrangebyrank: { run: (c, argv) => zremrange(c, argv, RangeType.Rank) },
  zremrangebyscore: { run: (c, argv) => zremrange(c, argv, RangeType.Score) },
  zremrangebylex: { run: (c, argv) => zremrange(c, argv, RangeType.Lex) },
  zpopmin: { run: (c, argv) => zpop(c, argv, Where.Min) },
  zpopmax: { run: (c, argv) => zpop(c, argv, Where.Max) },
  bzpopmin: { run: (c, argv) => bzpop(c, argv, Where.Min) },
  bzpopmax: { run: (c, argv) => bzpop(c, argv, Where.Max) },
  zmpop: { run: zmpop },
  bzmpop: { run: bzmpop },
  zrandmember: { run: zrandmember },
  zunion: { run: (c, argv) => zsetOp(c, argv, 1, null, SetOp.Union, false) },
  zinter: { run: (c, argv) => zsetOp(c, argv, 1, null, SetOp.Inter, false) },
  zdiff: { run: (c, argv) => zsetOp(c, argv, 1, null, SetOp.Diff, false) },
  zunionstore: { run: (c, argv) => zsetOp(c, argv, 2, argv[1], SetOp.Union, false) },
  zinterstore: { run: (c, argv) => zsetOp(c, argv, 2, argv[1], SetOp.Inter, false) },
  zdiffstore: { run: (c, argv) => zsetOp(c, argv, 2, argv[1], SetOp.Diff, false) },
  zintercard: { run: (c, argv) => zsetOp(c, argv, 1, null, SetOp.Inter, true) },
  zscan: { run: zscan },
};
