// Keyspace events and propagated commands of the list commands, compared with a real Redis.

import { after, before, test } from 'node:test';
import { cmd, ScenarioRunner } from '../helpers/scenario.js';

let runner: ScenarioRunner;
before(async () => {
  runner = await ScenarioRunner.start();
});
after(() => runner.close());

test('list writes notify and propagate as in Redis', async () => {
  await runner.check([
    cmd(0, 'LPUSH', 'l', 'a', 'b'), cmd(0, 'RPUSH', 'l', 'c'), cmd(0, 'LPUSHX', 'l', 'x'), cmd(0, 'RPUSHX', 'l', 'y'), cmd(0, 'LPUSHX', 'nope', 'x'),
    cmd(0, 'LINSERT', 'l', 'BEFORE', 'c', 'i'), cmd(0, 'LINSERT', 'l', 'AFTER', 'nope', 'i'), cmd(0, 'LSET', 'l', '0', 's'), cmd(0, 'LSET', 'l', '99', 's'),
    cmd(0, 'LREM', 'l', '0', 'i'), cmd(0, 'LREM', 'l', '0', 'nope'), cmd(0, 'LTRIM', 'l', '0', '-1'), cmd(0, 'LTRIM', 'l', '1', '-2'),
    cmd(0, 'LPOP', 'l'), cmd(0, 'RPOP', 'l', '1'), cmd(0, 'LPOP', 'l', '0'), cmd(0, 'RPOP', 'l', '5'), cmd(0, 'LPOP', 'l'),
    cmd(0, 'RPUSH', 'l', '1', '2', '3'), cmd(0, 'LTRIM', 'l', '5', '10'), cmd(0, 'RPUSH', 'l', '1', '2', '3'), cmd(0, 'LREM', 'l', '0', '2'),
    cmd(0, 'LREM', 'l', '-5', '1'), cmd(0, 'LREM', 'l', '1', '3'),
    cmd(0, 'RPUSH', 'a', '1', '2'), cmd(0, 'LMOVE', 'a', 'b', 'LEFT', 'RIGHT'), cmd(0, 'RPOPLPUSH', 'a', 'b'), cmd(0, 'RPOPLPUSH', 'b', 'b'),
    cmd(0, 'LMOVE', 'nope', 'b', 'LEFT', 'LEFT'), cmd(0, 'LMPOP', '2', 'nope', 'b', 'LEFT', 'COUNT', '1'), cmd(0, 'LMPOP', '1', 'b', 'RIGHT', 'COUNT', '5'),
    cmd(0, 'LMPOP', '1', 'b', 'RIGHT'),
  ]);
});
