// What a master sends its replicas, compared with real Redis 7.0: each scenario runs the same
// commands on Larder and on redis-server, each with a raw replica attached (SYNC, as Redis's
// attach_to_replication_stream), and the two command streams must be identical: SELECTs where
// the database changes, the deterministic forms of writes, MULTI/EXEC around transactions,
// PUBLISH (replicas only), lazy-expiry DELs. Absolute times (PXAT, PEXPIREAT) are normalized.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startLarder, startRedis, type RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';
import { StreamReader, type Cmd } from './helpers.js';

let larder: RunningServer;
let redis: RunningServer;

before(async () => {
  [larder, redis] = await Promise.all([startLarder(), startRedis()]);
  for (const s of [larder, redis]) {
    const c = await s.client();
    await c.call('CONFIG', 'SET', 'repl-ping-replica-period', '3600');
    c.close();
  }
});

after(async () => {
  await Promise.all([larder?.stop(), redis?.stop()]);
});

/**
 * Times in ms since the epoch (13 digits) vary between runs; PINGs come from the replication
 * cron when the time comes (its first tick ignores repl-ping-replica-period).
 */
function normalize(cmds: string[][]): string[][] {
  return cmds.filter((argv) => argv[0].toLowerCase() !== 'ping').map((argv) => argv.map((a, i) => (i === 0 ? a.toLowerCase() : /^1\d{12}$/.test(a) ? '<ms>' : a)));
}

interface Step {
  /** Commands on the main connection; a number sleeps that many ms. */
  cmds: (Cmd | number)[];
  /** Commands on a second connection, sent (without waiting for the reply) before `cmds`. */
  blocked?: Cmd[];
  /** Compare runs of DELs in any order (keys come in hash order: SCAN). */
  sortDels?: boolean;
}

async function streamOf(server: RunningServer, step: Step): Promise<string[][]> {
  const tap = await StreamReader.attach(server.port);
  const c = await server.client();
  let other: RespClient | null = null;
  try {
    if (step.blocked) {
      other = await server.client();
      for (const cmd of step.blocked) other.writeRaw(encode(cmd));
      // Let the blocking command reach the server (a PING round trip on it would queue behind).
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const cmd of step.cmds) {
      if (typeof cmd === 'number') await new Promise((r) => setTimeout(r, cmd));
      else await c.send(...cmd);
    }
    await c.send('SELECT', 0);
    await c.send('SET', '__end__', '1');
    const out: string[][] = [];
    for (;;) {
      const got = await tap.take(1);
      out.push(...got);
      if (got.some((a) => a[0].toLowerCase() === 'set' && a[1] === '__end__')) break;
    }
    return step.sortDels ? sortDelRuns(normalize(out)) : normalize(out);
  } finally {
    tap.close();
    c.close();
    other?.close();
  }
}

function sortDelRuns(cmds: string[][]): string[][] {
  const out: string[][] = [];
  let run: string[][] = [];
  for (const c of [...cmds, ['end']]) {
    if (c[0] === 'del') {
      run.push(c);
      continue;
    }
    out.push(...run.sort((a, b) => (a.join() < b.join() ? -1 : 1)));
    run = [];
    if (c[0] !== 'end' || c.length > 1) out.push(c);
  }
  return out;
}

function encode(argv: Cmd): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) {
    const t = String(a);
    s += `$${Buffer.byteLength(t, 'latin1')}\r\n${t}\r\n`;
  }
  return s;
}

async function same(name: string, step: Step): Promise<void> {
  const [l, r] = [await streamOf(larder, step), await streamOf(redis, step)];
  assert.deepEqual(l, r, `${name}: Larder's stream differs from Redis's`);
}

