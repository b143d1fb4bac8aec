// Generic keyspace commands: DEL/UNLINK, EXISTS, TYPE, RENAME, COPY, MOVE, KEYS, SCAN,
// RANDOMKEY, the EXPIRE and TTL families, PERSIST, TOUCH, OBJECT, DBSIZE, SWAPDB, FLUSHDB and
// FLUSHALL, with the lookups (access stamps, hit/miss statistics, keymiss), notifications and
// propagation rewrites Redis 7.0 does for each.

import { Notify } from '../config/settings.js';
import { err, Errors, OK, SimpleString, type Reply } from '../resp/reply.js';
import { encodingOf, stringEncoding, typeName, type Value } from '../types/value.js';
import { INT64_MAX, INT64_MIN, parseInt64 } from '../util/numbers.js';
import { globMatch } from '../util/glob.js';
import { lfuDecayed, lfuInitial, idleTimeMs } from '../engine/lru.js';
import type { Database } from '../engine/database.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { lookupRead } from './access.js';
import { int64Arg, intArg, isToken } from './args.js';
import type { Family } from './command.js';
import { persistence } from '../persistence/persistence.js';
import { expireTimeError, toExpireTime, type ExpireTime } from './expiry-args.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** Refcount Redis reports for shared objects (small integers). */
const SHARED_REFCOUNT = 2147483647;
/** Integers 0..9999 are shared objects in Redis (unless an LRU/LFU policy needs stamps). */
const SHARED_INTEGERS = 10000;

// ---- Helpers ----

/** Redis's getIntFromObjectOrReply: an int64 that fits a C int; `message` replaces both errors. */
function int32Arg(s: string, message?: string): number {
  const v = parseInt64(s);
  if (v === undefined) err(message ?? Errors.notInteger);
  if (typeof v === 'bigint' || v < INT32_MIN || v > INT32_MAX) {
    err(message ?? `ERR value is out of range, value must between ${INT32_MIN} and ${INT32_MAX}`);
  }
  return v;
}

/** A database by index, or Redis's out-of-range error. */
function dbByIndex(server: Server, index: number): Database {
  if (index < 0 || index >= server.dbs.length) err(Errors.invalidDb);
  return server.dbs[index];
}

/**
 * A read lookup that does not touch the key (Redis's LOOKUP_NOTOUCH: EXISTS, TYPE, TTL, OBJECT):
 * lazy expiry and hit/miss statistics, a keymiss event unless `notify` is false.
 */
function lookupNoTouch(c: Client, key: string, notify = true): Value | undefined {
  const v = c.db.peek(key);
  const server = c.server;
  if (v === undefined) {
    server.stats.keyspaceMisses++;
    if (notify && server.notifyFlags & Notify.KeyMiss) server.notify(Notify.KeyMiss, 'keymiss', key, c.db.id);
  } else {
    server.stats.keyspaceHits++;
  }
  return v;
}

/** Adds a key to a database as Redis's dbAdd does: the value (with the `new` event), its stamp. */
function addKey(db: Database, key: string, value: Value, stamp: number | undefined, when: ExpireTime | undefined): void {
  db.set(key, value);
  if (stamp !== undefined) db.setAccess(key, stamp);
  if (when !== undefined) db.setExpire(key, when);
}

