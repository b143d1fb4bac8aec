// partialSort: the ranks asked for hold exactly what a full sort puts there.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partialSort } from '../../src/util/partial-sort.js';
import { rng } from '../helpers/random.js';

test('partialSort matches a full sort on the requested ranks', () => {
  const rand = rng(4242);
  for (let round = 0; round < 2000; round++) {
    const n = Math.floor(rand() * (round < 1000 ? 40 : 400));
    const spread = 1 + Math.floor(rand() * (rand() < 0.3 ? 4 : 1000));
    // Values with many duplicates, made a total order by the original position.
    const values = Array.from({ length: n }, () => Math.floor(rand() * spread));
    const shape = rand();
    if (shape < 0.1) values.sort((a, b) => a - b);
    else if (shape < 0.2) values.sort((a, b) => b - a);
    const cmp = (x: number, y: number) => values[x] - values[y] || x - y;
    const full = Array.from({ length: n }, (_, i) => i).sort(cmp);
    const from = Math.floor(rand() * (n + 2)) - 1;
    const to = from + Math.floor(rand() * (n + 2)) - 1;
    const part = Array.from({ length: n }, (_, i) => i);
    partialSort(part, from, to, cmp);
    const lo = Math.max(from, 0);
    const hi = Math.min(to, n - 1);
    if (hi >= lo) assert.deepEqual(part.slice(lo, hi + 1), full.slice(lo, hi + 1), `n=${n} from=${from} to=${to}`);
    assert.deepEqual([...part].sort((a, b) => a - b), full.slice().sort((a, b) => a - b), 'a permutation');
  }
});
