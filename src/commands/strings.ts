// The string family: GET, SET and friends, counters, ranges, LCS.

import { Notify } from '../config/settings.js';
import { err, Errors, MapReply, OK, type Reply } from '../resp/reply.js';
import { EmbeddedString, unshared } from '../types/string-values.js';
import { isStringValue, MutableString, stringOf, type Value } from '../types/value.js';
import { incrementLongDouble } from '../util/float80.js';
import { INT64_MAX, INT64_MIN, isInt64String, parseInt64 } from '../util/numbers.js';
import { lookupRead, readString, writeString } from './access.js';
import { int64Arg, isToken } from './args.js';
import type { Family } from './command.js';
import { setExpireArg, type ExpireTime } from './expiry-args.js';
import { ClientFlag, type Client } from '../server/client.js';

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
  return setGeneric(c, flags, key, value, expire, 'set', OK, null, argv);
}

/**
 * SET and its variants (SETNX, SETEX, PSETEX): flags as parsed by parseSetOptions, the expiry
 * text if any, and the replies for the done and not-done cases (unless GET asks for the old
 * value).
 */
function setGeneric(
  c: Client, flags: number, key: string, value: string, expire: string | undefined, command: string,
  okReply: Reply, abortReply: Reply, argv?: string[],
): Reply {
  const when = expire !== undefined ? expireFromFlags(c, flags, expire, command) : undefined;
  let old: Reply = null;
  if (flags & SetFlag.GET) {
    const v = readString(c, key);
    if (v !== undefined) old = stringReply(v);
  }
  const db = c.db;
  const found = db.get(key) !== undefined;
  if ((flags & SetFlag.NX && found) || (flags & SetFlag.XX && !found)) return flags & SetFlag.GET ? old : abortReply;
  if (flags & SetFlag.KEEPTTL) db.replace(key, value);
  else db.set(key, value);
  c.server.wrote(db, key, Notify.String, 'set');
  if (when !== undefined) {
    db.setExpire(key, when);
    c.propagateAs = [['SET', key, value, 'PXAT', String(when)]];
    c.server.notify(Notify.Generic, 'expire', key, db.id);
  } else if (flags & SetFlag.GET && argv !== undefined) {
    // Propagated without GET (which may be repeated).
    c.propagateAs = [argv.filter((a, i) => i < 3 || !isToken(a, 'GET'))];
  }
  return flags & SetFlag.GET ? old : okReply;
}

function get(c: Client, argv: string[]): Reply {
  const v = readString(c, argv[1]);
  return v === undefined ? null : typeof v === 'string' ? v : v.view();
}

