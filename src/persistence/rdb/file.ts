// Whole RDB files: the header and aux fields, per-database sections, key records with their
// expiry and LRU/LFU information, the EOF marker and CRC-64 trailer; and loading such a file
// (or an AOF's RDB base) into the server's databases.

import { REDIS_VERSION, type Server } from '../../server/server.js';
import type { Value } from '../../types/value.js';
import type { Database } from '../../engine/database.js';
import { CorruptDataError, corrupt, UnsupportedValueError } from '../errors.js';
import { MODULE_OPCODE_UINT, moduleTypeName, RDB_MAX_LOAD_VERSION, RDB_VERSION, RdbOp, RdbType } from './constants.js';
import { RdbReader } from './reader.js';
import { loadValue, rdbTypeOf, saveValue } from './types.js';
import { hashBytes } from '../../engine/keyspace-table.js';
import type { RdbWriter } from './writer.js';
import type { SnapshotEmitter } from '../snapshot.js';

// ---- Access information (OBJECT IDLETIME / FREQ) ----
//
// Larder's per-key access stamp (Database.accessOf / setAccess) follows Redis's 24-bit `lru`
// field: with an LRU policy (or no eviction) it is a clock in seconds modulo 2^24; with an LFU
// policy it is (minutes modulo 2^16) << 8 | logarithmic counter. These helpers convert between
// stamps and the RDB's IDLE (seconds) and FREQ (counter) opcodes; adjust them here if the
// stamp layout changes.

const LRU_CLOCK_MAX = 0xffffff;

export type AccessPolicy = 'lru' | 'lfu' | 'none';

export function accessPolicy(server: Server): AccessPolicy {
  const p = server.config.values['maxmemory-policy'] as string;
  if (p.endsWith('-lru')) return 'lru';
  if (p.endsWith('-lfu')) return 'lfu';
  return 'none';
}

function lruClock(server: Server): number {
  return Math.floor(server.now / 1000) & LRU_CLOCK_MAX;
}

function minutesClock(server: Server): number {
  return Math.floor(server.now / 60000) & 0xffff;
}

/** Seconds since the key was last used, from an LRU stamp. */
export function idleSeconds(server: Server, stamp: number): number {
  const clock = lruClock(server);
  return clock >= stamp ? clock - stamp : clock + (LRU_CLOCK_MAX - stamp);
}

/** The LFU counter of a stamp, decayed by the minutes elapsed (lfu-decay-time). */
export function lfuCounter(server: Server, stamp: number): number {
  const ldt = stamp >>> 8;
  let counter = stamp & 255;
  const decay = (server.config.values['lfu-decay-time'] as number | undefined) ?? 1;
  const now = minutesClock(server);
  const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const periods = decay > 0 ? Math.floor(elapsed / decay) : 0;
  if (periods > 0) counter = periods > counter ? 0 : counter - periods;
  return counter;
}

/** The stamp for a key loaded with IDLE seconds (LRU) or a FREQ counter (LFU), if it applies. */
export function stampFromRdb(server: Server, policy: AccessPolicy, idle: number, freq: number): number | undefined {
  if (policy === 'lfu' && freq >= 0) return (minutesClock(server) << 8) | freq;
  if (policy !== 'lfu' && idle >= 0) {
    const clock = lruClock(server);
    return idle <= clock ? clock - idle : (LRU_CLOCK_MAX - (idle - clock)) & LRU_CLOCK_MAX;
  }
  return undefined;
}

// ---- Function libraries ----

/**
 * Function libraries (FUNCTION LOAD) are stored as FUNCTION2 records with their code. The
 * functions family installs this hook; without it, libraries in a file are skipped (with a
 * warning) and none are saved.
 */
export interface FunctionsHook {
  /** Every library's code, for saving. */
  dump(): string[];
  /** Creates a library from its code; returns an error message on failure. */
  load(code: string, replace: boolean): string | undefined;
  /** Removes every library (DEBUG RELOAD and DEBUG LOADAOF empty the functions too). */
  clear?(): void;
}
/**
 * Replication's state for the aux fields of an RDB (Redis's rdbPopulateSaveInfo): the database
 * selected in the replication stream, the replication id and offset. Installed by replication;
 * null (or returning null) when there is nothing to record.
 */
