// Larder's settings: every setting of redis-server 7.0.15 (names, aliases, limits, defaults,
// flags and error texts as in Redis's config table), so that CONFIG GET * lists the same
// names. Settings that have no effect in Larder are accepted, validated and reported all the
// same; they are grouped under "Inert" below. A family that gives one of them an effect reads
// `server.config.values[name]` (and hooks `apply` for changes) and moves it up.

import { SettingFlag as F, type Setting } from './config.js';
import {
  LIMITS, bool, enumOf, formatMemoryUnits, memtoull, numeric, oneOf, percentiles, str,
  type NumericOptions, type RewriteLine, type SettingType,
} from './types.js';
import { repr } from '../util/repr.js';

const { INT_MIN, INT_MAX, UINT_MAX, LONG_MAX, LLONG_MAX, ULLONG_MAX, SSIZE_MAX } = LIMITS;

// ---- Special setting types ----

/** strtoll over a whole argument (leading blanks and a sign allowed; "" reads as 0). */
function strtollFull(s: string): number | undefined {
  if (s === '') return 0;
  if (!/^[ \t\n\v\f\r]*[+-]?\d+$/.test(s)) return undefined;
  const v = BigInt(s.trim());
  const clamped = v > LLONG_MAX ? LLONG_MAX : v < -LLONG_MAX - 1n ? -LLONG_MAX - 1n : v;
  return Number(clamped);
}

/** save: "<seconds> <changes>" pairs; "" disables. */
export interface SavePoint {
  seconds: number;
  changes: number;
}
const savePoints: SettingType<SavePoint[]> = {
  parse: (t) => savePoints.parseArgs!(t === '' ? [] : t.split(' ')),
  parseArgs(args) {
    if (args.length === 1 && args[0] === '') args = [];
    if (args.length % 2 !== 0) return { error: 'Invalid save parameters' };
    const points: SavePoint[] = [];
    for (let i = 0; i < args.length; i += 2) {
      const seconds = strtollFull(args[i]);
      const changes = strtollFull(args[i + 1]);
      if (seconds === undefined || changes === undefined || seconds < 1 || changes < 0) return { error: 'Invalid save parameters' };
      points.push({ seconds, changes: changes | 0 });
    }
    return { value: points };
  },
  format: (v) => v.map((p) => `${p.seconds} ${p.changes}`).join(' '),
  // Every save point is its own line; no save points is written as `save ""` so that the
  // defaults don't come back on restart.
  rewrite: (v) => (v.length === 0 ? [{ args: '""', force: true }] : v.map((p) => ({ args: `${p.seconds} ${p.changes}`, force: true }))),
};

