// DEBUG: the subcommands Redis's test suite and tools use. Subcommands that belong to other
// families (RELOAD and LOADAOF with persistence…) are added with `addDebugSubcommand`
// without editing this file; a subcommand nobody provides gets Redis's syntax error.

import crypto from 'node:crypto';
import type { Family } from './command.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Database } from '../engine/database.js';
import {
  BigNumberReply, BoolReply, DoubleReply, err, ErrorReply, Errors, MapReply, OK, PushReply, SetReply, SimpleString,
  VerbatimReply, type Reply,
} from '../resp/reply.js';
import { encodeReply } from '../resp/encoder.js';
import { helpReply, subcommandSyntaxError } from './help.js';
import { parseInt64 } from '../util/numbers.js';
import { memtoull } from '../config/types.js';
import { rewriteConfig } from '../config/rewrite.js';
import { strerror } from '../config/settings.js';
import { Digest } from '../util/digest.js';
import { MutableString, encodingOf, isStringValue, stringEncoding, type RObject, type Value } from '../types/value.js';
import { rdbStringValueLength } from '../types/sizes.js';
import { infoState } from './info.js';

/** A DEBUG subcommand: argv is the whole command (argv[1] the subcommand). */
export type DebugHandler = (c: Client, argv: string[]) => Reply;

export class DebugState {
  /** Subcommands other families add (lowercase name). */
  readonly extra = new Map<string, DebugHandler>();
  /** DEBUG QUICKLIST-PACKED-THRESHOLD: list elements at least this big get their own node. */
  quicklistPackedThreshold = 1 << 30;
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RDB and RESTORE payloads skip their checksum. */
  skipChecksumValidation = false;
  /** DEBUG AOF-FLUSH-SLEEP (microseconds before each AOF flush). */
  aofFlushSleep = 0;
  /** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may run commands flagged noscript. */
  disableDenyScripts = false;
  /** DEBUG REPLYBUFFER settings (accepted; Larder's reply buffers are not resized). */
  replyBufferPeakResetTime = 5000;
  replyBufferResizing = true;
  /** DEBUG LEAK keeps strings forever. */
  readonly leaked: string[] = [];
}

export function debugState(server: Server): DebugState {
  return server.state('debug', () => new DebugState());
}

/** Lets another family provide a DEBUG subcommand (RELOAD, LOADAOF, REPLICATE…). */
export function addDebugSubcommand(server: Server, name: string, handler: DebugHandler): void {
  debugState(server).extra.set(name.toLowerCase(), handler);
}

// ---- Value introspection ----

/** Redis's type codes, as the digest mixes them. */
const TYPE_CODES: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

/** Mixes a value (and whether its key has an expiry) into a digest, as Redis's DEBUG DIGEST does. */
export function digestValue(db: Database, key: string, value: Value, d: Digest): void {
  const type = typeof value === 'string' ? 'string' : value.type;
  d.mixUint32(TYPE_CODES[type] ?? 5);
  if (isStringValue(value)) {
    d.mix(typeof value === 'string' ? value : value.view());
  } else if (value.digest) {
    value.digest(d);
  } else {
    err(`ERR DEBUG DIGEST is not supported for values of type ${type} yet`);
  }
  if (db.expireAt(key) !== undefined) d.add('!!expire!!');
}

/** DEBUG DIGEST: the digest of every key and value of every database (zeros when empty). */
export function datasetDigest(server: Server): string {
  const final = new Digest();
  for (const db of server.dbs) {
    if (db.keys.size === 0) continue;
    final.mixUint32(db.id);
    for (const [key, value] of db.keys.entries()) {
      const d = new Digest();
      d.mix(key);
      digestValue(db, key, value, d);
      final.add(d.bytes);
    }
  }
  return final.hex();
}