const scenarios: [string, Step][] = [
  ['plain writes and SELECT', { cmds: [['FLUSHALL'], ['SET', 'a', '1'], ['SELECT', 1], ['SET', 'b', '2'], ['INCR', 'n'], ['SELECT', 0], ['DEL', 'a'], ['DEL', 'missing']] }],
  ['transaction with one write is not wrapped', { cmds: [['MULTI'], ['SET', 'foo', 'bar'], ['EXEC'], ['SET', 'foo2', 'bar']] }],
  ['transaction with several writes', { cmds: [['MULTI'], ['SET', 'x', '1'], ['GET', 'x'], ['SET', 'y', '2'], ['INCR', 'x'], ['EXEC']] }],
  ['transaction with SELECT inside', { cmds: [['MULTI'], ['SELECT', 1], ['SET', 'x', '1'], ['SELECT', 2], ['SET', 'y', '2'], ['SELECT', 3], ['SET', 'z', '3'], ['EXEC']] }],
  ['empty, read-only and no-op transactions', { cmds: [['MULTI'], ['EXEC'], ['SET', 'v', '1'], ['MULTI'], ['GET', 'v'], ['EXEC'], ['MULTI'], ['DEL', 'nothing'], ['EXEC'], ['INCR', 'v']] }],
  ['PUBLISH, alone and in a transaction', { cmds: [['PUBLISH', 'ch', 'hello'], ['MULTI'], ['PUBLISH', 'ch', 'a'], ['EXEC'], ['MULTI'], ['SET', 'p', '1'], ['PUBLISH', 'ch', 'b'], ['EXEC']] }],
  ['relative TTLs become absolute', {
    cmds: [['SET', 'e', 'v', 'EX', 100], ['SET', 'e', 'v', 'PX', 100000], ['SETEX', 'e', 100, 'v'], ['PSETEX', 'e', 100000, 'v'], ['EXPIRE', 'e', 200],
      ['PEXPIRE', 'e', 200000], ['EXPIREAT', 'e', 4000000000], ['GETEX', 'e', 'EX', 300], ['GETEX', 'e', 'PERSIST'], ['GETEX', 'e'], ['EXPIRE', 'e', -1]],
  }],
  ['rewritten writes', {
    cmds: [['SET', 'f', '1.5'], ['INCRBYFLOAT', 'f', '2.25'], ['SET', 'g', 'x'], ['GETDEL', 'g'], ['SADD', 'one', 'm'], ['SPOP', 'one'], ['SADD', 'one', 'm'], ['SPOP', 'one', 1],
      ['HSET', 'hf', 'f', '1'], ['HINCRBYFLOAT', 'hf', 'f', '0.5'], ['SET', 'gs', 'old', 'GET'], ['SET', 'gs', 'new', 'GET', 'KEEPTTL']],
  }],
  ['pops with counts', {
    cmds: [['RPUSH', 'l', 'a', 'b', 'c', 'd'], ['LMPOP', 2, 'l', 'l2', 'LEFT', 'COUNT', 2], ['BLMPOP', 0, 1, 'l', 'RIGHT', 'COUNT', 10], ['LMPOP', 1, 'l', 'LEFT'],
      ['ZADD', 'z', 1, 'a', 2, 'b', 3, 'c'], ['ZMPOP', 1, 'z', 'MIN', 'COUNT', 2], ['BZMPOP', 0, 1, 'z', 'MAX', 'COUNT', 5], ['ZADD', 'z', 1, 'a'], ['BZPOPMIN', 'z', 0], ['RPUSH', 'bl', 'x'], ['BLPOP', 'bl', 0]],
  }],
  ['blocked clients served by a push', { blocked: [['BLPOP', 'waitl', 0]], cmds: [['RPUSH', 'waitl', 'v1', 'v2']] }],
  ['blocked BLMOVE served by a push', { blocked: [['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', 0]], cmds: [['LPUSH', 'src', 'x']] }],
  ['lazy expiry', {
    cmds: [['DEBUG', 'SET-ACTIVE-EXPIRE', 0], ['SET', 'le', 'v', 'PX', 1], 20, ['GET', 'le'], ['SET', 'le2', 'v', 'PX', 1], 20, ['EXISTS', 'le2'], ['DEBUG', 'SET-ACTIVE-EXPIRE', 1]],
  }],
  // One command's lazy-expiry DELs and its own write are one unit: wrapped in MULTI/EXEC.
  ['lazy expiry inside a write and of several keys', {
    cmds: [['DEBUG', 'SET-ACTIVE-EXPIRE', 0], ['SET', 'x1', 'v', 'PX', 1], ['SET', 'x2', 'v', 'PX', 1], ['SET', 'x3', 'v', 'PX', 1], 20,
      ['MGET', 'x1', 'x2'], ['SET', 'x3', 'new'], ['DEBUG', 'SET-ACTIVE-EXPIRE', 1]],
  }],
  // SCAN and RANDOMKEY touch arbitrary keys: their DELs are not wrapped.
  ['lazy expiry by SCAN', {
    cmds: [['FLUSHALL'], ['DEBUG', 'SET-ACTIVE-EXPIRE', 0], ['SET', 'y1', 'v', 'PX', 1], ['SET', 'y2', 'v', 'PX', 1], 20, ['SCAN', 0], ['DEBUG', 'SET-ACTIVE-EXPIRE', 1]],
    sortDels: true,
  }],
  ['flushes and SWAPDB', { cmds: [['SELECT', 1], ['SET', 'k', 'v'], ['FLUSHDB'], ['FLUSHDB'], ['SWAPDB', 0, 1], ['FLUSHALL']] }],
  ['keys family', {
    cmds: [['SET', 'r1', 'v'], ['RENAME', 'r1', 'r2'], ['RENAMENX', 'r2', 'r3'], ['COPY', 'r3', 'r4'], ['MOVE', 'r4', 5], ['PERSIST', 'r3'], ['UNLINK', 'r3'],
      ['HSET', 'h', 'a', '1'], ['HDEL', 'h', 'a'], ['SETBIT', 'bits', 7, 1], ['BITOP', 'NOT', 'bits2', 'bits'], ['PFADD', 'hll', 'a'], ['PFADD', 'hll', 'a']],
  }],
];

for (const [name, step] of scenarios) {
  test(`replication stream: ${name}`, async () => {
    await same(name, step);
  });
}

test('replication stream: SYNC replica sees the RDB first, then a SELECT before the first write', async () => {
  const c = await larder.client();
  await c.call('SELECT', 4);
  const tap = await StreamReader.attach(larder.port);
  await c.call('SET', 'k', 'v');
  const got = await tap.take(2);
  assert.deepEqual(got, [['SELECT', '4'], ['SET', 'k', 'v']]);
  assert.equal(Buffer.concat(tap.rdb).latin1Slice(0, 5), 'REDIS');
  tap.close();
  c.close();
});