/** client-output-buffer-limit: "<class> <hard> <soft> <soft-seconds>" groups. */
export interface BufferLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}
export type BufferLimits = Record<'normal' | 'replica' | 'pubsub', BufferLimit>;
const BUFFER_CLASSES = ['normal', 'replica', 'pubsub'] as const;
const DEFAULT_BUFFER_LIMITS: BufferLimits = {
  normal: { hard: 0, soft: 0, softSeconds: 0 },
  replica: { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 },
  pubsub: { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 },
};
const bufferLimits: SettingType<BufferLimits> = {
  parse: (t, current) => bufferLimits.parseArgs!(t === '' ? [] : t.split(' '), current),
  // Only the classes named change; the others keep their current limits.
  parseArgs(args, current) {
    if (args.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
    const value: BufferLimits = structuredClone(current ?? DEFAULT_BUFFER_LIMITS);
    for (let i = 0; i < args.length; i += 4) {
      let cls = args[i].toLowerCase();
      if (cls === 'slave') cls = 'replica';
      if (cls !== 'normal' && cls !== 'replica' && cls !== 'pubsub') return { error: 'Invalid client class specified in buffer limit configuration.' };
      const hard = memtoull(args[i + 1]);
      const soft = memtoull(args[i + 2]);
      const secs = strtollFull(args[i + 3]);
      if (hard === undefined || soft === undefined || secs === undefined || secs < 0 || args[i + 3] === '') {
        return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
      }
      value[cls] = { hard: Number(hard), soft: Number(soft), softSeconds: secs };
    }
    return { value };
  },
  format: (v) => BUFFER_CLASSES.map((c) => `${c === 'replica' ? 'slave' : c} ${v[c].hard} ${v[c].soft} ${v[c].softSeconds}`).join(' '),
  rewrite: (v) =>
    BUFFER_CLASSES.map((c) => {
      const d = DEFAULT_BUFFER_LIMITS[c];
      const x = v[c];
      return {
        args: `${c} ${formatMemoryUnits(BigInt(x.hard))} ${formatMemoryUnits(BigInt(x.soft))} ${x.softSeconds}`,
        force: x.hard !== d.hard || x.soft !== d.soft || x.softSeconds !== d.softSeconds,
      };
    }),
};

// Keyspace notification classes, as notify-keyspace-events spells them.
export const Notify = {
  Keyspace: 1 << 0, // K
  Keyevent: 1 << 1, // E
  Generic: 1 << 2, // g
  String: 1 << 3, // $
  List: 1 << 4, // l
  Set: 1 << 5, // s
  Hash: 1 << 6, // h
  Zset: 1 << 7, // z
  Expired: 1 << 8, // x
  Evicted: 1 << 9, // e
  Stream: 1 << 10, // t
  KeyMiss: 1 << 11, // m
  Module: 1 << 13, // d
  New: 1 << 14, // n
} as const;
/** What 'A' stands for (not keymiss, not new-key). */
const NOTIFY_ALL = Notify.Generic | Notify.String | Notify.List | Notify.Set | Notify.Hash | Notify.Zset | Notify.Expired | Notify.Evicted | Notify.Stream | Notify.Module;
const NOTIFY_CLASSES: [string, number][] = [
  ['g', Notify.Generic], ['$', Notify.String], ['l', Notify.List], ['s', Notify.Set], ['h', Notify.Hash],
  ['z', Notify.Zset], ['x', Notify.Expired], ['e', Notify.Evicted], ['t', Notify.Stream], ['d', Notify.Module], ['n', Notify.New],
];
const NOTIFY_CHARS: Record<string, number> = {
  ...Object.fromEntries(NOTIFY_CLASSES), A: NOTIFY_ALL, K: Notify.Keyspace, E: Notify.Keyevent, m: Notify.KeyMiss,
};
function formatNotifyFlags(flags: number): string {
  let out = '';
  // With every class of 'A' set, 'A' alone stands for the classes (new-key events included,
  // as Redis prints them).
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) out = 'A';
  else for (const [c, bit] of NOTIFY_CLASSES) if (flags & bit) out += c;
  if (flags & Notify.Keyspace) out += 'K';
  if (flags & Notify.Keyevent) out += 'E';
  if (flags & Notify.KeyMiss) out += 'm';
  return out;
}
const notifyFlags: SettingType<number> = {
  parse(t) {
    let flags = 0;
    for (const ch of t) {
      const bit = NOTIFY_CHARS[ch];
      if (bit === undefined) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
      flags |= bit;
    }
    return { value: flags };
  },
  format: formatNotifyFlags,
  rewrite: (v) => [{ args: repr(formatNotifyFlags(v)), force: v !== 0 }],
};

/** bind: up to 16 addresses; "" binds nothing explicit. */
const DEFAULT_BIND = ['*', '-::*'];
const bindAddresses: SettingType<string[]> = {
  parse: (t) => bindAddresses.parseArgs!(t === '' ? [] : t.split(' ')),
  parseArgs(args) {
    if (args.length > 16) return { error: 'Too many bind addresses specified.' };
    if (args.length === 1 && args[0] === '') return { value: [] };
    return { value: [...args] };
  },
  format: (v) => v.join(' '),
  rewrite(v) {
    if (v.length === DEFAULT_BIND.length && v.every((a, i) => a === DEFAULT_BIND[i])) return null;
    return [{ args: v.length ? v.join(' ') : '""', force: true }];
  },
};

