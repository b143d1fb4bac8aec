// Keyspace events and propagated commands of the hash commands, compared with a real Redis.

import { after, before, test } from 'node:test';
import { cmd, ScenarioRunner } from '../helpers/scenario.js';

let runner: ScenarioRunner;
before(async () => {
  runner = await ScenarioRunner.start();
});
after(() => runner.close());

test('hash writes notify and propagate as in Redis', async () => {
  await runner.check([
    cmd(0, 'HSET', 'h', 'a', '1', 'b', '2'), cmd(0, 'HSET', 'h', 'a', '1'), cmd(0, 'HMSET', 'h', 'c', '3'), cmd(0, 'HSETNX', 'h', 'a', 'x'),
    cmd(0, 'HSETNX', 'h', 'd', 'x'), cmd(0, 'HINCRBY', 'h', 'n', '5'), cmd(0, 'HINCRBY', 'h', 'b', 'x'), cmd(0, 'HINCRBYFLOAT', 'h', 'f', '2.5'),
    cmd(0, 'HINCRBYFLOAT', 'h', 'f', '1e2'), cmd(0, 'HINCRBYFLOAT', 'h', 'b', '0x10'), cmd(0, 'HDEL', 'h', 'nope'), cmd(0, 'HDEL', 'h', 'a', 'b'),
    cmd(0, 'HDEL', 'h', 'c', 'd', 'n', 'f', 'nope'), cmd(0, 'HGETALL', 'h'), cmd(0, 'HINCRBYFLOAT', 'new', 'x', '1.5'), cmd(0, 'HINCRBY', 'new2', 'x', '-1'),
  ]);
});