export interface ReplicationInfo {
  streamDb: number;
  replId: string;
  offset: number;
}
export type ReplicationInfoHook = (server: Server) => ReplicationInfo | null;
export const rdbHooks: { functions: FunctionsHook | null; replication: ReplicationInfoHook | null } = { functions: null, replication: null };

// ---- Saving ----

export interface HeaderOptions {
  /** The file is an AOF base (aof-base aux field). */
  aofBase?: boolean;
  /** Replication aux fields (repl-stream-db, repl-id, repl-offset), if any. */
  replication?: ReplicationInfo | null;
}

/** Magic, aux fields and function libraries. */
export function writeHeader(w: RdbWriter, opts: HeaderOptions = {}): void {
  w.rawString(`REDIS${String(RDB_VERSION).padStart(4, '0')}`);
  const aux = (k: string, v: string) => {
    w.byte(RdbOp.AUX);
    w.string(k);
    w.string(v);
  };
  aux('redis-ver', REDIS_VERSION);
  aux('redis-bits', '64');
  aux('ctime', String(Math.floor(Date.now() / 1000)));
  aux('used-mem', String(process.memoryUsage.rss()));
  const repl = opts.replication;
  if (repl) {
    aux('repl-stream-db', String(repl.streamDb));
    aux('repl-id', repl.replId);
    aux('repl-offset', String(repl.offset));
  }
  aux('aof-base', opts.aofBase ? '1' : '0');
  const fns = rdbHooks.functions;
  if (fns !== null) {
    for (const code of fns.dump()) {
      w.byte(RdbOp.FUNCTION2);
      w.string(code);
    }
  }
}

/** SELECTDB and RESIZEDB for a database section. */
export function writeDbStart(w: RdbWriter, index: number, size: number, expires: number): void {
  w.byte(RdbOp.SELECTDB);
  w.len(index);
  w.byte(RdbOp.RESIZEDB);
  w.len(size);
  w.len(expires);
}

/** One key: expiry, access information, type, key, value. */
export function writeKey(
  w: RdbWriter, key: string, value: Value, expireAt: number | bigint | undefined,
  server: Server, policy: AccessPolicy, stamp: number | undefined,
): void {
  if (expireAt !== undefined) {
    w.byte(RdbOp.EXPIRETIME_MS);
    w.millis(expireAt);
  }
  if (policy === 'lru' && stamp !== undefined) {
    w.byte(RdbOp.IDLE);
    w.len(idleSeconds(server, stamp));
  } else if (policy === 'lfu' && stamp !== undefined) {
    w.byte(RdbOp.FREQ);
    w.byte(lfuCounter(server, stamp));
  }
  const type = rdbTypeOf(value);
  w.byte(type);
  w.string(key);
  saveValue(w, value, type);
}

/** EOF and the checksum (zero when rdbchecksum is off). */
export function writeTrailer(w: RdbWriter): void {
  w.byte(RdbOp.EOF);
  const crc = w.checksum();
  w.raw(crc ? crc.bytes() : Buffer.alloc(8));
  w.flush();
}

// ---- Loading ----

export interface RdbLoadOptions {
  /** Loading an AOF base: expired keys are kept (the AOF tail may rely on them). */
  aofBase?: boolean;
  /** Replace keys that already exist (DEBUG RELOAD MERGE) instead of failing. */
  allowDuplicates?: boolean;
}

export interface RdbLoadResult {
  version: number;
  keysLoaded: number;
  keysExpired: number;
  emptyKeysSkipped: number;
  aux: Map<string, string>;
}

/**
 * Loads an RDB stream into the server's databases. Throws CorruptDataError (with the byte
 * offset in `offset`) on bad or truncated data.
 */