/** INCR family: adds `delta` to the integer at key. */
function incrBy(c: Client, key: string, delta: number | bigint): Reply {
  const db = c.db;
  if (typeof delta === 'number') {
    const sum = db.addToInteger(key, delta);
    if (sum !== undefined) {
      c.server.wrote(db, key, Notify.String, 'incrby');
      return sum;
    }
  }
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
  // A safe integer is kept as a number, which the next INCR adds to in place.
  const stored = typeof result === 'number' ? result : String(result);
  if (v === undefined) db.set(key, stored);
  else db.replace(key, stored);
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

/** Redis's checkStringLength: a string may not grow beyond proto-max-bulk-len. */
function checkStringLength(c: Client, size: number, append: number): void {
  if (c.has(ClientFlag.Master)) return;
  if (size + append > c.server.protoMaxBulkLen) err('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
}

/** The value at `key` made modifiable in place (stored back when it had to be converted). */
export function unshareString(c: Client, key: string, v: string | MutableString, extra = 0): MutableString {
  const m = unshared(v, extra);
  if (m !== v) c.db.replace(key, m);
  return m;
}

function lazyDelCommand(c: Client, setting: string): string {
  return c.server.config.values[setting] ? 'UNLINK' : 'DEL';
}

function setnx(c: Client, argv: string[]): Reply {
  return setGeneric(c, SetFlag.NX, argv[1], argv[2], undefined, 'setnx', 1, 0);
}

function setex(c: Client, argv: string[], flag: SetFlag): Reply {
  return setGeneric(c, flag, argv[1], argv[3], argv[2], argv[0].toLowerCase(), OK, null);
}

function getex(c: Client, argv: string[]): Reply {
  const { flags, expire } = parseSetOptions(argv, 2, true);
  const key = argv[1];
  const v = readString(c, key);
  if (v === undefined) return null;
  const when = expire !== undefined ? expireFromFlags(c, flags, expire, 'getex') : undefined;
  const reply = stringReply(v);
  const db = c.db;
  const server = c.server;
  if (when !== undefined && flags & (SetFlag.EXAT | SetFlag.PXAT) && when <= server.now) {
    // An absolute time already past: the key goes away.
    db.delete(key);
    c.propagateAs = [[lazyDelCommand(c, 'lazyfree-lazy-expire'), key]];
    server.wrote(db, key, Notify.Generic, 'del');
  } else if (when !== undefined) {
    db.setExpire(key, when);
    c.propagateAs = [['PEXPIREAT', key, String(when)]];
    server.wrote(db, key, Notify.Generic, 'expire');
  } else if (flags & SetFlag.PERSIST) {
    if (db.persist(key)) {
      c.propagateAs = [['PERSIST', key]];
      server.wrote(db, key, Notify.Generic, 'persist');
    }
  }
  return reply;
}

function getdel(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const v = readString(c, key);
  if (v === undefined) return null;
  const reply = stringReply(v);
  if (c.db.delete(key)) {
    c.propagateAs = [[lazyDelCommand(c, 'lazyfree-lazy-user-del'), key]];
    c.server.wrote(c.db, key, Notify.Generic, 'del');
  }
  return reply;
}

function getset(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const v = readString(c, key);
  const reply = v === undefined ? null : stringReply(v);
  c.db.set(key, argv[2]);
  c.server.wrote(c.db, key, Notify.String, 'set');
  c.propagateAs = [['SET', key, argv[2]]];
  return reply;
}

function msetnx(c: Client, argv: string[]): Reply {
  if (argv.length % 2 === 0) err(`ERR wrong number of arguments for 'msetnx' command`);
  const db = c.db;
  for (let i = 1; i < argv.length; i += 2) if (db.get(argv[i]) !== undefined) return 0;
  for (let i = 1; i < argv.length; i += 2) {
    db.set(argv[i], argv[i + 1]);
    c.server.wrote(db, argv[i], Notify.String, 'set');
  }
  return 1;
}

function append(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const suffix = argv[2];
  const v = writeString(c, key);
  let total: number;
  if (v === undefined) {
    c.db.set(key, suffix);
    total = suffix.length;
  } else {
    checkStringLength(c, v.length, suffix.length);
    const m = unshareString(c, key, v, suffix.length);
    m.append(suffix);
    total = m.length;
  }
  c.server.wrote(c.db, key, Notify.String, 'append');
  return total;
}

function strlen(c: Client, argv: string[]): Reply {
  const v = readString(c, argv[1]);
  return v === undefined ? 0 : v.length;
}

function incrbyfloat(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const db = c.db;
  const v = writeString(c, key);
  const r = incrementLongDouble(v === undefined ? undefined : stringOf(v), argv[2]);
  if (!r.ok) err(r.error === 'nan-or-infinity' ? 'ERR increment would produce NaN or Infinity' : Errors.notFloat);
  const text = r.value;
  // Redis stores the result without trying the int encoding: "3" stays an embstr.
  const value: Value = text.length <= 20 && isInt64String(text) ? EmbeddedString.of(text) : text;
  if (v === undefined) db.set(key, value);
  else db.replace(key, value);
  c.server.wrote(db, key, Notify.String, 'incrbyfloat');
  c.propagateAs = [['SET', key, text, 'KEEPTTL']];
  return text;
}

/**
 * Clamps a [start, end] range (negative = from the end) to a string of `length` units as
 * GETRANGE, BITCOUNT and BITPOS do; undefined for an empty range. Big values saturate (they
 * are beyond any length either way).
 */
export function clampRange(start: number | bigint, end: number | bigint, length: number): [number, number] | undefined {
  let s = typeof start === 'bigint' ? (start < 0n ? -(2 ** 60) : 2 ** 60) : start;
  let e = typeof end === 'bigint' ? (end < 0n ? -(2 ** 60) : 2 ** 60) : end;
  if (s < 0) s += length;
  if (e < 0) e += length;
  if (s < 0) s = 0;
  if (e < 0) e = 0;
  if (e >= length) e = length - 1;
  return s > e || length === 0 ? undefined : [s, e];
}

function getrange(c: Client, argv: string[]): Reply {
  const start = int64Arg(argv[2]);
  const end = int64Arg(argv[3]);
  const v = readString(c, argv[1]);
  if (v === undefined) return '';
  if (start < 0 && end < 0 && start > end) return '';
  const range = clampRange(start, end, v.length);
  if (range === undefined) return '';
  if (typeof v === 'string') return v.slice(range[0], range[1] + 1);
  return Buffer.from(v.bytes.subarray(range[0], range[1] + 1));
}

function setrange(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const value = argv[3];
  const parsed = int64Arg(argv[2]);
  if (parsed < 0) err('ERR offset is out of range');
  const offset = Number(parsed);
  const v = writeString(c, key);
  let m: MutableString;
  if (v === undefined) {
    if (value.length === 0) return 0;
    checkStringLength(c, offset, value.length);
    m = new MutableString(Buffer.alloc(Math.max(offset + value.length, 16)), offset + value.length);
    c.db.set(key, m);
  } else {
    if (value.length === 0) return v.length;
    checkStringLength(c, offset, value.length);
    m = unshareString(c, key, v);
    m.ensureLength(offset + value.length);
  }
  m.bytes.latin1Write(value, offset);
  c.server.wrote(c.db, key, Notify.String, 'setrange');
  return m.length;
}

/** A string value's byte at `i` (i < length). */
function byteAt(v: string | MutableString, i: number): number {
  return typeof v === 'string' ? v.charCodeAt(i) : v.bytes[i];
}

function lcs(c: Client, argv: string[]): Reply {
  const va = lookupRead(c, argv[1]);
  const vb = lookupRead(c, argv[2]);
  if ((va !== undefined && !isStringValue(va)) || (vb !== undefined && !isStringValue(vb))) {
    err('ERR The specified keys must contain string values');
  }
  const a = (va ?? '') as string | MutableString;
  const b = (vb ?? '') as string | MutableString;
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    if (isToken(opt, 'IDX')) getIdx = true;
    else if (isToken(opt, 'LEN')) getLen = true;
    else if (isToken(opt, 'WITHMATCHLEN')) withMatchLen = true;
    else if (isToken(opt, 'MINMATCHLEN') && j + 1 < argv.length) {
      const n = int64Arg(argv[++j]);
      minMatchLen = n < 0 ? 0 : Number(n);
    } else err(Errors.syntax);
  }
  if (getLen && getIdx) err('ERR If you want both the length and indexes, please just use IDX.');
  const alen = a.length;
  const blen = b.length;
  if (alen >= 0xfffffffe || blen >= 0xfffffffe) err('ERR String too long for LCS');
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.protoMaxBulkLen) {
    err('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    return err('ERR Insufficient memory, failed allocating transient memory for LCS');
  }
  // table[i * (blen + 1) + j] = length of the LCS of a[0..i) and b[0..j).
  const row = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ca = byteAt(a, i - 1);
    const base = i * row;
    for (let j = 1; j <= blen; j++) {
      if (ca === byteAt(b, j - 1)) table[base + j] = table[base - row + j - 1] + 1;
      else {
        const up = table[base - row + j];
        const left = table[base + j - 1];
        table[base + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * row + blen];
  if (getLen) return total;
  // Walk back from the end, collecting the LCS and the matching ranges (last ones first).
  const out = Buffer.allocUnsafe(total);
  const matches: Reply[] = [];
  let k = total;
  let i = alen;
  let j = blen;
  let open = false;
  let aStart = 0, aEnd = 0, bStart = 0, bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    const ch = byteAt(a, i - 1);
    if (ch === byteAt(b, j - 1)) {
      out[--k] = ch;
      if (!open) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
        open = true;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (table[(i - 1) * row + j] > table[i * row + j - 1]) i--;
      else j--;
      if (open) emit = true;
    }
    if (emit) {
      const len = aEnd - aStart + 1;
      if (getIdx && (minMatchLen === 0 || len >= minMatchLen)) {
        const m: Reply[] = [[aStart, aEnd], [bStart, bEnd]];
        if (withMatchLen) m.push(len);
        matches.push(m);
      }
      open = false;
    }
  }
  if (getIdx) return new MapReply(['matches', matches, 'len', total]);
  return out.latin1Slice(0, total);
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
  msetnx: { run: msetnx },
  setnx: { run: setnx },
  setex: { run: (c, argv) => setex(c, argv, SetFlag.EX) },
  psetex: { run: (c, argv) => setex(c, argv, SetFlag.PX) },
  getex: { run: getex },
  getdel: { run: getdel },
  getset: { run: getset },
  append: { run: append },
  strlen: { run: strlen },
  incrbyfloat: { run: incrbyfloat },
  getrange: { run: getrange },
  substr: { run: getrange },
  setrange: { run: setrange },
  lcs: { run: lcs },
};
