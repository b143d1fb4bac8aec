// Client-side caching as client libraries see it: a node-redis client tracking keys with its
// invalidations redirected to a node-redis subscriber (RESP2), and a RESP3 client receiving
// invalidation pushes on its own connection. Larder and Redis must deliver the same.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { startLarder, startRedis, type RunningServer } from '../helpers/servers.js';

let larder: RunningServer;
let redis: RunningServer;
before(async () => {
  [larder, redis] = await Promise.all([startLarder(), startRedis()]);
});
after(() => Promise.all([larder.stop(), redis.stop()]));

async function waitUntil(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out: ${what}`);
}

async function redirected(server: RunningServer): Promise<unknown[]> {
  const options = { socket: { port: server.port, host: '127.0.0.1', reconnectStrategy: false as const } };
  const cache = createClient(options);
  const invalidations = createClient(options);
  const writer = createClient(options);
  for (const c of [cache, invalidations, writer]) {
    c.on('error', () => {});
    await c.connect();
  }
  try {
    await writer.flushAll();
    const received: unknown[] = [];
    const id = await invalidations.clientId();
    await invalidations.subscribe('__redis__:invalidate', (message) => received.push(message), true);
    await cache.sendCommand(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id)]);
    await writer.mSet(['a', '1', 'b', '2']);
    const read = [await cache.get('a'), await cache.mGet(['b', 'c'])];
    await writer.set('a', 'changed');
    await writer.set('c', 'new');
    await waitUntil(() => received.length === 2, 'two invalidations');
    await writer.set('a', 'again');
    await writer.flushAll();
    await waitUntil(() => received.length === 3, 'the flush invalidation');
    return [read, received.map((m) => (m === null ? null : String(m)))];
  } finally {
    for (const c of [cache, invalidations, writer]) await c.disconnect();
  }
}

test('node-redis: invalidations redirected to a subscriber arrive as from Redis', async () => {
  const [a, b] = [await redirected(larder), await redirected(redis)];
  assert.deepEqual(a, b);
  assert.equal((a[1] as unknown[]).length, 3);
});

async function resp3(server: RunningServer): Promise<string[]> {
  const cache = await server.client();
  const writer = await server.client();
  try {
    await writer.send('FLUSHALL');
    await cache.send('HELLO', '3');
    const out: string[] = [];
    const raw = (r: { raw: Buffer }) => r.raw.latin1Slice(0, r.raw.length);
    out.push(raw(await cache.send('CLIENT', 'TRACKING', 'ON')));
    await writer.send('SET', 'user:1', 'ada');
    out.push(raw(await cache.send('GET', 'user:1')));
    await writer.send('SET', 'user:1', 'grace');
    out.push(raw(await cache.read()));
    out.push(raw(await cache.send('MGET', 'user:1', 'user:2')));
    out.push(raw(await cache.send('SET', 'user:2', 'own write')), raw(await cache.read()));
    await writer.send('DEL', 'user:1');
    out.push(raw(await cache.read()));
    await writer.send('FLUSHALL');
    out.push(raw(await cache.read()));
    return out;
  } finally {
    cache.close();
    writer.close();
  }
}

test('a RESP3 client gets invalidation pushes on its own connection as from Redis', async () => {
  const [a, b] = [await resp3(larder), await resp3(redis)];
  assert.deepEqual(a, b);
  assert.ok(a.includes('>2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\nuser:1\r\n'));
  assert.equal(a[a.length - 1], '>2\r\n$10\r\ninvalidate\r\n_\r\n');
});
