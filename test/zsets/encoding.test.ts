// Encodings: when a sorted set is a listpack or a skiplist, and what differs between them
// (the sign of zero, ZSCAN's score text), with small limits given at startup to both servers.

import { after, before, test } from 'node:test';
import { Differential, type Script } from '../helpers/differential.js';

const limits = ['--zset-max-listpack-entries', '4', '--zset-max-listpack-value', '8'];

let d: Differential;
before(async () => {
  d = await Differential.start(limits, limits);
});
after(() => d.close());

const enc = (key: string) => ['OBJECT', 'ENCODING', key];

test('ZADD converts to skiplist past the entry and value limits, never back', async () => {
  await d.check([
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], enc('z'), ['ZADD', 'z', '5', 'e'], enc('z'),
    ['ZREM', 'z', 'a', 'b', 'c'], enc('z'), ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ['ZADD', 'long', '1', 'abcdefghi'], enc('long'), ['ZADD', 'l2', '1', 'a'], enc('l2'), ['ZADD', 'l2', '1', 'abcdefghi'], enc('l2'),
    ['ZADD', 'l3', '1', 'abcdefgh'], enc('l3'), ['ZADD', 'l4', '1', 'a', '2', 'abcdefghi'], enc('l4'),
    ['ZINCRBY', 'l5', '1', 'abcdefghij'], enc('l5'), ['ZADD', 'l6', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'], enc('l6'),
    ['ZPOPMIN', 'l6', '3'], enc('l6'), ['ZREMRANGEBYRANK', 'l6', '0', '0'], enc('l6'),
  ]);
});

test('the sign of zero: kept by skiplists, lost by listpacks', async () => {
  await d.check([
    ['ZADD', 'lp', '-0', 'a'], ['ZSCORE', 'lp', 'a'], ['ZINCRBY', 'lp', '-0', 'b'], ['ZSCORE', 'lp', 'b'], ['ZADD', 'lp', 'INCR', '-0', 'a'],
    ['ZADD', 'sk', '-0', 'abcdefghij'], enc('sk'), ['ZSCORE', 'sk', 'abcdefghij'], ['ZADD', 'sk', '-0', 'x'], ['ZSCORE', 'sk', 'x'],
    ['ZRANGE', 'sk', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'dst', 'sk', '0', '0'], enc('dst'), ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZUNIONSTORE', 'u', '1', 'sk'], enc('u'), ['ZRANGE', 'u', '0', '-1', 'WITHSCORES'],
    ['ZADD', 'big', '-0', 'a', '-0', 'b', '-0', 'c', '-0', 'd', '-0', 'e', '-0', 'f'], enc('big'), ['ZRANGE', 'big', '0', '-1', 'WITHSCORES'],
  ]);
});

test('STORE commands size their destination as Redis does', async () => {
  const five: Script = [['ZADD', 'src', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e']];
  await d.check([
    ...five, ['ZRANGESTORE', 'd1', 'src', '0', '3'], enc('d1'), ['ZRANGESTORE', 'd2', 'src', '0', '4'], enc('d2'),
    ['ZRANGESTORE', 'd3', 'src', '1', '5', 'BYSCORE'], enc('d3'), ['ZRANGESTORE', 'd4', 'src', '1', '4', 'BYSCORE'], enc('d4'),
    ['ZRANGESTORE', 'd5', 'src', '[a', '[c', 'BYLEX'], enc('d5'), ['ZADD', 'longs', '1', 'abcdefghij', '2', 'b'],
    ['ZRANGESTORE', 'd6', 'longs', '0', '-1'], enc('d6'), ['ZRANGESTORE', 'd7', 'longs', '1', '1'], enc('d7'),
    ['ZUNIONSTORE', 'u1', '1', 'src'], enc('u1'), ['ZINTERSTORE', 'u2', '2', 'src', 'src'], enc('u2'),
    ['ZRANGESTORE', 'd8', 'src', '0', '3'], ['ZUNIONSTORE', 'u3', '1', 'src', 'WEIGHTS', '2'], enc('u3'),
    ['ZREM', 'src', 'e'], enc('src'), ['ZUNIONSTORE', 'u4', '1', 'src'], enc('u4'), ['ZDIFFSTORE', 'u5', '2', 'src', 'd8'], enc('u5'),
    ['ZINTERSTORE', 'u6', '2', 'longs', 'longs'], enc('u6'), ['ZDIFFSTORE', 'u7', '1', 'longs'], enc('u7'),
  ]);
});

test('ZSCAN prints scores as each encoding holds them', async () => {
  await d.check([
    ['ZADD', 'lp', '1e17', 'a', '5e18', 'b', '1.5', 'c', '-0', 'd'], ['ZSCAN', 'lp', '0'],
    ['ZADD', 'sk', '1e17', 'abcdefghij'], enc('sk'), ['ZSCAN', 'sk', '0'], ['ZADD', 'sk2', '-0', 'abcdefghij'], ['ZSCAN', 'sk2', '0'],
  ]);
});
