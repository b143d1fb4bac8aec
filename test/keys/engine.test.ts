// In-process tests of expiry, access stamps, and the signals keyspace commands send (WATCH,
// flush/swap listeners, blocked clients), with the test driving the server's clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalLarder } from './helpers.js';
import { activeExpireCycle } from '../../src/engine/expire.js';
import { blocking } from '../../src/engine/blocking.js';
import { Client } from '../../src/server/client.js';
import {
  LFU_INIT_VAL, LRU_CLOCK_MAX, idleTimeMs, lfuAccess, lfuDecayed, lfuElapsed, lfuInitial, lfuLogIncr, lfuMinutes, lruClock,
} from '../../src/engine/lru.js';

const int = (n: number | bigint) => `:${n}\r\n`;
const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
const NIL = '$-1\r\n';

test('no expired key is visible, though DBSIZE counts it until it is deleted', () => {
  const l = new LocalLarder();
  const { server } = l;
  l.run('SET', 'live', 'v');
  l.run('SET', 'gone', 'v');
  l.run('PEXPIREAT', 'gone', server.now + 1000);
  // Expired exactly when the clock has passed the time (not at it), as Redis.
  server.now += 1000;
  assert.equal(l.run('EXISTS', 'gone'), int(1));
  server.now += 1;
  assert.equal(l.run('KEYS', '*'), `*1\r\n${bulk('live')}`);
  assert.equal(l.run('KEYS', 'gone'), '*0\r\n');
  assert.equal(l.run('DBSIZE'), int(2)); // KEYS hides, does not delete
  assert.equal(l.run('SCAN', '0', 'MATCH', 'live'), `*2\r\n${bulk('0')}*1\r\n${bulk('live')}`);
  assert.equal(l.run('DBSIZE'), int(2)); // not matched: not looked at
  for (let i = 0; i < 20; i++) assert.equal(l.run('RANDOMKEY'), bulk('live'));
  assert.equal(l.run('DBSIZE'), int(1));
  l.run('SET', 'gone', 'v');
  l.run('PEXPIREAT', 'gone', server.now + 10);
  server.now += 11;
  assert.equal(l.run('TYPE', 'gone'), '+none\r\n');
  assert.equal(l.run('DBSIZE'), int(1));
  for (const cmd of [['EXISTS', 'x'], ['TTL', 'x'], ['PTTL', 'x'], ['GET', 'x'], ['OBJECT', 'ENCODING', 'x'], ['SCAN', '0'], ['TOUCH', 'x']]) {
    l.run('SET', 'x', 'v');
    l.run('PEXPIREAT', 'x', server.now + 5);
    server.now += 6;
    const reply = l.run(...cmd);
    assert.ok(!reply.includes('$1\r\nx\r\n') && reply !== int(1) && !reply.startsWith('+string'), `${cmd[0]}: ${JSON.stringify(reply)}`);
    assert.equal(l.run('DBSIZE'), int(1), `${cmd[0]} deleted the expired key`);
  }
  assert.equal(server.stats.expiredKeys, 9);
});

test('a replica hides expired keys without deleting them', () => {
  const l = new LocalLarder();
  const { server } = l;
  l.run('SET', 'k', 'v');
  l.run('PEXPIREAT', 'k', server.now + 10);
  server.keepExpiredKeys = true;
  server.now += 20;
  assert.equal(l.run('GET', 'k'), NIL);
  assert.equal(l.run('EXISTS', 'k'), int(0));
  assert.equal(l.run('RANDOMKEY'), bulk('k')); // every key is volatile: gives up after 100 tries
  activeExpireCycle(server);
  assert.equal(l.run('DBSIZE'), int(1));
  // EXPIRE with a past time sets it (the master's DEL will come).
  l.run('SET', 'p', 'v');
  assert.equal(l.run('PEXPIREAT', 'p', '1'), int(1));
  assert.equal(l.run('DBSIZE'), int(2));
  // DEL deletes what the replica kept, and counts it.
  assert.equal(l.run('DEL', 'k'), int(1));
  server.keepExpiredKeys = false;
  assert.equal(l.run('DBSIZE'), int(1));
  assert.equal(l.run('EXISTS', 'p'), int(0));
  assert.equal(l.run('DBSIZE'), int(0));
});

