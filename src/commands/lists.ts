// The list family: pushes and pops at both ends, positional access, LPOS/LREM/LINSERT, moves
// between lists, multi-key pops, and the blocking variants (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
// BLMPOP) on top of the generic blocking machinery.

import { Notify } from '../config/settings.js';
import { err, Errors, NIL_ARRAY, OK, type Reply, ErrorReply } from '../resp/reply.js';
import { HEAD, ListValue, TAIL, type End } from '../types/list.js';
import { lookupRead } from './access.js';
import { isToken } from './args.js';
import type { Family } from './command.js';
import { collectionLimits } from './collection-util.js';
import { blocking, canBlock, timeoutArg } from '../engine/blocking.js';
import { parseInt64 } from '../util/numbers.js';
import type { Client } from '../server/client.js';
import type { Database } from '../engine/database.js';

const LONG_MAX = 9223372036854775807n;

/** A `long` argument (getLongFromObjectOrReply): "value is not an integer or out of range". */
function longArg(text: string, message: string = Errors.notInteger): number {
  const v = parseInt64(text);
  if (v === undefined) err(message);
  // Beyond 2^53 a JS number is approximate; indexes and counts that large act the same.
  return typeof v === 'bigint' ? Number(v) : v;
}

/** getRangeLongFromObjectOrReply(min, max) with Redis's messages. */
function rangeLongArg(text: string, min: number, max: bigint | number, message?: string): number {
  const v = parseInt64(text);
  if (v === undefined) err(message ? `ERR ${message}` : Errors.notInteger);
  if (v < min || v > max) {
    err(message ? `ERR ${message}` : `ERR value is out of range, value must between ${min} and ${max}`);
  }
  return typeof v === 'bigint' ? Number(v) : v;
}

/** getPositiveLongFromObjectOrReply. */
function positiveLongArg(text: string, message = 'value is out of range, must be positive'): number {
  return rangeLongArg(text, 0, LONG_MAX, message);
}

/** A list for reading (hit/miss stats), undefined when missing; WRONGTYPE otherwise. */
function readList(c: Client, key: string): ListValue | undefined {
  const v = lookupRead(c, key);
  if (v === undefined || v instanceof ListValue) return v;
  return err(Errors.wrongType);
}

/** A list for writing, undefined when missing; WRONGTYPE otherwise. */
function writeList(db: Database, key: string): ListValue | undefined {
  const v = db.get(key);
  if (v === undefined || v instanceof ListValue) return v;
  return err(Errors.wrongType);
}

function propagateAs(c: Client, argv: string[]): void {
  if (c.server.propagators.length === 0) return;
  const list = c.propagateAs;
  if (list === undefined) c.propagateAs = [argv];
  else list.push(argv);
}

function newList(c: Client): ListValue {
  return new ListValue(collectionLimits(c.server).listFill);
}

function whereArg(text: string): End {
  if (isToken(text, 'LEFT')) return HEAD;
  if (isToken(text, 'RIGHT')) return TAIL;
  return err(Errors.syntax);
}

// ---- Pushes ----

function push(c: Client, argv: string[], where: End, onlyExisting: boolean): Reply {
  const db = c.db;
  const key = argv[1];
  let list = writeList(db, key);
  if (list === undefined) {
    if (onlyExisting) return 0;
    list = newList(c);
    db.set(key, list);
  }
  const n = argv.length;
  if (where === HEAD) for (let i = 2; i < n; i++) list.pushHead(argv[i]);
  else for (let i = 2; i < n; i++) list.pushTail(argv[i]);
  const server = c.server;
  server.wrote(db, key, Notify.List, where === HEAD ? 'lpush' : 'rpush');
  server.dirty += n - 3;
  return list.length;
}

// ---- Pops ----

/**
 * After elements were popped from `key`: the pop event, the key's removal when empty, the
 * WATCH signal and the change count (Redis's listElementsRemoved).
 */
function elementsRemoved(c: Client, db: Database, key: string, list: ListValue, where: End, count: number): void {
  const server = c.server;
  server.notify(Notify.List, where === HEAD ? 'lpop' : 'rpop', key, db.id);
  if (list.length === 0) {
    db.delete(key);
    server.notify(Notify.Generic, 'del', key, db.id);
  }
  server.modified(db, key);
  server.dirty += count;
}