export function loadRdb(server: Server, r: RdbReader, opts: RdbLoadOptions = {}): RdbLoadResult {
  return runToEnd(loadRdbSteps(server, r, opts));
}

/** Runs a loading generator to its end, synchronously. */
export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const x = steps.next();
    if (x.done) return x.value;
  }
}

/**
 * loadRdb in steps: yields every loading-process-events-interval-bytes of input (and after
 * every key with key-load-delay), so that a caller may serve clients in between.
 */
export function* loadRdbSteps(server: Server, r: RdbReader, opts: RdbLoadOptions = {}): Generator<void, RdbLoadResult> {
  const interval = (server.config.values['loading-process-events-interval-bytes'] as number | undefined) ?? 2 * 1024 * 1024;
  const perKey = ((server.config.values['key-load-delay'] as number | undefined) ?? 0) > 0;
  let nextYield = r.offset + interval;
  r.startChecksum();
  r.need(9);
  const magic = r.buf.latin1Slice(r.pos, r.pos + 9);
  r.pos += 9;
  if (!magic.startsWith('REDIS')) throw new RdbSignatureError('Wrong signature trying to load DB from file');
  const version = parseInt(magic.slice(5), 10);
  if (!(version >= 1 && version <= RDB_MAX_LOAD_VERSION)) throw new RdbSignatureError(`Can't handle RDB format version ${magic.slice(5)}`);
  const result: RdbLoadResult = { version, keysLoaded: 0, keysExpired: 0, emptyKeysSkipped: 0, aux: new Map() };
  const policy = accessPolicy(server);
  const loadOpts = { config: server.config.values };
  const defaultStamp = server.storeStamp(undefined);
  // A master drops keys that expired meanwhile; a replica keeps them for its master to delete
  // (as does an AOF's base).
  const dropExpiredBefore = opts.aofBase || server.config.values.replicaof !== null ? -Infinity : Date.now();
  let db = server.dbs[0];
  let expireAt: number | bigint = -1;
  let idle = -1;
  let freq = -1;
  for (;;) {
    if (r.offset >= nextYield) {
      nextYield = r.offset + interval;
      yield;
    }
    const type = r.byte();
    switch (type) {
      case RdbOp.EXPIRETIME:
        expireAt = r.seconds() * 1000;
        continue;
      case RdbOp.EXPIRETIME_MS:
        expireAt = r.millis();
        continue;
      case RdbOp.FREQ:
        freq = r.byte();
        continue;
      case RdbOp.IDLE:
        idle = r.len();
        continue;
      case RdbOp.EOF:
        break;
      case RdbOp.SELECTDB: {
        const id = r.len();
        if (id >= server.dbs.length) {
          throw new RdbFatalError(`FATAL: Data file was created with a Redis server configured to handle more than ${server.dbs.length} databases. Exiting\n`);
        }
        db = server.dbs[id];
        continue;
      }
      case RdbOp.RESIZEDB: {
        const size = r.len();
        r.len();
        if (size > 0 && size < 1 << 30) db.keys.reserve(db.keys.size + size);
        continue;
      }
      case RdbOp.AUX: {
        const k = r.string();
        const v = r.string();
        result.aux.set(k, v);
        logAux(server, k, v);
        continue;
      }
      case RdbOp.MODULE_AUX: {
        const id = r.lenBig();
        const whenOp = r.len();
        r.len();
        if (whenOp !== MODULE_OPCODE_UINT) corrupt('bad when_opcode');
        throw new RdbFatalError(`The RDB file contains AUX module data I can't load: no matching module '${moduleTypeName(BigInt(id))}'`);
      }
      case RdbOp.FUNCTION:
      case RdbOp.FUNCTION2: {
        let code: string;
        if (type === RdbOp.FUNCTION) {
          const name = r.string();
          const engine = r.string();
          if (r.len()) r.string();
          code = `#!${engine} name=${name}\n${r.string()}`;
        } else {
          code = r.string();
        }
        const fns = rdbHooks.functions;
        if (fns === null) {
          server.log('warning', 'The RDB file contains a function library, which this server cannot load: skipped');
        } else {
          const e = fns.load(code, opts.allowDuplicates ?? false);
          if (e !== undefined) throw new RdbFatalError(`Failed loading library, ${e}`);
        }
        continue;
      }
      default: {
        if (type === RdbType.STRING && !opts.allowDuplicates && fastString(r, db, result, expireAt, dropExpiredBefore, idle < 0 && freq < 0 ? defaultStamp : stampFromRdb(server, policy, idle, freq) ?? defaultStamp)) {
          expireAt = -1;
          idle = -1;
          freq = -1;
          if (perKey) yield;
          continue;
        }
        const key = r.string();
        const value = loadValue(r, type, loadOpts);
        if (value === undefined) {
          if (result.emptyKeysSkipped++ < 10) server.log('warning', `rdbLoadObject skipping empty key: ${key}`);
        } else if (expireAt !== -1 && expireAt < dropExpiredBefore) {
          result.keysExpired++;
        } else {
          const before = db.keys.size;
          const stamp = idle < 0 && freq < 0 ? defaultStamp : stampFromRdb(server, policy, idle, freq) ?? defaultStamp;
          db.keys.set(key, value, stamp);
          if (db.keys.size === before) {
            if (!opts.allowDuplicates) throw new RdbFatalError(`RDB has duplicated key '${key}' in DB ${db.id}`);
            db.keys.setStamp(key, stamp);
            db.expires.delete(key);
          }
          if (expireAt !== -1) db.expires.set(key, expireAt);
          result.keysLoaded++;
        }
        expireAt = -1;
        idle = -1;
        freq = -1;
        if (perKey) yield;
        continue;
      }
    }
    break;
  }
  if (version >= 5) {
    const crc = r.checksumSoFar();
    r.need(8);
    const stored = r.buf.subarray(r.pos, r.pos + 8);
    r.pos += 8;
    const zero = stored.every((b) => b === 0);
    if (zero) {
      server.log('warning', 'RDB file was saved with checksum disabled: no check performed.');
    } else if (server.config.values.rdbchecksum !== false && !crc.equals(stored, 0)) {
      const got = Buffer.from(stored).readBigUInt64LE(0);
      server.log('warning', `Wrong RDB checksum expected: (${crc.toBigInt().toString(16)}) but got (${got.toString(16)}). Aborting now.`);
      corrupt('RDB CRC error');
    }
  }
  if (result.emptyKeysSkipped) {
    server.log('warning', `Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}, empty keys skipped: ${result.emptyKeysSkipped}.`);
  } else {
    server.log('notice', `Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}.`);
  }
  return result;
}

