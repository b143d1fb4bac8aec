import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { checkSession, type Step } from '../helpers/sessions.js';
import { randomInt } from '../helpers/random.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

const sub = (c: number, cmd: (string | number | Buffer)[], confirmations = cmd.length - 1): Step => ({ c, cmd, reads: { [c]: Math.max(confirmations, 1) } });
const pub = (c: number, channel: string | Buffer, message: string | Buffer, receivers: number[]): Step => {
  const reads: Record<number, number> = { [c]: 1 };
  for (const r of receivers) reads[r] = (reads[r] ?? 0) + 1;
  return { c, cmd: ['PUBLISH', channel, message], reads };
};

test('SUBSCRIBE, PUBLISH, UNSUBSCRIBE', async () => {
  await checkSession(d, [
    sub(0, ['SUBSCRIBE', 'chan1', 'chan2']),
    pub(1, 'chan1', 'hello', [0]), pub(1, 'chan2', 'world', [0]),
    sub(0, ['UNSUBSCRIBE', 'chan1']),
    pub(1, 'chan1', 'hello', []), pub(1, 'chan2', 'world', [0]),
    sub(0, ['UNSUBSCRIBE', 'chan2']),
    pub(1, 'chan2', 'world', []),
    // Subscribing to one channel several times, and unsubscribing from unknown ones.
    sub(0, ['SUBSCRIBE', 'c', 'c', 'c']), pub(1, 'c', 'once', [0]),
    sub(0, ['UNSUBSCRIBE', 'foo', 'bar', 'c']),
    // Nothing to unsubscribe from: a confirmation with a null channel.
    sub(0, ['UNSUBSCRIBE']), sub(0, ['PUNSUBSCRIBE']), sub(0, ['SUNSUBSCRIBE']),
    // Two subscribers, in subscription order.
    sub(0, ['SUBSCRIBE', 'x']), sub(2, ['SUBSCRIBE', 'x']), pub(1, 'x', 'both', [0, 2]),
    { c: 1, cmd: ['PUBSUB', 'NUMSUB', 'x', 'y'] },
    sub(0, ['UNSUBSCRIBE']), sub(2, ['UNSUBSCRIBE', 'x']),
    { c: 1, cmd: ['SUBSCRIBE'] }, { c: 1, cmd: ['PUBLISH', 'x'] },
  ]);
});

test('PSUBSCRIBE and PUNSUBSCRIBE, patterns with classes and escapes', async () => {
  await checkSession(d, [
    sub(0, ['PSUBSCRIBE', 'foo.*', 'bar.*']),
    pub(1, 'foo.1', 'hello', [0]), pub(1, 'bar.1', 'hello', [0]),
    pub(1, 'foo1', 'hello', []), pub(1, 'barfoo.1', 'hello', []),
    sub(0, ['PUNSUBSCRIBE', 'foo.*']),
    pub(1, 'foo.1', 'hello', []), pub(1, 'bar.1', 'hello', [0]),
    sub(0, ['PUNSUBSCRIBE', 'bar.*']),
    sub(0, ['PSUBSCRIBE', 'h?llo', 'h[ae]y', 'w[^o]rld', 'lit\\*', 'r[a-c]nge']),
    pub(1, 'hello', 'm', [0]), pub(1, 'hey', 'm', [0]), pub(1, 'hoy', 'm', []), pub(1, 'warld', 'm', [0]),
    pub(1, 'world', 'm', []), pub(1, 'lit*', 'm', [0]), pub(1, 'litx', 'm', []), pub(1, 'rbnge', 'm', [0]),
    // Patterns are unsubscribed from in subscription order.
    sub(0, ['PUNSUBSCRIBE'], 5),
    sub(0, ['PUNSUBSCRIBE', 'nothing', 'else']),
    // Two clients on one pattern, and both kinds of subscription to one channel.
    sub(0, ['PSUBSCRIBE', 'chan.*']), sub(2, ['PSUBSCRIBE', 'chan.*']), pub(1, 'chan.foo', 'hi', [0, 2]),
    sub(0, ['SUBSCRIBE', 'chan.foo']), pub(1, 'chan.foo', 'hi', [0, 0, 2]),
    { c: 1, cmd: ['PUBSUB', 'NUMPAT'] },
    sub(0, ['UNSUBSCRIBE']), sub(0, ['PUNSUBSCRIBE']), sub(2, ['PUNSUBSCRIBE']),
    { c: 1, cmd: ['PUBSUB', 'NUMPAT'] },
    { c: 1, cmd: ['PSUBSCRIBE'] }, { c: 1, cmd: ['PUNSUBSCRIBE', 'x'], reads: { 1: 1 } },
  ]);
});

