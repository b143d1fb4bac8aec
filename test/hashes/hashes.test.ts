// Differential tests of the hash commands against a real Redis (RESP2 end to end, RESP3 in
// process), and of the encodings Larder reports against OBJECT ENCODING.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential, type Script } from '../helpers/differential.js';
import { InProcessDifferential } from '../helpers/inprocess-diff.js';
import { unordered } from '../helpers/unordered.js';
import { encodingOf } from '../../src/types/value.js';

let d: Differential;
let inproc: InProcessDifferential;
before(async () => {
  [d, inproc] = await Promise.all([Differential.start(), InProcessDifferential.start()]);
});
after(() => Promise.all([d.close(), inproc.close()]));

type Normalize = (command: string[], raw: string) => string;

async function both(script: Script, normalize?: Normalize): Promise<void> {
  await d.check(script, { resp: 2, normalize });
  await inproc.check(script, { resp: 3, normalize });
}

/** Big (hashtable) hashes answer in an unspecified order. */
const anyOrder = unordered(['HKEYS', 'HVALS', 'HMGET'], ['HGETALL']);

function bigHash(key: string, n: number): Script {
  const script: Script = [];
  for (let i = 0; i < n; i += 50) {
    const args: string[] = [];
    for (let j = i; j < Math.min(n, i + 50); j++) args.push(`f${j}`, `v${j}`);
    script.push(['HSET', key, ...args]);
  }
  return script;
}

test('HSET, HMSET, HSETNX, HGET, HMGET and their errors', async () => {
  await both([
    ['HSET', 'h', 'a', '1'], ['HSET', 'h', 'a', '2', 'b', '3', 'c', '4'], ['HSET', 'h', 'a', '1', 'a', '5'], ['HGET', 'h', 'a'],
    ['HMSET', 'h', 'd', '6', 'e', ''], ['HMSET', 'm', 'x', 'y'], ['HGETALL', 'h'], ['HGETALL', 'm'],
    ['HSETNX', 'h', 'a', 'x'], ['HSETNX', 'h', 'z', 'x'], ['HSETNX', 'new', 'f', 'v'], ['HGETALL', 'new'],
    ['HGET', 'h', 'nope'], ['HGET', 'missing', 'a'], ['HMGET', 'h', 'a', 'nope', 'b'], ['HMGET', 'missing', 'a', 'b'],
    ['HSET', 'h', 'a'], ['HSET', 'h', 'a', '1', 'b'], ['HMSET', 'h', 'a'], ['HSET', 'h'], ['HSETNX', 'h', 'a'], ['HGET', 'h'], ['HMGET', 'h'],
    ['HSET', 'bin', Buffer.from([0, 255, 13, 10]), Buffer.from([1, 2, 0])], ['HGETALL', 'bin'],
    ['SET', 's', 'v'], ['HSET', 's', 'a', '1'], ['HMSET', 's', 'a', '1'], ['HSETNX', 's', 'a', '1'], ['HGET', 's', 'a'], ['HMGET', 's', 'a'],
    ['HGETALL', 's'], ['HKEYS', 's'], ['HVALS', 's'], ['HLEN', 's'], ['HEXISTS', 's', 'a'], ['HSTRLEN', 's', 'a'], ['HDEL', 's', 'a'],
    ['HSET', 's', 'a'],
  ]);
});

test('HDEL, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS, HGETALL', async () => {
  await both([
    ['HSET', 'h', 'a', '1', 'b', 'hello', 'c', '-12', 'd', ''],
    ['HLEN', 'h'], ['HSTRLEN', 'h', 'b'], ['HSTRLEN', 'h', 'c'], ['HSTRLEN', 'h', 'd'], ['HSTRLEN', 'h', 'nope'], ['HSTRLEN', 'missing', 'a'],
    ['HEXISTS', 'h', 'a'], ['HEXISTS', 'h', 'nope'], ['HEXISTS', 'missing', 'a'],
    ['HKEYS', 'h'], ['HVALS', 'h'], ['HGETALL', 'h'], ['HKEYS', 'missing'], ['HVALS', 'missing'], ['HGETALL', 'missing'],
    ['HDEL', 'h', 'a', 'nope', 'a'], ['HDEL', 'h', 'b', 'c'], ['HGETALL', 'h'], ['HDEL', 'h', 'd', 'x'], ['EXISTS', 'h'],
    ['HDEL', 'missing', 'a'], ['HLEN', 'missing'], ['HDEL', 'h'], ['HLEN'],
    ['HSET', 'h', 'a', '1', 'b', '2'], ['HDEL', 'h', 'a', 'b', 'c'], ['EXISTS', 'h'],
  ]);
});

