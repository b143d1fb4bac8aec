// Connection limits against real Redis: maxclients, the idle `timeout`,
// client-query-buffer-limit and client-output-buffer-limit (hard and soft, normal and pubsub
// classes), including what the disconnected client receives (nothing) and the server log.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Differential } from '../helpers/differential.js';
import { exchange } from '../helpers/raw.js';
import { encodeCommand } from '../helpers/resp-client.js';
import { logged, type RunningServer } from '../helpers/servers.js';

async function waitFor(check: () => Promise<boolean> | boolean, what: string, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function both<T>(d: Differential, fn: (s: RunningServer) => Promise<T>): Promise<[T, T]> {
  return Promise.all([fn(d.larder), fn(d.redis)]);
}

/** A connection that sends but never reads (its replies pile up in the server). */
function deafSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.pause();
      resolve(s);
    });
    s.on('error', () => {});
  });
}

describe('maxclients', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start(['--maxclients', '3'], ['--maxclients', '3']);
  });
  after(() => d.close());

  test('connections beyond maxclients get an error and are closed', async () => {
    const [a, b] = await both(d, async (s) => {
      const held = await Promise.all([s.client(), s.client(), s.client()]);
      await Promise.all(held.map((c) => c.call('PING')));
      const refused = await exchange(s.port, [], { sentinel: false });
      held[0].close();
      await waitFor(async () => ((await held[1].call('CLIENT', 'LIST')) as string).trim().split('\n').length === 2, 'a slot to free');
      const admitted = await exchange(s.port, ['PING\r\n']);
      for (const c of held) c.close();
      return [refused, admitted];
    });
    assert.deepEqual(a, b);
    assert.deepEqual(a[0], { data: '-ERR max number of clients reached\r\n', closed: true });
  });
});

describe('timeout', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start(['--timeout', '1'], ['--timeout', '1']);
  });
  after(() => d.close());

  test('idle clients are disconnected, active ones are not', async () => {
    const [a, b] = await both(d, async (s) => {
      const idle = await s.client();
      const busy = await s.client();
      await idle.call('PING');
      const started = Date.now();
      let pings = 0;
      while (!idle.isClosed && Date.now() - started < 10000) {
        await busy.call('PING');
        pings++;
        await new Promise((r) => setTimeout(r, 200));
      }
      const alive = (await busy.call('PING')) === 'PONG';
      busy.close();
      return { idleClosed: idle.isClosed, busyAlive: alive, afterOneSecond: Date.now() - started >= 1000, pinged: pings > 0 };
    });
    assert.deepEqual(a, b);
    assert.deepEqual(a, { idleClosed: true, busyAlive: true, afterOneSecond: true, pinged: true });
  });
});

describe('client-query-buffer-limit', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start(['--client-query-buffer-limit', '1mb'], ['--client-query-buffer-limit', '1mb']);
  });
  after(() => d.close());

  test('a client whose unparsed input passes the limit is closed without a reply', async () => {
    const header = '*2\r\n$4\r\nECHO\r\n$2000000\r\n';
    const [a, b] = await both(d, (s) => exchange(s.port, [header, Buffer.alloc(1200 * 1024, 'q')], { sentinel: false }));
    assert.deepEqual(a, b);
    assert.deepEqual(a, { data: '', closed: true });
    // An argument under the limit is fine.
    const ok = encodeCommand(['ECHO', 'w'.repeat(900 * 1024)]);
    const [c, e] = await both(d, (s) => exchange(s.port, [ok]));
    assert.deepEqual(c, e);
    assert.equal(c.data.length, 900 * 1024 + 11);
    // Redis has moved the big argument to the start of its query buffer by then.
    for (const s of [d.larder, d.redis]) {
      await logged(s, /# Closing client that reached max query buffer length: id=\d+ .* \(qbuf initial bytes: "q{64}"\)/);
    }
  });
});

