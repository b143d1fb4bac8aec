import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { encodeCommand, plain, type RespClient } from '../helpers/resp-client.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

/** Slowlog entries with what varies between servers (time, duration, client port) taken out. */
function entries(x: unknown): unknown[] {
  return (x as unknown[][]).map((e) => [e[0], e[3], String(e[4]).replace(/:\d+$/, ''), e[5]]);
}

async function both<T>(f: (c: RespClient) => Promise<T>): Promise<[T, T]> {
  const [a, b] = await d.clients();
  try {
    return [await f(a), await f(b)];
  } finally {
    a.close();
    b.close();
  }
}

test('SLOWLOG records commands, trims long arguments, and answers as Redis', async () => {
  const [a, b] = await both(async (c) => {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('CONFIG', 'SET', 'slowlog-max-len', '5');
    await c.call('SLOWLOG', 'RESET');
    await c.call('SET', 'k', 'x'.repeat(200));
    await c.call('MSET', ...Array.from({ length: 40 }, (_, i) => String(i)));
    await c.call('GET', 'k');
    const all = await c.call('SLOWLOG', 'GET', '-1');
    const len = await c.call('SLOWLOG', 'LEN');
    const two = await c.call('SLOWLOG', 'GET', '2');
    const errors = [await c.call('SLOWLOG', 'GET', '-2'), await c.call('SLOWLOG', 'GET', 'x'), await c.call('SLOWLOG', 'GET', '1', '2')];
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
    await c.call('SLOWLOG', 'RESET');
    await c.call('GET', 'k');
    const none = await c.call('SLOWLOG', 'LEN');
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    await c.call('CONFIG', 'SET', 'slowlog-max-len', '128');
    return { all: entries(all), len, two: entries(two), errors: errors.map(String), none };
  });
  assert.deepEqual(a, b);
  // Newest first: GET, then MSET with its 41 arguments cut to 32, then SET with a long value.
  const [get, mset, set] = (a.all as unknown[][]).map((e) => e[1] as string[]);
  assert.deepEqual(get, ['GET', 'k']);
  assert.equal(mset.length, 32);
  assert.equal(mset[31], '... (10 more arguments)');
  assert.equal(set[2], 'x'.repeat(128) + '... (72 more bytes)');
});

test('SLOWLOG entries carry the client name and redact sensitive settings', async () => {
  const [a, b] = await both(async (c) => {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('SLOWLOG', 'RESET');
    await c.call('CONFIG', 'SET', 'masterauth', 'secret', 'maxmemory', '0');
    await c.call('CONFIG', 'SET', 'masterauth', '');
    await c.call('CONFIG', 'SET', 'nosuch', 'x', 'masterauth', 'secret');
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    return entries(await c.call('SLOWLOG', 'GET'));
  });
  assert.deepEqual(a, b);
  assert.deepEqual((a[1] as unknown[])[1], ['CONFIG', 'SET', 'masterauth', '(redacted)']);
});

test('SLOWLOG logs what DEBUG SLEEP took, and HELP is well formed', async () => {
  const [a] = await d.clients();
  try {
    await a.call('CONFIG', 'SET', 'slowlog-log-slower-than', '100000');
    await a.call('SLOWLOG', 'RESET');
    await a.call('PING');
    assert.equal(await a.call('SLOWLOG', 'LEN'), 0);
    await a.call('DEBUG', 'SLEEP', '0.2');
    const [e] = (await a.call('SLOWLOG', 'GET')) as unknown[][];
    assert.ok((e[2] as number) >= 200000);
    assert.deepEqual(e[3], ['DEBUG', 'SLEEP', '0.2']);
    assert.ok(Math.abs((e[1] as number) - Date.now() / 1000) < 5);
    const help = (await a.call('SLOWLOG', 'HELP')) as string[];
    assert.equal(help[0], 'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.ok(help.includes('GET [<count>]') && help.includes('LEN') && help.includes('RESET'));
    await a.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
  } finally {
    a.close();
  }
});

test('SLOWLOG times each command of a pipeline: quick ones share the clock, others are timed alone', async () => {
  const pipeline = [['SET', 'k', 'v'], ['PING'], ['DEBUG', 'SLEEP', '0.2'], ['GET', 'k'], ['INCR', 'n'], ['SLOWLOG', 'GET']];
  const [a, b] = await both(async (c) => {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '100000');
    await c.call('SLOWLOG', 'RESET');
    // One write: the server reads the whole pipeline at once.
    c.writeRaw(Buffer.concat(pipeline.map(encodeCommand)));
    const replies = [];
    for (let i = 0; i < pipeline.length; i++) replies.push(plain((await c.read()).decoded));
    const slow = replies[pipeline.length - 1] as unknown[][];
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('SLOWLOG', 'RESET');
    c.writeRaw(Buffer.concat([...pipeline.slice(0, 2), ...pipeline.slice(3, 5)].map(encodeCommand)));
    for (let i = 0; i < 4; i++) await c.read();
    const all = (await c.call('SLOWLOG', 'GET', '-1')) as unknown[][];
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    await c.call('DEL', 'k', 'n');
    return { slow: slow.map((e) => [e[3], (e[2] as number) >= 200000 && (e[2] as number) < 400000]), all: entries(all).map((e) => (e as unknown[])[1]) };
  });
  assert.deepEqual(a, b);
  // Only DEBUG SLEEP is slow: the quick commands around it keep none of its time.
  assert.deepEqual(a.slow, [[['DEBUG', 'SLEEP', '0.2'], true]]);
  assert.deepEqual(a.all, [['INCR', 'n'], ['GET', 'k'], ['PING'], ['SET', 'k', 'v'], ['SLOWLOG', 'RESET']]);
});

