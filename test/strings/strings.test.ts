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

test('a counter INCR keeps as a number reads and changes like any string', async () => {
  await d.check([
    ['INCR', 'n'], ['INCRBY', 'n', '41'], ['GET', 'n'], ['STRLEN', 'n'], ['OBJECT', 'ENCODING', 'n'], ['TYPE', 'n'],
    ['EXPIRE', 'n', '100'], ['INCR', 'n'], ['TTL', 'n'], ['GETRANGE', 'n', '0', '0'], ['MGET', 'n', 'x'],
    // Across 2^53: the sum leaves the fast path and comes back to it.
    ['INCRBY', 'n', '9007199254740948'], ['INCR', 'n'], ['GET', 'n'], ['DECRBY', 'n', '10'], ['INCR', 'n'], ['GET', 'n'],
    ['SET', 'n', '-5'], ['DECR', 'n'], ['INCRBY', 'n', '-9007199254740985'], ['DECR', 'n'], ['GET', 'n'],
    ['APPEND', 'n', '7'], ['GET', 'n'], ['INCR', 'n'],
    ['INCR', 'm'], ['INCRBYFLOAT', 'm', '0.5'], ['INCR', 'm'], ['GET', 'm'],
    ['INCR', 'r'], ['RENAME', 'r', 'r2'], ['INCR', 'r2'], ['COPY', 'r2', 'r3'], ['INCR', 'r3'], ['MGET', 'r2', 'r3'],
    ['INCR', 'g'], ['GETSET', 'g', 'x'], ['INCR', 'g'], ['SET', 'g', '7'], ['INCR', 'g'], ['GETDEL', 'g'], ['INCR', 'g'],
    ['INCR', 'l'], ['LPUSH', 'l', 'a'], ['SETRANGE', 'l', '1', '5'], ['GET', 'l'],
  ]);
});

test('MGET and MSET match Redis', async () => {
  await d.check([['MSET', 'a', '1', 'b', '2'], ['MGET', 'a', 'b', 'c'], ['MSET', 'a'], ['MSET', 'a', '1', 'b']]);
});