test('subscribed RESP2 clients may only run (un)subscribe commands, PING, QUIT, RESET', async () => {
  await checkSession(d, [
    sub(0, ['SUBSCRIBE', 'somechannel']),
    { cmd: ['PING'] }, { cmd: ['PING', 'foo'] }, { cmd: ['GET', 'k'] }, { cmd: ['PUBLISH', 'a', 'b'] }, { cmd: ['MULTI'] },
    { cmd: ['PUBSUB', 'NUMSUB'] }, { cmd: ['NOSUCHCOMMAND'] }, { cmd: ['PING', 'a', 'b'] },
    sub(0, ['PSUBSCRIBE', 'p']), sub(0, ['SSUBSCRIBE', 's']),
    sub(0, ['UNSUBSCRIBE', 'somechannel']), { cmd: ['GET', 'k'] },
    sub(0, ['PUNSUBSCRIBE', 'p']), { cmd: ['GET', 'k'] },
    sub(0, ['SUNSUBSCRIBE', 's']),
    { cmd: ['GET', 'k'] }, { cmd: ['PING'] },
  ]);
});

test('sharded channels: SSUBSCRIBE, SPUBLISH, SUNSUBSCRIBE, PUBSUB SHARD*', async () => {
  const spub = (c: number, ch: string, msg: string, receivers: number[]): Step => {
    const reads: Record<number, number> = { [c]: 1 };
    for (const r of receivers) reads[r] = (reads[r] ?? 0) + 1;
    return { c, cmd: ['SPUBLISH', ch, msg], reads };
  };
  await checkSession(d, [
    sub(0, ['SSUBSCRIBE', 'chan1']), sub(0, ['SSUBSCRIBE', 'chan2']),
    spub(1, 'chan1', 'hello', [0]), spub(1, 'chan2', 'world', [0]),
    sub(0, ['SUNSUBSCRIBE', 'chan1']), spub(1, 'chan1', 'hello', []), spub(1, 'chan2', 'world', [0]),
    sub(0, ['SUNSUBSCRIBE']),
    sub(0, ['SSUBSCRIBE', 'c', 'c', 'c']), spub(1, 'c', 'm', [0]), sub(0, ['SUNSUBSCRIBE', 'foo']),
    // Sharded and global subscriptions are separate, and patterns don't see sharded messages.
    sub(2, ['SUBSCRIBE', 'c']), sub(2, ['PSUBSCRIBE', '*']),
    spub(1, 'c', 'sharded', [0]), pub(1, 'c', 'global', [2, 2]),
    { c: 1, cmd: ['PUBSUB', 'SHARDNUMSUB', 'c', 'x'] }, { c: 1, cmd: ['PUBSUB', 'NUMSUB', 'c'] },
    { c: 1, cmd: ['PUBSUB', 'SHARDCHANNELS'] }, { c: 1, cmd: ['PUBSUB', 'SHARDCHANNELS', 'c*'] }, { c: 1, cmd: ['PUBSUB', 'CHANNELS'] },
    { c: 1, cmd: ['PUBSUB', 'SHARDNUMSUB'] }, { c: 1, cmd: ['PUBSUB', 'SHARDCHANNELS', 'a', 'b'] },
    sub(0, ['SUNSUBSCRIBE', 'c']), sub(2, ['UNSUBSCRIBE', 'c']), sub(2, ['PUNSUBSCRIBE', '*']),
    { c: 1, cmd: ['SSUBSCRIBE'] }, { c: 1, cmd: ['SPUBLISH', 'a'] },
  ]);
});

