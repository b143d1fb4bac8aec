// Blocking list commands with several clients, on a real Redis and on Larder: replies in
// order, keyspace events and propagated commands must be the same.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { blocks, close, cmd, read, ScenarioRunner, send, sleep, unblock } from '../helpers/scenario.js';
import { InProcessLarder } from '../helpers/inprocess.js';
import { ClientFlag } from '../../src/server/client.js';

let runner: ScenarioRunner;
before(async () => {
  runner = await ScenarioRunner.start();
});
after(() => runner.close());

test('BLPOP and BRPOP are served by a later push, from the right end', async () => {
  await runner.check([
    blocks(0, 'BLPOP', 'k', '0'), cmd(1, 'RPUSH', 'k', 'a', 'b'), read(0), cmd(1, 'LRANGE', 'k', '0', '-1'),
    blocks(0, 'BRPOP', 'k1', 'k2', '0'), cmd(1, 'RPUSH', 'k2', 'x', 'y'), read(0), cmd(1, 'LRANGE', 'k2', '0', '-1'),
    blocks(0, 'BRPOP', 'k1', 'k2', '0'), cmd(1, 'LPUSH', 'k1', 'z'), read(0), cmd(1, 'EXISTS', 'k1'),
  ]);
});

test('clients are served first come, first served; one push of many elements serves many', async () => {
  await runner.check([
    blocks(0, 'BLPOP', 'k', '0'), blocks(1, 'BLPOP', 'k', '0'), blocks(2, 'BRPOP', 'k', 'other', '0'),
    cmd(3, 'RPUSH', 'k', 'a', 'b'), read(0), read(1), cmd(3, 'LLEN', 'k'),
    cmd(3, 'LPUSH', 'k', 'c', 'd', 'e'), read(2), cmd(3, 'LRANGE', 'k', '0', '-1'),
    blocks(0, 'BLPOP', 'q', '0'), blocks(1, 'BLPOP', 'q', '0'), blocks(2, 'BLPOP', 'q', '0'),
    cmd(3, 'LPUSH', 'q', 'x', 'y'), read(0), read(1), cmd(3, 'RPUSH', 'q', 'z'), read(2), cmd(3, 'EXISTS', 'q'),
  ]);
});

test('BLPOP on the same key twice, and on a key that changes type before the push', async () => {
  await runner.check([
    blocks(0, 'BLPOP', 'k', 'k', 'k', '0'), cmd(1, 'RPUSH', 'k', 'a', 'b'), read(0), cmd(1, 'LRANGE', 'k', '0', '-1'), cmd(1, 'DEL', 'k'),
    blocks(0, 'BLPOP', 'k', '0'), cmd(1, 'SET', 'k', 'string'), cmd(1, 'DEL', 'k'), cmd(1, 'RPUSH', 'k', 'v'), read(0),
  ]);
});

test('BLMPOP is served with COUNT and nested replies, in RESP2 and RESP3', async () => {
  const steps = [
    blocks(0, 'BLMPOP', '0', '2', 'a', 'b', 'RIGHT', 'COUNT', '2'), cmd(1, 'RPUSH', 'b', '1', '2', '3'), read(0), cmd(1, 'LRANGE', 'b', '0', '-1'),
    blocks(0, 'BLMPOP', '0', '1', 'a', 'LEFT', 'COUNT', '10'), cmd(1, 'RPUSH', 'a', 'x'), read(0), cmd(1, 'EXISTS', 'a'),
    blocks(0, 'BLMPOP', '0', '1', 'a', 'LEFT'), blocks(2, 'BLMPOP', '0', '1', 'a', 'RIGHT', 'COUNT', '5'), cmd(1, 'RPUSH', 'a', '1', '2', '3'),
    read(0), read(2),
  ];
  await runner.check(steps);
  await runner.check(steps, { resp: [3, 2, 3] });
});

