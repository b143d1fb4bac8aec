// Randomized model test with default limits: the same random commands on Larder and Redis.

import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { rng } from '../helpers/zset-helpers.js';
import { randomScript } from './random-ops.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

for (const seed of [11, 12, 13, 14]) {
  test(`random sorted set commands match Redis (seed ${seed})`, async () => {
    await d.check(randomScript(rng(seed), 1500, seed % 2 === 0));
  });
}
