// Sorted set commands against a real Redis: every command, option and error, in RESP2 and RESP3.
import assert from 'node:assert/strict';

import { after, before, test } from 'node:test';
import { Differential, type Script } from '../helpers/differential.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

/** Runs a script in RESP2, then RESP3. */
async function both(script: Script): Promise<void> {
  await d.check(script);
  await d.check(script, { resp: 3 });
}

const seed: Script = [
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '-inf', 'min', '+inf', 'max', '2', 'bb', '2.5', 'ba'],
];

test('ZADD options, conflicts and errors', async () => {
  await both([
    ['ZADD', 'z', '1', 'a'], ['ZADD', 'z', '1', 'a'], ['ZADD', 'z', 'CH', '2', 'a', '3', 'b'],
    ['ZADD', 'z', 'NX', '5', 'a', '6', 'c'], ['ZADD', 'z', 'XX', '7', 'a', '8', 'd'], ['ZADD', 'z', 'XX', 'CH', '7', 'a', '9', 'a'],
    ['ZADD', 'z', 'GT', 'CH', '1', 'a', '100', 'b'], ['ZADD', 'z', 'LT', 'CH', '1', 'a', '100', 'b'],
    ['ZADD', 'z', 'XX', 'GT', '200', 'b', '1', 'zz'], ['ZADD', 'z', 'NX', 'XX', '1', 'a'], ['ZADD', 'z', 'NX', 'GT', '1', 'a'],
    ['ZADD', 'z', 'NX', 'LT', '1', 'a'], ['ZADD', 'z', 'GT', 'LT', '1', 'a'], ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
    ['ZADD', 'z', 'INCR', '1.5', 'a'], ['ZADD', 'z', 'INCR', 'NX', '1', 'a'], ['ZADD', 'z', 'INCR', 'XX', '1', 'new'],
    ['ZADD', 'z', 'INCR', 'GT', '-1', 'a'], ['ZADD', 'z', 'INCR', 'LT', '-1', 'a'], ['ZADD', 'z', 'INCR', 'LT', '0', 'a'],
    ['ZADD', 'z', '1'], ['ZADD', 'z', 'NX'], ['ZADD', 'z', '1', 'a', '2'], ['ZADD', 'z', 'x', 'a'], ['ZADD', 'z', '', 'a'],
    ['ZADD', 'z', 'nan', 'a'], ['ZADD', 'z', '1', 'a', 'bad', 'b'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ['ZADD', 'z', 'inf', 'i'], ['ZADD', 'z', 'INCR', '-inf', 'i'], ['ZINCRBY', 'z', '-inf', 'i'], ['ZSCORE', 'z', 'i'],
    ['ZADD', 'missing', 'XX', '1', 'a'], ['ZADD', 'missing', 'XX', 'INCR', '1', 'a'], ['EXISTS', 'missing'],
    ['ZADD', 'z', ' 1', 'sp'], ['ZADD', 'z', '1e400', 'big'], ['ZADD', 'z', '0x10', 'hex'], ['ZADD', 'z', '1e-400', 'tiny'],
    ['ZADD', 'z', '-0', 'negzero'], ['ZSCORE', 'z', 'negzero'], ['ZINCRBY', 'n0', '-0', 'm'], ['ZSCORE', 'n0', 'm'],
    ['ZADD', 'z', '179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00000000000000000', 'dblmax'],
    ['ZSCORE', 'z', 'dblmax'], ['ZADD', 'z', '1234567890123456.25', 'tie'], ['ZSCORE', 'z', 'tie'],
    ['SET', 's', 'x'], ['ZADD', 's', '1', 'a'], ['ZADD', 's', 'XX', '1', 'a'], ['ZINCRBY', 's', '1', 'a'],
  ]);
});

test('ZINCRBY', async () => {
  await both([
    ['ZINCRBY', 'z', '1', 'a'], ['ZINCRBY', 'z', '2.5', 'a'], ['ZINCRBY', 'z', '-10', 'a'], ['ZINCRBY', 'z', 'x', 'a'],
    ['ZINCRBY', 'z', '1', 'a', 'b'], ['ZINCRBY', 'z', 'NX', 'a'], ['ZINCRBY', 'z', 'inf', 'a'], ['ZINCRBY', 'z', '-inf', 'a'],
    ['ZINCRBY', 'z', '0.1', 'f'], ['ZINCRBY', 'z', '0.2', 'f'], ['ZSCORE', 'z', 'f'],
  ]);
});

test('ZSCORE, ZMSCORE, ZCARD, ZRANK, ZREVRANK', async () => {
  await both([
    ...seed,
    ['ZSCORE', 'z', 'a'], ['ZSCORE', 'z', 'min'], ['ZSCORE', 'z', 'max'], ['ZSCORE', 'z', 'nope'], ['ZSCORE', 'nokey', 'a'],
    ['ZMSCORE', 'z', 'a', 'nope', 'max'], ['ZMSCORE', 'nokey', 'a', 'b'], ['ZMSCORE', 'z'],
    ['ZCARD', 'z'], ['ZCARD', 'nokey'], ['ZRANK', 'z', 'a'], ['ZRANK', 'z', 'max'], ['ZRANK', 'z', 'nope'], ['ZRANK', 'nokey', 'a'],
    ['ZREVRANK', 'z', 'a'], ['ZREVRANK', 'z', 'min'], ['ZREVRANK', 'z', 'nope'], ['ZRANK', 'z', 'a', 'WITHSCORE'],
    ['SET', 's', 'x'], ['ZSCORE', 's', 'a'], ['ZMSCORE', 's', 'a'], ['ZCARD', 's'], ['ZRANK', 's', 'a'], ['ZREVRANK', 's', 'a'],
  ]);
});

test('ZCOUNT and ZLEXCOUNT ranges and errors', async () => {
  await both([
    ...seed,
    ['ZCOUNT', 'z', '-inf', '+inf'], ['ZCOUNT', 'z', '2', '3'], ['ZCOUNT', 'z', '(2', '3'], ['ZCOUNT', 'z', '2', '(3'],
    ['ZCOUNT', 'z', '(2', '(2'], ['ZCOUNT', 'z', '5', '1'], ['ZCOUNT', 'z', 'x', '1'], ['ZCOUNT', 'z', '1', '(x'],
    ['ZCOUNT', 'z', '', ''], ['ZCOUNT', 'z', '(', '+inf'], ['ZCOUNT', 'z', ' 1', '2'], ['ZCOUNT', 'z', '1 ', '2'],
    ['ZCOUNT', 'z', 'nan', '1'], ['ZCOUNT', 'z', '0x1p1', 'inf'], ['ZCOUNT', 'z', '-INFINITY', '2'], ['ZCOUNT', 'nokey', '1', '2'],
    ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'ab'],
    ['ZLEXCOUNT', 'l', '-', '+'], ['ZLEXCOUNT', 'l', '[a', '[c'], ['ZLEXCOUNT', 'l', '(a', '(c'], ['ZLEXCOUNT', 'l', '[b', '+'],
    ['ZLEXCOUNT', 'l', '-', '(b'], ['ZLEXCOUNT', 'l', '+', '-'], ['ZLEXCOUNT', 'l', '[c', '[a'], ['ZLEXCOUNT', 'l', '(a', '(a'],
    ['ZLEXCOUNT', 'l', 'a', 'c'], ['ZLEXCOUNT', 'l', '[a', 'c'], ['ZLEXCOUNT', 'l', '-a', '+'], ['ZLEXCOUNT', 'l', '', '+'],
    ['ZLEXCOUNT', 'l', '[', '+'], ['ZLEXCOUNT', 'l', '(', '+'], ['ZLEXCOUNT', 'nokey', '-', '+'], ['ZLEXCOUNT', 'l', '-', '-'],
    ['ZLEXCOUNT', 'l', '+', '+'], ['SET', 's', 'x'], ['ZCOUNT', 's', '1', '2'], ['ZLEXCOUNT', 's', '-', '+'], ['ZLEXCOUNT', 's', 'x', '+'],
  ]);
});

