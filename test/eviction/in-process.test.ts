// Eviction seen from inside the server, with used memory under the test's control (the memory
// meter is replaced by a counter that evictions decrease by the estimated size of each key), so
// that partial evictions are deterministic: which keys a policy picks when only some must go,
// slices limited by maxmemory-eviction-tenacity, what is propagated, and the INFO statistics.

import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { after, before, beforeEach, test } from 'node:test';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { allFamilies } from '../../src/commands/index.js';
import { recordEffects, runCommand, socketlessClient } from '../helpers/inprocess.js';
import { ErrorReply } from '../../src/resp/reply.js';
import { keyBytes, memoryMeter } from '../../src/engine/used-memory.js';
import { evictionTimeLimitUs, evictor, OOM_ERROR } from '../../src/engine/eviction.js';
import { lfuMinutes, lruClock } from '../../src/engine/lru.js';
import { infoText } from '../../src/commands/info.js';

let server: Server;
/** Used memory as eviction sees it (bytes). */
let used = 0;
const LIMIT = 1_000_000;
const log: string[] = [];

before(() => {
  server = new Server();
  server.register(...allFamilies);
  server.init();
  const meter = memoryMeter(server) as unknown as Record<string, unknown>;
  meter.cheap = () => used;
  meter.precise = () => used;
  meter.release = (bytes: number) => {
    used -= bytes;
  };
  recordEffects(server, log);
});
after(() => server.close());
beforeEach(() => {
  set([['maxmemory', '0'], ['maxmemory-policy', 'noeviction'], ['maxmemory-samples', '64'], ['maxmemory-eviction-tenacity', '100'],
    ['lazyfree-lazy-eviction', 'no'], ['notify-keyspace-events', '']]);
  for (const db of server.dbs) db.clear();
  used = 0;
  log.length = 0;
});

function set(settings: [string, string][]): void {
  const r = server.config.set(settings);
  assert.ok(r.ok, r.ok ? '' : r.message);
}

function client(): Client {
  return socketlessClient(server);
}

/** Runs a command; returns its reply as text (status, bulk or error message). */
function run(c: Client, ...argv: string[]): string {
  server.refreshTime();
  const r = runCommand(server, c, argv);
  if (r instanceof ErrorReply) return r.message;
  if (r !== null && typeof r === 'object' && 'value' in r) return String(r.value);
  return String(r);
}

const db0 = () => server.dbs[0];
/** Used memory that is over the limit by just enough that `n` keys like `key` must go. */
function overBy(n: number, key: string): number {
  const bytes = keyBytes(db0(), key, db0().keys.get(key)!);
  return LIMIT + (n - 1) * bytes + 1;
}

function keys(): string[] {
  return [...db0().keys.keys()].sort();
}

/**
 * Adds n keys with fresh names: the eviction pool outlives a test (as in Redis, candidates stay
 * across policy changes and flushes), so a name reused by the next test could be picked.
 */
let generation = 0;
function fill(n: number, ttl = false): string[] {
  const names: string[] = [];
  const now = server.now;
  generation++;
  for (let i = 0; i < n; i++) {
    const k = `key${generation}:${String(i).padStart(3, '0')}`;
    db0().set(k, 'value');
    if (ttl) db0().setExpire(k, now + 1_000_000 + i);
    names.push(k);
  }
  return names;
}

test('allkeys-lru evicts just enough keys, the idlest ones', () => {
  const c = client();
  const names = fill(20);
  // key:i was last used i seconds ago.
  names.forEach((k, i) => db0().setAccess(k, lruClock(server.now - i * 1000)));
  set([['maxmemory-policy', 'allkeys-lru'], ['maxmemory', String(LIMIT)]]);
  used = overBy(5, names[0]);
  assert.equal(run(c, 'PING'), 'PONG');
  assert.deepEqual(keys(), names.slice(0, 15));
  assert.ok(used <= LIMIT);
  assert.equal(server.stats.evictedKeys >= 5, true);
});

test('allkeys-lru keeps the keys that were just read', () => {
  const c = client();
  const names = fill(20);
  names.forEach((k) => db0().setAccess(k, lruClock(server.now - 100_000)));
  run(c, 'GET', names[3]);
  run(c, 'GET', names[11]);
  set([['maxmemory-policy', 'allkeys-lru'], ['maxmemory', String(LIMIT)]]);
  used = overBy(18, names[0]);
  run(c, 'PING');
  assert.deepEqual(keys(), [names[3], names[11]]);
});

test('LFU policies evict the least used keys (decayed counters)', () => {
  const c = client();
  set([['maxmemory-policy', 'allkeys-lfu']]);
  const names = fill(10, true);
  const minutes = lfuMinutes(server.now);
  // Counter 100 + i, except key 9: 250 ten minutes ago (decays to 240 with lfu-decay-time 1).
  names.forEach((k, i) => db0().setAccess(k, (minutes << 8) | (100 + i)));
  db0().setAccess(names[9], (((minutes - 10) & 65535) << 8) | 250);
  set([['maxmemory', String(LIMIT)]]);
  used = overBy(3, names[0]);
  run(c, 'PING');
  assert.deepEqual(keys(), names.slice(3));
  set([['maxmemory-policy', 'volatile-lfu']]);
  db0().persist(names[3]);
  used = overBy(2, names[4]);
  run(c, 'PING');
  assert.deepEqual(keys(), [names[3], ...names.slice(6)]);
});