test('HINCRBY and HINCRBYFLOAT', async () => {
  await both([
    ['HINCRBY', 'h', 'n', '5'], ['HINCRBY', 'h', 'n', '-7'], ['HINCRBY', 'h', 'n', '0'], ['HGET', 'h', 'n'],
    ['HSET', 'h', 'big', '9223372036854775806'], ['HINCRBY', 'h', 'big', '1'], ['HINCRBY', 'h', 'big', '1'], ['HGET', 'h', 'big'],
    ['HSET', 'h', 'small', '-9223372036854775807'], ['HINCRBY', 'h', 'small', '-1'], ['HINCRBY', 'h', 'small', '-1'],
    ['HINCRBY', 'h', 'n', '9223372036854775807'], ['HINCRBY', 'h', 'n', '-9223372036854775808'],
    ['HSET', 'h', 's', 'abc', 'sp', ' 1', 'sp2', '1 ', 'f', '1.5', 'z', '01'],
    ['HINCRBY', 'h', 's', '1'], ['HINCRBY', 'h', 'sp', '1'], ['HINCRBY', 'h', 'sp2', '1'], ['HINCRBY', 'h', 'f', '1'], ['HINCRBY', 'h', 'z', '1'],
    ['HINCRBY', 'h', 'n', 'x'], ['HINCRBY', 'h', 'n', '1.5'], ['HINCRBY', 'h', 'n', '9223372036854775808'], ['HINCRBY', 'new', 'n', 'x'], ['EXISTS', 'new'],
    ['HINCRBYFLOAT', 'h', 'x', '10.5'], ['HINCRBYFLOAT', 'h', 'x', '0.1'], ['HINCRBYFLOAT', 'h', 'x', '-5'], ['HINCRBYFLOAT', 'h', 'x', '-0.6'],
    ['HINCRBYFLOAT', 'h', 'x', '1e3'],
    ['HINCRBYFLOAT', 'h', 'n', '1.5'], ['HINCRBYFLOAT', 'h', 'f', '2.5'], ['HINCRBYFLOAT', 'h', 'y', '3.0'], ['HINCRBYFLOAT', 'h', 'y', '-3'],
    ['HINCRBYFLOAT', 'h', 'y', '-0.5'], ['HINCRBYFLOAT', 'h', 'w', '5.0e3'], ['HINCRBYFLOAT', 'h', 'w', '.25'], ['HINCRBYFLOAT', 'h', 'w', '0x10'],
    ['HINCRBYFLOAT', 'h', 's', '1'], ['HINCRBYFLOAT', 'h', 'sp', '1'], ['HINCRBYFLOAT', 'h', 'sp2', '1'],
    ['HINCRBYFLOAT', 'h', 'x', 'abc'], ['HINCRBYFLOAT', 'h', 'x', ' 1'], ['HINCRBYFLOAT', 'h', 'x', 'nan'], ['HINCRBYFLOAT', 'h', 'x', 'inf'],
    ['HINCRBYFLOAT', 'h', 'x', '-inf'], ['HINCRBYFLOAT', 'h', 'x', ''], ['HINCRBYFLOAT', 'new', 'x', 'abc'], ['EXISTS', 'new'],
    ['HSET', 'h', 'infv', 'inf'], ['HINCRBYFLOAT', 'h', 'infv', '1'], ['HSET', 'h', 'nul', Buffer.from('1\x002')], ['HINCRBYFLOAT', 'h', 'nul', '1'],
    ['HGETALL', 'h'],
    ['SET', 's', 'v'], ['HINCRBY', 's', 'a', '1'], ['HINCRBYFLOAT', 's', 'a', '1'], ['HINCRBY', 's', 'a', 'x'], ['HINCRBYFLOAT', 's', 'a', 'x'],
  ]);
});