test('while clients are paused, expired keys are hidden but kept', () => {
  const l = new LocalLarder();
  const { server } = l;
  l.run('SET', 'k', 'v');
  l.run('PEXPIREAT', 'k', server.now + 10);
  server.pause = { all: false, write: true, until: server.now + 1000 };
  server.now += 20;
  assert.equal(l.run('GET', 'k'), NIL);
  activeExpireCycle(server);
  assert.equal(l.run('DBSIZE'), int(1));
  assert.equal(server.stats.expiredKeys, 0);
  server.pause = { all: false, write: false, until: 0 };
  assert.equal(l.run('GET', 'k'), NIL);
  assert.equal(l.run('DBSIZE'), int(0));
  assert.equal(server.stats.expiredKeys, 1);
});

test('active expiry deletes expired keys, keeps live ones, and keeps its statistics', () => {
  const l = new LocalLarder();
  const { server } = l;
  for (let i = 0; i < 500; i++) {
    l.run('SET', `dead:${i}`, 'v');
    l.run('PEXPIREAT', `dead:${i}`, server.now + 10);
    l.run('SET', `live:${i}`, 'v');
    if (i % 2 === 0) l.run('PEXPIREAT', `live:${i}`, server.now + 100000);
  }
  l.run('SELECT', '3');
  l.run('SET', 'other', 'v');
  l.run('PEXPIREAT', 'other', server.now + 10);
  server.now += 20;
  server.activeExpireEnabled = false; // DEBUG SET-ACTIVE-EXPIRE 0
  activeExpireCycle(server);
  assert.equal(server.stats.expiredKeys, 0);
  server.activeExpireEnabled = true;
  l.clearRecords();
  for (let i = 0; i < 50 && server.dbs[0].expires.size > 250; i++) activeExpireCycle(server);
  assert.equal(server.dbs[0].size, 500);
  assert.equal(server.dbs[0].expires.size, 250);
  assert.equal(server.dbs[3].size, 0);
  assert.equal(server.stats.expiredKeys, 501);
  assert.ok(server.stats.expiredStalePerc > 0 && server.stats.expiredStalePerc < 1);
  // Each deletion went through the expiry path: DEL propagated, key signalled.
  assert.equal(l.propagated.length, 501);
  assert.deepEqual(l.propagated[0].slice(1, 2), ['DEL']);
  assert.equal(l.modified.length, 501);
  assert.ok(server.dbs[0].avgTtl > 90000 && server.dbs[0].avgTtl <= 100000, `avg ttl ${server.dbs[0].avgTtl}`);
  // Nothing left to expire: the stale estimate decays.
  const before = server.stats.expiredStalePerc;
  activeExpireCycle(server);
  assert.ok(server.stats.expiredStalePerc < before);
});