test('volatile-ttl takes the soonest expiry among its samples', () => {
  const c = client();
  const names = fill(12, true);
  set([['maxmemory-policy', 'volatile-ttl'], ['maxmemory', String(LIMIT)]]);
  used = overBy(4, names[0]);
  run(c, 'PING');
  assert.deepEqual(keys(), names.slice(4));
});

test('volatile policies never evict persistent keys, even when sampling few keys', () => {
  const c = client();
  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    for (const db of server.dbs) db.clear();
    set([['maxmemory', '0'], ['maxmemory-policy', policy], ['maxmemory-samples', '3']]);
    const names = fill(60);
    names.forEach((k, i) => {
      if (i % 2) db0().setExpire(k, server.now + 1_000_000 + i);
    });
    set([['maxmemory', String(LIMIT)]]);
    used = LIMIT * 10;
    assert.equal(run(c, 'SET', 'probe', 'x'), OOM_ERROR, policy);
    assert.deepEqual(keys(), names.filter((_, i) => i % 2 === 0), policy);
    assert.equal(db0().expires.size, 0);
  }
});

test('random policies evict only what is needed', () => {
  const c = client();
  for (const policy of ['allkeys-random', 'volatile-random']) {
    for (const db of server.dbs) db.clear();
    set([['maxmemory', '0'], ['maxmemory-policy', policy]]);
    const names = fill(30, true);
    set([['maxmemory', String(LIMIT)]]);
    used = overBy(7, names[0]);
    assert.equal(run(c, 'SET', 'probe', 'x'), 'OK');
    assert.equal(db0().size, 30 - 7 + 1, policy);
  }
});

test('an eviction: WATCH/tracking signal, then the `evicted` event, then DEL (UNLINK when lazy) is propagated', () => {
  const c = client();
  set([['notify-keyspace-events', 'Ee'], ['maxmemory-policy', 'allkeys-lru']]);
  server.dbs[2].set('k', 'v');
  set([['maxmemory', String(LIMIT)]]);
  used = LIMIT + 1;
  run(c, 'PING');
  assert.deepEqual(log, ['modified 2 k by none', 'evicted k', 'propagate 2 DEL k']);
  log.length = 0;
  set([['maxmemory', '0'], ['lazyfree-lazy-eviction', 'yes']]);
  server.dbs[2].set('k', 'v');
  set([['maxmemory', String(LIMIT)]]);
  used = LIMIT + 1;
  run(c, 'PING');
  assert.deepEqual(log, ['modified 2 k by none', 'evicted k', 'propagate 2 UNLINK k']);
});

