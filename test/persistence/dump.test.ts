// DUMP, RESTORE and MIGRATE: replies and errors against Redis, and MIGRATE between Larder and
// real Redis in both directions.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { startLarder, startRedis, type RunningServer } from '../helpers/servers.js';
import { Crc64 } from '../../src/persistence/crc64.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

/** A DUMP payload around raw RDB value bytes, with the given version and a correct CRC. */
function payload(body: number[] | Buffer, version = 10): Buffer {
  const b = Buffer.concat([Buffer.from(body), Buffer.from([version & 0xff, version >> 8])]);
  return Buffer.concat([b, new Crc64().update(b).bytes()]);
}

const hello = payload([0, 5, ...Buffer.from('hello')]);

test('DUMP and RESTORE replies and errors match Redis', async () => {
  const badCrc = Buffer.from(hello);
  badCrc[badCrc.length - 1] ^= 1;
  await d.check([
    ['DUMP', 'missing'],
    ['SET', 'k', 'v'], ['DUMP', 'k'],
    ['RESTORE', 'k', '0', hello],
    ['RESTORE', 'n', '-1', hello],
    ['RESTORE', 'n', 'abc', hello],
    ['RESTORE', 'n', '0', 'garbage'],
    ['RESTORE', 'n', '0', ''],
    ['RESTORE', 'n', '0', badCrc],
    ['RESTORE', 'n', '0', payload([0, 5, ...Buffer.from('hello')], 12)],
    ['RESTORE', 'n', '0', payload([0, 5, 104, 105])],
    ['RESTORE', 'n', '0', payload([200, 1, 2])],
    ['RESTORE', 'n', '0', payload([0, 0xc3, 5, 10, 1, 2, 3, 4, 5])],
    ['RESTORE', 'n', '0', hello, 'IDLETIME', '10', 'FREQ', '5'],
    ['RESTORE', 'n', '0', hello, 'FREQ', '5', 'IDLETIME', '10'],
    ['RESTORE', 'n', '0', hello, 'IDLETIME', '-1'],
    ['RESTORE', 'n', '0', hello, 'IDLETIME', 'x'],
    ['RESTORE', 'n', '0', hello, 'FREQ', '256'],
    ['RESTORE', 'n', '0', hello, 'FREQ', '-1'],
    ['RESTORE', 'n', '0', hello, 'IDLETIME'],
    ['RESTORE', 'n', '0', hello, 'BOGUS'],
    ['RESTORE', 'n', '0'],
    ['EXISTS', 'n'],
    ['RESTORE', 'n', '0', hello], ['GET', 'n'],
    ['RESTORE', 'n', '0', payload([0, 0xc0, 0x85]), 'REPLACE'], ['GET', 'n'],
    ['RESTORE', 'n', '0', payload([0, 0xc1, 0x39, 0x30]), 'REPLACE', 'ABSTTL', 'IDLETIME', '100'], ['GET', 'n'],
    ['RESTORE', 'e', '1', hello, 'ABSTTL'], ['EXISTS', 'e'],
    ['RESTORE', 'n', '1', hello, 'ABSTTL', 'REPLACE'], ['EXISTS', 'n'],
    ['RESTORE', 't', '100000', hello], ['GET', 't'],
    ['RESTORE', 't2', '9999999999999', hello, 'ABSTTL'], ['GET', 't2'],
    ['RESTORE', 'big', '0', payload([0, 0xc2, 0xff, 0xff, 0xff, 0x7f])], ['GET', 'big'],
    ['SET', 'long', 'abcabcabcabcabcabcabcabcabcabcabcabcabc'], ['DUMP', 'long'],
    ['SET', 'num', '-123456'], ['DUMP', 'num'],
  ]);
});

test('MIGRATE argument errors match Redis', async () => {
  await d.check([
    ['SET', 'k', 'v'],
    ['MIGRATE', '127.0.0.1', '1', 'k', '0', '1000', 'BOGUS'],
    ['MIGRATE', '127.0.0.1', '1', 'k', '0', '1000', 'AUTH'],
    ['MIGRATE', '127.0.0.1', '1', 'k', '0', '1000', 'AUTH2', 'user'],
    ['MIGRATE', '127.0.0.1', '1', 'k', '0', '1000', 'KEYS', 'a'],
    ['MIGRATE', '127.0.0.1', '1', 'k', 'x', '1000'],
    ['MIGRATE', '127.0.0.1', '1', 'k', '0', 'x'],
    ['MIGRATE', '127.0.0.1', '1', 'missing', '0', '1000'],
    ['MIGRATE', '127.0.0.1', '1', '', '0', '1000', 'KEYS', 'missing1', 'missing2'],
    ['MIGRATE', '127.0.0.1', '1', 'k', '0', '1000'],
    ['GET', 'k'],
  ]);
});

async function withServers<T>(fn: (larder: RunningServer, redis: RunningServer) => Promise<T>, redisArgs: string[] = []): Promise<T> {
  const [larder, redis] = await Promise.all([startLarder(), startRedis({ args: redisArgs })]);
  try {
    return await fn(larder, redis);
  } finally {
    await Promise.all([larder.stop(), redis.stop()]);
  }
}