test('ZRANGE by rank, score and lex, with REV, LIMIT and WITHSCORES', async () => {
  await both([
    ...seed,
    ['ZRANGE', 'z', '0', '-1'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'z', '2', '4'], ['ZRANGE', 'z', '-3', '-1'],
    ['ZRANGE', 'z', '-100', '100'], ['ZRANGE', 'z', '5', '2'], ['ZRANGE', 'z', '100', '200'], ['ZRANGE', 'z', '0', '-1', 'REV'],
    ['ZRANGE', 'z', '1', '3', 'REV', 'WITHSCORES'], ['ZRANGE', 'z', '(1', '4', 'BYSCORE'], ['ZRANGE', 'z', '4', '(1', 'BYSCORE', 'REV'],
    ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '1', '3', 'WITHSCORES'], ['ZRANGE', 'z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '2', '2'],
    ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '-1'], ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '-1', '5'],
    ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '100', '5'], ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '0'],
    ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '1'], ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '-1'], ['ZRANGE', 'z', '[a', '[c', 'BYLEX', 'WITHSCORES'],
    ['ZRANGE', 'z', '0', '-1', 'BYSCORE', 'BYLEX'], ['ZRANGE', 'z', '0', '-1', 'REV', 'REV'], ['ZRANGE', 'z', '0', '-1', 'FOO'],
    ['ZRANGE', 'z', '0', '-1', 'LIMIT', '1'], ['ZRANGE', 'z', 'a', '1'], ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', 'x', '1'],
    ['ZRANGE', 'z', 'x', '1', 'BYSCORE'], ['ZRANGE', 'z', 'x', '1', 'BYLEX'], ['ZRANGE', 'nokey', '0', '-1'], ['ZRANGE', 'nokey', 'x', '-1'],
    ['ZRANGEBYSCORE', 'z', '-inf', '+inf'], ['ZRANGEBYSCORE', 'z', '2', '3', 'WITHSCORES'], ['ZRANGEBYSCORE', 'z', '(2', '+inf', 'LIMIT', '1', '2'],
    ['ZRANGEBYSCORE', 'z', '2', '3', 'REV'], ['ZRANGEBYSCORE', 'z', '2', '3', 'BYSCORE'], ['ZRANGEBYSCORE', 'z', '3', '2'],
    ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'WITHSCORES'], ['ZREVRANGEBYSCORE', 'z', '3', '(2'], ['ZREVRANGEBYSCORE', 'z', '(3', '2', 'LIMIT', '0', '1'],
    ['ZREVRANGEBYSCORE', 'z', '2', '3'], ['ZREVRANGE', 'z', '0', '2'], ['ZREVRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZREVRANGE', 'z', '0', '1', 'REV'],
    ['ZREVRANGE', 'z', '0', '1', 'BYSCORE'], ['ZREVRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
    ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'ab', '0', ''],
    ['ZRANGEBYLEX', 'l', '-', '+'], ['ZRANGEBYLEX', 'l', '[a', '(c'], ['ZRANGEBYLEX', 'l', '-', '+', 'LIMIT', '2', '3'],
    ['ZRANGEBYLEX', 'l', '-', '+', 'WITHSCORES'], ['ZRANGEBYLEX', 'l', '(', '+'], ['ZRANGEBYLEX', 'l', '[', '[a'],
    ['ZREVRANGEBYLEX', 'l', '+', '-'], ['ZREVRANGEBYLEX', 'l', '[d', '(ab'], ['ZREVRANGEBYLEX', 'l', '+', '-', 'LIMIT', '1', '2'],
    ['ZREVRANGEBYLEX', 'l', '-', '+'], ['ZRANGE', 'l', '+', '-', 'BYLEX', 'REV', 'LIMIT', '1', '10'], ['ZRANGEBYLEX', 'l', 'a', '+'],
    ['ZRANGEBYLEX', 'l', '-', '+', 'LIMIT', '-1', '3'], ['ZRANGEBYLEX', 'l', '-', '+', 'LIMIT', '1', '-1'],
    ['SET', 's', 'x'], ['ZRANGE', 's', '0', '-1'], ['ZRANGEBYSCORE', 's', '0', '1'], ['ZRANGEBYLEX', 's', '-', '+'], ['ZRANGE', 's', 'x', '1'],
  ]);
});

