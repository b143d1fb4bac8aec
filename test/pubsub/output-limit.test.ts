// A subscriber that doesn't read is disconnected once its output passes the pubsub class of
// client-output-buffer-limit; the publisher and the other subscribers carry on.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import net from 'node:net';
import { startLarder, startRedis, type RunningServer } from '../helpers/servers.js';

const LIMIT = ['--client-output-buffer-limit', 'pubsub 256kb 128kb 60'];
let servers: RunningServer[];
before(async () => {
  servers = await Promise.all([startLarder({ args: LIMIT }), startRedis({ args: LIMIT })]);
});
after(() => Promise.all(servers.map((s) => s.stop())));

/** A subscriber that stops reading after its confirmation. */
function stalledSubscriber(port: number, channel: string): Promise<{ socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`*2\r\n$9\r\nSUBSCRIBE\r\n$${channel.length}\r\n${channel}\r\n`);
    });
    socket.once('data', () => {
      socket.pause();
      resolve({ socket });
    });
    socket.once('error', reject);
  });
}

for (const which of ['larder', 'redis'] as const) {
  test(`a stalled subscriber is cut off without hurting the publisher (${which})`, async () => {
    const server = servers[which === 'larder' ? 0 : 1];
    const stalled = await stalledSubscriber(server.port, 'flood');
    stalled.socket.on('error', () => {});
    const healthy = await server.client();
    await healthy.send('SUBSCRIBE', 'flood');
    const publisher = await server.client();
    const message = 'x'.repeat(64 * 1024);
    // Publish until the stalled subscriber is gone (the kernel's socket buffers absorb some
    // megabytes first): PUBLISH then counts one receiver. The healthy one reads everything.
    let receivers = 2;
    let published = 0;
    while (receivers === 2 && published < 4000) {
      const reply = await publisher.call('PUBLISH', 'flood', message);
      receivers = Number(reply);
      published++;
      await healthy.read();
    }
    assert.equal(receivers, 1, `still 2 receivers after ${published} messages`);
    // Only the healthy subscriber is left; the publisher is fine.
    assert.equal(await publisher.call('PUBLISH', 'flood', 'after'), 1);
    assert.deepEqual(await publisher.call('PUBSUB', 'NUMSUB', 'flood'), ['flood', 1]);
    // The server closed the connection: reading again drains what the kernel held, then ends.
    const closed = new Promise<void>((r) => stalled.socket.once('close', () => r()));
    stalled.socket.resume();
    await closed;
    healthy.close();
    publisher.close();
  });
}