test('maxmemory-eviction-tenacity: slices of 16 keys, continued from the event loop; commands run meanwhile', async () => {
  const c = client();
  fill(100);
  set([['maxmemory-policy', 'allkeys-random'], ['maxmemory-eviction-tenacity', '0']]);
  set([['maxmemory', String(LIMIT)]]);
  used = LIMIT * 100;
  // The first slice evicts 16 keys, runs out of time, and the command is not refused.
  assert.equal(run(c, 'SET', 'probe', 'x'), 'OK');
  const left = db0().size;
  assert.ok(left < 101 && (101 - left) % 16 === 0, `${left}`);
  // The loop goes on until nothing is left; then writes are refused.
  for (let i = 0; i < 100 && db0().size > 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(db0().size, 0);
  assert.equal(run(c, 'SET', 'probe', 'x'), OOM_ERROR);
});

test('the time limit per slice grows with tenacity as in Redis', () => {
  assert.equal(evictionTimeLimitUs(0), 0);
  assert.equal(evictionTimeLimitUs(10), 500);
  assert.equal(evictionTimeLimitUs(11), 575);
  assert.equal(evictionTimeLimitUs(99), Math.floor(500 * 1.15 ** 89));
  assert.equal(evictionTimeLimitUs(100), Infinity);
});

test('no eviction and no OOM while loading', () => {
  const c = client();
  fill(3);
  set([['maxmemory-policy', 'allkeys-lru'], ['maxmemory', String(LIMIT)]]);
  used = LIMIT * 2;
  server.loading = true;
  try {
    assert.equal(evictor(server).perform(), 0);
  } finally {
    server.loading = false;
  }
  assert.equal(db0().size, 3);
  set([['maxmemory-policy', 'noeviction']]);
  assert.equal(run(c, 'SET', 'x', 'y'), OOM_ERROR);
});

function infoField(name: string): string {
  return new RegExp(`^${name}:(.*)\r$`, 'm').exec(infoText(server, ['everything']))?.[1] ?? '';
}

test('INFO: time spent over the limit (current and total)', () => {
  const c = client();
  server.config.set([['maxmemory', String(LIMIT)]]);
  used = LIMIT + 1;
  run(c, 'PING');
  const t = performance.now();
  while (performance.now() - t < 3) {
    // over the limit for at least 3 ms
  }
  assert.ok(Number(infoField('current_eviction_exceeded_time')) >= 3);
  used = 0;
  run(c, 'PING');
  assert.equal(infoField('current_eviction_exceeded_time'), '0');
  assert.ok(Number(infoField('total_eviction_exceeded_time')) >= 3);
  run(c, 'CONFIG', 'RESETSTAT');
  assert.equal(infoField('total_eviction_exceeded_time'), '0');
});

test('with maxmemory 0 no check is installed', () => {
  const checks = server.checks.length;
  set([['maxmemory', String(LIMIT)]]);
  assert.equal(server.checks.length, checks + 1);
  set([['maxmemory', '0']]);
  assert.equal(server.checks.length, checks);
});

/** A server of its own, with the real memory meter (the shared one's is replaced). */
function ownServer(): Server {
  const own = new Server();
  own.register(...allFamilies);
  own.init();
  return own;
}

test('the memory meter: keys added count at their estimated size, evicted keys at theirs', () => {
  const own = ownServer();
  try {
    const meter = memoryMeter(own);
    const db = own.dbs[0];
    const base = meter.precise();
    for (let i = 0; i < 2000; i++) db.set(`k:${i}`, `value-${i}`);
    let exact = 0;
    for (const [k, v] of db.keys.entries()) exact += keyBytes(db, k, v);
    const grown = meter.cheap() - base;
    // The bytes per key come from a sample: close to the exact sum, not equal.
    assert.ok(Math.abs(grown - exact) < exact * 0.1, `${grown} vs ${exact}`);
    // An eviction takes the key's own estimate off at once.
    const before = meter.cheap();
    const bytes = keyBytes(db, 'k:7', db.keys.get('k:7')!);
    own.evictKey(db, 'k:7');
    meter.release(bytes);
    assert.equal(meter.cheap(), before - bytes);
    // Flushed keys go as keys do.
    own.dbs[0].clear();
    assert.ok(Math.abs(meter.cheap() - base) < exact * 0.1);
  } finally {
    void own.close();
  }
});

test('the memory meter: a few keys are measured one by one, again after every change', () => {
  const own = ownServer();
  try {
    const meter = memoryMeter(own);
    const c = socketlessClient(own);
    const db = own.dbs[0];
    const exact = () => [...db.keys.entries()].reduce((n, [k, v]) => n + keyBytes(db, k, v), 0);
    runCommand(own, c, ['SET', 'a', 'x']);
    runCommand(own, c, ['RPUSH', 'list', 'one']);
    const base = meter.cheap() - exact();
    // Each kind of change shows at the next reading: a value grown in place, an expiry, a
    // bigger list, an expired key, a flush.
    runCommand(own, c, ['APPEND', 'a', 'y'.repeat(100_000)]);
    assert.equal(meter.cheap(), base + exact());
    assert.ok(exact() > 100_000);
    runCommand(own, c, ['PEXPIRE', 'a', '1']);
    assert.equal(meter.cheap(), base + exact());
    runCommand(own, c, ['RPUSH', 'list', 'z'.repeat(50_000)]);
    assert.equal(meter.cheap(), base + exact());
    const withA = meter.cheap();
    own.now += 10;
    own.expireKey(db, 'a');
    assert.ok(meter.cheap() < withA - 100_000);
    assert.equal(meter.cheap(), base + exact());
    // Loading (DEBUG RELOAD, LOADAOF) refills databases without signalling keys.
    const count = db.keys.size;
    db.clear();
    for (let i = 0; i < count; i++) db.set(`loaded${i}`, 'q'.repeat(30_000));
    assert.equal(meter.cheap(), base + exact());
    runCommand(own, c, ['FLUSHALL']);
    assert.equal(meter.cheap(), base);
  } finally {
    void own.close();
  }
});

test('the memory meter: a full collection seen while it is in use becomes the anchor', async () => {
  const own = ownServer();
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const collected = async () => {
    gc();
    // Collections are reported from the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  };
  try {
    const meter = memoryMeter(own);
    const base = meter.precise();
    let held: number[] | null = new Array(2_500_000).fill(1.5);
    // No key was added: until a full collection says otherwise, the heap did not grow.
    assert.ok(Math.abs(meter.cheap() - base) < 1_000_000, `${meter.cheap()} vs ${base}`);
    await collected();
    const grown = meter.cheap() - base;
    assert.ok(grown > 15_000_000 && grown < 30_000_000, `grew by ${grown}`);
    assert.equal(held.length, 2_500_000);
    held = null;
    await collected();
    assert.ok(Math.abs(meter.cheap() - base) < 5_000_000, `${meter.cheap()} vs ${base}`);
  } finally {
    void own.close();
  }
});