test('ZRANGESTORE', async () => {
  await both([
    ...seed,
    ['ZRANGESTORE', 'dst', 'z', '0', '2'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'dst', 'z', '2', '+inf', 'BYSCORE', 'LIMIT', '1', '2'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'dst', 'z', '+inf', '2', 'BYSCORE', 'REV'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'dst', 'z', '[a', '[c', 'BYLEX'], ['ZRANGE', 'dst', '0', '-1'], ['ZRANGESTORE', 'dst', 'z', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'dst', 'z', '5', '1'], ['EXISTS', 'dst'], ['ZRANGESTORE', 'dst', 'z', '0', '0'], ['ZRANGESTORE', 'dst', 'nokey', '0', '-1'],
    ['EXISTS', 'dst'], ['ZRANGESTORE', 'dst', 'z', '0', '-1', 'LIMIT', '0', '1'], ['SET', 's', 'x'], ['ZRANGESTORE', 'dst', 's', '0', '-1'],
    ['ZRANGESTORE', 's', 'z', '0', '1'], ['ZRANGE', 's', '0', '-1'], ['ZRANGESTORE', 'z', 'z', '0', '1'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
  ]);
});

test('ZREM and ZREMRANGEBY*', async () => {
  await both([
    ...seed,
    ['ZREM', 'z', 'a', 'nope', 'b', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZREM', 'nokey', 'a'], ['ZREMRANGEBYRANK', 'z', '0', '0'],
    ['ZREMRANGEBYRANK', 'z', '-2', '-1'], ['ZREMRANGEBYRANK', 'z', '5', '1'], ['ZREMRANGEBYRANK', 'z', 'x', '1'], ['ZRANGE', 'z', '0', '-1'],
    ['ZREMRANGEBYSCORE', 'z', '(2', '3'], ['ZREMRANGEBYSCORE', 'z', 'x', '3'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'], ['EXISTS', 'z'], ['ZREMRANGEBYSCORE', 'nokey', '-inf', '+inf'],
    ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd'], ['ZREMRANGEBYLEX', 'l', '(a', '[c'], ['ZRANGE', 'l', '0', '-1'],
    ['ZREMRANGEBYLEX', 'l', 'a', '+'], ['ZREMRANGEBYLEX', 'l', '-', '+'], ['EXISTS', 'l'], ['ZREMRANGEBYRANK', 'nokey', '0', '-1'],
    ['ZADD', 'y', '1', 'a', '2', 'b'], ['ZREMRANGEBYRANK', 'y', '0', '-1'], ['EXISTS', 'y'], ['ZADD', 'w', '1', 'a'], ['ZREM', 'w', 'a', 'b'],
    ['EXISTS', 'w'], ['SET', 's', 'x'], ['ZREM', 's', 'a'], ['ZREMRANGEBYRANK', 's', '0', '1'], ['ZREMRANGEBYSCORE', 's', 'x', '1'],
    ['ZREMRANGEBYLEX', 's', '-', '+'],
  ]);
});

test('ZPOPMIN, ZPOPMAX, ZMPOP', async () => {
  await both([
    ...seed,
    ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z'], ['ZPOPMIN', 'z', '2'], ['ZPOPMAX', 'z', '0'], ['ZPOPMIN', 'z', '-1'], ['ZPOPMIN', 'z', 'x'],
    ['ZPOPMIN', 'z', '1', '2'], ['ZPOPMIN', 'nokey'], ['ZPOPMIN', 'nokey', '0'], ['ZPOPMAX', 'z', '1'], ['ZPOPMAX', 'z', '100'],
    ['EXISTS', 'z'], ...seed, ['ZMPOP', '1', 'z', 'MIN'], ['ZMPOP', '2', 'nokey', 'z', 'MAX', 'COUNT', '2'], ['ZMPOP', '1', 'nokey', 'MIN'],
    ['ZMPOP', '0', 'z', 'MIN'], ['ZMPOP', 'x', 'z', 'MIN'], ['ZMPOP', '1', 'z'], ['ZMPOP', '1', 'z', 'MID'], ['ZMPOP', '1', 'z', 'MIN', 'COUNT'],
    ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'], ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '-1'], ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1'],
    ['ZMPOP', '1', 'z', 'MIN', 'FOO'], ['ZMPOP', '5', 'z', 'MIN'], ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '100'], ['EXISTS', 'z'],
    ['SET', 's', 'x'], ['ZPOPMIN', 's'], ['ZPOPMAX', 's', '0'], ['ZMPOP', '2', 's', 'z', 'MIN'], ['ZADD', 'z', '1', 'a'], ['ZMPOP', '2', 'z', 's', 'MIN'],
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['BZPOPMIN', 'nokey', 'z', '0'], ['BZPOPMAX', 'nokey', 'z', '0'], ['BZMPOP', '0', '2', 'nokey', 'z', 'MIN', 'COUNT', '5'],
    ['BZPOPMIN', 's', '0'], ['BZPOPMIN', 'z', 'x'], ['BZPOPMIN', 'z', '-1'], ['BZMPOP', 'x', '1', 'z', 'MIN'], ['BZMPOP', '0', '0', 'z', 'MIN'],
    ['BZMPOP', '-1', '1', 'z', 'MIN'], ['BZMPOP', '0', '1', 'z', 'FOO'], ['BZPOPMIN', 'nokey', '0.01'], ['BZMPOP', '0.01', '1', 'nokey', 'MAX'],
  ]);
});

test('ZRANDMEMBER shapes and errors', async () => {
  // Random members can't be compared byte for byte: only shapes, counts and errors.
  const script: Script = [
    ['ZADD', 'z', '1', 'a'], ['ZRANDMEMBER', 'z'], ['ZRANDMEMBER', 'z', '1'], ['ZRANDMEMBER', 'z', '-3'], ['ZRANDMEMBER', 'z', '5', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '-2', 'WITHSCORES'], ['ZRANDMEMBER', 'z', '0'], ['ZRANDMEMBER', 'nokey'], ['ZRANDMEMBER', 'nokey', '5'],
    ['ZRANDMEMBER', 'z', 'x'], ['ZRANDMEMBER', 'z', '1', 'FOO'], ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
    ['ZRANDMEMBER', 'z', '-9223372036854775808'], ['ZRANDMEMBER', 'z', '-9223372036854775808', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '-9223372036854770000', 'WITHSCORES'], ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '9223372036854775808'], ['SET', 's', 'x'], ['ZRANDMEMBER', 's'], ['ZRANDMEMBER', 's', '1'],
  ];
  await both(script);
  const many: Script = [['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f']];
  for (const n of ['2', '4', '6', '10', '-10']) many.push(['ZRANDMEMBER', 'z', n], ['ZRANDMEMBER', 'z', n, 'WITHSCORES']);
  // Only the reply's length and shape: replace member names and scores by placeholders.
  const shape = (_cmd: string[], raw: string) => raw.replace(/\$1\r\n[a-f]\r\n/g, '$1\r\nM\r\n').replace(/\$1\r\n[1-6]\r\n/g, '$1\r\nS\r\n').replace(/,[1-6]\r\n/g, ',S\r\n');
  await d.check(many, { normalize: shape });
  await d.check(many, { normalize: shape, resp: 3 });
});

test('ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD', async () => {
  await both([
    ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z'], ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w'], ['ZADD', 'c', 'inf', 'x', '-inf', 'y'],
    ['ZUNION', '2', 'a', 'b'], ['ZUNION', '2', 'a', 'b', 'WITHSCORES'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '2', '0.5', 'WITHSCORES'],
    ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'MIN', 'WITHSCORES'], ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'MAX', 'WITHSCORES'],
    ['ZUNION', '3', 'a', 'b', 'c', 'WITHSCORES'], ['ZUNION', '2', 'a', 'c', 'WEIGHTS', '0', '0', 'WITHSCORES'],
    ['ZUNION', '2', 'c', 'c', 'WITHSCORES'], ['ZINTER', '2', 'a', 'b', 'WITHSCORES'], ['ZINTER', '2', 'a', 'c', 'WITHSCORES'],
    ['ZINTER', '2', 'a', 'b', 'WEIGHTS', '1', '-1', 'AGGREGATE', 'MAX', 'WITHSCORES'], ['ZINTER', '2', 'c', 'c', 'WEIGHTS', '0', '1', 'WITHSCORES'],
    ['ZINTER', '3', 'a', 'b', 'nokey'], ['ZINTER', '2', 'a', 'a', 'WITHSCORES'], ['ZDIFF', '2', 'a', 'b'], ['ZDIFF', '2', 'a', 'b', 'WITHSCORES'],
    ['ZDIFF', '2', 'a', 'a'], ['ZDIFF', '1', 'a', 'WITHSCORES'], ['ZDIFF', '2', 'nokey', 'a'], ['ZDIFF', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
    ['ZDIFF', '2', 'a', 'b', 'AGGREGATE', 'SUM'], ['ZINTERCARD', '2', 'a', 'b'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
    ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '0'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '-1'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', 'x'],
    ['ZINTERCARD', '0', 'a'], ['ZINTERCARD', '3', 'a', 'b'], ['ZINTERCARD', '2', 'a', 'b', 'WITHSCORES'], ['ZINTERCARD', '1', 'a', 'WEIGHTS', '1'],
    ['ZUNION', '0', 'a'], ['ZUNION', '-1', 'a'], ['ZUNION', 'x', 'a'], ['ZUNION', '3', 'a', 'b'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1'],
    ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'x'], ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'AVG'], ['ZUNION', '2', 'a', 'b', 'AGGREGATE'],
    ['ZUNION', '2', 'a', 'b', 'FOO'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', 'nan', '1'],
    ['ZUNIONSTORE', 'd', '2', 'a', 'b'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', 'd', '2', 'a', 'b', 'AGGREGATE', 'MIN'],
    ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZDIFFSTORE', 'd', '2', 'a', 'b'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
    ['ZINTERSTORE', 'd', '2', 'a', 'nokey'], ['EXISTS', 'd'], ['ZUNIONSTORE', 'd', '1', 'nokey'], ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WITHSCORES'],
    ['ZDIFFSTORE', 'd', '0', 'a'], ['ZUNIONSTORE', 'a', '2', 'a', 'b'], ['ZRANGE', 'a', '0', '-1', 'WITHSCORES'],
    ['SET', 's', 'x'], ['ZUNION', '2', 'a', 's'], ['ZINTERSTORE', 'd', '2', 's', 'a'], ['ZUNIONSTORE', 's', '1', 'a'], ['ZRANGE', 's', '0', '-1'],
    ['ZADD', 'm', '0', '1', '0', '2', '0', '10'], ['ZUNION', '1', 'm'], ['ZINTER', '2', 'm', 'm', 'WITHSCORES'],
  ]);
});

test('ZSCAN of listpack sets and errors', async () => {
  await both([
    ['ZADD', 'z', '1', 'a', '2.5', 'b', '1e17', 'c', '5e18', 'd', '-0', 'e', 'inf', 'f', '-3', 'ab'],
    ['ZSCAN', 'z', '0'], ['ZSCAN', 'z', '0', 'MATCH', 'a*'], ['ZSCAN', 'z', '0', 'COUNT', '1'], ['ZSCAN', 'z', '0', 'COUNT', '0'],
    ['ZSCAN', 'z', '0', 'COUNT', 'x'], ['ZSCAN', 'z', '0', 'MATCH'], ['ZSCAN', 'z', '0', 'FOO', 'bar'], ['ZSCAN', 'z', 'x'],
    ['ZSCAN', 'z', '-1'], ['ZSCAN', 'z', ' 1'], ['ZSCAN', 'z', ''], ['ZSCAN', 'z', '18446744073709551616'], ['ZSCAN', 'nokey', '0'],
    ['ZSCAN', 'nokey', '0', 'COUNT', '0'], ['SET', 's', 'x'], ['ZSCAN', 's', '0'], ['ZSCAN', 'z', '0', 'MATCH', '*', 'COUNT', '100'],
  ]);
});

test('arity errors', async () => {
  await both([
    ['ZADD', 'z', '1'], ['ZINCRBY', 'z', '1'], ['ZCARD'], ['ZSCORE', 'z'], ['ZMSCORE', 'z'], ['ZRANK', 'z'], ['ZCOUNT', 'z', '1'],
    ['ZLEXCOUNT', 'z', '-'], ['ZRANGE', 'z', '0'], ['ZRANGESTORE', 'd', 'z', '0'], ['ZREM', 'z'], ['ZREMRANGEBYRANK', 'z', '0'],
    ['ZPOPMIN'], ['BZPOPMIN', 'z'], ['ZMPOP', '1', 'z'], ['BZMPOP', '0', '1', 'z'], ['ZRANDMEMBER'], ['ZUNION', '1'], ['ZUNIONSTORE', 'd', '1'],
    ['ZINTERCARD', '1'], ['ZSCAN', 'z'],
  ]);
});

test('ZSCAN walks a skiplist set: every member once, with its score, MATCH and COUNT honoured', async () => {
  const c = await d.larder.client();
  try {
    await c.send('FLUSHALL');
    const expected = new Map<string, string>();
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const score = String(i % 7 === 0 ? i / 8 : i);
      expected.set('member:' + i, String(Number(score)));
      args.push(score, 'member:' + i);
    }
    await c.send('ZADD', 'big', ...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = (await c.call('ZSCAN', 'big', cursor, 'COUNT', '50')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) {
        assert.ok(!seen.has(items[i]), `${items[i]} returned twice`);
        seen.set(items[i], items[i + 1]);
      }
      cursor = next;
      calls++;
    } while (cursor !== '0');
    assert.deepEqual(new Map([...seen].sort()), new Map([...expected].sort()));
    assert.ok(calls >= 10, `only ${calls} calls`);
    const matched = new Set<string>();
    cursor = '0';
    do {
      const [next, items] = (await c.call('ZSCAN', 'big', cursor, 'MATCH', 'member:1?')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) matched.add(items[i]);
      cursor = next;
    } while (cursor !== '0');
    assert.deepEqual([...matched].sort(), Array.from({ length: 10 }, (_, i) => 'member:1' + i).sort());
  } finally {
    c.close();
  }
});
