// Replies bigger than the kernel takes at once, to a client that stops reading for a while:
// the server keeps them queued, in order, and delivers every byte once the client reads again,
// also when the client asked to QUIT after them. Against real Redis.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Differential } from '../helpers/differential.js';
import { encodeCommand } from '../helpers/resp-client.js';
import type { RunningServer } from '../helpers/servers.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

const big = 'x'.repeat(4 * 1024 * 1024);

/**
 * Sends `requests` without reading; once the server holds `minQueued` bytes of this client's
 * output (CLIENT LIST's omem), sends QUIT and reads everything until the server closes the
 * connection.
 */
async function deafThenRead(s: RunningServer, requests: string[][], minQueued: number): Promise<{ data: Buffer; omem: number }> {
  const observer = await s.client();
  const socket = net.connect(s.port, '127.0.0.1');
  socket.pause();
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(Buffer.concat(requests.map((r) => encodeCommand(r))));
  let omem = 0;
  const deadline = Date.now() + 15000;
  while (omem < minQueued) {
    if (Date.now() > deadline) throw new Error(`the server never queued ${minQueued} bytes (omem ${omem})`);
    await new Promise((r) => setTimeout(r, 20));
    const list = (await observer.call('CLIENT', 'LIST')) as string;
    for (const line of list.trim().split('\n')) {
      if (line.includes('cmd=client')) continue;
      omem = Math.max(omem, Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0));
    }
  }
  socket.write(encodeCommand(['QUIT']));
  socket.resume();
  await closed;
  observer.close();
  return { data: Buffer.concat(chunks), omem };
}

test('queued replies arrive whole and in order when a slow reader reads again, QUIT after them included', async () => {
  const requests = [['SET', 'big', big], ['GET', 'big'], ['PING'], ['GET', 'big'], ['ECHO', 'last']];
  const bulk = `$${big.length}\r\n${big}\r\n`;
  const expected = `+OK\r\n${bulk}+PONG\r\n${bulk}$4\r\nlast\r\n+OK\r\n`;
  // Part of 8 MB of replies stays in the server while the client does not read.
  const [larder, redis] = await Promise.all([d.larder, d.redis].map((s) => deafThenRead(s, requests, 1024 * 1024)));
  assert.ok(larder.omem >= 1024 * 1024 && redis.omem >= 1024 * 1024);
  assert.equal(larder.data.length, redis.data.length);
  assert.ok(larder.data.equals(redis.data), 'the same bytes as Redis');
  assert.ok(larder.data.equals(Buffer.from(expected, 'latin1')));
});

test('a connection with queued output still serves its later requests in order', async () => {
  // Requests keep coming while earlier replies wait in the socket: new replies queue behind them.
  const requests: string[][] = [['SET', 'big', big]];
  for (let i = 0; i < 3; i++) requests.push(['GET', 'big'], ['INCR', 'n']);
  const [larder, redis] = await Promise.all([d.larder, d.redis].map((s) => deafThenRead(s, requests, 2 * 1024 * 1024)));
  assert.ok(larder.data.equals(redis.data), 'the same bytes as Redis');
  const bulk = `$${big.length}\r\n${big}\r\n`;
  assert.ok(larder.data.equals(Buffer.from(`+OK\r\n${bulk}:1\r\n${bulk}:2\r\n${bulk}:3\r\n+OK\r\n`, 'latin1')));
});