/** replicaof: "<host> <port>", or "no one". Nothing when this server is a master. */
export interface ReplicaOf {
  host: string;
  port: number;
}
const replicaOf: SettingType<ReplicaOf | null> = {
  parse: (t) => replicaOf.parseArgs!(t === '' ? [] : t.split(' ')),
  parseArgs(args) {
    if (args.length !== 2) return { error: 'wrong number of arguments' };
    if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return { value: null };
    const port = /^[ \t\n\v\f\r]*[+-]?\d+$/.test(args[1]) ? Number(args[1]) : args[1] === '' ? 0 : NaN;
    if (!(port >= 0 && port <= 65535)) return { error: 'Invalid master port' };
    return { value: { host: args[0], port } };
  },
  format: (v) => (v ? `${v.host} ${v.port}` : ''),
  rewrite: (v) => (v ? [{ args: `${v.host} ${v.port}`, force: true }] : null),
};

/** oom-score-adj-values: three values (master, replica, background child). */
const DEFAULT_OOM_VALUES = [0, 200, 800];
const oomValues: SettingType<number[]> = {
  parse: (t) => oomValues.parseArgs!(t === '' ? [] : t.split(' ')),
  parseArgs(args) {
    if (args.length !== 3) return { error: 'wrong number of arguments' };
    const out: number[] = [];
    for (const a of args) {
      const v = strtollFull(a);
      if (v === undefined || v < -2000 || v > 2000) return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
      out.push(v);
    }
    return { value: out };
  },
  format: (v) => v.join(' '),
  rewrite: (v) => [{ args: v.join(' '), force: v.some((x, i) => x !== DEFAULT_OOM_VALUES[i]) }],
};

/** SHUTDOWN flags of shutdown-on-sigint/sigterm (several names at once). */
export const ShutdownFlag = { Save: 1, NoSave: 2, Now: 4, Force: 8 } as const;
const shutdownFlags = enumOf(
  [['default', 0], ['save', ShutdownFlag.Save], ['nosave', ShutdownFlag.NoSave], ['now', ShutdownFlag.Now], ['force', ShutdownFlag.Force]] as const,
  {
    flags: true,
    check: (v) => (v & ShutdownFlag.Save && v & ShutdownFlag.NoSave ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : undefined),
  },
) as SettingType<number>;

/** The working directory: setting it changes directory at once; CONFIG GET shows the real one. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links', ENAMETOOLONG: 'File name too long', EPERM: 'Operation not permitted',
};
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && STRERROR[code]) || (e as Error).message;
}
function changeDirectory(dir: unknown): string | void {
  try {
    process.chdir(dir as string);
  } catch (e) {
    return strerror(e);
  }
}

/** A number kept within [lo, hi] once valid (hz: Redis accepts any but runs 1..500). */
function clamped(t: SettingType<number>, lo: number, hi: number): SettingType<number> {
  return {
    ...t,
    parse(text) {
      const p = t.parse(text);
      if ('error' in p) return p;
      const v = Math.min(Math.max(p.value, lo), hi);
      return { value: v, text: String(v) };
    },
  };
}

// ---- Validators ----

const isBaseName = (p: string) => !p.includes('/') && !p.includes('\\');
const dbFilename = (v: string) => (isBaseName(v) ? undefined : "dbfilename can't be a path, just a filename");
const aofFilename = (v: string) =>
  v === '' ? "appendfilename can't be empty" : isBaseName(v) ? undefined : "appendfilename can't be a path, just a filename";
const aofDirname = (v: string) =>
  v === '' ? "appenddirname can't be empty" : isBaseName(v) ? undefined : "appenddirname can't be a path, just a dirname";
function announcedHostname(v: string): string | undefined {
  if (Buffer.byteLength(v, 'latin1') >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return undefined;
}
const TITLE_VARS = new Set(['title', 'listen-addr', 'server-mode', 'config-file', 'port', 'tls-port', 'unixsocket']);
/** proc-title-template: known {variables} only, and not empty once expanded. */
function procTitleTemplate(v: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < v.length) {
    const open = v.indexOf('{', i);
    if (open < 0) {
      out += v.slice(i);
      break;
    }
    out += v.slice(i, open);
    if (open + 1 >= v.length) return 'template format is invalid or contains unknown variables';
    if (v[open + 1] === '{') {
      out += '{';
      i = open + 2;
      continue;
    }
    const close = v.indexOf('}', open + 1);
    if (close < 0) return 'template format is invalid or contains unknown variables';
    const name = v.slice(open + 1, close);
    if (!TITLE_VARS.has(name)) return 'template format is invalid or contains unknown variables';
    // Expanded with an empty title: the other variables always produce something but the
    // server mode (empty for a standalone server).
    if (name !== 'title' && name !== 'server-mode' && name !== 'unixsocket') out += 'x';
    i = close + 1;
  }
  return out.trim() === '' ? 'template format is invalid or contains unknown variables' : undefined;
}

