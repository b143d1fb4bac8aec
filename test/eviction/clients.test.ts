// Client eviction (maxmemory-clients): a client whose buffers push all clients' memory over the
// limit is disconnected before the next command runs, unless it set CLIENT NO-EVICT.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { logged, startLarder, type RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';
import { clientEvictionLimit } from '../../src/engine/eviction.js';

let larder: RunningServer;
before(async () => {
  larder = await startLarder();
});
after(() => larder.stop());

async function info(c: RespClient, field: string): Promise<string> {
  const text = (await c.call('INFO', 'everything')) as string;
  return new RegExp(`^${field}:(.*)\r$`, 'm').exec(text)?.[1] ?? '';
}

/** Starts a command with a 300 KB argument that never completes: its query buffer holds it. */
async function bigQueryBuffer(admin: RespClient, c: RespClient, name: string): Promise<void> {
  await c.call('CLIENT', 'SETNAME', name);
  c.writeRaw(`*2\r\n$3\r\nGET\r\n$400000\r\n${'x'.repeat(300_000)}`);
  for (let i = 0; i < 500; i++) {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    const line = list.split('\n').find((l) => l.includes(` name=${name} `));
    const qbuf = Number(/ qbuf=(\d+)/.exec(line ?? '')?.[1] ?? 0);
    if (qbuf >= 300_000) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the query buffer never filled');
}

test('the client whose query buffer is over maxmemory-clients is evicted', async () => {
  const admin = await larder.client();
  const big = await larder.client();
  try {
    await admin.call('CONFIG', 'RESETSTAT');
    await bigQueryBuffer(admin, big, 'big');
    assert.equal(await admin.call('CONFIG', 'SET', 'maxmemory-clients', '200kb'), 'OK');
    assert.equal(await admin.call('PING'), 'PONG');
    await big.waitClosed();
    assert.equal(await info(admin, 'evicted_clients'), '1');
    await logged(larder, /Evicting client: id=\d+ .* name=big /);
  } finally {
    await admin.call('CONFIG', 'SET', 'maxmemory-clients', '0');
    big.close();
    admin.close();
  }
});

test('CLIENT NO-EVICT clients are not evicted (but their memory counts)', async () => {
  const admin = await larder.client();
  const big = await larder.client();
  const other = await larder.client();
  try {
    await admin.call('CONFIG', 'RESETSTAT');
    assert.equal(await big.call('CLIENT', 'NO-EVICT', 'on'), 'OK');
    assert.equal(await other.call('CLIENT', 'NO-EVICT', 'on'), 'OK');
    await bigQueryBuffer(admin, big, 'protected');
    // Over the limit: the only evictable client is `admin`, which goes instead.
    assert.equal(await other.call('CONFIG', 'SET', 'maxmemory-clients', '200kb'), 'OK');
    assert.equal(await other.call('PING'), 'PONG');
    await admin.waitClosed();
    assert.equal(big.isClosed, false);
    assert.equal(await other.call('CONFIG', 'SET', 'maxmemory-clients', '0'), 'OK');
    assert.equal(await info(other, 'evicted_clients'), '1');
    await logged(larder, /Over client maxmemory after evicting all evictable clients/);
  } finally {
    await other.call('CONFIG', 'SET', 'maxmemory-clients', '0');
    other.close();
    big.close();
    admin.close();
  }
});

test('maxmemory-clients limits: bytes, percent of maxmemory, at least 128 KB', () => {
  assert.equal(clientEvictionLimit(0, 1 << 30), 0);
  assert.equal(clientEvictionLimit(300_000, 0), 300_000);
  assert.equal(clientEvictionLimit(1000, 0), 128 * 1024);
  assert.equal(clientEvictionLimit(-50, 10_000_000), 5_000_000);
  assert.equal(clientEvictionLimit(-50, 0), 0);
  assert.equal(clientEvictionLimit(-1, 1_000_000), 128 * 1024);
});
