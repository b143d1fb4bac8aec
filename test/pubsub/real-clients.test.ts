// Real client libraries against Larder and Redis: what an ioredis and a node-redis subscriber
// receive (messages, pattern messages, keyspace notifications), and their transaction APIs,
// must be the same on both servers.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis as IORedis } from 'ioredis';
import { createClient } from 'redis';
import { startLarder, startRedis, type RunningServer } from '../helpers/servers.js';

const FLAGS = ['--notify-keyspace-events', 'KEA'];
let larder: RunningServer;
let redis: RunningServer;
before(async () => {
  [larder, redis] = await Promise.all([startLarder({ args: FLAGS }), startRedis({ args: FLAGS })]);
});
after(() => Promise.all([larder.stop(), redis.stop()]));

const both = () => [larder, redis] as const;

/** Resolves once `n` events were collected. */
function collector(n: number): { events: string[]; add: (e: string) => void; done: Promise<void> } {
  const events: string[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    events,
    add: (e) => {
      events.push(e);
      if (events.length === n) resolve();
    },
    done,
  };
}

async function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer!: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), 5000)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

async function ioredisSubscriber(server: RunningServer): Promise<string[]> {
  const opts = { port: server.port, host: '127.0.0.1', enableReadyCheck: false, lazyConnect: true, maxRetriesPerRequest: 0 };
  const sub = new IORedis(opts);
  const pub = new IORedis(opts);
  await Promise.all([sub.connect(), pub.connect()]);
  try {
    await pub.flushall();
    const got = collector(7);
    sub.on('message', (channel: string, message: string) => got.add(`message ${channel} ${message}`));
    sub.on('pmessage', (pattern: string, channel: string, message: string) => got.add(`pmessage ${pattern} ${channel} ${message}`));
    const subscribed = await sub.subscribe('news', 'music');
    const psubscribed = await sub.psubscribe('ne*', '__keyspace@0__:user:*');
    const receivers = [
      await pub.publish('news', 'hello'), await pub.publish('music', 'song'), await pub.publish('nebula', 'far'),
      await pub.publish('nobody', 'x'),
    ];
    await pub.set('user:1', 'ada');
    await pub.incr('user:2');
    await pub.del('user:1');
    await withTimeout(got.done, 'ioredis messages');
    const unsubscribed = await sub.unsubscribe('news');
    const numsub = await pub.pubsub('NUMSUB', 'news', 'music');
    return [`subscribe ${subscribed}`, `psubscribe ${psubscribed}`, `receivers ${receivers}`, ...got.events, `unsubscribe ${unsubscribed}`, `numsub ${numsub}`];
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
}

test('an ioredis subscriber receives the same messages and notifications from Larder as from Redis', async () => {
  const [a, b] = [await ioredisSubscriber(larder), await ioredisSubscriber(redis)];
  assert.deepEqual(a, b);
  assert.ok(a.includes('message news hello') && a.includes('pmessage __keyspace@0__:user:* __keyspace@0__:user:1 set'));
});

async function nodeRedisSubscriber(server: RunningServer): Promise<string[]> {
  const pub = createClient({ socket: { port: server.port, host: '127.0.0.1', reconnectStrategy: false } });
  pub.on('error', () => {});
  await pub.connect();
  const sub = pub.duplicate();
  sub.on('error', () => {});
  await sub.connect();
  try {
    await pub.flushAll();
    const got = collector(6);
    await sub.subscribe(['orders', 'audit'], (message, channel) => got.add(`message ${channel} ${message}`));
    await sub.pSubscribe('order*', (message, channel) => got.add(`pmessage order* ${channel} ${message}`));
    await sub.pSubscribe('__keyevent@0__:*', (message, channel) => got.add(`keyevent ${channel} ${message}`));
    const receivers = [await pub.publish('orders', 'o1'), await pub.publish('audit', 'a1'), await pub.publish('orderly', 'x')];
    await pub.set('k', 'v');
    await pub.incr('n');
    await withTimeout(got.done, 'node-redis messages');
    const channels = (await pub.pubSubChannels()).sort();
    const numpat = await pub.pubSubNumPat();
    await sub.unsubscribe('orders');
    const numsub = await pub.pubSubNumSub(['orders', 'audit']);
    return [`receivers ${receivers}`, ...got.events.sort(), `channels ${channels}`, `numpat ${numpat}`, `numsub ${JSON.stringify(numsub)}`];
  } finally {
    await sub.disconnect();
    await pub.disconnect();
  }
}

test('a node-redis subscriber receives the same messages and notifications from Larder as from Redis', async () => {
  const [a, b] = [await nodeRedisSubscriber(larder), await nodeRedisSubscriber(redis)];
  assert.deepEqual(a, b);
  assert.ok(a.includes('message orders o1') && a.includes('keyevent __keyevent@0__:incrby n'));
});

test('ioredis and node-redis transactions (MULTI/EXEC, WATCH) behave the same on both servers', async () => {
  const results: unknown[][] = [];
  for (const server of both()) {
    const out: unknown[] = [];
    const io = new IORedis({ port: server.port, host: '127.0.0.1', enableReadyCheck: false, lazyConnect: true });
    await io.connect();
    const other = new IORedis({ port: server.port, host: '127.0.0.1', enableReadyCheck: false, lazyConnect: true });
    await other.connect();
    try {
      await io.flushall();
      out.push(await io.multi().set('a', '1').get('a').incr('a').incr('missing').exec());
      out.push(await io.multi().set('s', 'text').incr('s').get('s').exec());
      await io.watch('w');
      await other.set('w', 'changed');
      out.push(await io.multi().set('w', 'mine').exec());
      out.push(await io.get('w'));
      out.push(await io.multi().set('x', '1').call('NOSUCHCOMMAND').exec().catch((e: Error) => `rejected: ${e.message}`));
    } finally {
      io.disconnect();
      other.disconnect();
    }
    const nr = createClient({ socket: { port: server.port, host: '127.0.0.1', reconnectStrategy: false } });
    nr.on('error', () => {});
    await nr.connect();
    const nr2 = nr.duplicate();
    await nr2.connect();
    try {
      out.push(await nr.multi().set('b', '2').get('b').incrBy('b', 5).exec());
      await nr.watch('w');
      await nr2.set('w', 'again');
      out.push(await nr.multi().get('w').exec().catch((e: Error) => `${e.name}`));
      out.push(await nr.multi().set('c', '1').addCommand(['SET', 'c']).exec().catch((e: Error) => `${e.name}: ${e.message}`));
    } finally {
      await nr.disconnect();
      await nr2.disconnect();
    }
    results.push(out.map((r) => JSON.parse(JSON.stringify(r, (_k, v) => (v instanceof Error ? `Error: ${v.message}` : v)))));
  }
  assert.deepEqual(results[0], results[1]);
  assert.deepEqual(results[0].slice(0, 4), [[[null, 'OK'], [null, '1'], [null, 2], [null, 1]], [[null, 'OK'], ['Error: ERR value is not an integer or out of range'], [null, 'text']], null, 'changed']);
});
