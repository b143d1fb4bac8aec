// Sorted-set operations take plain sets as inputs (every member scores 1).
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

test('ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD accept sets', async () => {
  const big = Array.from({ length: 600 }, (_, i) => `m${i}`);
  await d.check([
    ['SADD', 'ints', '1', '2', '3'], ['SADD', 'strs', 'a', 'b', '2'], ['SADD', 'big', ...big],
    ['ZADD', 'z', '5', '2', '7', 'a', '9', 'm5'],
    ['ZUNION', '3', 'ints', 'strs', 'z', 'WITHSCORES'], ['ZINTER', '2', 'strs', 'z', 'WEIGHTS', '3', '2', 'WITHSCORES'],
    ['ZDIFF', '2', 'ints', 'z', 'WITHSCORES'], ['ZINTERCARD', '2', 'big', 'z'], ['ZINTER', '2', 'big', 'z', 'AGGREGATE', 'MAX', 'WITHSCORES'],
    ['ZUNIONSTORE', 'u', '2', 'ints', 'big'], ['ZCARD', 'u'], ['OBJECT', 'ENCODING', 'u'], ['ZSCORE', 'u', 'm599'],
    ['ZINTERSTORE', 'i', '2', 'ints', 'strs'], ['ZRANGE', 'i', '0', '-1', 'WITHSCORES'],
    ['ZDIFFSTORE', 'df', '2', 'strs', 'ints'], ['ZRANGE', 'df', '0', '-1', 'WITHSCORES'],
  ]);
});