test('MIGRATE moves, copies and replaces keys from Larder to Redis, keeping TTLs', async () => {
  await withServers(async (larder, redis) => {
    const [l, r] = await Promise.all([larder.client(), redis.client()]);
    const port = String(redis.port);
    await l.call('SET', 'a', 'value-a', 'EX', '1000');
    await l.call('SET', 'b', 'b'.repeat(10000));
    await l.call('SET', 'c', '12345');
    assert.equal(await l.call('MIGRATE', '127.0.0.1', port, 'a', '0', '5000'), 'OK');
    assert.equal(await l.call('EXISTS', 'a'), 0);
    assert.equal(await r.call('GET', 'a'), 'value-a');
    const ttl = (await r.call('PTTL', 'a')) as number;
    assert.ok(ttl > 990_000 && ttl <= 1_000_000, `ttl ${ttl}`);
    // COPY keeps the source; an existing target needs REPLACE.
    assert.equal(await l.call('MIGRATE', '127.0.0.1', port, 'b', '3', '5000', 'COPY'), 'OK');
    assert.equal(await l.call('EXISTS', 'b'), 1);
    await r.call('SELECT', '3');
    assert.equal(await r.call('GET', 'b'), 'b'.repeat(10000));
    const busy = (await l.call('MIGRATE', '127.0.0.1', port, 'b', '3', '5000', 'COPY')) as Error;
    assert.equal(busy.message, 'ERR Target instance replied with error: BUSYKEY Target key name already exists.');
    await l.call('SET', 'b', 'new');
    assert.equal(await l.call('MIGRATE', '127.0.0.1', port, 'b', '3', '5000', 'REPLACE'), 'OK');
    assert.equal(await r.call('GET', 'b'), 'new');
    assert.equal(await l.call('EXISTS', 'b'), 0);
    // KEYS: only existing keys move.
    await l.call('SET', 'k1', '1');
    await l.call('SET', 'k2', '2');
    assert.equal(await l.call('MIGRATE', '127.0.0.1', port, '', '5', '5000', 'KEYS', 'k1', 'nope', 'k2', 'c'), 'OK');
    assert.equal(await l.call('DBSIZE'), 0);
    await r.call('SELECT', '5');
    assert.deepEqual(await r.call('MGET', 'k1', 'k2', 'c'), ['1', '2', '12345']);
    assert.equal(await l.call('MIGRATE', '127.0.0.1', port, '', '5', '5000', 'KEYS', 'k1'), 'NOKEY');
    l.close();
    r.close();
  });
});

test('MIGRATE with AUTH and AUTH2, right and wrong passwords', async () => {
  await withServers(async (larder, redis) => {
    const l = await larder.client();
    const port = String(redis.port);
    await l.call('SET', 'x', '1');
    const wrong = (await l.call('MIGRATE', '127.0.0.1', port, 'x', '0', '5000', 'AUTH', 'nope')) as Error;
    assert.match(wrong.message, /^ERR Target instance replied with error: WRONGPASS/);
    assert.equal(await l.call('EXISTS', 'x'), 1);
    const noauth = (await l.call('MIGRATE', '127.0.0.1', port, 'x', '0', '5000')) as Error;
    assert.match(noauth.message, /^ERR Target instance replied with error: NOAUTH/);
    assert.equal(await l.call('MIGRATE', '127.0.0.1', port, 'x', '0', '5000', 'COPY', 'AUTH', 'secret'), 'OK');
    assert.equal(await l.call('MIGRATE', '127.0.0.1', port, 'x', '0', '5000', 'REPLACE', 'AUTH2', 'default', 'secret'), 'OK');
    assert.equal(await l.call('EXISTS', 'x'), 0);
    const r = await redis.client();
    await r.call('AUTH', 'secret');
    assert.equal(await r.call('GET', 'x'), '1');
    r.close();
    l.close();
  }, ['--requirepass', 'secret']);
});

test('MIGRATE from Redis to Larder, and between two Larders', async () => {
  await withServers(async (larder, redis) => {
    const [l, r] = await Promise.all([larder.client(), redis.client()]);
    await r.call('SET', 'from-redis', 'hello', 'PX', '500000');
    assert.equal(await r.call('MIGRATE', '127.0.0.1', String(larder.port), 'from-redis', '2', '5000'), 'OK');
    await l.call('SELECT', '2');
    assert.equal(await l.call('GET', 'from-redis'), 'hello');
    const other = await startLarder();
    try {
      const o = await other.client();
      assert.equal(await l.call('MIGRATE', '127.0.0.1', String(other.port), 'from-redis', '0', '5000'), 'OK');
      assert.equal(await o.call('GET', 'from-redis'), 'hello');
      // Back to Redis to check that the TTL travelled with it.
      assert.equal(await o.call('MIGRATE', '127.0.0.1', String(redis.port), 'from-redis', '0', '5000'), 'OK');
      const ttl = (await r.call('PTTL', 'from-redis')) as number;
      assert.ok(ttl > 400_000 && ttl <= 500_000, `ttl ${ttl}`);
      o.close();
    } finally {
      await other.stop();
    }
    l.close();
    r.close();
  });
});

test('MIGRATE gives up after its timeout when the target does not answer', async () => {
  const silent = net.createServer((s) => s.on('data', () => {}));
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', () => res()));
  const port = (silent.address() as net.AddressInfo).port;
  const larder = await startLarder();
  try {
    const l = await larder.client();
    await l.call('SET', 'k', 'v');
    const start = Date.now();
    const e = (await l.call('MIGRATE', '127.0.0.1', String(port), 'k', '0', '300')) as Error;
    const took = Date.now() - start;
    assert.equal(e.message, 'IOERR error or timeout reading to target instance');
    assert.ok(took >= 250 && took < 5000, `took ${took} ms`);
    assert.equal(await l.call('GET', 'k'), 'v');
    // The server kept serving afterwards.
    assert.equal(await l.call('PING'), 'PONG');
    l.close();
  } finally {
    await larder.stop();
    silent.close();
  }
});
