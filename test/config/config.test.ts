import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import type { Decoded } from '../helpers/resp-client.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

/** CONFIG GET's pairs, sorted (the order of a Redis dict is not reproducible). */
function pairs(decoded: Decoded): [string, string][] {
  const items = decoded.type === 'map' ? decoded.value.flat() : decoded.type === 'array' ? decoded.value ?? [] : [];
  const out: [string, string][] = [];
  for (let i = 0; i < items.length; i += 2) {
    const k = items[i] as { value: string };
    const v = items[i + 1] as { value: string };
    out.push([k.value, v.value]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Values that legitimately differ between the two servers (their own port and directory). */
const OWN = new Set(['port', 'dir']);

test('CONFIG GET * lists the same settings with the same values as Redis', async () => {
  const [a, b] = await d.clients();
  try {
    for (const resp of [2, 3]) {
      await Promise.all([a.send('HELLO', String(resp)), b.send('HELLO', String(resp))]);
      const [ra, rb] = await Promise.all([a.send('CONFIG', 'GET', '*'), b.send('CONFIG', 'GET', '*')]);
      const la = pairs(ra.decoded).filter(([k]) => !OWN.has(k));
      const lb = pairs(rb.decoded).filter(([k]) => !OWN.has(k));
      assert.deepEqual(la, lb);
      assert.ok(lb.length > 180);
    }
  } finally {
    a.close();
    b.close();
  }
});

test('CONFIG GET of each setting, alias and hidden setting matches Redis byte for byte', async () => {
  const [, b] = await d.clients();
  const names = pairs((await b.send('CONFIG', 'GET', '*')).decoded).map(([k]) => k).filter((k) => !OWN.has(k));
  b.close();
  const hidden = ['key-load-delay', 'rdb-key-save-delay', 'watchdog-period', 'use-exit-on-panic', 'loading-process-events-interval-bytes'];
  await d.check([...names, ...hidden].map((n) => ['CONFIG', 'GET', n]));
  await d.check([['CONFIG', 'GET', 'no-such-setting'], ['CONFIG', 'GET'], ['CONFIG', 'GET', 'set-max-listpack-entries']]);
});

test('CONFIG GET replies in RESP3 match Redis', async () => {
  await d.check([['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'SAVE'], ['CONFIG', 'GET', 'key-load-delay'], ['CONFIG', 'GET', 'nosuch']], { resp: 3 });
});

test('CONFIG GET with several patterns reports each setting once, under the name asked', async () => {
  const cases = [
    ['maxmemory', 'maxmemory*', 'bind', '*of'],
    ['MaxMemory', 'maxmemory', 'maxmem*'],
    ['slaveof', 'replicaof', 'repl*of'],
    ['*load-delay'],
    ['hash-max-zip*'],
    ['[lm]axmemory-samples', 'lazyfree-lazy-?xpire'],
  ];
  const [a, b] = await d.clients();
  try {
    for (const c of cases) {
      const [ra, rb] = await Promise.all([a.send('CONFIG', 'GET', ...c), b.send('CONFIG', 'GET', ...c)]);
      assert.deepEqual(pairs(ra.decoded), pairs(rb.decoded), JSON.stringify(c));
    }
  } finally {
    a.close();
    b.close();
  }
});

test('CONFIG SET errors match Redis', async () => {
  await d.check([
    ['CONFIG', 'SET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '1', 'hz'],
    ['CONFIG', 'SET', 'nosuch', '1'],
    ['CONFIG', 'SET', 'maxmemory', '1', 'foo', '2'],
    ['CONFIG', 'SET', 'foo', '1', 'daemonize', 'yes'],
    ['CONFIG', 'SET', 'daemonize', 'yes', 'foo', '1'],
    ['CONFIG', 'SET', 'maxmemory', '1', 'maxmemory', '2'],
    ['CONFIG', 'SET', 'maxmemory', '1', 'MAXMEMORY', '2'],
    ['CONFIG', 'SET', 'MAXMEMORY', 'abc'],
    ['CONFIG', 'SET', 'lua-time-limit', 'abc'],
    ['CONFIG', 'SET', 'LUA-TIME-LIMIT', 'abc'],
    ['CONFIG', 'SET', 'dir', '/tmp'],
    ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
    ['CONFIG', 'SET', 'save', '1  2'],
    ['CONFIG', 'SET', 'save', '1 2 3'],
    ['CONFIG', 'SET', 'save', '0 2'],
    ['CONFIG', 'SET', 'save', 'a b'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'master 1 2 3'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1x 2 3'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2 -3'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'KEAq'],
    ['CONFIG', 'SET', 'oom-score-adj-values', '1 2'],
    ['CONFIG', 'SET', 'oom-score-adj-values', '1 2 3000'],
    ['CONFIG', 'SET', 'maxmemory-clients', '200%'],
    ['CONFIG', 'SET', 'maxmemory-clients', '-5'],
    ['CONFIG', 'SET', 'maxmemory-clients', 'x%'],
    ['CONFIG', 'SET', 'unixsocketperm', '777'],
    ['CONFIG', 'SET', 'replicaof', 'no one'],
    ['CONFIG', 'SET', 'shutdown-on-sigterm', 'save nosave'],
    ['CONFIG', 'SET', 'shutdown-on-sigterm', ''],
    ['CONFIG', 'SET', 'shutdown-on-sigterm', 'now  force'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '10.0 50.0 a'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '10.0 50.0 101.0'],
    ['CONFIG', 'SET', 'appendfilename', 'x'],
    ['CONFIG', 'SET', 'activedefrag', 'yes'],
    ['CONFIG', 'SET', 'proc-title-template', '{title}'],
    ['CONFIG', 'SET', 'proc-title-template', '{nosuch}'],
    ['CONFIG', 'SET', 'cluster-announce-hostname', 'a_b'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'lru'],
    ['CONFIG', 'SET', 'appendfsync', 'sometimes'],
    ['CONFIG', 'SET', 'hz', '-1'],
    ['CONFIG', 'SET', 'hz', '01'],
    ['CONFIG', 'SET', 'slowlog-max-len', '-1'],
    ['CONFIG', 'SET', 'maxclients', '0'],
    ['CONFIG', 'SET', 'maxclients', '-1'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '-1'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '100'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '10000000000000000000'],
    ['CONFIG', 'SET', 'active-expire-effort', '11'],
    ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'maybe'],
  ]);
});

test('CONFIG SET values of every kind read back as in Redis', async () => {
  const sets: string[][] = [
    ['maxmemory', '1gb'], ['maxmemory', '100MB'], ['maxmemory', '5k'], ['maxmemory', '10000000000000000000'], ['maxmemory', '0'],
    ['maxmemory-clients', '50%'], ['maxmemory-clients', '10mb'], ['maxmemory-clients', '0'],
    ['hz', '1000'], ['hz', '0'], ['hz', '10'],
    ['save', '3600 1 300 100'], ['save', ''], ['save', '10 0'],
    ['client-output-buffer-limit', 'normal 1mb 2mb 3'], ['client-output-buffer-limit', 'slave 1 2 3 pubsub 4 5 6'],
    ['client-output-buffer-limit', ''], ['client-output-buffer-limit', 'replica 256mb 64mb 60 normal 0 0 0 pubsub 32mb 8mb 60'],
    ['notify-keyspace-events', 'KEA'], ['notify-keyspace-events', 'KEAnm'], ['notify-keyspace-events', 'Elxgtz$dsh'],
    ['notify-keyspace-events', 'nmE'], ['notify-keyspace-events', ''],
    ['shutdown-on-sigint', 'nosave force now'], ['shutdown-on-sigint', 'NOW'], ['shutdown-on-sigint', 'default'],
    ['shutdown-on-sigint', 'default save'], ['shutdown-on-sigint', 'default'],
    ['latency-tracking-info-percentiles', '0.0 50.0 100.0'], ['latency-tracking-info-percentiles', '99.99 0.001'],
    ['latency-tracking-info-percentiles', ''], ['latency-tracking-info-percentiles', '50 99 99.9'],
    ['oom-score-adj-values', '0 200 800'],
    ['maxmemory-policy', 'ALLKEYS-LRU'], ['maxmemory-policy', 'noeviction'],
    ['loglevel', 'VERBOSE'], ['loglevel', 'notice'],
    ['list-max-ziplist-size', '-3'], ['list-max-listpack-size', '-2'],
    ['hash-max-ziplist-value', '1kb'], ['hash-max-listpack-value', '64'],
    ['slowlog-log-slower-than', '-1'], ['slowlog-log-slower-than', '9223372036854775807'], ['slowlog-log-slower-than', '10000'],
    ['lazyfree-lazy-user-del', 'YES'], ['lazyfree-lazy-user-del', 'no'],
    ['masterauth', 'secret'], ['masterauth', ''],
    ['replica-announce-ip', '10.0.0.1'], ['replica-announce-ip', ''],
    ['ignore-warnings', 'ARM64-COW-BUG'], ['ignore-warnings', ''],
    ['proc-title-template', '{title} {port}'], ['proc-title-template', '{title} {listen-addr} {server-mode}'],
    ['cluster-announce-hostname', 'host-1.example'], ['cluster-announce-hostname', ''],
    ['tls-ciphers', 'DEFAULT'], ['tls-ciphers', ''],
  ];
  const script: string[][] = [];
  for (const [name, value] of sets) script.push(['CONFIG', 'SET', name, value], ['CONFIG', 'GET', name]);
  await d.check(script);
});

test('CONFIG SET of several settings is all or nothing', async () => {
  await d.check([
    ['CONFIG', 'SET', 'maxmemory', '10000002'],
    ['CONFIG', 'SET', 'maxmemory', '10000001', 'maxmemory-clients', '200%', 'client-query-buffer-limit', 'invalid'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'GET', 'maxmemory-clients'],
    ['CONFIG', 'SET', 'maxmemory', '123', 'save', '100 1', 'hz', 'x'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'GET', 'save'],
    ['CONFIG', 'SET', 'maxmemory', '10000001', 'save', '3000 5', 'maxmemory-policy', 'allkeys-lfu'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'GET', 'save'],
    ['CONFIG', 'GET', 'maxmemory-policy'],
    ['CONFIG', 'SET', 'maxmemory', '0', 'save', '', 'maxmemory-policy', 'noeviction'],
  ]);
});

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('random CONFIG SET sequences behave as in Redis', async () => {
  const [, b] = await d.clients();
  const names = pairs((await b.send('CONFIG', 'GET', '*')).decoded).map(([k]) => k);
  b.close();
  // Settings that act on the process (listening, files, the OOM score, authentication of
  // this very connection) are tested elsewhere.
  const skip = new Set(['port', 'bind', 'dir', 'requirepass', 'maxclients', 'oom-score-adj', 'oom-score-adj-values', 'appendonly',
    'tls-port', 'tls-cert-file', 'tls-key-file', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-dh-params-file', 'tls-client-cert-file',
    'tls-client-key-file', 'tls-session-caching', 'tls-session-cache-size', 'tls-session-cache-timeout', 'tls-cluster', 'tls-replication',
    'tls-prefer-server-ciphers', 'tls-key-file-pass', 'tls-client-key-file-pass', 'tls-protocols', 'tls-ciphers', 'tls-ciphersuites',
    'replicaof', 'slaveof', 'cluster-announce-ip', 'cluster-announce-port', 'cluster-announce-bus-port', 'cluster-announce-tls-port',
    'jemalloc-bg-thread', 'crash-log-enabled', 'maxmemory', 'aof-disable-auto-gc', 'latency-tracking', 'busy-reply-threshold', 'lua-time-limit']);
  const candidates = names.filter((n) => !skip.has(n));
  const values = ['0', '1', '-1', '2', '100', '65535', '65536', '2147483647', '2147483648', '-2147483649', '4294967296',
    '9223372036854775807', '9223372036854775808', '18446744073709551616', '1k', '1kb', '2MB', '3g', '1Gb', '10%', '100%', '101%',
    'abc', '', ' 5', '+5', '05', '0x10', '1.5', 'yes', 'no', 'YES', 'maybe', 'everysec', 'always', 'allkeys-lru', 'volatile-ttl',
    'debug', 'warning', 'local', 'swapdb', 'on-empty-db', 'relative', 'absolute', 'clients', 'default', 'save', 'nosave now',
    '3600 1', '1 2 3 4', 'normal 0 0 0', 'K', 'Ex', 'A', '{title}', '{title} {port}', 'localhost', '777', '0777', 'local3', 'auto',
    'resetchannels', 'allchannels', 'hostname', 'panic', 'ignore', 'optional'];
  const next = rng(20240601);
  const script: string[][] = [];
  for (let i = 0; i < 600; i++) {
    const name = candidates[Math.floor(next() * candidates.length)];
    const value = values[Math.floor(next() * values.length)];
    script.push(['CONFIG', 'SET', name, value], ['CONFIG', 'GET', name]);
  }
  await d.check(script);
});

test('CONFIG SET of a sensitive setting and CONFIG RESETSTAT', async () => {
  const [a, b] = await d.clients();
  try {
    for (const c of [a, b]) {
      assert.equal(await c.call('CONFIG', 'SET', 'masterauth', 'pw'), 'OK');
      assert.equal(await c.call('CONFIG', 'SET', 'masterauth', ''), 'OK');
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('GET', 'x');
      await c.call('CONFIG', 'SET', 'nosuch', 'x');
      const info = String(await c.call('INFO', 'stats'));
      assert.match(info, /total_error_replies:1\r\n/);
      assert.match(info, /keyspace_misses:1\r\n/);
      await c.call('CONFIG', 'RESETSTAT');
      const after = String(await c.call('INFO', 'stats'));
      assert.match(after, /total_error_replies:0\r\n/);
      assert.match(after, /keyspace_misses:0\r\n/);
      assert.equal(String(await c.call('INFO', 'errorstats')), '# Errorstats\r\n');
    }
  } finally {
    a.close();
    b.close();
  }
});

test('CONFIG HELP, REWRITE without a config file, and arity errors match Redis', async () => {
  await d.check([
    ['CONFIG', 'REWRITE'],
    ['CONFIG', 'RESETSTAT', 'x'],
    ['CONFIG', 'HELP', 'x'],
    ['CONFIG', 'NOSUCH'],
    ['CONFIG'],
  ]);
  const [a] = await d.clients();
  try {
    const help = (await a.call('CONFIG', 'HELP')) as string[];
    assert.equal(help[0], 'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.deepEqual(help.slice(-2), ['HELP', '    Prints this help.']);
    for (const sub of ['GET <pattern>', 'SET <directive> <value>', 'RESETSTAT', 'REWRITE']) assert.ok(help.includes(sub), sub);
  } finally {
    a.close();
  }
});