test('timeouts: fractions of a second, null array replies in RESP2 and RESP3', async () => {
  const steps = [
    blocks(0, 'BLPOP', 'k', '0.05'), read(0), blocks(0, 'BRPOP', 'k', '0.01'), read(0),
    blocks(0, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0.02'), read(0), blocks(0, 'BRPOPLPUSH', 'k', 'd', '0.02'), read(0),
    blocks(0, 'BLMPOP', '0.02', '1', 'k', 'LEFT'), read(0), cmd(0, 'RPUSH', 'k', 'late'), cmd(0, 'LLEN', 'k'),
  ];
  await runner.check(steps);
  await runner.check(steps, { resp: [3] });
});

test('a client that disconnects while blocked is forgotten', async () => {
  await runner.check([
    blocks(0, 'BLPOP', 'k', '0'), blocks(1, 'BLPOP', 'k', '0'), close(0), cmd(2, 'RPUSH', 'k', 'a', 'b'), read(1), cmd(2, 'LRANGE', 'k', '0', '-1'),
    blocks(3, 'BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0'), close(3), cmd(2, 'RPUSH', 'src', 'x'), cmd(2, 'LRANGE', 'src', '0', '-1'), cmd(2, 'EXISTS', 'dst'),
  ]);
});

test('a served client runs the commands it pipelined while blocked', async () => {
  await runner.check([
    blocks(0, 'BLPOP', 'k', '0'), send(0, 'RPUSH', 'k', 'again'), send(0, 'LLEN', 'k'), cmd(1, 'RPUSH', 'k', 'v'), read(0), read(0), read(0),
    cmd(1, 'LRANGE', 'k', '0', '-1'),
  ]);
});

test('BLMOVE and BRPOPLPUSH: every direction, chains, circles and self-reference', async () => {
  const steps = [];
  for (const from of ['LEFT', 'RIGHT']) {
    for (const to of ['LEFT', 'RIGHT']) {
      steps.push(
        cmd(2, 'DEL', 'src', 'dst'), cmd(2, 'RPUSH', 'dst', 'old'), blocks(0, 'BLMOVE', 'src', 'dst', from, to, '0'),
        cmd(2, 'RPUSH', 'src', 'a', 'b'), read(0), cmd(2, 'LRANGE', 'src', '0', '-1'), cmd(2, 'LRANGE', 'dst', '0', '-1'),
      );
    }
  }
  steps.push(
    cmd(2, 'DEL', 'src', 'dst'),
    // Linked: a BLMOVE into a list another client waits on.
    blocks(0, 'BLMOVE', 'l1', 'l2', 'LEFT', 'RIGHT', '0'), blocks(1, 'BLPOP', 'l2', '0'), cmd(2, 'RPUSH', 'l1', 'foo'), read(0), read(1),
    cmd(2, 'EXISTS', 'l1', 'l2'),
    // Circular.
    blocks(0, 'BRPOPLPUSH', 'list1', 'list2', '0'), blocks(1, 'BRPOPLPUSH', 'list2', 'list1', '0'), cmd(2, 'RPUSH', 'list1', 'foo'),
    read(0), read(1), cmd(2, 'LRANGE', 'list1', '0', '-1'), cmd(2, 'LRANGE', 'list2', '0', '-1'),
    // Self-referential.
    cmd(2, 'DEL', 'list1'), blocks(0, 'BRPOPLPUSH', 'blist', 'blist', '0'), cmd(2, 'RPUSH', 'blist', 'foo'), read(0), cmd(2, 'LRANGE', 'blist', '0', '-1'),
    // Chain of three.
    cmd(2, 'DEL', 'blist'), blocks(0, 'BLMOVE', 'c1', 'c2', 'RIGHT', 'LEFT', '0'), blocks(1, 'BLMOVE', 'c2', 'c3', 'RIGHT', 'LEFT', '0'),
    blocks(3, 'BLPOP', 'c3', '0'), cmd(2, 'LPUSH', 'c1', 'x'), read(0), read(1), read(3),
  );
  await runner.check(steps);
});

test('BRPOPLPUSH and BLMOVE into a key of the wrong type reply WRONGTYPE and leave the source', async () => {
  await runner.check([
    cmd(2, 'SET', 'target', 'nolist'), blocks(0, 'BRPOPLPUSH', 'blist', 'target', '0'), cmd(2, 'RPUSH', 'blist', 'a', 'b', 'c'), read(0),
    cmd(2, 'LRANGE', 'blist', '0', '-1'), cmd(2, 'DEL', 'blist'),
    blocks(0, 'BRPOPLPUSH', 'blist', 'target1', '0'), blocks(1, 'BLMOVE', 'blist', 'target2', 'LEFT', 'LEFT', '0'),
    cmd(2, 'SET', 'target1', 'nolist'), cmd(2, 'RPUSH', 'blist', 'foo', 'bar'), read(0), read(1),
    cmd(2, 'LRANGE', 'target2', '0', '-1'), cmd(2, 'LRANGE', 'blist', '0', '-1'),
  ]);
});

test('blocking commands that find data do not block, and propagate as their non-blocking forms', async () => {
  await runner.check([
    cmd(0, 'RPUSH', 'a', '1', '2', '3', '4'), cmd(0, 'BLPOP', 'missing', 'a', '0'), cmd(0, 'BRPOP', 'a', '0'),
    cmd(0, 'BLMPOP', '0', '1', 'a', 'LEFT', 'COUNT', '1'), cmd(0, 'RPUSH', 'a', '5', '6'), cmd(0, 'BLMOVE', 'a', 'b', 'left', 'Right', '0'),
    cmd(0, 'BRPOPLPUSH', 'a', 'b', '0'), cmd(0, 'LMPOP', '2', 'x', 'b', 'RIGHT', 'COUNT', '9'), cmd(0, 'LMOVE', 'a', 'c', 'RIGHT', 'LEFT'),
    cmd(0, 'RPOPLPUSH', 'c', 'c'), cmd(0, 'LRANGE', 'c', '0', '-1'),
  ]);
});

test('blocked clients in other databases are served only by pushes there', async () => {
  await runner.check([
    cmd(0, 'SELECT', '1'), blocks(0, 'BLPOP', 'k', '0'), cmd(1, 'RPUSH', 'k', 'db0'), cmd(1, 'SELECT', '1'), cmd(1, 'RPUSH', 'k', 'db1'), read(0),
    cmd(1, 'SELECT', '0'), cmd(1, 'LRANGE', 'k', '0', '-1'),
  ], { propagation: false });
});

test('many clients on many keys, one push at a time', async () => {
  const steps = [];
  for (let i = 0; i < 6; i++) steps.push(blocks(i, i % 2 ? 'BRPOP' : 'BLPOP', `k${i % 3}`, `k${(i + 1) % 3}`, '0'));
  steps.push(cmd(6, 'RPUSH', 'k1', 'a', 'b', 'c'));
  steps.push(read(0), read(1), read(3));
  steps.push(cmd(6, 'RPUSH', 'k2', 'x'), read(2));
  steps.push(cmd(6, 'LPUSH', 'k0', 'y', 'z'), read(5));
  steps.push(cmd(6, 'RPUSH', 'k2', 'w'), read(4));
  steps.push(sleep(1), cmd(6, 'LRANGE', 'k0', '0', '-1'), cmd(6, 'EXISTS', 'k0', 'k1', 'k2'));
  await runner.check(steps);
});

test('CLIENT UNBLOCK ends a blocked list command with its timeout reply or an error', async () => {
  await runner.check([
    blocks(0, 'BLPOP', 'k', '0'), unblock(1, 0), read(0), blocks(0, 'BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'), unblock(1, 0, 'TIMEOUT'), read(0),
    blocks(0, 'BLMPOP', '0', '1', 'k', 'LEFT'), unblock(1, 0, 'ERROR'), read(0), unblock(1, 0), cmd(1, 'RPUSH', 'k', 'v'), cmd(1, 'LLEN', 'k'),
    blocks(0, 'BRPOPLPUSH', 'x', 'y', '0'), unblock(1, 0, 'error'), read(0),
  ]);
});

test('where blocking is denied (EXEC, scripts) blocking commands reply as on a timeout, at once', async () => {
  // Redis: inside MULTI/EXEC; Larder: the same commands run with the DenyBlocking flag EXEC sets.
  const commands = [
    ['BLPOP', 'k', '0'], ['BRPOP', 'k', 'j', '1'], ['BLMPOP', '0', '1', 'k', 'LEFT'], ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'],
    ['BRPOPLPUSH', 'k', 'd', '0'], ['RPUSH', 'j', 'x'], ['BRPOP', 'k', 'j', '0'], ['BLPOP', 'k', '-1'],
  ];
  for (const resp of [2, 3]) {
    const redis = await runner.redisClient();
    const larder = new InProcessLarder();
    try {
      if (resp === 3) await redis.send('HELLO', '3');
      await redis.send('FLUSHALL');
      await redis.send('MULTI');
      for (const c of commands) await redis.send(...c);
      const exec = (await redis.send('EXEC')).decoded;
      assert.equal(exec.type, 'array');
      const expected = (exec as { value: unknown[] }).value;
      const c = larder.client(resp);
      c.client.flags |= ClientFlag.DenyBlocking;
      for (let i = 0; i < commands.length; i++) {
        const got = (await c.send(...commands[i])).decoded;
        assert.deepEqual(got, expected[i], `RESP${resp} ${commands[i].join(' ')}`);
        assert.equal(c.blocked, false);
      }
    } finally {
      redis.close();
      await larder.close();
    }
  }
});
