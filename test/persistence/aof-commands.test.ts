// The AOF in command form, against real Redis 7.0: the same write commands of every family run
// on Larder and on Redis (both with appendonly yes), and the two AOF files must hold the same
// commands in the same order — each command in the form Redis logs it (EXPIRE as PEXPIREAT,
// SET EX as SET PXAT, SPOP as SREM, blocking pops as non-blocking ones, INCRBYFLOAT as
// SET KEEPTTL, GETEX as PEXPIREAT/PERSIST, BLMOVE as LMOVE, Z*STORE as they are, an expired
// key's DEL in one MULTI/EXEC block with the command that found it, …). Then each server
// loads the other's directory and both report the same dataset.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startLarder, startRedis, type RunningServer } from '../helpers/servers.js';
import { incrCommands } from '../helpers/aof.js';
import type { RespClient } from '../helpers/resp-client.js';
import { Crc64 } from '../../src/persistence/crc64.js';
import { describeDataset, type Cmd } from './cases.js';

/** A DUMP payload of the string "abc" (RDB version 10). */
function stringPayload(): Buffer {
  const b = Buffer.from([0, 3, 97, 98, 99, 10, 0]);
  return Buffer.concat([b, new Crc64().update(b).bytes()]);
}

// Active expiry is off on both servers, so that expired keys are deleted when a command finds
// them, deterministically; DEBUG SLEEP makes sure a 1 ms TTL has passed.
const script: Cmd[] = [
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
  // Strings and expiries.
  ['SET', 'a', '1', 'EX', '100'], ['SETEX', 'b', '100', 'v'], ['PSETEX', 'c', '100000', 'v'], ['SET', 'd', 'v', 'PX', '100000', 'GET'],
  ['SET', 'd2', 'v', 'EXAT', '4102444800'], ['SET', 'd3', 'v', 'NX', 'PX', '100000'],
  ['GETEX', 'a', 'EX', '50'], ['GETEX', 'a', 'PXAT', '4102444800000'], ['GETEX', 'a', 'PERSIST'], ['GETEX', 'a'],
  ['EXPIRE', 'b', '100'], ['PEXPIRE', 'b', '100000'], ['EXPIREAT', 'b', '4102444800'], ['EXPIRE', 'b', '200', 'GT'], ['EXPIRE', 'c', '-1'],
  ['GETDEL', 'd'], ['SET', 'f', '1.5'], ['INCRBYFLOAT', 'f', '2'], ['SET', 'f2', '10', 'EX', '1000'], ['INCRBYFLOAT', 'f2', '0.5'],
  ['SET', 'g', 'x', 'KEEPTTL'], ['APPEND', 'g', 'y'], ['SETRANGE', 'g', '5', 'z'], ['SETBIT', 'h', '7', '1'],
  ['BITFIELD', 'h', 'SET', 'u8', '0', '5', 'INCRBY', 'u8', '0', '1', 'GET', 'u8', '0'], ['BITOP', 'OR', 'h2', 'h', 'g'],
  ['INCR', 'i'], ['DECRBY', 'i', '5'], ['INCRBY', 'i', '3'], ['DECR', 'i'], ['SETNX', 'i', '0'], ['SETNX', 'i2', '0'],
  ['MSET', 'm1', 'a', 'm2', 'b'], ['MSETNX', 'm3', 'c'], ['GETSET', 'm1', 'z'],
  ['PFADD', 'hll', 'a', 'b'], ['PFCOUNT', 'hll'], ['PFCOUNT', 'hll'], ['PFMERGE', 'hll2', 'hll'],
  // Lists, with blocking pops served at once (they log as non-blocking ones).
  ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'], ['LPUSH', 'l', 'z'], ['LPOP', 'l'], ['RPOP', 'l', '2'], ['BLPOP', 'l', '0'], ['BRPOP', 'nope', 'l', '0'],
  ['RPUSH', 'l', '1', '2', '3'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['BLMOVE', 'l', 'l2', 'RIGHT', 'LEFT', '0'],
  ['RPOPLPUSH', 'l2', 'l'], ['BRPOPLPUSH', 'l2', 'l', '0'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1'], ['BLMPOP', '0', '2', 'nope', 'l', 'RIGHT', 'COUNT', '9'],
  ['RPUSH', 'l2', 'p', 'q', 'r', 's'], ['LINSERT', 'l2', 'BEFORE', 'q', 'x'], ['LSET', 'l2', '0', 'y'], ['LREM', 'l2', '0', 'y'], ['LTRIM', 'l2', '0', '-2'],
  ['RPUSHX', 'l2', 'q'], ['LPUSHX', 'nolist', 'q'], ['LPOP', 'l2', '100'],
  // Sets: SPOP of a whole set logs DEL, of one member SREM (an intset: a whole hashtable set
  // comes in an order that depends on Redis's random hash seed).
  ['SADD', 's', '1', '2', '3'], ['SREM', 's', '1'], ['SPOP', 'nosuchset'], ['SADD', 's1', 'only'], ['SPOP', 's1'],
  ['SADD', 's2', '7', '8'], ['SPOP', 's2', '5'], ['SMOVE', 's', 's3', '2'], ['SADD', 's4', 'x', 'y'],
  ['SINTERSTORE', 's5', 's4', 's3'], ['SUNIONSTORE', 's6', 's4', 's3'], ['SDIFFSTORE', 's7', 's4', 's3'], ['SINTERSTORE', 's6', 's4', 'nosuchset'],
  // Hashes: HINCRBYFLOAT logs HSET.
  ['HSET', 'h', 'f', 'v', 'n', '1'], ['HSETNX', 'h', 'g', 'w'], ['HINCRBY', 'h', 'n', '5'], ['HINCRBYFLOAT', 'h', 'x', '1.5'], ['HDEL', 'h', 'g'],
  ['HMSET', 'h', 'a', 'b'],
  // Sorted sets: blocking and multi-key pops log ZPOPMIN/ZPOPMAX with the count popped.
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['ZADD', 'z', 'XX', 'CH', '5', 'd'], ['ZADD', 'z', 'INCR', '1', 'd'], ['ZINCRBY', 'z', '2', 'a'],
  ['ZREM', 'z', 'd'], ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z', '1'], ['BZPOPMIN', 'z', '0'], ['ZADD', 'z', '1', 'a', '2', 'b'], ['BZPOPMAX', 'z', '0'],
  ['ZADD', 'z', '5', 'q', '6', 'r'], ['ZMPOP', '1', 'z', 'MIN'], ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '5'],
  ['ZADD', 'za', '1', 'a', '2', 'b'], ['ZADD', 'zb', '3', 'b', '4', 'c'], ['ZUNIONSTORE', 'zu', '2', 'za', 'zb'], ['ZINTERSTORE', 'zi', '2', 'za', 'zb', 'WEIGHTS', '2', '3'],
  ['ZDIFFSTORE', 'zd', '2', 'za', 'zb'], ['ZRANGESTORE', 'zr', 'za', '0', '-1'], ['ZREMRANGEBYSCORE', 'za', '1', '1'], ['ZREMRANGEBYRANK', 'zb', '0', '0'],
  ['ZREMRANGEBYLEX', 'zu', '-', '+'],
  ['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
  ['GEOSEARCHSTORE', 'geo2', 'geo', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'ASC'], ['GEORADIUS', 'geo', '15', '37', '200', 'km', 'STORE', 'geo3'],
  // Keys.
  ['SET', 'k1', 'v'], ['RENAME', 'k1', 'k2'], ['RENAMENX', 'k2', 'k4'], ['COPY', 'k4', 'k3'], ['MOVE', 'k3', '1'], ['PERSIST', 'b'], ['EXPIRE', 'k4', '100'],
  ['PERSIST', 'k4'], ['DEL', 'k4', 'nope'], ['UNLINK', 'm2'], ['SWAPDB', '0', '1'], ['SWAPDB', '0', '1'], ['SET', 'old', 'v', 'PXAT', '1'],
  ['RESTORE', 'r1', '100000', stringPayload()], ['RESTORE', 'r2', '4102444800000', stringPayload(), 'ABSTTL'], ['RESTORE', 'r1', '0', stringPayload(), 'REPLACE'],
  // Expired keys found by commands: their DEL comes with the command's write, in MULTI/EXEC.
  ['SET', 'e', '5', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['INCR', 'e'],
  ['SET', 'e2', '5', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['GET', 'e2'],
  ['SET', 'e3', '5', 'PX', '1'], ['SET', 'e4', '5', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'],
  ['MULTI'], ['INCR', 'e3'], ['GET', 'e4'], ['SET', 'w', '1'], ['EXEC'],
  ['RPUSH', 'el', 'a'], ['PEXPIRE', 'el', '1'], ['DEBUG', 'SLEEP', '0.01'], ['RPUSH', 'el', 'b'],
  ['SET', 'ek', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['MSET', 'ek', 'v2', 'ek2', 'v3'],
  // Transactions: a single write alone, several in MULTI/EXEC, read-only ones not at all.
  ['MULTI'], ['SET', 'x', '1'], ['INCR', 'x'], ['EXEC'], ['MULTI'], ['SET', 'y', '1'], ['EXEC'], ['MULTI'], ['GET', 'y'], ['EXEC'],
  ['SELECT', '1'], ['SET', 'in-db1', 'v'], ['SELECT', '0'], ['SET', 'back-in-db0', 'v'],
  ['FLUSHDB'], ['SET', 'after-flush', 'v'],
];

/** Absolute millisecond times (what TTLs become) differ by when each server ran: compared apart. */
const isTime = (a: string) => /^1\d{12}$/.test(a) && Math.abs(Number(a) - Date.now()) < 86_400_000;

/** Asserts both AOFs hold the same commands; absolute times may differ by up to a minute. */
function assertSameCommands(larder: string[][], redis: string[][]): void {
  const show = (c: string[] | undefined) => (c === undefined ? '(none)' : JSON.stringify(c.map((a) => (isTime(a) ? '<time>' : a.slice(0, 40)))));
  const n = Math.max(larder.length, redis.length);
  for (let i = 0; i < n; i++) {
    const l = larder[i];
    const r = redis[i];
    const context = redis.slice(Math.max(0, i - 3), i).map(show).join(' ');
    assert.equal(show(l), show(r), `AOF command #${i} (after ${context})`);
    for (let j = 0; j < l.length; j++) {
      if (isTime(r[j])) assert.ok(Math.abs(Number(l[j]) - Number(r[j])) < 60_000, `time in ${show(r)}`);
      else assert.equal(l[j], r[j]);
    }
  }
}

const aofArgs = ['--appendonly', 'yes', '--appendfsync', 'always'];

async function withBoth<T>(f: (l: RunningServer, r: RunningServer, lc: RespClient, rc: RespClient) => Promise<T>): Promise<T> {
  const [l, r] = await Promise.all([startLarder({ args: aofArgs }), startRedis({ args: aofArgs })]);
  const [lc, rc] = await Promise.all([l.client(), r.client()]);
  try {
    return await f(l, r, lc, rc);
  } finally {
    lc.close();
    rc.close();
    await Promise.all([l.stop(), r.stop()]);
  }
}

function copyAofDir(from: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larder-aofcmd-'));
  fs.cpSync(path.join(from, 'appendonlydir'), path.join(dir, 'appendonlydir'), { recursive: true });
  return dir;
}

test('every family logs its writes in the AOF as Redis does, and each server loads the other\'s AOF', async () => {
  await withBoth(async (larder, redis, lc, rc) => {
    for (const cmd of script) {
      const [a, b] = await Promise.all([lc.send(...cmd), rc.send(...cmd)]);
      assert.equal(a.raw.toString('latin1'), b.raw.toString('latin1'), `reply to ${cmd.map(String).join(' ').slice(0, 100)}`);
    }
    assertSameCommands(incrCommands(larder.dir), incrCommands(redis.dir));
    // Each server's files, loaded by the other server (and by itself): the same dataset.
    const expected = await describeDataset(rc, [0, 1]);
    assert.deepEqual(await describeDataset(lc, [0, 1]), expected);
    for (const [dir, start] of [[larder.dir, startRedis], [redis.dir, startLarder], [larder.dir, startLarder]] as const) {
      const s = await start({ dir: copyAofDir(dir), args: aofArgs });
      const c = await s.client();
      try {
        assert.deepEqual(await describeDataset(c, [0, 1]), expected);
      } finally {
        c.close();
        await s.stop();
      }
    }
  });
});

test('clients blocked on lists and sorted sets log their pops when served, after the write that served them', async () => {
  const blocked: Cmd[] = [
    ['BLPOP', 'bl', '0'], ['BRPOP', 'bl', '0'], ['BLMOVE', 'bl', 'dst', 'LEFT', 'RIGHT', '0'], ['BRPOPLPUSH', 'bl', 'dst', '0'],
    ['BLMPOP', '0', '1', 'bl', 'LEFT', 'COUNT', '2'], ['BZPOPMIN', 'bz', '0'], ['BZPOPMAX', 'bz', '0'], ['BZMPOP', '0', '1', 'bz', 'MIN', 'COUNT', '2'],
  ];
  const pushes: Cmd[] = [['RPUSH', 'bl', 'a', 'b', 'c', 'd', 'e', 'f', 'g']];
  const zadds: Cmd[] = [['ZADD', 'bz', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e']];
  await withBoth(async (larder, redis, lc, rc) => {
    for (const [server, c] of [[larder, lc], [redis, rc]] as const) {
      // Each blocked command in its own connection, blocked in this order.
      const waiters: RespClient[] = [];
      for (const cmd of blocked) {
        const w = await server.client();
        w.writeRaw(Buffer.concat([Buffer.from(`*${cmd.length}\r\n`), ...cmd.map((a) => {
          const b = Buffer.from(String(a), 'latin1');
          return Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
        })]));
        waiters.push(w);
        // The server has registered the block when CLIENT LIST shows it.
        for (;;) {
          const list = (await c.call('CLIENT', 'LIST')) as string;
          if ((list.match(/flags=b /g) ?? []).length === waiters.length) break;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      for (const cmd of [...pushes, ...zadds]) await c.send(...cmd);
      const replies = await Promise.all(waiters.map((w) => w.read()));
      for (const w of waiters) w.close();
      // Pops reply with arrays, moves with the element.
      assert.ok(replies.every((r) => (r.decoded.type === 'array' || r.decoded.type === 'bulk') && r.decoded.value !== null), 'every blocked client was served');
    }
    const logged = incrCommands(larder.dir);
    assertSameCommands(logged, incrCommands(redis.dir));
    const names = new Set(logged.map((x) => x[0].toUpperCase()));
    for (const name of ['LPOP', 'RPOP', 'LMOVE', 'RPOPLPUSH', 'ZPOPMIN', 'ZPOPMAX']) assert.ok(names.has(name), `${name} logged`);
  });
});

test('SPOP with a count logs one SREM per member it removed, in MULTI/EXEC', async () => {
  const larder = await startLarder({ args: aofArgs });
  const c = await larder.client();
  try {
    await c.call('SADD', 's', ...'abcdefghij');
    await c.call('SADD', 'ints', ...Array.from({ length: 20 }, (_, i) => String(i)));
    const popped = (await c.call('SPOP', 's', '3')) as string[];
    const poppedInts = (await c.call('SPOP', 'ints', '15')) as string[];
    const cmds = incrCommands(larder.dir);
    assert.deepEqual(cmds.slice(3), [
      ['MULTI'], ...popped.map((m) => ['SREM', 's', m]), ['EXEC'],
      ['MULTI'], ...poppedInts.map((m) => ['SREM', 'ints', m]), ['EXEC'],
    ]);
  } finally {
    c.close();
    await larder.stop();
  }
});