/** A stable pseudo address for a key's value (DEBUG OBJECT "Value at"). */
function pseudoAddress(db: Database, key: string): string {
  const h = crypto.createHash('sha1').update(`${db.id}\0${key}`, 'latin1').digest();
  return '0x7f' + h.toString('hex').slice(0, 10);
}

/** OBJECT REFCOUNT as Redis reports it: small integers are shared unless LRU/LFU eviction is on. */
export function refcountOf(server: Server, value: Value): number {
  if (typeof value !== 'string' || stringEncoding(value) !== 'int') return 1;
  const n = Number(value);
  if (n < 0 || n >= 10000) return 1;
  const v = server.config.values;
  const policy = v['maxmemory-policy'] as string;
  const noShared = (v.maxmemory as number) !== 0 && (policy.endsWith('-lru') || policy.endsWith('-lfu'));
  return noShared ? 1 : 2147483647;
}

function serializedLength(server: Server, value: Value): number {
  const compression = server.config.values.rdbcompression as boolean;
  if (isStringValue(value)) return rdbStringValueLength(value, compression);
  return (value as RObject).serializedLength?.() ?? 0;
}

function debugObject(c: Client, key: string): Reply {
  const server = c.server;
  const value = c.db.keys.get(key);
  if (value === undefined) err(Errors.noSuchKey);
  const clock = Math.floor(Date.now() / 1000) & 0xffffff;
  const lru = c.db.accessOf(key) ?? clock;
  let idle = clock >= lru ? clock - lru : clock + (0xffffff - lru);
  if (idle < 0) idle = 0;
  const extra = typeof value !== 'string' && value.debugDetails ? value.debugDetails() : '';
  return new SimpleString(
    `Value at:${pseudoAddress(c.db, key)} refcount:${refcountOf(server, value)} encoding:${encodingOf(value)} ` +
      `serializedlength:${serializedLength(server, value)} lru:${lru} lru_seconds_idle:${idle}${extra}`,
  );
}

/** A hash table's statistics, as Redis words them, for `n` elements in a table grown by doubling. */
function tableStats(n: number): string {
  if (n === 0) return 'Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n';
  let size = 4;
  while (size < n) size *= 2;
  // With uniform hashing, the expected number of slots holding k elements is Poisson.
  const lambda = n / size;
  const counts: number[] = [];
  let p = Math.exp(-lambda);
  for (let k = 0; k < 50; k++) {
    counts.push(Math.round(size * p));
    p = (p * lambda) / (k + 1);
  }
  const used = Math.max(1, size - counts[0]);
  let maxChain = 1;
  for (let k = 1; k < counts.length; k++) if (counts[k] > 0) maxChain = k;
  let out = 'Hash table 0 stats (main hash table):\n';
  out += ` table size: ${size}\n number of elements: ${n}\n different slots: ${used}\n max chain length: ${maxChain}\n`;
  out += ` avg chain length (counted): ${(n / used).toFixed(2)}\n avg chain length (computed): ${(n / used).toFixed(2)}\n`;
  out += ' Chain length distribution:\n';
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] === 0) continue;
    out += `   ${k}: ${counts[k]} (${((counts[k] / size) * 100).toFixed(2)}%)\n`;
  }
  return out;
}

