// The string family: GET, SET and friends, counters, ranges, LCS.

import { Notify } from '../config/settings.js';
import { err, Errors, OK, type Reply } from '../resp/reply.js';
import { MutableString, stringOf } from '../types/value.js';
import { INT64_MAX, INT64_MIN, parseInt64 } from '../util/numbers.js';
import { readString, writeString } from './access.js';
import { int64Arg, isToken } from './args.js';
import type { Family } from './command.js';
import { setExpireArg, type ExpireTime } from './expiry-args.js';
import type { Client } from '../server/client.js';

/** A string value as a reply (JS string or the bytes of a mutable string). */
export function stringReply(v: string | MutableString): Reply {
  return typeof v === 'string' ? v : v.view();
}

const enum SetFlag {
  NX = 1,
  XX = 2,
  GET = 4,
  KEEPTTL = 8,
  PERSIST = 16,
  EX = 32,
  PX = 64,
  EXAT = 128,
  PXAT = 256,
}
const ANY_EXPIRE = SetFlag.EX | SetFlag.PX | SetFlag.EXAT | SetFlag.PXAT;

/** Parses SET's (or GETEX's) options from argv[start]; throws a syntax error. */
function parseSetOptions(argv: string[], start: number, forGetex: boolean): { flags: number; expire: string | undefined } {
  let flags = 0;
  let expire: string | undefined;
  for (let j = start; j < argv.length; j++) {
    const opt = argv[j].toUpperCase();
    const hasNext = j + 1 < argv.length;
    if (opt === 'NX' && !forGetex && !(flags & SetFlag.XX)) flags |= SetFlag.NX;
    else if (opt === 'XX' && !forGetex && !(flags & SetFlag.NX)) flags |= SetFlag.XX;
    else if (opt === 'GET' && !forGetex) flags |= SetFlag.GET;
    else if (opt === 'KEEPTTL' && !forGetex && !(flags & (SetFlag.PERSIST | ANY_EXPIRE))) flags |= SetFlag.KEEPTTL;
    else if (opt === 'PERSIST' && forGetex && !(flags & (ANY_EXPIRE | SetFlag.KEEPTTL))) flags |= SetFlag.PERSIST;
    else if (hasNext && (opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT')) {
      const bit = opt === 'EX' ? SetFlag.EX : opt === 'PX' ? SetFlag.PX : opt === 'EXAT' ? SetFlag.EXAT : SetFlag.PXAT;
      if (flags & (SetFlag.KEEPTTL | SetFlag.PERSIST | (ANY_EXPIRE & ~bit))) err(Errors.syntax);
      flags |= bit;
      expire = argv[++j];
    } else err(Errors.syntax);
  }
  return { flags, expire };
}

function expireFromFlags(c: Client, flags: number, text: string, command: string): ExpireTime {
  const seconds = (flags & (SetFlag.EX | SetFlag.EXAT)) !== 0;
  const relative = (flags & (SetFlag.EX | SetFlag.PX)) !== 0;
  return setExpireArg(text, seconds, relative, c.server.now, command);
}

function set(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const value = argv[2];
  if (argv.length === 3) {
    c.db.set(key, value);
    c.server.wrote(c.db, key, Notify.String, 'set');
    return OK;
  }
  const { flags, expire } = parseSetOptions(argv, 3, false);
  const when = expire !== undefined ? expireFromFlags(c, flags, expire, 'set') : undefined;
  let old: Reply = null;
  if (flags & SetFlag.GET) {
    const v = readString(c, key);
    if (v !== undefined) old = stringReply(v);
  }
  const db = c.db;
  const found = db.get(key) !== undefined;
  if ((flags & SetFlag.NX && found) || (flags & SetFlag.XX && !found)) return flags & SetFlag.GET ? old : null;
  if (flags & SetFlag.KEEPTTL) db.replace(key, value);
  else db.set(key, value);
  c.server.wrote(db, key, Notify.String, 'set');
  if (when !== undefined) {
    db.setExpire(key, when);
    c.ext.propagateAs = [['SET', key, value, 'PXAT', String(when)]];
    c.server.notify(Notify.Generic, 'expire', key, db.id);
  } else if (flags & SetFlag.GET) {
    c.ext.propagateAs = [argv.filter((a, i) => i < 3 || !isToken(a, 'GET'))];
  }
  return flags & SetFlag.GET ? old : OK;
}

function get(c: Client, argv: string[]): Reply {
  const v = readString(c, argv[1]);
  return v === undefined ? null : typeof v === 'string' ? v : v.view();
}

/** INCR family: adds `delta` to the integer at key. */
function incrBy(c: Client, key: string, delta: number | bigint): Reply {
  const db = c.db;
  const v = writeString(c, key);
  let current: number | bigint = 0;
  if (v !== undefined) {
    const parsed = parseInt64(stringOf(v));
    if (parsed === undefined) err(Errors.notInteger);
    current = parsed;
  }
  let result: number | bigint;
  if (typeof current === 'number' && typeof delta === 'number') {
    result = current + delta;
    if (!Number.isSafeInteger(result)) result = checkedAdd(BigInt(current), BigInt(delta));
  } else {
    result = checkedAdd(BigInt(current), BigInt(delta));
  }
  const text = String(result);
  if (v === undefined) db.set(key, text);
  else db.replace(key, text);
  c.server.wrote(db, key, Notify.String, 'incrby');
  return result;
}

function checkedAdd(a: bigint, b: bigint): number | bigint {
  const r = a + b;
  if (r > INT64_MAX || r < INT64_MIN) err(Errors.overflow);
  return r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
}

function negate(v: number | bigint): number | bigint {
  if (typeof v === 'number') return -v;
  if (v === INT64_MIN) err('ERR decrement would overflow');
  return -v;
}

function mget(c: Client, argv: string[]): Reply {
  const out: Reply[] = new Array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = c.db.get(argv[i]);
    if (v === undefined) {
      c.server.stats.keyspaceMisses++;
      if (c.server.notifyFlags & Notify.KeyMiss) c.server.notify(Notify.KeyMiss, 'keymiss', argv[i], c.db.id);
      out[i - 1] = null;
    } else if (typeof v === 'string') {
      c.server.stats.keyspaceHits++;
      out[i - 1] = v;
    } else {
      c.server.stats.keyspaceHits++;
      out[i - 1] = v instanceof MutableString ? v.view() : null;
    }
  }
  return out;
}

function mset(c: Client, argv: string[]): Reply {
  if (argv.length % 2 === 0) err(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`);
  const db = c.db;
  for (let i = 1; i < argv.length; i += 2) {
    db.set(argv[i], argv[i + 1]);
    c.server.wrote(db, argv[i], Notify.String, 'set');
  }
  return OK;
}

export const strings: Family = {
  get: { run: get },
  set: { run: set },
  incr: { run: (c, argv) => incrBy(c, argv[1], 1) },
  decr: { run: (c, argv) => incrBy(c, argv[1], -1) },
  incrby: { run: (c, argv) => incrBy(c, argv[1], int64Arg(argv[2])) },
  decrby: { run: (c, argv) => incrBy(c, argv[1], negate(int64Arg(argv[2]))) },
  mget: { run: mget },
  mset: { run: mset },
};