/**
 * The common case of loading a plain string key, without creating the key and value strings:
 * when both are stored verbatim and lie in the reader's buffer, the table's arena entry is
 * written straight from the bytes. Returns false (reader untouched) when it does not apply.
 */
function fastString(
  r: RdbReader, db: Database, result: RdbLoadResult,
  expireAt: number | bigint, dropExpiredBefore: number, stamp: number,
): boolean {
  const buf = r.buf;
  const end = r.end;
  let p = r.pos;
  const kl = rawLength(buf, p, end);
  if (kl < 0) return false;
  p += lengthSize(buf[p]);
  const ks = p;
  p += kl;
  if (p >= end) return false;
  const vl = rawLength(buf, p, end);
  if (vl < 0 || vl > 0x1fffffe8) return false;
  p += lengthSize(buf[p]);
  const vs = p;
  p += vl;
  if (p > end) return false;
  r.pos = p;
  if (expireAt !== -1 && expireAt < dropExpiredBefore) {
    result.keysExpired++;
    return true;
  }
  const h = hashBytes(buf, ks, kl);
  if (!db.keys.insertBytes(buf, ks, kl, vs, vl, h, stamp)) {
    throw new RdbFatalError(`RDB has duplicated key '${buf.latin1Slice(ks, ks + kl)}' in DB ${db.id}`);
  }
  if (expireAt !== -1) db.expires.set(buf.latin1Slice(ks, ks + kl), expireAt);
  result.keysLoaded++;
  return true;
}