// Sums whose long double result differs from the nearest double's shortest form: these need the
// exact 80-bit arithmetic of src/util/float80.ts (strings branch), which src/util/long-double.ts
// is to adopt when the branches are merged.
test('HINCRBYFLOAT rounds in long double', { todo: 'needs float80.ts from the strings branch' }, async () => {
  await both([
    ['HINCRBYFLOAT', 'h', 'x', '10.5'], ['HINCRBYFLOAT', 'h', 'x', '0.1'], ['HINCRBYFLOAT', 'h', 'x', '-5'], ['HINCRBYFLOAT', 'h', 'x', '1e3'],
    ['HINCRBYFLOAT', 'h', 'y', '0.1'], ['HINCRBYFLOAT', 'h', 'y', '0.2'], ['HINCRBYFLOAT', 'h', 'z', '1e400'], ['HINCRBYFLOAT', 'h', 'z', '-1e400'],
    ['HSET', 'h', 'big', '9223372036854775807'], ['HINCRBYFLOAT', 'h', 'big', '1'], ['HINCRBYFLOAT', 'h', 'w', '3.0000000000000000001'], ['HINCRBYFLOAT', 'h', 'v', '1.7976931348623157e309'],
  ]);
});

test('HRANDFIELD: deterministic cases, shapes and errors', async () => {
  await both([
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
    ['HRANDFIELD', 'h', '0'], ['HRANDFIELD', 'h', '3'], ['HRANDFIELD', 'h', '10'], ['HRANDFIELD', 'h', '3', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '100', 'withvalues'], ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
    ['HRANDFIELD', 'missing'], ['HRANDFIELD', 'missing', '5'], ['HRANDFIELD', 'missing', '-5', 'WITHVALUES'], ['HRANDFIELD', 'missing', '0'],
    ['HSET', 'one', 'only', 'v'], ['HRANDFIELD', 'one'], ['HRANDFIELD', 'one', '-3'], ['HRANDFIELD', 'one', '-2', 'WITHVALUES'], ['HRANDFIELD', 'one', '1', 'WITHVALUES'],
    ['HRANDFIELD', 'h', 'x'], ['HRANDFIELD', 'h', '1', 'FOO'], ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'], ['HRANDFIELD', 'missing', '1', 'FOO'],
    ['HRANDFIELD', 'h', '-9223372036854775808'], ['HRANDFIELD', 'h', '-9223372036854775808', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '-9223372036854770000', 'WITHVALUES'], ['HRANDFIELD', 'h', '9223372036854775807', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'], ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '9223372036854775808'], ['HRANDFIELD', 'missing', 'x'],
    ['SET', 's', 'v'], ['HRANDFIELD', 's'], ['HRANDFIELD', 's', '1'], ['HRANDFIELD', 's', '0'], ['HRANDFIELD', 's', 'x'],
  ]);
});

test('HSCAN over listpack hashes, options and errors', async () => {
  await both([
    ['HSET', 'h', 'a', '1', 'b', '2', 'ab', '3', 'c', '4'],
    ['HSCAN', 'h', '0'], ['HSCAN', 'h', '17'], ['HSCAN', 'h', '0', 'COUNT', '1'], ['HSCAN', 'h', '0', 'MATCH', 'a*'], ['HSCAN', 'h', '0', 'MATCH', '*'],
    ['HSCAN', 'h', '0', 'match', '[bc]', 'count', '100'], ['HSCAN', 'h', '0', 'COUNT', '0'], ['HSCAN', 'h', '0', 'COUNT', 'x'],
    ['HSCAN', 'h', '0', 'COUNT', '-1'], ['HSCAN', 'h', '0', 'TYPE', 'string'], ['HSCAN', 'h', '0', 'MATCH'], ['HSCAN', 'h', '0', 'FOO', 'x'],
    ['HSCAN', 'h', 'x'], ['HSCAN', 'h', '-1'], ['HSCAN', 'h', '+5'], ['HSCAN', 'h', ''], ['HSCAN', 'h', ' 1'], ['HSCAN', 'h', '18446744073709551615'],
    ['HSCAN', 'h', '18446744073709551616'], ['HSCAN', 'h', '1.5'],
    ['HSCAN', 'missing', '0'], ['HSCAN', 'missing', 'x'], ['HSCAN', 'missing', '0', 'COUNT', '0'],
    ['SET', 's', 'v'], ['HSCAN', 's', '0'], ['HSCAN', 's', '0', 'COUNT', '0'], ['HSCAN', 's', 'x'],
  ]);
});

test('big (hashtable) hashes', async () => {
  const script = bigHash('big', 1500);
  script.push(
    ['HLEN', 'big'], ['HGET', 'big', 'f123'], ['HMGET', 'big', 'f1', 'f699', 'nope'], ['HKEYS', 'big'], ['HVALS', 'big'], ['HGETALL', 'big'],
    ['HDEL', 'big', 'f0', 'f1', 'f2'], ['HSET', 'big', 'f3', 'changed', 'new', 'x', 'f1400', 'y'.repeat(100)], ['HINCRBY', 'big', 'counter', '3'], ['HGETALL', 'big'],
    ['HSTRLEN', 'big', 'f3'], ['HEXISTS', 'big', 'f0'], ['HEXISTS', 'big', 'f4'], ['HRANDFIELD', 'big', '0'], ['HLEN', 'big'],
  );
  await both(script, anyOrder);
});

/** Runs `script` on both sides of `diff`, then compares every key's encoding with OBJECT ENCODING. */
async function checkEncodings(diff: InProcessDifferential, script: Script, keys: string[]): Promise<void> {
  await diff.check(script);
  const redis = await diff.redis.client();
  try {
    for (const key of keys) {
      const expected = (await redis.call('OBJECT', 'ENCODING', key)) as string | null;
      const v = diff.larder.server.dbs[0].keys.get(key);
      assert.equal(v === undefined ? null : encodingOf(v), expected, `encoding of ${key}`);
    }
  } finally {
    redis.close();
  }
}

test('hash encodings convert at the same moments as in Redis', async () => {
  const small = await InProcessDifferential.start([['hash-max-listpack-entries', '4'], ['hash-max-listpack-value', '8']]);
  try {
    const long = 'x'.repeat(9);
    await checkEncodings(small, [
      ['HSET', 'a', 'f1', '1', 'f2', '2', 'f3', '3', 'f4', '4'],
      ['HSET', 'b', 'f1', '1', 'f2', '2', 'f3', '3', 'f4', '4', 'f5', '5'],
      ['HSET', 'c', 'f', long], ['HSET', 'd', long, 'v'], ['HSET', 'e', 'f', 'x'.repeat(8)],
      ['HSET', 'f', 'f', 'v'], ['HSETNX', 'f', 'g', long],
      ['HSET', 'g', 'f', 'v'], ['HSETNX', 'g', 'f', long],
      ['HSET', 'h', 'f', '1'], ['HINCRBYFLOAT', 'h', 'f', '0.12345678'],
      ['HSET', 'i', 'f', '1'], ['HINCRBY', 'i', 'f', '123456789'],
      ['HSET', 'j', 'f', '1'], ['HINCRBY', 'j', long, '1'],
      ['HSET', 'k', 'f', 'v'], ['HSET', 'k', 'f', 'v', 'g', long], ['HDEL', 'k', 'g'],
      ['HSET', 'l', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'], ['HDEL', 'l', 'a', 'b', 'c'],
      ['HSET', 'm', 'a', '1', 'a', long], ['HMSET', 'n', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'a', '9'],
      ['HSET', 'o', 'a', '1'], ['HSET', 'o', 'b', '1', long, '2'],
    ], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o']);
  } finally {
    await small.close();
  }
  await checkEncodings(inproc, [...bigHash('big', 513), ['HSET', 'small', 'a', 'b'], ...bigHash('edge', 512)], ['big', 'small', 'edge']);
});