/** Redis's addReplyHelp: a header, the lines, and HELP, as status replies. */
function helpReply(argv: string[], lines: string[]): Reply {
  const out: Reply[] = [new SimpleString(`${argv[0].toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)];
  for (const l of lines) out.push(new SimpleString(l));
  out.push(new SimpleString('HELP'), new SimpleString('    Prints this help.'));
  return out;
}

/** An int64 result as a reply value (number when exact). */
function intReply(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

// ---- DEL, UNLINK, EXISTS, TYPE, TOUCH, DBSIZE ----

function del(c: Client, argv: string[]): Reply {
  const db = c.db;
  const server = c.server;
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i];
    // Expire first (an expired key is not counted), then delete whatever is left, as Redis does
    // (a replica keeps expired keys: they are deleted and counted).
    db.peek(key);
    if (db.delete(key)) {
      server.wrote(db, key, Notify.Generic, 'del');
      n++;
    }
  }
  return n;
}

function exists(c: Client, argv: string[]): Reply {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (lookupNoTouch(c, argv[i]) !== undefined) n++;
  return n;
}

const TYPE_REPLIES = new Map<string, SimpleString>(
  ['string', 'list', 'set', 'zset', 'hash', 'stream', 'none'].map((t) => [t, new SimpleString(t)]),
);

function type(c: Client, argv: string[]): Reply {
  const v = lookupNoTouch(c, argv[1]);
  return TYPE_REPLIES.get(v === undefined ? 'none' : typeName(v))!;
}

function touch(c: Client, argv: string[]): Reply {
  // TOUCH records an access even for CLIENT NO-TOUCH clients.
  const server = c.server;
  const touching = server.touching;
  server.touching = true;
  let n = 0;
  try {
    for (let i = 1; i < argv.length; i++) if (lookupRead(c, argv[i]) !== undefined) n++;
  } finally {
    server.touching = touching;
  }
  return n;
}

// ---- RENAME, RENAMENX, MOVE, COPY ----

function rename(c: Client, argv: string[], nx: boolean): Reply {
  const db = c.db;
  const server = c.server;
  const src = argv[1];
  const dst = argv[2];
  const v = db.get(src);
  if (v === undefined) err(Errors.noSuchKey);
  if (src === dst) return nx ? 0 : OK;
  const when = db.expireAt(src);
  if (db.get(dst) !== undefined) {
    if (nx) return 0;
    db.delete(dst);
  }
  relocate(server, db, src, db, dst, v, when, 'rename');
  return nx ? 1 : OK;
}

function move(c: Client, argv: string[]): Reply {
  const server = c.server;
  const src = c.db;
  const key = argv[1];
  const dst = dbByIndex(server, int32Arg(argv[2]));
  if (src === dst) err(Errors.sameObject);
  const v = src.get(key);
  if (v === undefined) return 0;
  const when = src.expireAt(key);
  if (dst.get(key) !== undefined) return 0;
  relocate(server, src, key, dst, key, v, when, 'move');
  return 1;
}

/** RENAME and MOVE: the value, its access stamp and expiry go to the new place. */
function relocate(
  server: Server, from: Database, fromKey: string, to: Database, toKey: string, v: Value, when: ExpireTime | undefined, event: 'rename' | 'move',
): void {
  addKey(to, toKey, v, from.accessOf(fromKey), when);
  from.delete(fromKey);
  server.modified(from, fromKey);
  server.modified(to, toKey);
  server.notify(Notify.Generic, `${event}_from`, fromKey, from.id);
  server.notify(Notify.Generic, `${event}_to`, toKey, to.id);
  server.dirty++;
}

function copy(c: Client, argv: string[]): Reply {
  const server = c.server;
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    if (isToken(argv[j], 'REPLACE')) {
      replace = true;
    } else if (isToken(argv[j], 'DB') && j + 1 < argv.length) {
      dst = dbByIndex(server, int32Arg(argv[++j]));
    } else {
      err(Errors.syntax);
    }
  }
  const key = argv[1];
  const newKey = argv[2];
  if (src === dst && key === newKey) err(Errors.sameObject);
  const v = lookupRead(c, key);
  if (v === undefined) return 0;
  const when = src.expireAt(key);
  if (dst.get(newKey) !== undefined) {
    if (!replace) return 0;
    dst.delete(newKey);
  }
  // Plain strings are immutable JS strings: sharing them is a copy.
  const dup = typeof v === 'string' ? v : v.copy();
  addKey(dst, newKey, dup, undefined, when);
  server.modified(dst, newKey);
  server.notify(Notify.Generic, 'copy_to', newKey, dst.id);
  server.dirty++;
  return 1;
}

// ---- KEYS, SCAN, RANDOMKEY ----

/** The only string a glob pattern matches, or undefined when it has wildcards or classes. */
function literalOf(pattern: string): string | undefined {
  if (!/[*?[\\]/.test(pattern)) return pattern;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*' || ch === '?' || ch === '[') return undefined;
    if (ch === '\\' && i + 1 < pattern.length) out += pattern[++i];
    else out += ch;
  }
  return out;
}

function keysCommand(c: Client, argv: string[]): Reply {
  const db = c.db;
  const pattern = argv[1];
  // KEYS hides expired keys without deleting them.
  const literal = literalOf(pattern);
  if (literal !== undefined) {
    return db.keys.has(literal) && !db.isExpired(literal) ? [literal] : [];
  }
  const all = pattern === '*';
  const out: string[] = [];
  const checkExpiry = db.expires.size !== 0;
  for (const key of db.keys.keys()) {
    if ((all || globMatch(pattern, key)) && !(checkExpiry && db.isExpired(key))) out.push(key);
  }
  return out;
}

/** SCAN's cursor, as strtoul reads it (a leading '-' wraps); undefined when invalid. */
function parseCursor(s: string): bigint | undefined {
  if (s === '') return 0n;
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const negative = s[0] === '-';
  const magnitude = BigInt(s[0] === '+' || negative ? s.slice(1) : s);
  if (magnitude > 0xffffffffffffffffn) return undefined;
  return negative && magnitude !== 0n ? (1n << 64n) - magnitude : magnitude;
}

function scan(c: Client, argv: string[]): Reply {
  const cursor = parseCursor(argv[1]);
  if (cursor === undefined) err('ERR invalid cursor');
  let count = 10;
  let pattern: string | undefined;
  let wantedType: string | undefined;
  for (let i = 2; i < argv.length; i += 2) {
    const more = argv.length - i >= 2;
    if (more && isToken(argv[i], 'COUNT')) {
      count = intArg(argv[i + 1]);
      if (count < 1) err(Errors.syntax);
    } else if (more && isToken(argv[i], 'MATCH')) {
      pattern = argv[i + 1] === '*' ? undefined : argv[i + 1];
    } else if (more && isToken(argv[i], 'TYPE')) {
      wantedType = argv[i + 1].toLowerCase();
    } else {
      err(Errors.syntax);
    }
  }
  const db = c.db;
  const found: string[] = [];
  const next = db.keys.scan(cursor, count, (key) => {
    found.push(key);
    return true;
  });
  // Filter after collecting, as Redis does: pattern, then type, then expiry.
  const out: string[] = [];
  for (const key of found) {
    if (pattern !== undefined && !globMatch(pattern, key)) continue;
    if (wantedType !== undefined) {
      const v = lookupNoTouch(c, key);
      if ((v === undefined ? 'none' : typeName(v)) !== wantedType) continue;
    }
    if (db.isExpired(key)) {
      db.peek(key);
      continue;
    }
    out.push(key);
  }
  return [next, out];
}

function randomKey(c: Client): Reply {
  const db = c.db;
  const server = c.server;
  const allVolatile = db.keys.size === db.expires.size;
  let tries = 100;
  for (;;) {
    const e = db.keys.sample();
    if (e === undefined) return null;
    const key = e[0];
    if (db.isExpired(key)) {
      // Where expired keys can't be deleted (a replica, a pause) and every key may be expired,
      // give up after some tries and return an expired name rather than loop forever.
      if (allVolatile && (server.keepExpiredKeys || server.expiryPaused()) && --tries === 0) return key;
      db.peek(key);
      continue;
    }
    return key;
  }
}

// ---- EXPIRE family, TTL family, PERSIST ----

const enum ExpireFlag {
  NX = 1,
  XX = 2,
  GT = 4,
  LT = 8,
}

/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: `relative` adds the current time, `seconds` scales.
 * Propagated as PEXPIREAT with the absolute time, or as DEL when the time is already past.
 */
function expireGeneric(c: Client, argv: string[], name: string, relative: boolean, seconds: boolean): Reply {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    if (isToken(opt, 'NX')) flags |= ExpireFlag.NX;
    else if (isToken(opt, 'XX')) flags |= ExpireFlag.XX;
    else if (isToken(opt, 'GT')) flags |= ExpireFlag.GT;
    else if (isToken(opt, 'LT')) flags |= ExpireFlag.LT;
    else err(`ERR Unsupported option ${opt.replace(/[\r\n]/g, ' ')}`);
  }
  if (flags & ExpireFlag.NX && flags & (ExpireFlag.XX | ExpireFlag.GT | ExpireFlag.LT)) {
    err('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & ExpireFlag.GT && flags & ExpireFlag.LT) err('ERR GT and LT options at the same time are not compatible');
  const server = c.server;
  const input = int64Arg(argv[2]);
  const base = relative ? server.now : 0;
  let when: ExpireTime;
  if (typeof input === 'number' && input < 1e12 && input > -1e12) {
    when = (seconds ? input * 1000 : input) + base;
  } else {
    let ms = BigInt(input);
    if (seconds) {
      if (ms > INT64_MAX / 1000n || ms < INT64_MIN / 1000n) err(expireTimeError(name));
      ms *= 1000n;
    }
    if (ms > INT64_MAX - BigInt(base)) err(expireTimeError(name));
    when = toExpireTime(ms + BigInt(base));
  }
  const db = c.db;
  const key = argv[1];
  if (db.get(key) === undefined) return 0;
  if (flags !== 0) {
    const current = db.expireAt(key) ?? -1;
    if (flags & ExpireFlag.NX && current !== -1) return 0;
    if (flags & ExpireFlag.XX && current === -1) return 0;
    if (flags & ExpireFlag.GT && (when <= current || current === -1)) return 0;
    if (flags & ExpireFlag.LT && current !== -1 && when >= current) return 0;
  }
  if (when <= server.now && !server.keepExpiredKeys) {
    // A time already past deletes the key (not on replicas: they wait for the master's DEL).
    db.delete(key);
    c.propagateAs = [[server.config.values['lazyfree-lazy-expire'] ? 'UNLINK' : 'DEL', key]];
    server.wrote(db, key, Notify.Generic, 'del');
    return 1;
  }
  db.setExpire(key, when);
  if (name !== 'pexpireat') {
    const rewritten = argv.slice();
    rewritten[0] = 'PEXPIREAT';
    rewritten[2] = String(when);
    c.propagateAs = [rewritten];
  }
  server.wrote(db, key, Notify.Generic, 'expire');
  return 1;
}

/** TTL, PTTL, EXPIRETIME, PEXPIRETIME. */
function ttlGeneric(c: Client, argv: string[], ms: boolean, absolute: boolean): Reply {
  const key = argv[1];
  if (lookupNoTouch(c, key) === undefined) return -2;
  const when = c.db.expireAt(key);
  if (when === undefined) return -1;
  const now = c.server.now;
  if (typeof when === 'number') {
    let t = absolute ? when : when - now;
    if (t < 0) t = 0;
    if (ms) return t;
    t += 500;
    return (t - (t % 1000)) / 1000;
  }
  let t = absolute ? when : when - BigInt(now);
  if (t < 0n) t = 0n;
  if (ms) return intReply(t);
  return intReply((t + 500n) / 1000n);
}

function persist(c: Client, argv: string[]): Reply {
  const db = c.db;
  const key = argv[1];
  if (db.get(key) === undefined || !db.persist(key)) return 0;
  c.server.wrote(db, key, Notify.Generic, 'persist');
  return 1;
}

// ---- OBJECT ----

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

/** OBJECT's lookup: no access recorded, no keymiss event (statistics still count). */
function objectLookup(c: Client, key: string): Value | undefined {
  return lookupNoTouch(c, key, false);
}

function refcount(server: Server, v: Value): number {
  if (typeof v !== 'string' || stringEncoding(v) !== 'int') return 1;
  const policy = server.config.values['maxmemory-policy'] as string;
  if (server.config.values.maxmemory !== 0 && (policy.endsWith('-lru') || policy.endsWith('-lfu'))) return 1;
  const n = parseInt64(v)!;
  return typeof n === 'number' && n >= 0 && n < SHARED_INTEGERS ? SHARED_REFCOUNT : 1;
}

const object: Family[string] = {
  subcommands: {
    help: { run: (_c, argv) => helpReply(argv, OBJECT_HELP) },
    encoding: {
      run: (c, argv) => {
        const v = objectLookup(c, argv[2]);
        return v === undefined ? null : encodingOf(v);
      },
    },
    refcount: {
      run: (c, argv) => {
        const v = objectLookup(c, argv[2]);
        return v === undefined ? null : refcount(c.server, v);
      },
    },
    idletime: {
      run: (c, argv) => {
        const v = objectLookup(c, argv[2]);
        if (v === undefined) return null;
        const server = c.server;
        if (server.lfu) {
          err('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
        }
        const stamp = c.db.accessOf(argv[2]);
        return stamp === undefined ? 0 : Math.floor(idleTimeMs(stamp, server.now) / 1000);
      },
    },
    freq: {
      run: (c, argv) => {
        const v = objectLookup(c, argv[2]);
        if (v === undefined) return null;
        const server = c.server;
        if (!server.lfu) {
          err('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
        }
        const stamp = c.db.accessOf(argv[2]) ?? lfuInitial(server.now);
        return lfuDecayed(stamp, server.lfuDecayTime, server.now);
      },
    },
  },
};

// ---- SWAPDB, FLUSHDB, FLUSHALL ----

function swapdb(c: Client, argv: string[]): Reply {
  const server = c.server;
  const id1 = int32Arg(argv[1], 'ERR invalid first DB index');
  const id2 = int32Arg(argv[2], 'ERR invalid second DB index');
  const n = server.dbs.length;
  if (id1 < 0 || id1 >= n || id2 < 0 || id2 >= n) err(Errors.invalidDb);
  if (id1 !== id2) {
    const db1 = server.dbs[id1];
    const db2 = server.dbs[id2];
    // Clients stay in their database (by number), and so do WATCHed and blocked-on keys.
    server.replacingDb(db1, db2);
    server.replacingDb(db2, db1);
    db1.swapWith(db2);
  }
  server.dirty++;
  return OK;
}

/** FLUSHDB/FLUSHALL's optional ASYNC|SYNC (both just drop the tables here). */
function checkFlushArgs(argv: string[]): void {
  if (argv.length === 1) return;
  if (argv.length === 2 && (isToken(argv[1], 'SYNC') || isToken(argv[1], 'ASYNC'))) return;
  err(Errors.syntax);
}

/** Empties databases (old tables are left to the garbage collector); returns the keys removed. */
export function emptyDatabases(server: Server, dbs: Database[]): number {
  // Listeners see the keys before they go (WATCH, client-side caching).
  for (const db of dbs) server.replacingDb(db, null);
  let removed = 0;
  for (const db of dbs) {
    removed += db.size;
    db.clear();
    db.avgTtl = 0;
  }
  return removed;
}

function flush(c: Client, argv: string[], all: boolean): Reply {
  checkFlushArgs(argv);
  const server = c.server;
  const removed = emptyDatabases(server, all ? server.dbs : [c.db]);
  server.dirty += removed;
  // FLUSHALL stops a background save and, with save points set, saves the empty dataset.
  if (all) persistence(server).onFlushAll();
  // Propagated even when nothing was removed (Redis forces it).
  if (removed === 0) server.propagate(c.db.id, argv);
  return OK;
}

export const keys: Family = {
  del: { run: del },
  unlink: { run: del },
  exists: { run: exists },
  type: { run: type },
  touch: { run: touch },
  dbsize: { run: (c) => c.db.size },
  rename: { run: (c, argv) => rename(c, argv, false) },
  renamenx: { run: (c, argv) => rename(c, argv, true) },
  move: { run: move },
  copy: { run: copy },
  keys: { run: keysCommand },
  scan: { run: scan },
  randomkey: { run: randomKey },
  expire: { run: (c, argv) => expireGeneric(c, argv, 'expire', true, true) },
  pexpire: { run: (c, argv) => expireGeneric(c, argv, 'pexpire', true, false) },
  expireat: { run: (c, argv) => expireGeneric(c, argv, 'expireat', false, true) },
  pexpireat: { run: (c, argv) => expireGeneric(c, argv, 'pexpireat', false, false) },
  ttl: { run: (c, argv) => ttlGeneric(c, argv, false, false) },
  pttl: { run: (c, argv) => ttlGeneric(c, argv, true, false) },
  expiretime: { run: (c, argv) => ttlGeneric(c, argv, false, true) },
  pexpiretime: { run: (c, argv) => ttlGeneric(c, argv, true, true) },
  persist: { run: persist },
  object,
  swapdb: { run: swapdb },
  flushdb: { run: (c, argv) => flush(c, argv, false) },
  flushall: { run: (c, argv) => flush(c, argv, true) },
};