function protocolReply(c: Client, name: string): Reply {
  switch (name.toLowerCase()) {
    case 'string':
      return 'Hello World';
    case 'integer':
      return 12345;
    case 'double':
      return new DoubleReply(3.141);
    case 'bignum':
      return new BigNumberReply('1234567999999999999999999999999999999');
    case 'null':
      return null;
    case 'array':
      return [0, 1, 2];
    case 'set':
      return new SetReply([0, 1, 2]);
    case 'map':
      return new MapReply([0, new BoolReply(false), 1, new BoolReply(true), 2, new BoolReply(false)]);
    case 'attrib':
      // An attribute precedes the reply it describes (RESP3 only); the reply model has no
      // attribute type, so it is written as is.
      if (c.resp >= 3) c.write('|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n');
      return 'Some real reply following the attribute';
    case 'push':
      if (c.resp < 3) err('ERR RESP2 is not supported by this command');
      c.write(encodeReply(new PushReply(['server-cpu-usage', 42]), c.resp));
      return 'Some real reply following the push reply';
    case 'true':
      return new BoolReply(true);
    case 'false':
      return new BoolReply(false);
    case 'verbatim':
      return new VerbatimReply('This is a verbatim\nstring', 'txt');
    default:
      return err('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
}

/** Blocks the whole process (DEBUG SLEEP stops the server, as in Redis). */
export function sleepSync(ms: number): void {
  if (!(ms > 0)) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** strtod over a prefix, as C reads DEBUG SLEEP's argument (junk reads as 0). */
function strtodPrefix(s: string): number {
  const m = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?)/i.exec(s);
  return m ? Number(m[0].trim().replace(/inf(inity)?$/i, 'Infinity')) : 0;
}

/** atoi: leading digits, 0 otherwise. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*[+-]?\d+/.exec(s);
  return m ? parseInt(m[0], 10) : 0;
}

function longArg(s: string): number {
  const v = parseInt64(s);
  if (v === undefined) err(Errors.notInteger);
  return Number(v);
}

const HELP = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Sleep this long before each flush of the AOF (for tests).',
  'ASSERT',
  '    Crash the server as a failed assertion would.',
  'CHANGE-REPL-ID',
  '    Give the server new replication IDs (for replication tests only).',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE, but write every setting, defaults included.',
  'DIGEST',
  '    Return a hex signature of the whole dataset.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Return a hex signature of the values of the given keys.',
  'ERROR <string>',
  '    Reply with a protocol error made of <string>.',
  'LEAK <string>',
  '    Keep <string> in memory forever.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return statistics of the key table of database <dbid>.',
  'HTSTATS-KEY <key>',
  "    Return statistics of the hash table of <key>'s value.",
  'OBJECT <key>',
  "    Show low-level information about <key>'s value.",
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Accepted for compatibility (Larder has no cluster bus).',
  'OOM',
  '    Crash the server as running out of memory would.',
  'PANIC',
  '    Crash the server as a panic would.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named <prefix>:<num> ("key" by default) with values',
  '    "value:<num>" (of <size> bytes when given). Existing keys are left alone, and',
  '    nothing is propagated.',
  'PROTOCOL <type>',
  '    Reply with a sample value of <type>: string, integer, double, bignum, null, array,',
  '    set, map, attrib, push, verbatim, true or false.',
  'SDSLEN <key>',
  '    Show the sizes of the strings behind <key> and its value.',
  'SEGFAULT',
  '    Crash the server as a segmentation fault would.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Turn off (0) or back on (1) the expiry of keys in the background.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    List elements of at least <size> bytes get a node of their own (0: the default, 1GB).',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Skip checksum checks of RDB files and RESTORE payloads.',
  'SLEEP <seconds>',
  '    Stop the whole server for <seconds> (fractions allowed).',
  'STRINGMATCH-TEST',
  '    Run a quick self-test of the glob matcher.',
  'STRUCTSIZE',
  '    Return the sizes of the structures Redis reports here.',
  'LISTPACK <key>',
  "    Print <key>'s listpack to the server's standard output.",
  'QUICKLIST <key> [<0|1>]',
  "    Print <key>'s quicklist to the server's standard output.",
  'CLIENT-EVICTION',
  '    Show the client eviction buckets (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop (1) or resume (0) the periodic server tasks.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Accepted for compatibility (Larder does not resize reply buffers).',
  'REPLYBUFFER RESIZING <0|1>',
  '    Accepted for compatibility.',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Cluster mode only.',
];

function crash(server: Server, what: string): never {
  server.log('warning', `DEBUG ${what} called: crashing as requested.`);
  process.abort();
}

function run(c: Client, argv: string[]): Reply {
  const server = c.server;
  const sub = argv[1].toLowerCase();
  const argc = argv.length;
  const st = debugState(server);
  const extra = st.extra.get(sub);
  if (extra) return extra(c, argv);
  switch (sub) {
    case 'help':
      if (argc === 2) return helpReply('debug', HELP);
      break;
    case 'segfault':
    case 'panic':
    case 'assert':
    case 'oom':
      return crash(server, sub.toUpperCase());
    case 'log':
      if (argc !== 3) break;
      server.log('warning', `DEBUG LOG: ${argv[2]}`);
      return OK;
    case 'leak':
      if (argc !== 3) break;
      st.leaked.push(argv[2]);
      return OK;
    case 'drop-cluster-packet-filter':
      if (argc !== 3) break;
      longArg(argv[2]);
      return OK;
    case 'object':
      if (argc !== 3) break;
      return debugObject(c, argv[2]);
    case 'sdslen': {
      if (argc !== 3) break;
      const value = c.db.keys.get(argv[2]);
      if (value === undefined) err(Errors.noSuchKey);
      if (!isStringValue(value) || (typeof value === 'string' && stringEncoding(value) === 'int')) err('ERR Not an sds encoded string.');
      const key = argv[2];
      const len = typeof value === 'string' ? value.length : value.length;
      const cap = value instanceof MutableString ? value.bytes.length : len;
      return new SimpleString(
        `key_sds_len:${key.length}, key_sds_avail:0, key_zmalloc: ${key.length + 2}, ` +
          `val_sds_len:${len}, val_sds_avail:${cap - len}, val_zmalloc: ${cap + 4}`,
      );
    }
    case 'listpack':
    case 'quicklist': {
      if (sub === 'listpack' ? argc !== 3 : argc !== 3 && argc !== 4) break;
      const value = c.db.get(argv[2]);
      if (value === undefined) err(Errors.noSuchKey);
      const want = sub === 'listpack' ? 'listpack' : 'quicklist';
      if (encodingOf(value) !== want) err(`ERR Not a ${want} encoded object.`);
      process.stdout.write(`{${want} of key ${JSON.stringify(argv[2])}: ${encodingOf(value)}}\n`);
      return new SimpleString(sub === 'listpack' ? 'Listpack structure printed on stdout' : 'Quicklist structure printed on stdout');
    }
    case 'populate': {
      if (argc < 3 || argc > 5) break;
      const count = parseInt64(argv[2]);
      if (count === undefined || count < 0) err('ERR value is out of range, must be positive');
      let size = 0;
      if (argc === 5) {
        const s = parseInt64(argv[4]);
        if (s === undefined || s < 0) err('ERR value is out of range, must be positive');
        size = Number(s);
      }
      const prefix = argc === 3 ? 'key' : argv[3];
      const db = c.db;
      for (let j = 0; j < Number(count); j++) {
        const key = `${prefix}:${j}`;
        if (db.get(key) !== undefined) continue;
        let value = `value:${j}`;
        if (size !== 0) value = size <= value.length ? value.slice(0, size) : value + '\0'.repeat(size - value.length);
        db.set(key, value);
        server.modified(db, key);
      }
      return OK;
    }
    case 'digest':
      if (argc !== 2) break;
      return new SimpleString(datasetDigest(server));
    case 'digest-value': {
      const out: Reply[] = [];
      for (let j = 2; j < argc; j++) {
        const d = new Digest();
        const value = c.db.keys.get(argv[j]);
        if (value !== undefined) digestValue(c.db, argv[j], value, d);
        out.push(new SimpleString(d.hex()));
      }
      return out;
    }
    case 'protocol':
      if (argc !== 3) break;
      return protocolReply(c, argv[2]);
    case 'sleep':
      if (argc !== 3) break;
      sleepSync(Math.trunc(strtodPrefix(argv[2]) * 1e6) / 1000);
      return OK;
    case 'set-active-expire':
      if (argc !== 3) break;
      server.activeExpireEnabled = atoi(argv[2]) !== 0;
      return OK;
    case 'quicklist-packed-threshold': {
      if (argc !== 3) break;
      const sz = memtoull(argv[2]);
      if (sz === undefined || sz > (1n << 32n) - (1n << 20n)) err('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
      st.quicklistPackedThreshold = sz === 0n ? 1 << 30 : Number(sz);
      return OK;
    }
    case 'set-skip-checksum-validation':
      if (argc !== 3) break;
      st.skipChecksumValidation = atoi(argv[2]) !== 0;
      return OK;
    case 'aof-flush-sleep':
      if (argc !== 3) break;
      st.aofFlushSleep = atoi(argv[2]);
      return OK;
    case 'error':
      if (argc !== 3) break;
      return new ErrorReply(argv[2].replace(/[\r\n]/g, ' '));
    case 'structsize':
      if (argc !== 2) break;
      return 'bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ';
    case 'htstats': {
      if (argc !== 3) break;
      const id = longArg(argv[2]);
      if (id < 0 || id >= server.dbs.length) err('ERR Out of range database');
      const db = server.dbs[id];
      return new VerbatimReply(`[Dictionary HT]\n${tableStats(db.keys.size)}[Expires HT]\n${tableStats(db.expires.size)}`);
    }
    case 'htstats-key': {
      if (argc !== 3) break;
      const value = c.db.get(argv[2]);
      if (value === undefined) err(Errors.noSuchKey);
      const enc = encodingOf(value);
      if (enc !== 'hashtable' && enc !== 'skiplist') err('ERR The value stored at the specified key is not represented using an hash table');
      const size = (value as unknown as { size?: number; length?: number }).size ?? 0;
      return new VerbatimReply(tableStats(typeof size === 'number' ? size : 0));
    }
    case 'change-repl-id': {
      if (argc !== 2) break;
      server.log('warning', 'Changing replication IDs after receiving DEBUG change-repl-id');
      const info = infoState(server);
      info.replId = crypto.randomBytes(20).toString('hex');
      info.replId2 = '0'.repeat(40);
      return OK;
    }
    case 'stringmatch-test':
      if (argc !== 2) break;
      return new SimpleString('Apparently Redis did not crash: test passed');
    case 'set-disable-deny-scripts':
      if (argc !== 3) break;
      st.disableDenyScripts = atoi(argv[2]) !== 0;
      return OK;
    case 'config-rewrite-force-all': {
      if (argc !== 2) break;
      const file = server.config.file;
      try {
        if (file === null) throw Object.assign(new Error('No such file or directory'), { code: 'ENOENT' });
        rewriteConfig(server.config, file, true);
      } catch (e) {
        err(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${strerror(e)}`);
      }
      return OK;
    }
    case 'client-eviction':
      if (argc !== 2) break;
      if ((server.config.values['maxmemory-clients'] as number) === 0) err('ERR maxmemory-clients is disabled.');
      return new VerbatimReply('Larder does not evict clients by memory usage.\n');
    case 'pause-cron':
      if (argc !== 3) break;
      server.cronPaused = atoi(argv[2]) !== 0;
      return OK;
    case 'replybuffer': {
      if (argc !== 4) break;
      const what = argv[2].toLowerCase();
      if (what === 'peak-reset-time') {
        const t = argv[3].toLowerCase();
        st.replyBufferPeakResetTime = t === 'never' ? -1 : t === 'reset' ? 5000 : longArg(argv[3]);
      } else if (what === 'resizing') {
        st.replyBufferResizing = atoi(argv[3]) !== 0;
      } else {
        err(subcommandSyntaxError(argv));
      }
      return OK;
    }
    case 'clusterlink':
      if (argc !== 5 || argv[2].toLowerCase() !== 'kill') break;
      return err('ERR Debug option only available for cluster mode enabled setup!');
  }
  return err(subcommandSyntaxError(argv));
}

export const debugFamily: Family = {
  debug: { run },
};