/** A verbatim string length at buf[p] if it is complete in buf[p, end), else -1. */
function rawLength(buf: Buffer, p: number, end: number): number {
  if (p >= end) return -1;
  const b = buf[p];
  const kind = b >> 6;
  if (kind === 0) return b & 0x3f;
  if (kind === 1) return p + 1 < end ? ((b & 0x3f) << 8) | buf[p + 1] : -1;
  if (b === 0x80) return p + 4 < end ? buf.readUInt32BE(p + 1) : -1;
  return -1; // integer/LZF encodings and 64-bit lengths take the general path
}

function lengthSize(b: number): number {
  const kind = b >> 6;
  return kind === 0 ? 1 : kind === 1 ? 2 : 5;
}

function logAux(server: Server, k: string, v: string): void {
  const key = k.toLowerCase();
  if (k.startsWith('%')) server.log('notice', `RDB '${k}': ${v}`);
  else if (key === 'redis-ver') server.log('notice', `Loading RDB produced by version ${v}`);
  else if (key === 'ctime') server.log('notice', `RDB age ${Math.max(0, Math.floor(Date.now() / 1000) - (parseInt(v, 10) || 0))} seconds`);
  else if (key === 'used-mem') server.log('notice', `RDB memory usage when created ${((parseInt(v, 10) || 0) / (1024 * 1024)).toFixed(2)} Mb`);
  else if (key === 'aof-preamble') {
    if (parseInt(v, 10)) server.log('notice', 'RDB has an AOF tail');
  } else if (key === 'aof-base') {
    if (parseInt(v, 10)) server.log('notice', 'RDB is base AOF');
  }
}

/** The file is not an RDB file (or of an unsupported version). */
export class RdbSignatureError extends Error {}
/** The file can't be loaded by this server (too many databases, modules, duplicates). */
export class RdbFatalError extends Error {}

/** Formats a load failure the way Redis logs it. */
export function describeLoadError(e: unknown, r: RdbReader | null): string[] {
  if (e instanceof CorruptDataError) {
    const offset = r ? r.offset : 0;
    if (e.truncated) {
      return [
        'Short read or OOM loading DB. Unrecoverable error, aborting now.',
        `Internal error in RDB reading offset ${offset} -> Unexpected EOF reading RDB file`,
      ];
    }
    return [`Internal error in RDB reading offset ${offset} -> ${e.message}`];
  }
  if (e instanceof UnsupportedValueError) return [`Internal error in RDB reading offset ${r ? r.offset : 0} -> ${e.message}`];
  return [(e as Error).message];
}


// ---- Snapshot emitter ----


/** Writes a snapshot as an RDB file (BGSAVE, SAVE, the AOF's RDB base). */
export class RdbEmitter implements SnapshotEmitter {
  private readonly policy: AccessPolicy;
  constructor(
    readonly w: RdbWriter,
    private readonly server: Server,
    private readonly opts: HeaderOptions = {},
  ) {
    this.policy = accessPolicy(server);
  }

  get needStamp(): boolean {
    return this.policy !== 'none';
  }

  header(): void {
    // An AOF base has no replication information (Redis saves it without rdbSaveInfo).
    const hook = rdbHooks.replication;
    const replication = this.opts.aofBase || hook === null ? null : hook(this.server);
    writeHeader(this.w, replication === null ? this.opts : { ...this.opts, replication });
  }

  selectDb(index: number, size: number, expires: number, first: boolean): void {
    if (first) {
      writeDbStart(this.w, index, size, expires);
    } else {
      this.w.byte(RdbOp.SELECTDB);
      this.w.len(index);
    }
  }

  key(key: string, value: Value, expireAt: number | bigint | undefined, stamp: number | undefined): void {
    writeKey(this.w, key, value, expireAt, this.server, this.policy, stamp);
  }

  trailer(): void {
    writeTrailer(this.w);
  }
}