test('PUBSUB CHANNELS, NUMSUB, NUMPAT, HELP and errors', async () => {
  await checkSession(d, [
    sub(0, ['SUBSCRIBE', 'news.tech']), sub(2, ['SUBSCRIBE', 'news.art']), sub(2, ['PSUBSCRIBE', 'news.*', 'x']),
    { c: 1, cmd: ['PUBSUB', 'CHANNELS', 'news.t*'] }, { c: 1, cmd: ['PUBSUB', 'CHANNELS', 'nothing*'] },
    { c: 1, cmd: ['PUBSUB', 'NUMSUB', 'news.tech', 'news.art', 'none'] }, { c: 1, cmd: ['PUBSUB', 'NUMSUB'] },
    { c: 1, cmd: ['PUBSUB', 'NUMPAT'] }, { c: 1, cmd: ['PUBSUB', 'HELP'] }, { c: 1, cmd: ['pubsub', 'help'] },
    { c: 1, cmd: ['PUBSUB', 'CHANNELS', 'a', 'b'] }, { c: 1, cmd: ['PUBSUB', 'NUMPAT', 'x'] }, { c: 1, cmd: ['PUBSUB', 'HELP', 'x'] },
    { c: 1, cmd: ['PUBSUB', 'NOPE'] }, { c: 1, cmd: ['PUBSUB'] }, { c: 1, cmd: ['PUBSUB', 'channels', 'a', 'b', 'c'] },
    sub(0, ['UNSUBSCRIBE']), sub(2, ['UNSUBSCRIBE']), sub(2, ['PUNSUBSCRIBE'], 2),
    { c: 1, cmd: ['PUBSUB', 'CHANNELS'] }, { c: 1, cmd: ['PUBSUB', 'NUMPAT'] },
  ]);
});

test('binary channels, patterns and messages', async () => {
  const bin = Buffer.from([0, 1, 0x0d, 0x0a, 0xff, 0x80, 0x22]);
  await checkSession(d, [
    sub(0, ['SUBSCRIBE', bin]), sub(0, ['PSUBSCRIBE', Buffer.concat([Buffer.from([0]), Buffer.from('*')])]),
    pub(1, bin, bin, [0, 0]), pub(1, Buffer.from([0, 0x41]), Buffer.alloc(0), [0]),
    { c: 1, cmd: ['PUBSUB', 'NUMSUB', bin] }, { c: 1, cmd: ['PUBSUB', 'CHANNELS'] },
    sub(0, ['UNSUBSCRIBE', bin]), sub(0, ['PUNSUBSCRIBE']),
  ]);
});

test('PUBLISH inside a transaction, and to oneself in RESP2', async () => {
  await checkSession(d, [
    sub(0, ['SUBSCRIBE', 'ch']),
    { c: 1, cmd: ['MULTI'] }, { c: 1, cmd: ['PUBLISH', 'ch', 'a'] }, { c: 1, cmd: ['SET', 'k', 'v'] }, { c: 1, cmd: ['PUBLISH', 'ch', 'b'] },
    { c: 1, cmd: ['EXEC'], reads: { 1: 1, 0: 2 } },
    sub(0, ['UNSUBSCRIBE']),
  ]);
});

test('unsubscribing from everything confirms each channel once, counting down', async () => {
  // Redis walks a hash table here, so the channel order is its own: compare as sets.
  for (const server of [d.larder, d.redis]) {
    const c = await server.client();
    try {
      await c.send('SUBSCRIBE', 'a', 'b', 'c', 'd');
      for (let i = 0; i < 3; i++) await c.read();
      const replies = [await c.send('UNSUBSCRIBE')];
      for (let i = 0; i < 3; i++) replies.push(await c.read());
      const decoded = replies.map((r) => r.decoded as { value: { value: unknown }[] });
      assert.deepEqual(decoded.map((r) => r.value[0].value), Array(4).fill('unsubscribe'));
      assert.deepEqual(decoded.map((r) => String(r.value[1].value)).sort(), ['a', 'b', 'c', 'd']);
      assert.deepEqual(decoded.map((r) => Number(r.value[2].value)), [3, 2, 1, 0]);
      assert.equal((await c.send('GET', 'k')).decoded.type, 'bulk');
    } finally {
      c.close();
    }
  }
});

test('RESP3: messages are push replies and any command is allowed', async () => {
  await checkSession(d, [
    sub(0, ['SUBSCRIBE', 'ch', 'other']), sub(0, ['PSUBSCRIBE', 'c*']), sub(0, ['SSUBSCRIBE', 's']),
    { cmd: ['SET', 'k', 'v'] }, { cmd: ['GET', 'k'] }, { cmd: ['PING'] }, { cmd: ['PING', 'x'] },
    pub(1, 'ch', 'hello', [0, 0]), pub(2, 'ch', 'resp2 publisher', [0, 0]),
    { c: 1, cmd: ['SPUBLISH', 's', 'sharded'], reads: { 1: 1, 0: 1 } },
    // Publishing to oneself: the message comes before the reply.
    { cmd: ['PUBLISH', 'ch', 'self'], reads: { 0: 3 } },
    sub(0, ['UNSUBSCRIBE', 'ch']), sub(0, ['PUNSUBSCRIBE']), sub(0, ['SUNSUBSCRIBE']), sub(0, ['UNSUBSCRIBE']),
    sub(0, ['UNSUBSCRIBE']), { cmd: ['MULTI'] }, { cmd: ['SUBSCRIBE', 'm'] }, { cmd: ['EXEC'] },
  ], { resp3: [0, 1] });
});

