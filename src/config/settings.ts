// Larder's settings: Redis 7.0's names, aliases, limits, defaults and flags.

import { SettingFlag as F, type Setting } from './config.js';
import { bool, int, memory, oneOf, parseMemory, text, type SettingType } from './types.js';

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const LONG_MAX = Number.MAX_SAFE_INTEGER; // int64 limits, as far as JS numbers reach
const LLONG_MAX = Number.MAX_SAFE_INTEGER;

/** save: "<seconds> <changes>" pairs; "" disables. */
export interface SavePoint {
  seconds: number;
  changes: number;
}
const savePoints: SettingType<SavePoint[]> = {
  parse(t) {
    const words = t.split(/\s+/).filter((w) => w !== '');
    if (words.length % 2 !== 0) return { error: 'Invalid save parameters' };
    const points: SavePoint[] = [];
    for (let i = 0; i < words.length; i += 2) {
      if (!/^\d+$/.test(words[i]) || !/^\d+$/.test(words[i + 1])) return { error: 'Invalid save parameters' };
      points.push({ seconds: Number(words[i]), changes: Number(words[i + 1]) });
    }
    return { value: points };
  },
  format: (v) => v.map((p) => `${p.seconds} ${p.changes}`).join(' '),
};

/** client-output-buffer-limit: "<class> <hard> <soft> <soft-seconds>" groups. */
export interface BufferLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}
export type BufferLimits = Record<'normal' | 'replica' | 'pubsub', BufferLimit>;
const bufferLimits: SettingType<BufferLimits> = {
  parse(t) {
    const words = t.split(/\s+/).filter((w) => w !== '');
    if (words.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
    const value: BufferLimits = {
      normal: { hard: 0, soft: 0, softSeconds: 0 },
      replica: { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 },
      pubsub: { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 },
    };
    for (let i = 0; i < words.length; i += 4) {
      let cls = words[i].toLowerCase();
      if (cls === 'slave') cls = 'replica';
      if (cls !== 'normal' && cls !== 'replica' && cls !== 'pubsub') return { error: 'Invalid client class specified in buffer limit configuration.' };
      const hard = parseMemory(words[i + 1]);
      const soft = parseMemory(words[i + 2]);
      const secs = /^\d+$/.test(words[i + 3]) ? Number(words[i + 3]) : -1;
      if (hard === undefined || soft === undefined || secs < 0 || hard < 0 || soft < 0) {
        return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
      }
      value[cls as keyof BufferLimits] = { hard, soft, softSeconds: secs };
    }
    return { value };
  },
  format: (v) =>
    (['normal', 'replica', 'pubsub'] as const)
      .map((c) => `${c === 'replica' ? 'slave' : c} ${v[c].hard} ${v[c].soft} ${v[c].softSeconds}`)
      .join(' '),
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
const NOTIFY_ALL = Notify.Generic | Notify.String | Notify.List | Notify.Set | Notify.Hash | Notify.Zset | Notify.Expired | Notify.Evicted | Notify.Stream | Notify.Module;
const NOTIFY_CHARS: [string, number][] = [
  ['g', Notify.Generic], ['$', Notify.String], ['l', Notify.List], ['s', Notify.Set], ['h', Notify.Hash],
  ['z', Notify.Zset], ['x', Notify.Expired], ['e', Notify.Evicted], ['K', Notify.Keyspace], ['E', Notify.Keyevent],
  ['t', Notify.Stream], ['m', Notify.KeyMiss], ['d', Notify.Module], ['n', Notify.New],
];
const notifyFlags: SettingType<number> = {
  parse(t) {
    let flags = 0;
    for (const ch of t) {
      if (ch === 'A') {
        flags |= NOTIFY_ALL;
        continue;
      }
      const entry = NOTIFY_CHARS.find(([c]) => c === ch);
      if (!entry) return { error: 'Invalid event class character. Use \'Ag$lshzxeKEtmdn\'.' };
      flags |= entry[1];
    }
    return { value: flags };
  },
  format(flags) {
    let out = '';
    if ((flags & NOTIFY_ALL) === NOTIFY_ALL) out += 'A';
    for (const [c, bit] of NOTIFY_CHARS) {
      if (c === 'K' || c === 'E') continue;
      if ((flags & NOTIFY_ALL) === NOTIFY_ALL && bit & NOTIFY_ALL) continue;
      if (flags & bit) out += c;
    }
    if (flags & Notify.Keyspace) out += 'K';
    if (flags & Notify.Keyevent) out += 'E';
    return out;
  },
};

const words: SettingType<string[]> = {
  parse: (t) => ({ value: t.split(/\s+/).filter((w) => w !== '') }),
  format: (v) => v.join(' '),
};

const protectedAction = oneOf(['no', 'yes', 'local']);

export function defaultSettings(): Setting[] {
  return [
    { name: 'port', type: int(0, 65535), default: '6379' },
    { name: 'bind', type: words, default: '* -::*', flags: F.MultiArg },
    { name: 'databases', type: int(1, INT_MAX), default: '16', flags: F.Immutable },
    { name: 'dir', type: text, default: '.', flags: F.Protected | F.DenyLoading },
    { name: 'dbfilename', type: text, default: 'dump.rdb', flags: F.Protected },
    { name: 'save', type: savePoints, default: '3600 1 300 100 60 10000', flags: F.MultiArg },
    { name: 'appendonly', type: bool, default: 'no', flags: F.DenyLoading },
    { name: 'appendfsync', type: oneOf(['always', 'everysec', 'no']), default: 'everysec' },
    { name: 'appendfilename', type: text, default: 'appendonly.aof', flags: F.Immutable },
    { name: 'appenddirname', type: text, default: 'appendonlydir', flags: F.Immutable },
    { name: 'requirepass', type: text, default: '', flags: F.Sensitive },
    { name: 'maxclients', type: int(1, 4294967295), default: '10000' },
    { name: 'timeout', type: int(0, INT_MAX), default: '0' },
    { name: 'tcp-keepalive', type: int(0, INT_MAX), default: '300' },
    { name: 'tcp-backlog', type: int(0, INT_MAX), default: '511', flags: F.Immutable },
    { name: 'hz', type: int(0, INT_MAX), default: '10' },
    { name: 'dynamic-hz', type: bool, default: 'yes' },
    { name: 'loglevel', type: oneOf(['debug', 'verbose', 'notice', 'warning']), default: 'notice' },
    { name: 'logfile', type: text, default: '', flags: F.Immutable },
    { name: 'pidfile', type: text, default: '', flags: F.Immutable },
    { name: 'daemonize', type: bool, default: 'no', flags: F.Immutable },
    { name: 'protected-mode', type: bool, default: 'yes' },
    { name: 'maxmemory', type: memory(0, Number.MAX_SAFE_INTEGER), default: '0' },
    {
      name: 'maxmemory-policy',
      type: oneOf(['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction']),
      default: 'noeviction',
    },
    { name: 'maxmemory-samples', type: int(1, INT_MAX), default: '5' },
    { name: 'proto-max-bulk-len', type: memory(1024 * 1024, LONG_MAX), default: '512mb' },
    { name: 'client-query-buffer-limit', type: memory(1024 * 1024, LONG_MAX), default: '1gb' },
    { name: 'client-output-buffer-limit', type: bufferLimits, default: 'normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60', flags: F.MultiArg },
    { name: 'notify-keyspace-events', type: notifyFlags, default: '' },
    { name: 'slowlog-log-slower-than', type: int(-1, LLONG_MAX), default: '10000' },
    { name: 'slowlog-max-len', type: int(0, LONG_MAX), default: '128' },
    { name: 'latency-monitor-threshold', type: int(0, LLONG_MAX), default: '0' },
    { name: 'active-expire-effort', type: int(1, 10), default: '1' },
    { name: 'lazyfree-lazy-user-del', type: bool, default: 'no' },
    { name: 'lazyfree-lazy-user-flush', type: bool, default: 'no' },
    { name: 'lazyfree-lazy-expire', type: bool, default: 'no' },
    { name: 'lazyfree-lazy-eviction', type: bool, default: 'no' },
    { name: 'lazyfree-lazy-server-del', type: bool, default: 'no' },
    { name: 'enable-protected-configs', type: protectedAction, default: 'no', flags: F.Immutable },
    { name: 'enable-debug-command', type: protectedAction, default: 'no', flags: F.Immutable },
    { name: 'enable-module-command', type: protectedAction, default: 'no', flags: F.Immutable },
    { name: 'hll-sparse-max-bytes', type: memory(0, LONG_MAX), default: '3000' },
    { name: 'list-max-listpack-size', alias: 'list-max-ziplist-size', type: int(INT_MIN, INT_MAX), default: '-2' },
    { name: 'list-compress-depth', type: int(0, INT_MAX), default: '0' },
    { name: 'hash-max-listpack-entries', alias: 'hash-max-ziplist-entries', type: int(0, LONG_MAX), default: '512' },
    { name: 'hash-max-listpack-value', alias: 'hash-max-ziplist-value', type: memory(0, LONG_MAX), default: '64' },
    { name: 'set-max-intset-entries', type: int(0, LONG_MAX), default: '512' },
    { name: 'set-max-listpack-entries', type: int(0, LONG_MAX), default: '128' },
    { name: 'set-max-listpack-value', type: memory(0, LONG_MAX), default: '64' },
    { name: 'zset-max-listpack-entries', alias: 'zset-max-ziplist-entries', type: int(0, LONG_MAX), default: '128' },
    { name: 'zset-max-listpack-value', alias: 'zset-max-ziplist-value', type: memory(0, LONG_MAX), default: '64' },
    { name: 'stream-node-max-bytes', type: memory(0, LONG_MAX), default: '4096' },
    { name: 'stream-node-max-entries', type: int(0, LLONG_MAX), default: '100' },
    { name: 'busy-reply-threshold', alias: 'lua-time-limit', type: int(0, LONG_MAX), default: '5000' },
    { name: 'stop-writes-on-bgsave-error', type: bool, default: 'yes' },
    { name: 'rdbcompression', type: bool, default: 'yes' },
    { name: 'rdbchecksum', type: bool, default: 'yes', flags: F.Immutable },
    { name: 'tracking-table-max-keys', type: int(0, LONG_MAX), default: '1000000' },
    { name: 'latency-tracking', type: bool, default: 'yes' },
    ...persistenceSettings(),
  ];
}

/** Persistence settings (RDB, AOF, DUMP/RESTORE), owned by src/persistence. */
function persistenceSettings(): Setting[] {
  return [
    { name: 'aof-use-rdb-preamble', type: bool, default: 'yes' },
    { name: 'aof-load-truncated', type: bool, default: 'yes' },
    { name: 'auto-aof-rewrite-percentage', type: int(0, INT_MAX), default: '100' },
    { name: 'auto-aof-rewrite-min-size', type: memory(0, LLONG_MAX), default: '64mb' },
    { name: 'aof-rewrite-incremental-fsync', type: bool, default: 'yes' },
    { name: 'rdb-save-incremental-fsync', type: bool, default: 'yes' },
    { name: 'aof-timestamp-enabled', type: bool, default: 'no' },
    { name: 'no-appendfsync-on-rewrite', type: bool, default: 'no' },
    { name: 'rdb-del-sync-files', type: bool, default: 'no' },
    { name: 'aof-disable-auto-gc', type: bool, default: 'no', flags: F.Hidden },
    { name: 'sanitize-dump-payload', type: oneOf(['no', 'yes', 'clients']), default: 'no' },
    { name: 'rdb-key-save-delay', type: int(INT_MIN, INT_MAX), default: '0', flags: F.Hidden },
    { name: 'key-load-delay', type: int(INT_MIN, INT_MAX), default: '0', flags: F.Hidden },
    { name: 'loading-process-events-interval-bytes', type: int(1024, INT_MAX), default: '2097152', flags: F.Hidden },
  ];
}
