// Keyspace events and propagated commands of the set commands, compared with a real Redis.

import { after, before, test } from 'node:test';
import { cmd, ScenarioRunner } from '../helpers/scenario.js';

let runner: ScenarioRunner;
before(async () => {
  runner = await ScenarioRunner.start();
});
after(() => runner.close());

test('set writes notify and propagate as in Redis', async () => {
  await runner.check([
    cmd(0, 'SADD', 's', '1', '2', 'x'), cmd(0, 'SADD', 's', '1'), cmd(0, 'SREM', 's', 'nope'), cmd(0, 'SREM', 's', 'x'),
    cmd(0, 'SMOVE', 's', 'd', '1'), cmd(0, 'SMOVE', 's', 'd', 'nope'), cmd(0, 'SADD', 'd', '2'), cmd(0, 'SMOVE', 's', 'd', '2'), cmd(0, 'SMOVE', 'd', 'd', '1'),
    cmd(0, 'SADD', 'one', 'm'), cmd(0, 'SPOP', 'one'), cmd(0, 'SADD', 'one', 'm'), cmd(0, 'SPOP', 'one', '5'), cmd(0, 'SPOP', 'one', '0'), cmd(0, 'SPOP', 'nope'),
    cmd(0, 'SADD', 'a', '1', '2', '3'), cmd(0, 'SADD', 'b', '2', '3', '4'),
    cmd(0, 'SINTERSTORE', 'i', 'a', 'b'), cmd(0, 'SUNIONSTORE', 'u', 'a', 'b'), cmd(0, 'SDIFFSTORE', 'df', 'a', 'b'),
    cmd(0, 'SINTERSTORE', 'i', 'a', 'nope'), cmd(0, 'SINTERSTORE', 'i', 'a', 'nope'), cmd(0, 'SDIFFSTORE', 'u', 'a', 'a'), cmd(0, 'SUNIONSTORE', 'df', 'nope'),
    cmd(0, 'SET', 'str', 'v'), cmd(0, 'SUNIONSTORE', 'str', 'a'), cmd(0, 'SREM', 'a', '1', '2', '3', '4'),
  ]);
});