test('LATENCY records events over the threshold and answers as Redis', async () => {
  const [a, b] = await both(async (c) => {
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '100');
    await c.call('LATENCY', 'RESET');
    await c.call('DEBUG', 'SLEEP', '0.15');
    const latest = (await c.call('LATENCY', 'LATEST')) as unknown[][];
    const history = (await c.call('LATENCY', 'HISTORY', 'command')) as unknown[][];
    const other = [
      await c.call('LATENCY', 'HISTORY', 'nosuch'), await c.call('LATENCY', 'RESET', 'nosuch'),
      String(await c.call('LATENCY', 'GRAPH', 'nosuch')), String(await c.call('LATENCY', 'HELP', 'x')),
      String(await c.call('LATENCY', 'NOSUCH')),
    ];
    const graph = String(await c.call('LATENCY', 'GRAPH', 'command'));
    const reset = await c.call('LATENCY', 'RESET', 'COMMAND');
    const after = await c.call('LATENCY', 'LATEST');
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
    return {
      latest: latest.map((e) => [e[0], (e[2] as number) >= 150 && (e[3] as number) >= 150]),
      history: history.map((e) => (e[1] as number) >= 150),
      other, reset, after, graph: graph.split('\n')[0].replace(/\d+/g, 'N'),
    };
  });
  assert.deepEqual(a, b);
  assert.deepEqual(a.latest, [['command', true]]);
});

test('LATENCY HISTOGRAM reports per-command distributions as Redis', async () => {
  const [a, b] = await both(async (c) => {
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('SET', 'a', 'b');
    await c.call('SET', 'c', 'd');
    await c.call('GET', 'a');
    const shape = (x: unknown) => {
      const flat = x as unknown[];
      const out: [unknown, unknown, unknown][] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const h = flat[i + 1] as unknown[];
        out.push([flat[i], h[0], h[1]]);
        assert.equal(h[2], 'histogram_usec');
        const buckets = h[3] as number[];
        assert.equal(buckets[buckets.length - 1], h[1]);
      }
      return out.sort();
    };
    return {
      some: shape(await c.call('LATENCY', 'HISTOGRAM', 'set', 'get', 'nosuch', 'config')),
      sub: shape(await c.call('LATENCY', 'HISTOGRAM', 'config|resetstat')),
      none: await c.call('LATENCY', 'HISTOGRAM', 'blabla'),
    };
  });
  assert.deepEqual(a, b);
  assert.deepEqual(a.some, [['config|resetstat', 'calls', 1], ['get', 'calls', 1], ['set', 'calls', 2]]);
});

test('LATENCY DOCTOR, TIME, LOLWUT', async () => {
  const [a] = await d.clients();
  try {
    assert.ok(String(await a.call('LATENCY', 'DOCTOR')).length > 0);
    const [s, us] = (await a.call('TIME')) as string[];
    assert.match(s, /^\d+$/);
    assert.match(us, /^\d{1,6}$/);
    assert.ok(Math.abs(Number(s) - Date.now() / 1000) < 5);
    assert.ok(String(await a.call('LOLWUT', 'VERSION', '5', '20')).includes('Redis ver. 7.0.15'));
  } finally {
    a.close();
  }
  await d.check([['LOLWUT'], ['LOLWUT', 'VERSION', '7'], ['LOLWUT', 'VERSION', 'x'], ['LOLWUT', 'foo'], ['TIME', 'x']]);
});