// ---- Table helpers ----

type Extra = Partial<Setting>;
const B = (name: string, def: boolean, flags = 0, extra: Extra = {}): Setting => ({ name, type: bool, default: def ? 'yes' : 'no', flags, ...extra });
const S = (name: string, def: string, flags = 0, opts: Parameters<typeof str>[0] = {}, extra: Extra = {}): Setting => ({ name, type: str(opts), default: def, flags, ...extra });
/** A string that Redis treats as unset when empty (CONFIG REWRITE leaves it out). */
const SN = (name: string, flags = 0, opts: Parameters<typeof str>[0] = {}, extra: Extra = {}) => S(name, '', flags, { ...opts, emptyIsNull: true }, extra);
const E = (name: string, names: string[], def: string, flags = 0, extra: Extra = {}): Setting => ({ name, type: oneOf(names), default: def, flags, ...extra });
const N = (name: string, o: NumericOptions, def: string, flags = 0, extra: Extra = {}): Setting => ({ name, type: numeric(o), default: def, flags, ...extra });
const I = (name: string, min: bigint, max: bigint, def: number, flags = 0, extra: Extra = {}) => N(name, { min, max }, String(def), flags, extra);
const UI = (name: string, min: bigint, max: bigint, def: number, flags = 0, extra: Extra = {}) => N(name, { min, max, unsigned: true }, String(def), flags, extra);
const M = (name: string, min: bigint, max: bigint, def: number, flags = 0, extra: Extra = {}, unsigned = false) =>
  N(name, { min, max, memory: true, unsigned }, String(def), flags, extra);
const alias = (a: string): Extra => ({ alias: a });

const PROTECTED_ACTION = ['no', 'yes', 'local'];
const MB = 1024 * 1024;

/** The working directory, '' when it can't be read (removed), as Redis reports it. */
function currentDirectory(): string {
  try {
    return process.cwd();
  } catch {
    return '';
  }
}

