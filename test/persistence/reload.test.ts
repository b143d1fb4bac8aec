// Reloads keep every type as Redis keeps it: DEBUG RELOAD and restarts (SHUTDOWN SAVE, AOF)
// keep data, encodings and TTLs; files load with Redis's conversion rules under other settings
// (a hash saved as a listpack stays one unless it has too many fields, one saved as a
// hashtable becomes a listpack when it is small enough…); LRU idle times and LFU counters
// travel in RDB files both ways. Every check compares Larder with a real Redis doing the same.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startLarder, startRedis, type RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';
import { allKeys, runAll, type Cmd } from './cases.js';
import { assertSameDataset, loadBoth, populated, snapshotOf, withClient } from './compare.js';

/** Starts Larder and Redis with the same arguments, runs `f`, stops both. */
async function bothServers<T>(args: string[], f: (l: RunningServer, r: RunningServer) => Promise<T>): Promise<T> {
  const [l, r] = await Promise.all([populated(() => startLarder({ args })), populated(() => startRedis({ args }))]);
  try {
    return await f(l, r);
  } finally {
    await Promise.all([l.stop(), r.stop()]);
  }
}

test('DEBUG RELOAD keeps data, encodings and TTLs as Redis does', async () => {
  await bothServers([], async (larder, redis) => {
    const before = await snapshotOf(larder);
    for (const s of [larder, redis]) await withClient(s, async (c) => assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK'));
    const [ls, rs] = await Promise.all([snapshotOf(larder), snapshotOf(redis)]);
    assertSameDataset(ls, rs, 'after DEBUG RELOAD');
    assert.equal(ls.described.digest, before.described.digest);
    assert.ok(ls.probes.every((p, i) => p === before.probes[i]), 'probes before and after DEBUG RELOAD');
    // A second reload changes nothing more.
    await withClient(larder, (c) => c.call('DEBUG', 'RELOAD'));
    assertSameDataset(await snapshotOf(larder), ls, 'after a second DEBUG RELOAD');
  });
});

test('a restart after SHUTDOWN SAVE, and one from the AOF, keep everything as Redis does', async () => {
  for (const args of [[], ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'yes'], ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']]) {
    const [larder, redis] = await Promise.all([populated(() => startLarder({ args })), populated(() => startRedis({ args }))]);
    const before = await snapshotOf(larder);
    for (const s of [larder, redis]) {
      const c = await s.client();
      c.writeRaw('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
      await s.exited;
      c.close();
    }
    const [l2, r2] = await Promise.all([startLarder({ dir: larder.dir, args }), startRedis({ dir: redis.dir, args })]);
    try {
      const [ls, rs] = await Promise.all([snapshotOf(l2), snapshotOf(r2)]);
      assertSameDataset(ls, rs, `after a restart (${args.join(' ') || 'RDB'})`);
      assert.equal(ls.described.digest, before.described.digest);
    } finally {
      await Promise.all([l2.stop(), r2.stop()]);
    }
  }
});

// Settings that move every collection of the dataset across its encoding limits.
const small = [
  '--hash-max-listpack-entries', '3', '--hash-max-listpack-value', '4', '--zset-max-listpack-entries', '3', '--zset-max-listpack-value', '4',
  '--set-max-intset-entries', '3', '--list-max-listpack-size', '4',
];
const large = [
  '--hash-max-listpack-entries', '1000', '--hash-max-listpack-value', '200', '--zset-max-listpack-entries', '1000', '--zset-max-listpack-value', '200',
  '--set-max-intset-entries', '1000', '--list-max-listpack-size', '-5',
];

test('files load with Redis\'s conversion rules under other encoding settings', async () => {
  // Files written by each server under three settings, each loaded by both under the three.
  for (const saveArgs of [[], small, large]) {
    for (const [name, start] of [['Redis', startRedis], ['Larder', startLarder]] as const) {
      const s = await populated(() => start({ args: saveArgs }));
      await withClient(s, (c) => c.call('SAVE'));
      await s.stop();
      for (const loadArgs of [[], small, large]) {
        try {
          await loadBoth(path.join(s.dir, 'dump.rdb'), loadArgs);
        } catch (e) {
          (e as Error).message = `file of ${name} saved with [${saveArgs.join(' ')}], loaded with [${loadArgs.join(' ')}]: ${(e as Error).message}`;
          throw e;
        }
      }
    }
  }
});

test('DUMP payloads under other settings restore with the same conversions as in Redis', async () => {
  await bothServers(large, async (larder, redis) => {
    // Payloads made under large limits (listpacks everywhere), restored under small ones.
    const [lc, rc] = await Promise.all([larder.client(), redis.client()]);
    try {
      for (const c of [lc, rc]) await runAll(c, small.filter((_, i) => i % 2 === 0).map((name, i) => ['CONFIG', 'SET', name.slice(2), small[2 * i + 1]]));
      for (const key of allKeys) {
        const payload = Buffer.from(((await rc.send('DUMP', key)).decoded as { value: string }).value, 'latin1');
        for (const c of [lc, rc]) await runAll(c, [['RESTORE', `${key}:r`, 0, payload]]);
        assert.equal(await lc.call('OBJECT', 'ENCODING', `${key}:r`), await rc.call('OBJECT', 'ENCODING', `${key}:r`), `encoding of ${JSON.stringify(key)}`);
        assert.deepEqual(await lc.call('DEBUG', 'DIGEST-VALUE', `${key}:r`), await rc.call('DEBUG', 'DIGEST-VALUE', `${key}:r`));
      }
    } finally {
      lc.close();
      rc.close();
    }
  });
});

/** Keys of every type with a known access history (RESTORE sets IDLETIME / FREQ exactly). */
async function withAccessInfo(c: RespClient, how: 'IDLETIME' | 'FREQ'): Promise<string[]> {
  const keys: string[] = [];
  const sources: Cmd[] = [
    ['SET', 'src:str', 'v'], ['RPUSH', 'src:list', 'a'], ['SADD', 'src:set', '1'], ['HSET', 'src:hash', 'f', 'v'], ['ZADD', 'src:zset', '1', 'm'],
  ];
  await runAll(c, sources);
  for (const [, src] of sources) {
    const payload = Buffer.from(((await c.send('DUMP', src)).decoded as { value: string }).value, 'latin1');
    for (const n of how === 'IDLETIME' ? [0, 100, 5000, 1000000] : [0, 1, 5, 100, 255]) {
      const key = `${src}:${n}`;
      await runAll(c, [['RESTORE', key, 0, payload, how, n]]);
      keys.push(key);
    }
  }
  return keys;
}

test('LRU idle times and LFU counters travel in RDB files both ways', async () => {
  for (const [policy, how] of [['allkeys-lru', 'IDLETIME'], ['allkeys-lfu', 'FREQ']] as const) {
    // lfu-decay-time 0: counters don't decay while the test runs.
    const args = ['--maxmemory-policy', policy, '--lfu-decay-time', '0'];
    for (const [from, to] of [[startRedis, startLarder], [startLarder, startRedis]] as const) {
      const origin = await from({ args });
      const keys = await withClient(origin, (c) => withAccessInfo(c, how));
      const read = (c: RespClient) => Promise.all(keys.map(async (k) => Number(await c.call('OBJECT', how === 'IDLETIME' ? 'IDLETIME' : 'FREQ', k))));
      const expected = await withClient(origin, read);
      await withClient(origin, (c) => c.call('SAVE'));
      await origin.stop();
      fs.copyFileSync(path.join(origin.dir, 'dump.rdb'), path.join(origin.dir, 'copy.rdb'));
      const target = await to({ dir: origin.dir, args: [...args, '--dbfilename', 'copy.rdb'] });
      try {
        const got = await withClient(target, read);
        for (let i = 0; i < keys.length; i++) {
          if (how === 'FREQ') assert.equal(got[i], expected[i], `OBJECT FREQ of ${keys[i]}`);
          // Idle times grow with the seconds the test takes (a minute is plenty).
          else assert.ok(got[i] >= expected[i] && got[i] <= expected[i] + 60, `OBJECT IDLETIME of ${keys[i]}: ${got[i]} after ${expected[i]}`);
        }
      } finally {
        await target.stop();
      }
    }
  }
});