describe('client-output-buffer-limit, hard limit of normal clients', () => {
  let d: Differential;
  const limit = ['--client-output-buffer-limit', 'normal 100000 0 0'];
  before(async () => {
    d = await Differential.start(limit, limit);
  });
  after(() => d.close());

  test('a reply or pipeline over the limit closes the client before anything is sent', async () => {
    const [a, b] = await both(d, async (s) => {
      const c = await s.client();
      await c.call('SET', 'bigkey', 'x'.repeat(10000));
      await c.call('SET', 'hugekey', 'y'.repeat(200000));
      let pipeline = '';
      for (let i = 0; i < 15; i++) pipeline += `SET ${i} ${i}\r\nGET ${i}\r\nDEL ${i}\r\nGET bigkey\r\n`;
      const piped = await exchange(s.port, [pipeline], { sentinel: false });
      const single = await exchange(s.port, ['GET hugekey\r\n'], { sentinel: false });
      const under = await exchange(s.port, ['GET bigkey\r\nGET bigkey\r\n']);
      const alive = await c.call('PING');
      c.close();
      return [piped, single, under.data.length, alive];
    });
    assert.deepEqual(a, b);
    assert.deepEqual(a.slice(0, 2), [{ data: '', closed: true }, { data: '', closed: true }]);
    await logged(d.larder, /# Client id=\d+ .* scheduled to be closed ASAP for overcoming of output buffer limits\./);
  });

  test('a client that does not read is closed once its pending output passes the limit', async () => {
    const [a, b] = await both(d, async (s) => {
      const admin = await s.client();
      await admin.call('SET', 'k10', 'w'.repeat(10000));
      const deaf = await deafSocket(s.port);
      deaf.write(encodeCommand(['CLIENT', 'SETNAME', 'deaf-hard']));
      // Small replies, one request per round trip of the admin connection, until it is gone.
      let rounds = 0;
      for (; rounds < 20000; rounds++) {
        deaf.write(encodeCommand(['GET', 'k10']));
        if (rounds % 50 === 0 && !((await admin.call('CLIENT', 'LIST')) as string).includes('name=deaf-hard')) break;
      }
      deaf.destroy();
      admin.close();
      return rounds < 20000;
    });
    assert.deepEqual([a, b], [true, true]);
  });
});

describe('client-output-buffer-limit, soft limit of normal clients', () => {
  let d: Differential;
  const limit = ['--client-output-buffer-limit', 'normal 0 100000 1'];
  before(async () => {
    d = await Differential.start(limit, limit);
  });
  after(() => d.close());

  test('a client over it for longer than soft-seconds is closed, even without new output', async () => {
    const [a, b] = await both(d, async (s) => {
      const admin = await s.client();
      await admin.call('SET', 'k100', 'z'.repeat(100000));
      const deaf = await deafSocket(s.port);
      // About 20 MB of replies: more than the kernel's socket buffers hold.
      deaf.write(Buffer.concat([encodeCommand(['CLIENT', 'SETNAME', 'deaf']), ...Array.from({ length: 200 }, () => encodeCommand(['GET', 'k100']))]));
      let sawOver = false;
      await waitFor(async () => {
        const line = ((await admin.call('CLIENT', 'LIST')) as string).split('\n').find((l) => l.includes('name=deaf'));
        if (line === undefined) return sawOver;
        if (Number(/omem=(\d+)/.exec(line)![1]) > 100000) sawOver = true;
        return false;
      }, 'the client over the soft limit to be closed');
      deaf.destroy();
      admin.close();
      return sawOver;
    });
    assert.deepEqual([a, b], [true, true]);
    await logged(d.larder, /# Client id=\d+ .*name=deaf.* (closed|scheduled to be closed ASAP) for overcoming of output buffer limits\./);
  });
});

describe('client-output-buffer-limit, pubsub clients', () => {
  let d: Differential;
  const limit = ['--client-output-buffer-limit', 'pubsub 100000 0 0'];
  before(async () => {
    d = await Differential.start(limit, limit);
  });
  after(() => d.close());

  test('a subscriber that does not read is closed at the hard limit', async () => {
    const [a, b] = await both(d, async (s) => {
      const pub = await s.client();
      const deaf = await deafSocket(s.port);
      deaf.write(encodeCommand(['SUBSCRIBE', 'obuf-channel']));
      await waitFor(async () => ((await pub.call('PUBLISH', 'obuf-channel', 'hello')) as number) === 1, 'the subscriber');
      let omem = 0;
      const payload = 'p'.repeat(1000);
      for (;;) {
        await pub.call('PUBLISH', 'obuf-channel', payload);
        const lines = ((await pub.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).trim().split('\n').filter((l) => l);
        if (lines.length === 0) break;
        omem = Number(/omem=(\d+)/.exec(lines[0])![1]);
        if (omem > 300000) break;
      }
      deaf.destroy();
      pub.close();
      return omem >= 70000 && omem < 300000;
    });
    assert.deepEqual([a, b], [true, true]);
  });
});