test('(un)subscribe confirmations and messages ignore CLIENT REPLY OFF/SKIP', async () => {
  await checkSession(d, [
    { cmd: ['CLIENT', 'REPLY', 'OFF'], reads: {} },
    sub(0, ['SUBSCRIBE', 'channel']), sub(0, ['PSUBSCRIBE', 'ch*']),
    pub(1, 'channel', 'hello', [0, 0]),
    sub(0, ['UNSUBSCRIBE', 'channel']), sub(0, ['PUNSUBSCRIBE', 'ch*']),
    { cmd: ['PING'], reads: {} },
    { cmd: ['CLIENT', 'REPLY', 'ON'] },
    { cmd: ['CLIENT', 'REPLY', 'SKIP'], reads: {} }, sub(0, ['SUBSCRIBE', 'x']), sub(0, ['UNSUBSCRIBE', 'x']),
  ], { resp3: [0] });
});

test('a disconnected subscriber is forgotten', async () => {
  for (const server of [d.larder, d.redis]) {
    const [s1, s2, p] = [await server.client(), await server.client(), await server.client()];
    try {
      await s1.send('SUBSCRIBE', 'gone');
      await s2.send('PSUBSCRIBE', 'go*');
      assert.equal((await p.call('PUBLISH', 'gone', 'x')), 2);
      s1.close();
      s2.close();
      await waitFor(async () => (await p.call('PUBLISH', 'gone', 'x')) === 0);
      assert.deepEqual(await p.call('PUBSUB', 'NUMSUB', 'gone'), ['gone', 0]);
      assert.equal(await p.call('PUBSUB', 'NUMPAT'), 0);
    } finally {
      p.close();
    }
  }
});

async function waitFor(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached');
}

test('random subscriptions and publishing over three connections behave as in Redis', async () => {
  // Channels and disjoint patterns (Redis walks its pattern table in hash order, so no channel
  // may match two patterns); no UNSUBSCRIBE-all with several channels (hash order too).
  const rand = randomInt(777);
  const channel = () => ['a1', 'a2', 'b1', 'b2', 'c1'][rand(5)];
  const pattern = () => ['a*', 'b?'][rand(2)];
  const subscriptions: (() => string[])[] = [
    () => ['SUBSCRIBE', channel()], () => ['SUBSCRIBE', channel(), channel()], () => ['UNSUBSCRIBE', channel()],
    () => ['PSUBSCRIBE', pattern()], () => ['PUNSUBSCRIBE', pattern()], () => ['PUNSUBSCRIBE'],
    () => ['SSUBSCRIBE', channel()], () => ['SUNSUBSCRIBE', channel()], () => ['GET', 'k'],
  ];
  const publishing: (() => string[])[] = [
    () => ['PUBLISH', channel(), `m${rand(100)}`], () => ['PUBLISH', channel(), `m${rand(100)}`], () => ['SPUBLISH', channel(), 's'],
    () => ['PUBSUB', 'NUMSUB', channel(), channel()], () => ['PUBSUB', 'NUMPAT'], () => ['PUBSUB', 'SHARDNUMSUB', channel()],
  ];
  for (const resp3 of [[], [1]]) {
    const steps: Step[] = [];
    // Connections 0 and 1 subscribe (1 in RESP3 in the second round), connection 2 publishes.
    for (let i = 0; i < 150; i++) {
      if (rand(2) === 0) steps.push({ c: rand(2), cmd: subscriptions[rand(subscriptions.length)]() });
      else steps.push({ c: 2, cmd: publishing[rand(publishing.length)]() });
    }
    const transcript = await checkSession(d, steps, { sync: true, conns: 3, resp3 });
    assert.ok(transcript.filter((t) => t.includes('message')).length > 20);
  }
});
