import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

test('GET and SET with options match Redis', async () => {
  await d.check([
    ['SET', 'k', 'v'], ['GET', 'k'], ['GET', 'missing'],
    ['SET', 'k', 'v2', 'NX'], ['SET', 'k', 'v2', 'XX', 'GET'], ['SET', 'n', 'x', 'XX'],
    ['SET', 'k', 'v', 'NX', 'XX'], ['SET', 'k', 'v', 'EX', '0'], ['SET', 'k', 'v', 'EX', 'abc'],
    ['SET', 'k', 'v', 'EX', '10', 'PX', '100'], ['SET', 'k', 'v', 'KEEPTTL', 'EX', '5'],
    ['SET', 'k', 'v', 'EX', '9223372036854775807'], ['SET', 'k', 'v', 'PXAT', '9223372036854775807'],
    ['SET', 'k', 'v', 'GET', 'GET'], ['SET'], ['SET', 'k'],
  ]);
});

test('INCR family matches Redis, including overflow', async () => {
  await d.check([
    ['INCR', 'c'], ['INCRBY', 'c', '10'], ['DECR', 'c'], ['DECRBY', 'c', '-5'], ['GET', 'c'],
    ['SET', 'c', '9223372036854775806'], ['INCR', 'c'], ['INCR', 'c'],
    ['SET', 'c', '-9223372036854775808'], ['DECR', 'c'], ['DECRBY', 'c', '-9223372036854775808'],
    ['SET', 'c', ' 1'], ['INCR', 'c'], ['SET', 'c', '01'], ['INCR', 'c'], ['INCRBY', 'c', 'x'],
  ]);
});

test('MGET and MSET match Redis', async () => {
  await d.check([['MSET', 'a', '1', 'b', '2'], ['MGET', 'a', 'b', 'c'], ['MSET', 'a'], ['MSET', 'a', '1', 'b']]);
});
