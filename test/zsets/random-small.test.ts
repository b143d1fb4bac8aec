// Randomized model test with tiny listpack limits, so that sets keep changing encoding.

import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { rng } from '../helpers/zset-helpers.js';
import { randomScript } from './random-ops.js';

const limits = ['--zset-max-listpack-entries', '6', '--zset-max-listpack-value', '10'];

let d: Differential;
before(async () => {
  d = await Differential.start(limits, limits);
});
after(() => d.close());

for (const seed of [21, 22, 23, 24]) {
  test(`random sorted set commands with small listpack limits match Redis (seed ${seed})`, async () => {
    await d.check(randomScript(rng(seed), 1500, true));
  });
}
