// DUMP, RESTORE and MIGRATE: values serialized in Redis's DUMP format, which is the RDB
// encoding of the value (type byte + payload), then the RDB version (2 bytes, little-endian)
// and a CRC-64 of everything before it (8 bytes, little-endian). Payloads are interchangeable
// with real Redis in both directions.

import { Notify } from '../config/settings.js';
import { err, Errors, OK, SimpleString, type Reply } from '../resp/reply.js';
import type { Client } from '../server/client.js';
import type { Value } from '../types/value.js';
import { parseInt64 } from '../util/numbers.js';
import { lookupRead } from './access.js';
import { isToken } from './args.js';
import type { Family } from './command.js';
import { Crc64 } from '../persistence/crc64.js';
import { CorruptDataError, UnsupportedValueError } from '../persistence/errors.js';
import { RDB_MAX_LOAD_VERSION, RDB_VERSION } from '../persistence/rdb/constants.js';
import { accessPolicy, stampFromRdb } from '../persistence/rdb/file.js';
import { RdbReader } from '../persistence/rdb/reader.js';
import { loadValue, rdbTypeOf, saveValue } from '../persistence/rdb/types.js';
import { RdbWriter } from '../persistence/rdb/writer.js';
import { MigrateClient } from '../persistence/migrate.js';
import { encodeCommand } from '../persistence/aof/rewrite.js';
import type { Server } from '../server/server.js';

/** The DUMP payload of a value. */
export function dumpPayload(server: Server, value: Value): Buffer {
  const w = new RdbWriter(null, {
    compression: server.config.values.rdbcompression as boolean,
    listMaxListpackSize: server.config.values['list-max-listpack-size'] as number,
    checksum: false,
  });
  const type = rdbTypeOf(value);
  w.byte(type);
  saveValue(w, value, type);
  w.ensure(10);
  w.buf.writeUInt16LE(RDB_VERSION, w.pos);
  w.pos += 2;
  const crc = new Crc64().update(w.buf, 0, w.pos);
  w.raw(crc.bytes());
  return Buffer.from(w.toBuffer());
}

/** Checks a payload's footer: RDB version we can read and CRC-64. */
export function verifyPayload(p: Buffer): boolean {
  if (p.length < 10) return false;
  const footer = p.length - 10;
  const version = p[footer] | (p[footer + 1] << 8);
  if (version > RDB_MAX_LOAD_VERSION) return false;
  return new Crc64().update(p, 0, p.length - 8).equals(p, p.length - 8);
}

/** Decodes a verified payload; undefined when its content is bad. */
export function restoreValue(server: Server, p: Buffer): Value | undefined {
  // Like Redis, the value is read from the whole payload (a short value may run into the
  // footer).
  const r = new RdbReader(p, 0, p.length);
  try {
    const type = r.byte();
    return loadValue(r, type, { config: server.config.values });
  } catch (e) {
    if (e instanceof CorruptDataError || e instanceof UnsupportedValueError) return undefined;
    throw e;
  }
}

function dump(c: Client, argv: string[]): Reply {
  const v = lookupRead(c, argv[1]);
  if (v === undefined) return null;
  return dumpPayload(c.server, v);
}