test('the expiry time budget stops a long cycle and counts it; fast cycles follow', async () => {
  const l = new LocalLarder([['hz', '500']]); // a 2 ms period: 25% is 500 µs
  const { server } = l;
  const db = server.dbs[0];
  for (let i = 0; i < 200000; i++) {
    db.set(`k${i}`, 'v');
    db.setExpire(`k${i}`, server.now + 1);
  }
  server.now += 10;
  activeExpireCycle(server);
  assert.equal(server.stats.expiredTimeCapReachedCount, 1);
  const left = db.size;
  assert.ok(left > 0 && left < 200000, `size ${left}`);
  // Fast cycles (1 ms each, at most every 2 ms) go on between cron ticks while they run out of time.
  for (let i = 0; i < 200 && db.size === left; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(db.size < left, `fast cycles expired nothing (${db.size} left)`);
  assert.ok(server.stats.expiredTimeCapReachedCount > 1);
  server.activeExpireEnabled = false; // stop the fast cycles
});

test('LRU: lookups that read a value record the access; TYPE, EXISTS, TTL, OBJECT do not', () => {
  const l = new LocalLarder();
  const { server } = l;
  server.now = 1_700_000_000_000;
  l.run('SET', 'k', 'v');
  assert.equal(l.run('OBJECT', 'IDLETIME', 'k'), int(0));
  server.now += 10_000;
  for (const cmd of [['TYPE', 'k'], ['EXISTS', 'k'], ['TTL', 'k'], ['PTTL', 'k'], ['OBJECT', 'ENCODING', 'k'], ['OBJECT', 'FREQ', 'k'], ['KEYS', '*'], ['SCAN', '0', 'TYPE', 'string'], ['DBSIZE'], ['RANDOMKEY']]) {
    l.run(...cmd);
  }
  assert.equal(l.run('OBJECT', 'IDLETIME', 'k'), int(10));
  l.run('GET', 'k');
  assert.equal(l.run('OBJECT', 'IDLETIME', 'k'), int(0));
  server.now += 5_500;
  assert.equal(l.run('OBJECT', 'IDLETIME', 'k'), int(5));
  // CLIENT NO-TOUCH: reads don't record accesses, TOUCH still does.
  server.touching = false;
  l.run('GET', 'k');
  assert.equal(l.run('OBJECT', 'IDLETIME', 'k'), int(5));
  assert.equal(l.run('TOUCH', 'k', 'missing'), int(1));
  assert.equal(server.touching, false);
  assert.equal(l.run('OBJECT', 'IDLETIME', 'k'), int(0));
  server.touching = true;
  // RENAME and MOVE keep the object (touched by the lookup); COPY makes a new one.
  server.now += 3_000;
  l.run('RENAME', 'k', 'r');
  assert.equal(l.run('OBJECT', 'IDLETIME', 'r'), int(0));
  server.now += 3_000;
  l.run('COPY', 'r', 'c');
  assert.equal(l.run('OBJECT', 'IDLETIME', 'c'), int(0));
});

test('LFU: counters start at 5, grow logarithmically on access, decay with time', () => {
  const l = new LocalLarder([['maxmemory-policy', 'allkeys-lfu'], ['lfu-log-factor', '0']]);
  const { server } = l;
  server.now = 1_700_000_000_000;
  l.run('SET', 'k', 'v');
  assert.equal(l.run('OBJECT', 'FREQ', 'k'), int(5));
  assert.match(l.run('OBJECT', 'IDLETIME', 'k'), /^-ERR An LFU maxmemory policy is selected, idle time not tracked/);
  for (let i = 0; i < 10; i++) l.run('GET', 'k'); // log factor 0: every access counts
  assert.equal(l.run('OBJECT', 'FREQ', 'k'), int(15));
  l.run('EXISTS', 'k');
  l.run('TYPE', 'k');
  assert.equal(l.run('OBJECT', 'FREQ', 'k'), int(15));
  server.now += 3 * 60_000; // decay: one per minute (lfu-decay-time 1)
  assert.equal(l.run('OBJECT', 'FREQ', 'k'), int(12));
  l.run('GET', 'k');
  assert.equal(l.run('OBJECT', 'FREQ', 'k'), int(13));
  server.now += 60 * 60_000;
  assert.equal(l.run('OBJECT', 'FREQ', 'k'), int(0));
  // Overwriting a key keeps its counter, as one access.
  l.run('SET', 'k', 'w');
  assert.equal(l.run('OBJECT', 'FREQ', 'k'), int(1));
  // Switching the policy back to LRU reinterprets the stamps (as Redis: "will take some time").
  server.lfu = false;
  assert.match(l.run('OBJECT', 'FREQ', 'k'), /^-ERR An LFU maxmemory policy is not selected, access frequency not tracked/);
});

test('LRU and LFU arithmetic', () => {
  assert.equal(lruClock(5_000), 5);
  assert.equal(lruClock((LRU_CLOCK_MAX + 3) * 1000), 2);
  assert.equal(idleTimeMs(10, 25_000), 15_000);
  // The 24-bit clock wraps.
  assert.equal(idleTimeMs(LRU_CLOCK_MAX - 1, 2 * 1000), (2 + 1) * 1000);
  assert.equal(lfuMinutes(65536 * 60_000 + 120_000), 2);
  assert.equal(lfuElapsed(65534, 3 * 60_000), 65535 - 65534 + 3);
  assert.equal(lfuInitial(120_000) >>> 8, 2);
  assert.equal(lfuInitial(120_000) & 255, LFU_INIT_VAL);
  assert.equal(lfuDecayed((2 << 8) | 10, 1, 5 * 60_000), 7);
  assert.equal(lfuDecayed((2 << 8) | 10, 2, 5 * 60_000), 9);
  assert.equal(lfuDecayed((2 << 8) | 10, 0, 5 * 60_000), 10);
  assert.equal(lfuDecayed((2 << 8) | 2, 1, 5 * 60_000), 0);
  assert.equal(lfuLogIncr(255, 0), 255);
  assert.equal(lfuLogIncr(3, 10), 4); // at or below the initial value: always
  assert.equal(lfuLogIncr(5, 1000), 6);
  assert.equal(lfuAccess(undefined, 10, 1, 60_000), (1 << 8) | 6);
  // Above the initial value the probability is 1 / ((c - 5) * factor + 1).
  let n = 0;
  for (let i = 0; i < 20000; i++) if (lfuLogIncr(15, 10) === 16) n++;
  assert.ok(n > 20000 / 101 / 2 && n < (20000 / 101) * 2, `${n} increments`);
});

test('WATCH signals: each changed key is signalled; flushes and swaps tell the db listeners first', () => {
  const l = new LocalLarder();
  const { server } = l;
  const dbEvents: string[] = [];
  server.dbListeners.push((db, other) => dbEvents.push(`${db.id}<-${other ? other.id : 'empty'}:${[...db.keys.keys()].join(',')}`));
  l.run('MSET', 'a', '1', 'b', '2');
  l.clearRecords();
  const signalled = (...cmd: (string | number)[]) => {
    l.modified.length = 0;
    l.run(...cmd);
    return [...l.modified];
  };
  assert.deepEqual(signalled('RENAME', 'a', 'c'), ['0:a', '0:c']);
  assert.deepEqual(signalled('RENAMENX', 'c', 'b'), []);
  assert.deepEqual(signalled('COPY', 'c', 'd'), ['0:d']);
  assert.deepEqual(signalled('MOVE', 'd', '2'), ['0:d', '2:d']);
  assert.deepEqual(signalled('PEXPIREAT', 'c', '99999999999999'), ['0:c']);
  assert.deepEqual(signalled('PEXPIREAT', 'c', '99999999999999', 'NX'), []);
  assert.deepEqual(signalled('PERSIST', 'c'), ['0:c']);
  assert.deepEqual(signalled('PERSIST', 'c'), []);
  assert.deepEqual(signalled('EXPIRE', 'c', '-1'), ['0:c']);
  assert.deepEqual(signalled('DEL', 'b', 'zz'), ['0:b']);
  assert.deepEqual(signalled('TOUCH', 'b'), []);
  l.run('SET', 'x', '1');
  l.run('SELECT', '1');
  l.run('SET', 'y', '1');
  assert.deepEqual(signalled('SWAPDB', '0', '1'), []);
  assert.deepEqual(dbEvents, ['0<-1:x', '1<-0:y']);
  dbEvents.length = 0;
  assert.deepEqual(signalled('SWAPDB', '0', '0'), []);
  assert.deepEqual(dbEvents, []);
  l.run('FLUSHDB');
  assert.deepEqual(dbEvents, ['1<-empty:x']);
  dbEvents.length = 0;
  l.run('FLUSHALL');
  assert.equal(dbEvents.length, 16);
  assert.equal(dbEvents[0], '0<-empty:y');
  assert.equal(dbEvents[2], '2<-empty:d');
});

test('SWAPDB and FLUSHALL offer their keys to clients blocked on them', () => {
  const l = new LocalLarder();
  const { server } = l;
  const waiter = new Client(server, server.nextClientId++, null);
  const offered: string[] = [];
  blocking(server).block(waiter, {
    keys: ['k'],
    deadline: 0,
    timeoutReply: null,
    tryServe: (key) => {
      offered.push(`${waiter.db.id}:${key}:${waiter.db.peek(key) ?? 'none'}`);
      return undefined;
    },
  });
  l.run('SELECT', '1');
  l.run('SET', 'k', 'in-db1');
  assert.deepEqual(offered, []);
  l.run('SWAPDB', '0', '1');
  assert.deepEqual(offered, ['0:k:in-db1']);
  l.run('FLUSHALL');
  assert.deepEqual(offered, ['0:k:in-db1', '0:k:none']);
  assert.ok(blocking(server).isBlocked(waiter));
});

test('FLUSHDB and FLUSHALL count the removed keys as changes', () => {
  const l = new LocalLarder();
  const { server } = l;
  l.run('MSET', 'a', '1', 'b', '2', 'c', '3');
  const dirty = server.dirty;
  l.run('FLUSHDB', 'ASYNC');
  assert.equal(server.dirty, dirty + 3);
  l.run('FLUSHALL');
  assert.equal(server.dirty, dirty + 3);
  assert.deepEqual(l.propagated.slice(-2), [['0', 'FLUSHDB', 'ASYNC'], ['0', 'FLUSHALL']]);
});