function pop(c: Client, argv: string[], where: End): Reply {
  if (argv.length > 3) err(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`);
  const hasCount = argv.length === 3;
  const count = hasCount ? positiveLongArg(argv[2]) : 0;
  const db = c.db;
  const key = argv[1];
  const list = writeList(db, key);
  if (list === undefined) return hasCount ? NIL_ARRAY : null;
  if (hasCount && count === 0) return [];
  if (!hasCount) {
    const v = where === HEAD ? list.popHead()! : list.popTail()!;
    elementsRemoved(c, db, key, list, where, 1);
    return v;
  }
  const out = list.popMany(where, count);
  elementsRemoved(c, db, key, list, where, out.length);
  return out;
}

/** [key, [elements]]: pops up to `count` elements as LMPOP/BLMPOP reply. */
function popRangeWithKey(c: Client, db: Database, key: string, list: ListValue, where: End, count: number): Reply {
  const out = list.popMany(where, count);
  elementsRemoved(c, db, key, list, where, out.length);
  return [key, out];
}

/** LMPOP's and BLMPOP's arguments: numkeys at argv[at], then keys, LEFT|RIGHT, [COUNT n]. */
function parseMpop(argv: string[], at: number): { keys: string[]; where: End; count: number } {
  const numkeys = rangeLongArg(argv[at], 1, LONG_MAX, 'numkeys should be greater than 0');
  const whereAt = at + numkeys + 1;
  if (whereAt >= argv.length) err(Errors.syntax);
  const where = whereArg(argv[whereAt]);
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && isToken(argv[j], 'COUNT') && j + 1 < argv.length) {
      count = rangeLongArg(argv[++j], 1, LONG_MAX, 'count should be greater than 0');
    } else {
      err(Errors.syntax);
    }
  }
  return { keys: argv.slice(at + 1, whereAt), where, count: count === -1 ? 1 : count };
}

function lmpop(c: Client, argv: string[]): Reply {
  const { keys, where, count } = parseMpop(argv, 1);
  const db = c.db;
  for (const key of keys) {
    const list = writeList(db, key);
    if (list === undefined || list.length === 0) continue;
    const n = Math.min(count, list.length);
    const reply = popRangeWithKey(c, db, key, list, where, count);
    propagateAs(c, [where === HEAD ? 'LPOP' : 'RPOP', key, String(n)]);
    return reply;
  }
  return NIL_ARRAY;
}

// ---- Positional access ----

/** LRANGE's reply for start..end (negative indexes count from the tail). */
function rangeReply(list: ListValue, start: number, end: number): Reply {
  const len = list.length;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return [];
  if (end >= len) end = len - 1;
  return list.range(start, end);
}

function lrange(c: Client, argv: string[]): Reply {
  const start = longArg(argv[2]);
  const end = longArg(argv[3]);
  const list = readList(c, argv[1]);
  if (list === undefined) return [];
  return rangeReply(list, start, end);
}

function lindex(c: Client, argv: string[]): Reply {
  const list = readList(c, argv[1]);
  if (list === undefined) return null;
  const index = longArg(argv[2]);
  return list.index(index) ?? null;
}

function lset(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  const list = writeList(db, key);
  if (list === undefined) err(Errors.noSuchKey);
  const index = longArg(argv[2]);
  if (!list.set(index, argv[3])) err(Errors.outOfRange);
  c.server.wrote(db, key, Notify.List, 'lset');
  return OK;
}

function ltrim(c: Client, argv: string[]): Reply {
  let start = longArg(argv[2]);
  let end = longArg(argv[3]);
  const db = c.db;
  const key = argv[1];
  const list = writeList(db, key);
  if (list === undefined) return OK;
  const len = list.length;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  let head: number;
  let tail: number;
  if (start > end || start >= len) {
    head = len;
    tail = 0;
  } else {
    if (end >= len) end = len - 1;
    head = start;
    tail = len - end - 1;
  }
  list.trim(head, tail);
  const server = c.server;
  server.notify(Notify.List, 'ltrim', key, db.id);
  if (list.length === 0) {
    db.delete(key);
    server.notify(Notify.Generic, 'del', key, db.id);
  }
  server.modified(db, key);
  server.dirty += head + tail;
  return OK;
}

function lpos(c: Client, argv: string[]): Reply {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const more = j + 1 < argv.length;
    if (isToken(argv[j], 'RANK') && more) {
      rank = longArg(argv[++j]);
      if (rank === 0) {
        err('ERR RANK can\'t be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list');
      }
    } else if (isToken(argv[j], 'COUNT') && more) {
      count = positiveLongArg(argv[++j], 'COUNT can\'t be negative');
    } else if (isToken(argv[j], 'MAXLEN') && more) {
      maxlen = positiveLongArg(argv[++j], 'MAXLEN can\'t be negative');
    } else {
      err(Errors.syntax);
    }
  }
  const list = readList(c, argv[1]);
  if (list === undefined) return count !== -1 ? [] : null;
  let limit = count === -1 ? 1 : count;
  if (rank === -9223372036854775808) {
    // In C, negating LONG_MIN leaves it negative: every match qualifies (from the tail), and the
    // COUNT check overflows so that it never stops early.
    rank = -1;
    if (count !== -1) limit = 0;
  }
  const found = list.positions(argv[2], rank, limit, maxlen);
  if (count !== -1) return found;
  return found.length ? found[0] : null;
}

function lrem(c: Client, argv: string[]): Reply {
  const toRemove = longArg(argv[2]);
  const db = c.db;
  const key = argv[1];
  const list = writeList(db, key);
  if (list === undefined) return 0;
  const removed = list.removeValue(argv[3], Math.abs(toRemove), toRemove < 0);
  const server = c.server;
  if (removed) {
    server.dirty += removed;
    server.modified(db, key);
    server.notify(Notify.List, 'lrem', key, db.id);
  }
  if (list.length === 0) {
    db.delete(key);
    server.notify(Notify.Generic, 'del', key, db.id);
  }
  return removed;
}

function linsert(c: Client, argv: string[]): Reply {
  let after: boolean;
  if (isToken(argv[2], 'AFTER')) after = true;
  else if (isToken(argv[2], 'BEFORE')) after = false;
  else return err(Errors.syntax);
  const db = c.db;
  const key = argv[1];
  const list = writeList(db, key);
  if (list === undefined) return 0;
  if (!list.insert(argv[3], argv[4], after)) return -1;
  c.server.wrote(db, key, Notify.List, 'linsert');
  return list.length;
}

function llen(c: Client, argv: string[]): Reply {
  const list = readList(c, argv[1]);
  return list === undefined ? 0 : list.length;
}

// ---- Moves ----

/** The push side of LMOVE: creates the destination if needed, pushes, signals, notifies. */
function movePush(c: Client, db: Database, dstKey: string, dst: ListValue | undefined, value: string, where: End): void {
  const server = c.server;
  if (dst === undefined) {
    dst = newList(c);
    db.set(dstKey, dst);
  }
  server.modified(db, dstKey);
  dst.push(where, value);
  server.notify(Notify.List, where === HEAD ? 'lpush' : 'rpush', dstKey, db.id);
}

/** LMOVE/RPOPLPUSH (and BLMOVE/BRPOPLPUSH when the source has elements). */
function move(c: Client, src: string, dstKey: string, from: End, to: End): Reply {
  const db = c.db;
  const list = writeList(db, src);
  if (list === undefined || list.length === 0) return null;
  const dstValue = db.get(dstKey);
  if (dstValue !== undefined && !(dstValue instanceof ListValue)) err(Errors.wrongType);
  const value = list.pop(from)!;
  movePush(c, db, dstKey, dstValue, value, to);
  const server = c.server;
  server.notify(Notify.List, from === HEAD ? 'lpop' : 'rpop', src, db.id);
  if (list.length === 0) {
    db.delete(src);
    server.notify(Notify.Generic, 'del', src, db.id);
  }
  server.modified(db, src);
  server.dirty++;
  return value;
}

// ---- Blocking ----

/** Serves a BLPOP/BRPOP/BLMPOP client blocked on `key`: undefined while nothing is there. */
function servePop(c: Client, key: string, where: End, count: number): Reply | undefined {
  const db = c.db;
  const list = db.get(key);
  if (!(list instanceof ListValue) || list.length === 0) return undefined;
  const server = c.server;
  if (count > 0) {
    // Like Redis: BLMPOP is propagated as [LR]POP key count, then served like LMPOP.
    server.propagate(db.id, [where === HEAD ? 'LPOP' : 'RPOP', key, String(Math.min(count, list.length))]);
    return popRangeWithKey(c, db, key, list, where, count);
  }
  server.propagate(db.id, [where === HEAD ? 'LPOP' : 'RPOP', key]);
  const reply = [key, list.pop(where)!];
  // No WATCH signal: the push that made the key ready already gave one (as in Redis).
  server.notify(Notify.List, where === HEAD ? 'lpop' : 'rpop', key, db.id);
  if (list.length === 0) {
    db.delete(key);
    server.notify(Notify.Generic, 'del', key, db.id);
  }
  return reply;
}

/** Serves a BLMOVE/BRPOPLPUSH client blocked on `src`. */
function serveMove(c: Client, src: string, dstKey: string, from: End, to: End, rpoplpush: boolean): Reply | undefined {
  const db = c.db;
  const list = db.get(src);
  if (!(list instanceof ListValue) || list.length === 0) return undefined;
  const server = c.server;
  const dst = db.get(dstKey);
  if (dst !== undefined && !(dst instanceof ListValue)) return new ErrorReply(Errors.wrongType);
  const value = list.pop(from)!;
  movePush(c, db, dstKey, dst, value, to);
  server.propagate(db.id, rpoplpush ? ['RPOPLPUSH', src, dstKey] : ['LMOVE', src, dstKey, from === HEAD ? 'left' : 'right', to === HEAD ? 'left' : 'right']);
  server.notify(Notify.List, from === HEAD ? 'lpop' : 'rpop', src, db.id);
  if (list.length === 0) {
    db.delete(src);
    server.notify(Notify.Generic, 'del', src, db.id);
  }
  return value;
}

/** BLPOP/BRPOP/BLMPOP: pop from the first non-empty list, or block on all of them. */
function blockingPop(c: Client, keys: string[], where: End, timeoutText: string, count: number): Reply {
  const deadline = timeoutArg(timeoutText);
  const db = c.db;
  for (const key of keys) {
    const list = writeList(db, key);
    if (list === undefined || list.length === 0) continue;
    if (count > 0) {
      const n = Math.min(count, list.length);
      const reply = popRangeWithKey(c, db, key, list, where, count);
      propagateAs(c, [where === HEAD ? 'LPOP' : 'RPOP', key, String(n)]);
      return reply;
    }
    const value = list.pop(where)!;
    elementsRemoved(c, db, key, list, where, 1);
    propagateAs(c, [where === HEAD ? 'LPOP' : 'RPOP', key]);
    return [key, value];
  }
  if (!canBlock(c)) return NIL_ARRAY;
  return blocking(c.server).block(c, {
    keys,
    deadline,
    tryServe: (key) => servePop(c, key, where, count),
    timeoutReply: NIL_ARRAY,
  });
}

function blockingMove(c: Client, argv: string[], from: End, to: End, deadline: number, rpoplpush: boolean): Reply {
  const src = argv[1];
  const dstKey = argv[2];
  const list = writeList(c.db, src);
  if (list === undefined) {
    if (!canBlock(c)) return null;
    return blocking(c.server).block(c, {
      keys: [src],
      deadline,
      tryServe: () => serveMove(c, src, dstKey, from, to, rpoplpush),
      timeoutReply: NIL_ARRAY,
    });
  }
  const dirty = c.server.dirty;
  const reply = move(c, src, dstKey, from, to);
  if (c.server.dirty !== dirty) propagateAs(c, rpoplpush ? ['RPOPLPUSH', src, dstKey] : ['LMOVE', src, dstKey, argv[3], argv[4]]);
  return reply;
}

export const lists: Family = {
  lpush: { run: (c, argv) => push(c, argv, HEAD, false) },
  rpush: { run: (c, argv) => push(c, argv, TAIL, false) },
  lpushx: { run: (c, argv) => push(c, argv, HEAD, true) },
  rpushx: { run: (c, argv) => push(c, argv, TAIL, true) },
  lpop: { run: (c, argv) => pop(c, argv, HEAD) },
  rpop: { run: (c, argv) => pop(c, argv, TAIL) },
  llen: { run: llen },
  lindex: { run: lindex },
  lset: { run: lset },
  lrange: { run: lrange },
  ltrim: { run: ltrim },
  lrem: { run: lrem },
  linsert: { run: linsert },
  lpos: { run: lpos },
  lmove: {
    run: (c, argv) => {
      const from = whereArg(argv[3]);
      const to = whereArg(argv[4]);
      return move(c, argv[1], argv[2], from, to);
    },
  },
  rpoplpush: { run: (c, argv) => move(c, argv[1], argv[2], TAIL, HEAD) },
  lmpop: { run: lmpop },
  blpop: { run: (c, argv) => blockingPop(c, argv.slice(1, -1), HEAD, argv[argv.length - 1], 0) },
  brpop: { run: (c, argv) => blockingPop(c, argv.slice(1, -1), TAIL, argv[argv.length - 1], 0) },
  blmpop: {
    run: (c, argv) => {
      const { keys, where, count } = parseMpop(argv, 2);
      return blockingPop(c, keys, where, argv[1], count);
    },
  },
  blmove: {
    run: (c, argv) => {
      const from = whereArg(argv[3]);
      const to = whereArg(argv[4]);
      const deadline = timeoutArg(argv[5]);
      return blockingMove(c, argv, from, to, deadline, false);
    },
  },
  brpoplpush: {
    run: (c, argv) => {
      const deadline = timeoutArg(argv[3]);
      return blockingMove(c, argv, TAIL, HEAD, deadline, true);
    },
  },
};
