// Differential tests of the set commands against a real Redis (RESP2 end to end, RESP3 in
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

/** Hashtable-encoded sets answer in an unspecified order. */
const anyOrder = unordered(['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'SRANDMEMBER', 'SPOP']);

test('SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS (intset: sorted)', async () => {
  await both([
    ['SADD', 'i', '3', '1', '2', '-5', '1', '10', '-9223372036854775808', '9223372036854775807'], ['SMEMBERS', 'i'], ['SCARD', 'i'],
    ['SISMEMBER', 'i', '3'], ['SISMEMBER', 'i', '4'], ['SISMEMBER', 'i', '03'], ['SISMEMBER', 'i', 'x'], ['SISMEMBER', 'missing', '1'],
    ['SMISMEMBER', 'i', '1', '4', '10', 'x'], ['SMISMEMBER', 'missing', 'a', 'b'],
    ['SREM', 'i', '1', '4', '1', '-5'], ['SREM', 'i', 'x', '01'], ['SMEMBERS', 'i'], ['SREM', 'missing', 'a'],
    ['SREM', 'i', '2', '3', '10', '-9223372036854775808', '9223372036854775807', 'more'], ['EXISTS', 'i'], ['SMEMBERS', 'missing'], ['SCARD', 'missing'],
    ['SADD', 'i', '1'], ['SADD', 'i', '9223372036854775808'], ['SCARD', 'i'], ['SISMEMBER', 'i', '1'],
    ['SADD', 'i'], ['SREM', 'i'], ['SMISMEMBER', 'i'], ['SISMEMBER', 'i'], ['SCARD'], ['SMEMBERS'],
    ['SET', 's', 'v'], ['SADD', 's', 'a'], ['SREM', 's', 'a'], ['SCARD', 's'], ['SISMEMBER', 's', 'a'], ['SMISMEMBER', 's', 'a'], ['SMEMBERS', 's'],
  ]);
});

test('sets of strings (hashtable) in any order', async () => {
  await both([
    ['SADD', 'h', 'a', 'b', 'c', '1', '2'], ['SADD', 'h', 'a', 'd'], ['SMEMBERS', 'h'], ['SCARD', 'h'], ['SISMEMBER', 'h', '1'],
    ['SREM', 'h', 'a', '1', 'zz'], ['SMEMBERS', 'h'], ['SMISMEMBER', 'h', 'a', 'b', '2'],
    ['SADD', 'bin', Buffer.from([0, 255]), '', ' '], ['SMEMBERS', 'bin'], ['SISMEMBER', 'bin', ''],
  ], anyOrder);
});

test('SMOVE', async () => {
  await both([
    ['SADD', 'a', '1', '2', 'x'], ['SADD', 'b', '3'],
    ['SMOVE', 'a', 'b', '1'], ['SMOVE', 'a', 'b', 'nope'], ['SMOVE', 'a', 'new', 'x'], ['SMOVE', 'a', 'b', '3'],
    ['SMEMBERS', 'b'], ['SMEMBERS', 'new'], ['SMEMBERS', 'a'], ['SMOVE', 'a', 'a', '2'], ['SMOVE', 'a', 'a', '9'],
    ['SMOVE', 'a', 'b', '2'], ['EXISTS', 'a'], ['SMOVE', 'missing', 'b', '1'], ['SADD', 'b', '1'], ['SMOVE', 'new', 'b', 'x'], ['SMOVE', 'b', 'c', 'x'],
    ['SET', 's', 'v'], ['SMOVE', 's', 'b', '1'], ['SMOVE', 'b', 's', '1'], ['SMOVE', 'missing', 's', '1'], ['SMOVE', 'b', 's', 'nope'], ['SMOVE', 'a', 'b'],
  ], anyOrder);
});

test('SINTER, SINTERCARD, SINTERSTORE', async () => {
  await both([
    ['SADD', 'a', '1', '2', '3', '4', '5'], ['SADD', 'b', '2', '3', '5', '7'], ['SADD', 'c', '3', '5', 'x'], ['SADD', 'x', 'p', 'q'],
    ['SINTER', 'a', 'b'], ['SINTER', 'a', 'b', 'c'], ['SINTER', 'a'], ['SINTER', 'a', 'missing'], ['SINTER', 'missing'], ['SINTER', 'a', 'a'],
    ['SINTER', 'a', 'x'],
    ['SINTERCARD', '2', 'a', 'b'], ['SINTERCARD', '3', 'a', 'b', 'c'], ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '2'], ['SINTERCARD', '2', 'a', 'b', 'limit', '0'],
    ['SINTERCARD', '1', 'a', 'LIMIT', '100'], ['SINTERCARD', '2', 'a', 'missing'], ['SINTERCARD', '1', 'missing'],
    ['SINTERCARD', '0', 'a'], ['SINTERCARD', '-1', 'a'], ['SINTERCARD', 'x', 'a'], ['SINTERCARD', '3', 'a', 'b'], ['SINTERCARD', '1', 'a', 'LIMIT'],
    ['SINTERCARD', '1', 'a', 'LIMIT', '-1'], ['SINTERCARD', '1', 'a', 'LIMIT', 'x'], ['SINTERCARD', '1', 'a', 'FOO', '1'], ['SINTERCARD', '1', 'a', 'b'],
    ['SINTERCARD', '9223372036854775807', 'a'],
    ['SINTERSTORE', 'd', 'a', 'b'], ['SMEMBERS', 'd'], ['SINTERSTORE', 'd', 'a', 'x'], ['EXISTS', 'd'], ['SINTERSTORE', 'd', 'a', 'missing'],
    ['SET', 'str', 'v'], ['SINTERSTORE', 'str', 'a', 'missing'], ['EXISTS', 'str'], ['SET', 'str', 'v'], ['SINTERSTORE', 'str', 'a', 'c'], ['SMEMBERS', 'str'],
    ['SINTERSTORE', 'a', 'a', 'b'], ['SMEMBERS', 'a'],
    ['SET', 's', 'v'], ['SINTER', 'a', 's'], ['SINTER', 'missing', 's'], ['SINTERCARD', '2', 'a', 's'], ['SINTERSTORE', 'd', 'a', 's'],
    ['SINTERSTORE', 'd', 'missing', 's'], ['SINTERSTORE', 's', 'a', 'b'], ['SMEMBERS', 's'],
  ], anyOrder);
});

test('SUNION, SDIFF and their STORE forms', async () => {
  await both([
    ['SADD', 'a', '1', '2', '3', '4', '5'], ['SADD', 'b', '2', '3', '5', '7'], ['SADD', 'c', '3', '5', 'x'],
    ['SUNION', 'a', 'b'], ['SUNION', 'a', 'b', 'c'], ['SUNION', 'missing'], ['SUNION', 'a', 'missing'],
    ['SDIFF', 'a', 'b'], ['SDIFF', 'a', 'b', 'c'], ['SDIFF', 'c', 'a'], ['SDIFF', 'missing', 'a'], ['SDIFF', 'a', 'missing'], ['SDIFF', 'a', 'a'],
    ['SDIFF', 'a', 'b', 'a'], ['SDIFF', 'a'],
    ['SUNIONSTORE', 'd', 'a', 'b'], ['SMEMBERS', 'd'], ['SDIFFSTORE', 'e', 'a', 'b'], ['SMEMBERS', 'e'], ['SDIFFSTORE', 'e', 'a', 'a'], ['EXISTS', 'e'],
    ['SUNIONSTORE', 'd', 'missing'], ['EXISTS', 'd'], ['SUNIONSTORE', 'a', 'a', 'c'], ['SMEMBERS', 'a'],
    ['SET', 's', 'v'], ['SUNION', 'a', 's'], ['SDIFF', 's', 'a'], ['SDIFF', 'missing', 's'], ['SUNIONSTORE', 'd', 's'], ['SDIFFSTORE', 'd', 'a', 's'],
    ['SUNIONSTORE', 's', 'a'], ['SMEMBERS', 's'], ['SDIFFSTORE', 'x', 'missing'], ['SUNIONSTORE'], ['SDIFF'],
  ], anyOrder);
});

test('SPOP and SRANDMEMBER: deterministic cases, shapes and errors', async () => {
  await both([
    ['SADD', 'one', 'only'], ['SPOP', 'one'], ['EXISTS', 'one'], ['SPOP', 'one'], ['SPOP', 'one', '1'], ['SPOP', 'one', '0'],
    ['SADD', 'i', '3', '1', '2'], ['SPOP', 'i', '0'], ['SPOP', 'i', '3'], ['EXISTS', 'i'],
    ['SADD', 'i', '3', '1', '2'], ['SPOP', 'i', '10'],
    ['SADD', 'i', '3', '1', '2'], ['SRANDMEMBER', 'i', '3'], ['SRANDMEMBER', 'i', '10'], ['SRANDMEMBER', 'i', '0'], ['SRANDMEMBER', 'i', '-0'],
    ['SADD', 'o', 'x'], ['SRANDMEMBER', 'o'], ['SRANDMEMBER', 'o', '1'], ['SRANDMEMBER', 'o', '-3'], ['SRANDMEMBER', 'o', '5'],
    ['SRANDMEMBER', 'missing'], ['SRANDMEMBER', 'missing', '3'], ['SRANDMEMBER', 'missing', '-3'], ['SPOP', 'missing'], ['SPOP', 'missing', '3'],
    ['SPOP', 'i', '-1'], ['SPOP', 'i', 'x'], ['SPOP', 'i', '1', '2'], ['SPOP', 'missing', '-1'], ['SPOP', 'i', '9223372036854775808'],
    ['SRANDMEMBER', 'i', 'x'], ['SRANDMEMBER', 'i', '1', '2'], ['SRANDMEMBER', 'missing', 'x'],
    ['SRANDMEMBER', 'i', '-9223372036854775808'], ['SRANDMEMBER', 'missing', '-9223372036854775808'], ['SRANDMEMBER', 'i', '9223372036854775807'],
    ['SET', 's', 'v'], ['SPOP', 's'], ['SPOP', 's', '1'], ['SPOP', 's', '0'], ['SPOP', 's', 'x'], ['SRANDMEMBER', 's'], ['SRANDMEMBER', 's', '1'],
    ['SRANDMEMBER', 's', 'x'],
  ]);
});

test('SSCAN over intsets, options and errors', async () => {
  await both([
    ['SADD', 'i', '5', '1', '10', '100', '-3'],
    ['SSCAN', 'i', '0'], ['SSCAN', 'i', '99'], ['SSCAN', 'i', '0', 'COUNT', '1'], ['SSCAN', 'i', '0', 'MATCH', '1*'], ['SSCAN', 'i', '0', 'MATCH', '-*', 'COUNT', '2'],
    ['SSCAN', 'i', '0', 'COUNT', '0'], ['SSCAN', 'i', '0', 'COUNT', 'x'], ['SSCAN', 'i', '0', 'TYPE', 'set'], ['SSCAN', 'i', '0', 'MATCH'],
    ['SSCAN', 'i', 'x'], ['SSCAN', 'i', '-1'], ['SSCAN', 'missing', '0'], ['SSCAN', 'missing', 'x'], ['SSCAN', 'missing', '0', 'FOO'],
    ['SET', 's', 'v'], ['SSCAN', 's', '0'], ['SSCAN', 's', 'x'],
  ]);
});

/** Random replies: only their size is compared. */
function sizeOnly(command: string[], raw: string): string {
  const name = command[0].toUpperCase();
  if (name === 'SPOP' || name === 'SRANDMEMBER') return raw.slice(0, raw.indexOf('\r\n'));
  return anyOrder(command, raw);
}

/** Runs `script` on both sides of `diff`, then compares every key's encoding with OBJECT ENCODING. */
async function checkEncodings(diff: InProcessDifferential, script: Script, keys: string[]): Promise<void> {
  await diff.check(script, { normalize: sizeOnly });
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

test('set encodings convert at the same moments as in Redis', async () => {
  const small = await InProcessDifferential.start([['set-max-intset-entries', '4']]);
  try {
    await checkEncodings(small, [
      ['SADD', 'a', '1', '2', '3', '4'], ['SADD', 'b', '1', '2', '3', '4', '5'], ['SADD', 'c', 'x'], ['SADD', 'd', '1', 'x'], ['SREM', 'd', 'x'],
      ['SADD', 'e', 'x', '1'], ['SREM', 'e', 'x'], ['SADD', 'f', '1'], ['SMOVE', 'd', 'g', '1'], ['SADD', 'h', '01'], ['SADD', 'h2', '-0'],
      ['SADD', 'p', '1', '2', '3', '4', '5', '6'], ['SPOP', 'p', '3'], ['SADD', 'p2', '1', '2', '3', '4', '5', '6'], ['SPOP', 'p2', '5'],
      ['SADD', 'p3', '1', '2', '3', '4', '5', 'x'], ['SREM', 'p3', 'x'], ['SPOP', 'p3', '1'], ['SADD', 'p4', 'x', 'y', '1', '2', '3', '4', '5', '6', '7'],
      ['SREM', 'p4', 'x', 'y'], ['SPOP', 'p4', '6'],
      ['SADD', 'q', '1', '2'], ['SADD', 'r', '3', '4', '5'], ['SUNIONSTORE', 'u', 'q', 'r'], ['SINTERSTORE', 'n', 'q', 'q'], ['SDIFFSTORE', 'df', 'r', 'q'],
      ['SADD', 's1', 'a', '1', '2'], ['SINTERSTORE', 'n2', 's1', 'q'], ['SUNIONSTORE', 'u2', 's1'],
      ['SADD', 'bigint', '9223372036854775807', '-9223372036854775808'], ['SADD', 'toobig', '9223372036854775808'],
    ], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'h2', 'p', 'p2', 'p3', 'p4', 'u', 'n', 'df', 'n2', 'u2', 'bigint', 'toobig']);
  } finally {
    await small.close();
  }
  const script: Script = [];
  for (let i = 0; i < 513; i++) script.push(['SADD', 'big', String(i)]);
  for (let i = 0; i < 512; i++) script.push(['SADD', 'edge', String(i * 7)]);
  await checkEncodings(inproc, script, ['big', 'edge']);
});

test('big sets (hashtable): algebra and SPOP/SRANDMEMBER whole-set cases', async () => {
  const script: Script = [];
  for (let i = 0; i < 1500; i += 100) {
    const a: string[] = [];
    const b: string[] = [];
    for (let j = i; j < i + 100; j++) {
      a.push(`m${j}`);
      if (j % 3 === 0) b.push(`m${j}`);
      else b.push(String(j));
    }
    script.push(['SADD', 'a', ...a], ['SADD', 'b', ...b]);
  }
  script.push(
    ['SCARD', 'a'], ['SINTER', 'a', 'b'], ['SINTERCARD', '2', 'a', 'b'], ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '10'], ['SUNION', 'a', 'b'],
    ['SDIFF', 'a', 'b'], ['SDIFF', 'b', 'a'], ['SUNIONSTORE', 'u', 'a', 'b'], ['SCARD', 'u'], ['SDIFFSTORE', 'x', 'u', 'a'], ['SMEMBERS', 'x'],
    ['SRANDMEMBER', 'a', '2000'], ['SPOP', 'x', '2000'], ['EXISTS', 'x'],
  );
  await both(script, anyOrder);
});