function restore(c: Client, argv: string[]): Reply {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    if (isToken(argv[j], 'REPLACE')) replace = true;
    else if (isToken(argv[j], 'ABSTTL')) absttl = true;
    else if (isToken(argv[j], 'IDLETIME') && more >= 1 && freq === -1) {
      const v = parseInt64(argv[++j]);
      if (v === undefined) err(Errors.notInteger);
      if (v < 0) err('ERR Invalid IDLETIME value, must be >= 0');
      idle = Number(v);
    } else if (isToken(argv[j], 'FREQ') && more >= 1 && idle === -1) {
      const v = parseInt64(argv[++j]);
      if (v === undefined) err(Errors.notInteger);
      if (v < 0 || v > 255) err('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = Number(v);
    } else err(Errors.syntax);
  }
  const key = argv[1];
  const db = c.db;
  if (!replace && db.get(key) !== undefined) err('BUSYKEY Target key name already exists.');
  const ttlArg = parseInt64(argv[2]);
  if (ttlArg === undefined) err(Errors.notInteger);
  if (ttlArg < 0) err('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  if (!verifyPayload(payload)) err('ERR DUMP payload version or checksum are wrong');
  const value = restoreValue(c.server, payload);
  if (value === undefined) err('ERR Bad data format');
  const server = c.server;
  let deleted = false;
  if (replace) deleted = db.delete(key);
  let ttl = BigInt(ttlArg);
  if (ttl !== 0n && !absttl) ttl += BigInt(server.now);
  if (ttl !== 0n && ttl <= BigInt(server.now) && !server.loading) {
    // Already expired: the key is not created (and an existing one was deleted).
    if (deleted) {
      c.propagateAs = [['DEL', key]];
      server.wrote(db, key, Notify.Generic, 'del');
    }
    return OK;
  }
  db.set(key, value);
  if (ttl !== 0n) {
    db.setExpire(key, ttl <= 9007199254740991n ? Number(ttl) : ttl);
    if (!absttl) {
      const rewritten = argv.slice();
      rewritten[2] = ttl.toString();
      rewritten.push('ABSTTL');
      c.propagateAs = [rewritten];
    }
  }
  const stamp = stampFromRdb(server, accessPolicy(server), idle, freq);
  if (stamp !== undefined) db.setAccess(key, stamp);
  server.wrote(db, key, Notify.Generic, 'restore');
  return OK;
}

// ---- MIGRATE ----

function migrateClient(server: Server): MigrateClient {
  return server.state('migrate', () => {
    const client = new MigrateClient();
    server.cronHooks.push(() => client.expire(Date.now()));
    return client;
  });
}

/** Number of cached MIGRATE connections (INFO stats migrate_cached_sockets). */
export function migrateCachedSockets(server: Server): number {
  return migrateClient(server).cache.size;
}

/** MIGRATE's keys: argv[3], or everything after KEYS. */
function migrateKeys(argv: string[]): number[] {
  for (let i = 6; i < argv.length; i++) {
    if (isToken(argv[i], 'KEYS')) {
      if (argv[3].length !== 0) return [];
      const out: number[] = [];
      for (let j = i + 1; j < argv.length; j++) out.push(j);
      return out;
    }
    if (isToken(argv[i], 'AUTH')) i++;
    else if (isToken(argv[i], 'AUTH2')) i += 2;
  }
  return [3];
}

function migrate(c: Client, argv: string[]): Reply {
  let copy = false;
  let replace = false;
  let username: string | null = null;
  let password: string | null = null;
  let firstKey = 3;
  let numKeys = 1;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isToken(argv[j], 'COPY')) copy = true;
    else if (isToken(argv[j], 'REPLACE')) replace = true;
    else if (isToken(argv[j], 'AUTH')) {
      if (!more) err(Errors.syntax);
      password = argv[++j];
    } else if (isToken(argv[j], 'AUTH2')) {
      if (more < 2) err(Errors.syntax);
      username = argv[++j];
      password = argv[++j];
    } else if (isToken(argv[j], 'KEYS')) {
      if (argv[3].length !== 0) err('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else err(Errors.syntax);
  }
  const timeoutArg = parseInt64(argv[5]);
  const dbArg = parseInt64(argv[4]);
  if (timeoutArg === undefined || dbArg === undefined) err(Errors.notInteger);
  let timeout = Number(timeoutArg);
  if (timeout <= 0) timeout = 1000;
  const dbid = Number(dbArg);

  const db = c.db;
  const server = c.server;
  let keys: string[] = [];
  let values: Value[] = [];
  for (let j = 0; j < numKeys; j++) {
    const v = lookupRead(c, argv[firstKey + j]);
    if (v !== undefined) {
      keys.push(argv[firstKey + j]);
      values.push(v);
    }
  }
  if (keys.length === 0) return new SimpleString('NOKEY');

  const host = argv[1];
  const port = Number(argv[2]);
  const name = `${host}:${argv[2]}`;
  const mc = migrateClient(server);
  let mayRetry = true;
  for (;;) {
    const cs = mc.entry(name, Date.now());
    let out = '';
    if (password !== null) out += encodeCommand(username !== null ? ['AUTH', username, password] : ['AUTH', password]);
    const select = cs.lastDbid !== dbid;
    if (select) out += encodeCommand(['SELECT', String(dbid)]);
    // Keys that expired since they were looked up are left out.
    const liveKeys: string[] = [];
    const liveValues: Value[] = [];
    const parts: Buffer[] = [];
    for (let j = 0; j < keys.length; j++) {
      let ttl = 0;
      const at = db.expireAt(keys[j]);
      if (at !== undefined) {
        ttl = Number(at) - Date.now();
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      liveKeys.push(keys[j]);
      liveValues.push(values[j]);
      const payload = dumpPayload(server, values[j]).toString('latin1');
      const cmd = ['RESTORE', keys[j], String(ttl), payload];
      if (replace) cmd.push('REPLACE');
      out += encodeCommand(cmd);
      if (out.length > 1 << 20) {
        parts.push(Buffer.from(out, 'latin1'));
        out = '';
      }
    }
    keys = liveKeys;
    values = liveValues;
    parts.push(Buffer.from(out, 'latin1'));
    const lines = (password !== null ? 1 : 0) + (select ? 1 : 0) + keys.length;
    const res = mc.roundTrip(name, host, port, timeout, Buffer.concat(parts), lines);
    if (res.failed === 'connect') {
      mc.close(name);
      err('IOERR error or timeout connecting to the client');
    }
    if (res.failed === 'write' || (res.failed === 'read' && res.lines.length < lines - keys.length)) {
      // socket_err: retry once on a fresh connection unless it timed out.
      mc.close(name);
      if (!res.timedOut && mayRetry) {
        mayRetry = false;
        continue;
      }
      err(`IOERR error or timeout ${res.failed === 'write' ? 'writing' : 'reading'} to target instance`);
    }
    const auth = password !== null ? res.lines[0] : undefined;
    const sel = select ? res.lines[password !== null ? 1 : 0] : undefined;
    const first = (password !== null ? 1 : 0) + (select ? 1 : 0);
    let targetError: string | null = null;
    const deleted: string[] = [];
    let j = 0;
    for (; j < keys.length; j++) {
      const line = res.lines[first + j];
      if (line === undefined) break;
      if ((auth !== undefined && auth[0] === '-') || (sel !== undefined && sel[0] === '-') || line[0] === '-') {
        if (targetError === null) {
          cs.lastDbid = -1;
          const e = auth !== undefined && auth[0] === '-' ? auth : sel !== undefined && sel[0] === '-' ? sel : line;
          targetError = `ERR Target instance replied with error: ${e.slice(1)}`;
        }
      } else if (!copy) {
        if (db.delete(keys[j])) {
          server.wrote(db, keys[j], Notify.Generic, 'del');
          deleted.push(keys[j]);
        }
      }
    }
    const socketError = res.failed === 'read';
    if (targetError === null && socketError && j === 0 && mayRetry && !res.timedOut) {
      mc.close(name);
      mayRetry = false;
      continue;
    }
    if (socketError) mc.close(name);
    if (!copy && deleted.length > 0) c.propagateAs = [['DEL', ...deleted]];
    if (targetError === null && socketError) err('IOERR error or timeout reading to target instance');
    if (targetError !== null) err(targetError);
    cs.lastDbid = dbid;
    return OK;
  }
}

export const dumpCommands: Family = {
  dump: { run: dump },
  restore: { run: restore },
  migrate: { run: migrate, getKeys: migrateKeys },
};