export function defaultSettings(): Setting[] {
  return [
    // ---- Settings with an effect in Larder ----
    I('port', 0n, 65535n, 6379),
    { name: 'bind', type: bindAddresses, default: '* -::*', flags: F.MultiArg },
    I('databases', 1n, INT_MAX, 16, F.Immutable),
    { name: 'dir', type: str(), default: '.', flags: F.Protected | F.DenyLoading, onSet: changeDirectory, get: currentDirectory,
      rewrite: () => [{ args: repr(currentDirectory()), force: true }] },
    UI('maxclients', 1n, UINT_MAX, 10000),
    I('timeout', 0n, INT_MAX, 0),
    I('tcp-keepalive', 0n, INT_MAX, 300),
    I('tcp-backlog', 0n, INT_MAX, 511, F.Immutable),
    SN('unixsocket', F.Immutable),
    N('unixsocketperm', { min: 0n, max: 0o777n, unsigned: true, octal: true }, '0', F.Immutable),
    { ...I('hz', 0n, INT_MAX, 10), type: clamped(numeric({ min: 0n, max: INT_MAX }), 1, 500) },
    E('loglevel', ['debug', 'verbose', 'notice', 'warning'], 'notice'),
    S('logfile', '', F.Immutable),
    SN('pidfile', F.Immutable),
    B('always-show-logo', false, F.Immutable),
    { name: 'requirepass', type: str({ emptyIsNull: true }), default: '', flags: F.Sensitive },
    M('proto-max-bulk-len', 1024n * 1024n, LONG_MAX, 512 * MB),
    M('client-query-buffer-limit', 1024n * 1024n, LONG_MAX, 1024 * MB, 0, {}, true),
    { name: 'client-output-buffer-limit', type: bufferLimits, default: 'normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60', flags: F.MultiArg },
    { name: 'notify-keyspace-events', type: notifyFlags, default: '' },
    I('slowlog-log-slower-than', -1n, LLONG_MAX, 10000),
    N('slowlog-max-len', { min: 0n, max: LONG_MAX }, '128'),
    I('latency-monitor-threshold', 0n, LLONG_MAX, 0),
    B('latency-tracking', true),
    { name: 'latency-tracking-info-percentiles', type: percentiles, default: '50 99 99.9', flags: F.MultiArg },
    I('active-expire-effort', 1n, 10n, 1),
    E('enable-protected-configs', PROTECTED_ACTION, 'no', F.Immutable),
    E('enable-debug-command', PROTECTED_ACTION, 'no', F.Immutable),
    E('enable-module-command', PROTECTED_ACTION, 'no', F.Immutable),
    { name: 'shutdown-on-sigint', type: shutdownFlags, default: 'default', flags: F.MultiArg },
    { name: 'shutdown-on-sigterm', type: shutdownFlags, default: 'default', flags: F.MultiArg },
    I('shutdown-timeout', 0n, INT_MAX, 10),
    E('oom-score-adj', [], 'no'), // replaced below (aliases)
    { name: 'oom-score-adj-values', type: oomValues, default: '0 200 800', flags: F.MultiArg },
    // Encodings: read by the type families.
    I('list-max-listpack-size', INT_MIN, INT_MAX, -2, 0, alias('list-max-ziplist-size')),
    I('list-compress-depth', 0n, INT_MAX, 0),
    UI('hash-max-listpack-entries', 0n, LONG_MAX, 512, 0, alias('hash-max-ziplist-entries')),
    M('hash-max-listpack-value', 0n, LONG_MAX, 64, 0, alias('hash-max-ziplist-value'), true),
    UI('set-max-intset-entries', 0n, LONG_MAX, 512),
    UI('zset-max-listpack-entries', 0n, LONG_MAX, 128, 0, alias('zset-max-ziplist-entries')),
    M('zset-max-listpack-value', 0n, LONG_MAX, 64, 0, alias('zset-max-ziplist-value'), true),
    M('hll-sparse-max-bytes', 0n, LONG_MAX, 3000, 0, {}, true),
    M('stream-node-max-bytes', 0n, LONG_MAX, 4096, 0, {}, true),
    I('stream-node-max-entries', 0n, LLONG_MAX, 100),
    // Read by the families that implement them (eviction, scripting, tracking, persistence,
    // replication); inert until those exist.
    M('maxmemory', 0n, ULLONG_MAX, 0, 0, {}, true),
    E('maxmemory-policy', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], 'noeviction'),
    I('maxmemory-samples', 1n, INT_MAX, 5),
    I('maxmemory-eviction-tenacity', 0n, 100n, 10),
    N('maxmemory-clients', { min: -100n, max: SSIZE_MAX, memory: true, percent: true }, '0'),
    I('lfu-log-factor', 0n, INT_MAX, 10),
    I('lfu-decay-time', 0n, INT_MAX, 1),
    N('busy-reply-threshold', { min: 0n, max: LONG_MAX }, '5000', 0, alias('lua-time-limit')),
    UI('tracking-table-max-keys', 0n, LONG_MAX, 1000000),
    B('lazyfree-lazy-eviction', false),
    B('lazyfree-lazy-expire', false),
    B('lazyfree-lazy-server-del', false),
    B('lazyfree-lazy-user-del', false),
    B('lazyfree-lazy-user-flush', false),
    { name: 'save', type: savePoints, default: '3600 1 300 100 60 10000', flags: F.MultiArg, accumulate: (a: SavePoint[], b: SavePoint[]) => [...a, ...b] },
    S('dbfilename', 'dump.rdb', F.Protected, { check: dbFilename }),
    B('rdbcompression', true),
    B('rdbchecksum', true, F.Immutable),
    B('stop-writes-on-bgsave-error', true),
    B('rdb-del-sync-files', false),
    B('rdb-save-incremental-fsync', true),
    B('sanitize-dump-payload', false), // replaced below (enum)
    B('appendonly', false, F.DenyLoading),
    E('appendfsync', ['everysec', 'always', 'no'], 'everysec'),
    S('appendfilename', 'appendonly.aof', F.Immutable, { check: aofFilename }),
    S('appenddirname', 'appendonlydir', F.Immutable, { check: aofDirname }),
    B('no-appendfsync-on-rewrite', false),
    I('auto-aof-rewrite-percentage', 0n, INT_MAX, 100),
    N('auto-aof-rewrite-min-size', { min: 0n, max: LLONG_MAX, memory: true }, String(64 * MB)),
    B('aof-load-truncated', true),
    B('aof-use-rdb-preamble', true),
    B('aof-timestamp-enabled', false),
    B('aof-rewrite-incremental-fsync', true),
    B('aof-disable-auto-gc', false),
    { name: 'replicaof', alias: 'slaveof', type: replicaOf, default: '', initial: null, flags: F.Immutable | F.MultiArg },
    { name: 'masterauth', type: str({ emptyIsNull: true }), default: '', flags: F.Sensitive },
    SN('masteruser', F.Sensitive),
    B('replica-serve-stale-data', true, 0, alias('slave-serve-stale-data')),
    B('replica-read-only', true, 0, alias('slave-read-only')),
    B('replica-ignore-maxmemory', true, 0, alias('slave-ignore-maxmemory')),
    B('replica-lazy-flush', false, 0, alias('slave-lazy-flush')),
    B('replica-announced', true),
    B('replica-ignore-disk-write-errors', false),
    I('replica-priority', 0n, INT_MAX, 100, 0, alias('slave-priority')),
    SN('replica-announce-ip', 0, {}, alias('slave-announce-ip')),
    I('replica-announce-port', 0n, 65535n, 0, 0, alias('slave-announce-port')),
    M('repl-backlog-size', 1n, LLONG_MAX, MB),
    N('repl-backlog-ttl', { min: 0n, max: LONG_MAX }, '3600'),
    I('repl-timeout', 1n, INT_MAX, 60),
    I('repl-ping-replica-period', 1n, INT_MAX, 10, 0, alias('repl-ping-slave-period')),
    B('repl-disable-tcp-nodelay', false),
    B('repl-diskless-sync', true),
    I('repl-diskless-sync-delay', 0n, INT_MAX, 5),
    I('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0),
    E('repl-diskless-load', ['disabled', 'on-empty-db', 'swapdb'], 'disabled', F.DenyLoading),
    I('min-replicas-to-write', 0n, INT_MAX, 0, 0, alias('min-slaves-to-write')),
    I('min-replicas-max-lag', 0n, INT_MAX, 10, 0, alias('min-slaves-max-lag')),
    E('propagation-error-behavior', ['ignore', 'panic', 'panic-on-replicas'], 'ignore'),
    S('aclfile', '', F.Immutable),
    UI('acllog-max-len', 0n, LONG_MAX, 128),
    E('acl-pubsub-default', ['allchannels', 'resetchannels'], 'resetchannels'),
    B('protected-mode', true),
    B('activerehashing', true),
    B('dynamic-hz', true),

    // ---- Inert: accepted and reported, no effect in Larder ----
    // Process management (Larder neither daemonizes nor talks to a supervisor, and keeps no
    // syslog), allocator, defragmentation and threading knobs of Redis's C runtime, TLS
    // (Larder speaks plain TCP and Unix sockets), cluster mode, and CPU pinning.
    B('daemonize', false, F.Immutable),
    E('supervised', ['upstart', 'systemd', 'auto', 'no'], 'no', F.Immutable),
    B('syslog-enabled', false, F.Immutable),
    S('syslog-ident', 'redis', F.Immutable),
    E('syslog-facility', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], 'local0', F.Immutable),
    B('set-proc-title', true, F.Immutable),
    S('proc-title-template', '{title} {listen-addr} {server-mode}', 0, { check: procTitleTemplate }),
    B('crash-log-enabled', true),
    B('crash-memcheck-enabled', true),
    B('disable-thp', true, F.Immutable),
    B('jemalloc-bg-thread', true),
    S('ignore-warnings', ''),
    B('io-threads-do-reads', false, F.Immutable),
    I('io-threads', 1n, 128n, 1, F.Immutable),
    B('activedefrag', false, 0, {
      // Like a Redis built without its bundled jemalloc.
      type: { ...bool, parse: (t: string) => { const p = bool.parse(t); return 'value' in p && p.value ? { error: 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution' } : p; } },
    }),
    I('active-defrag-cycle-min', 1n, 99n, 1),
    I('active-defrag-cycle-max', 1n, 99n, 25),
    I('active-defrag-threshold-lower', 0n, 1000n, 10),
    I('active-defrag-threshold-upper', 0n, 1000n, 100),
    M('active-defrag-ignore-bytes', 1n, LLONG_MAX, 100 * MB, 0, {}, true),
    N('active-defrag-max-scan-fields', { min: 1n, max: LONG_MAX }, '1000'),
    UI('socket-mark-id', 0n, UINT_MAX, 0, F.Immutable),
    SN('bind-source-addr'),
    SN('server_cpulist', F.Immutable),
    SN('bio_cpulist', F.Immutable),
    SN('aof_rewrite_cpulist', F.Immutable),
    SN('bgsave_cpulist', F.Immutable),
    B('cluster-enabled', false, F.Immutable),
    S('cluster-config-file', 'nodes.conf', F.Immutable),
    I('cluster-port', 0n, 65535n, 0, F.Immutable),
    N('cluster-node-timeout', { min: 0n, max: LLONG_MAX }, '15000'),
    I('cluster-replica-validity-factor', 0n, INT_MAX, 10, 0, alias('cluster-slave-validity-factor')),
    I('cluster-migration-barrier', 0n, INT_MAX, 1),
    B('cluster-require-full-coverage', true),
    B('cluster-replica-no-failover', false, 0, alias('cluster-slave-no-failover')),
    B('cluster-allow-reads-when-down', false),
    B('cluster-allow-pubsubshard-when-down', true),
    B('cluster-allow-replica-migration', true),
    SN('cluster-announce-ip'),
    SN('cluster-announce-hostname', 0, { check: announcedHostname }),
    I('cluster-announce-port', 0n, 65535n, 0),
    I('cluster-announce-bus-port', 0n, 65535n, 0),
    I('cluster-announce-tls-port', 0n, 65535n, 0),
    E('cluster-preferred-endpoint-type', ['ip', 'hostname', 'unknown-endpoint'], 'ip'),
    M('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0, 0, {}, true),
    I('tls-port', 0n, 65535n, 0),
    I('tls-session-cache-size', 0n, INT_MAX, 20 * 1024),
    I('tls-session-cache-timeout', 0n, INT_MAX, 300),
    B('tls-cluster', false),
    B('tls-replication', false),
    E('tls-auth-clients', ['no', 'yes', 'optional'], 'yes'),
    B('tls-prefer-server-ciphers', false),
    B('tls-session-caching', true),
    SN('tls-cert-file'),
    SN('tls-key-file'),
    SN('tls-key-file-pass'),
    SN('tls-client-cert-file'),
    SN('tls-client-key-file'),
    SN('tls-client-key-file-pass'),
    SN('tls-dh-params-file'),
    SN('tls-ca-cert-file'),
    SN('tls-ca-cert-dir'),
    SN('tls-protocols'),
    SN('tls-ciphers'),
    SN('tls-ciphersuites'),

    // ---- Hidden (CONFIG GET by exact name only): test hooks of Redis ----
    B('use-exit-on-panic', false, F.Hidden),
    I('rdb-key-save-delay', INT_MIN, INT_MAX, 0, F.Hidden),
    I('key-load-delay', INT_MIN, INT_MAX, 0, F.Hidden),
    I('watchdog-period', 0n, INT_MAX, 0, F.Hidden),
    N('loading-process-events-interval-bytes', { min: 1024n, max: INT_MAX }, String(2 * MB), F.Hidden),

    // ---- Larder-internal (not Redis 7.0 settings; not visible to clients) ----
    UI('set-max-listpack-entries', 0n, LONG_MAX, 128, F.Internal),
    M('set-max-listpack-value', 0n, LONG_MAX, 64, F.Internal, {}, true),
  ].map(fixups);
}

/** Settings whose types don't fit the helpers above. */
function fixups(s: Setting): Setting {
  if (s.name === 'oom-score-adj') {
    return { ...s, type: enumOf([['no', 'no'], ['yes', 'yes'], ['relative', 'yes'], ['absolute', 'absolute']] as const) };
  }
  if (s.name === 'sanitize-dump-payload') {
    return { ...s, type: oneOf(['no', 'yes', 'clients']), default: 'no' };
  }
  return s;
}

export type { RewriteLine };
