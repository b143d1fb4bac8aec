// Differential tests of the EXPIRE and TTL families against real Redis 7.0.15. Times are
// absolute (PEXPIREAT) far in the future or in the past, so that no reply depends on timing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Differential } from '../helpers/differential.js';
import { checkResp3 } from './helpers.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

const FAR = '99999999999999'; // year 5138, in ms
/**
 * Relative expiries are read back with TTL: the two servers may see a second go by between the
 * EXPIRE and the TTL, so TTLs are compared to the nearest ten seconds.
 */
const roughTtl = (command: string[], raw: string) =>
  command[0].toUpperCase() === 'TTL' && /^:\d+\r\n$/.test(raw) ? `:~${Math.round(Number(raw.slice(1, -2)) / 10)}\r\n` : raw;
const FAR_S = '99999999999'; // in s

test('EXPIRE family sets absolute times; TTL family reads them', async () => {
  await d.check([
    ['SET', 'k', 'v'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'], ['TTL', 'k'], ['PTTL', 'k'],
    ['PEXPIREAT', 'k', FAR], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
    ['EXPIREAT', 'k', FAR_S], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '99999999999499'], ['EXPIRETIME', 'k'], ['PEXPIREAT', 'k', '99999999999500'], ['EXPIRETIME', 'k'],
    ['PEXPIRETIME', 'missing'], ['EXPIRETIME', 'missing'], ['TTL', 'missing'], ['PTTL', 'missing'],
    ['EXPIRE', 'missing', '100'], ['PEXPIRE', 'missing', '100'], ['EXPIREAT', 'missing', FAR_S], ['PEXPIREAT', 'missing', FAR],
    ['PERSIST', 'k'], ['PERSIST', 'k'], ['PEXPIRETIME', 'k'], ['PERSIST', 'missing'],
  ]);
  await checkResp3(d, [['SET', 'k', 'v'], ['PEXPIREAT', 'k', FAR], ['PEXPIRETIME', 'k'], ['TTL', 'missing'], ['PERSIST', 'k']]);
});

test('NX, XX, GT and LT', async () => {
  await d.check([
    ['SET', 'k', 'v'],
    ['PEXPIREAT', 'k', FAR, 'XX'], ['PEXPIREAT', 'k', FAR, 'GT'], ['PEXPIREAT', 'k', FAR, 'LT'], ['PEXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', FAR, 'NX'], ['PEXPIREAT', 'k', '99999999999998', 'NX'], ['PEXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '99999999999998', 'GT'], ['PEXPIREAT', 'k', FAR, 'GT'], ['PEXPIREAT', 'k', '100000000000000', 'gt'],
    ['PEXPIRETIME', 'k'], ['PEXPIREAT', 'k', '100000000000000', 'LT'], ['PEXPIREAT', 'k', FAR, 'lt', 'xx'],
    ['PEXPIRETIME', 'k'], ['PEXPIREAT', 'k', FAR, 'XX', 'XX'], ['PEXPIREAT', 'k', FAR, 'GT', 'XX', 'GT'],
    ['EXPIREAT', 'k', FAR_S, 'GT'], ['PEXPIRETIME', 'k'],
    ['PERSIST', 'k'], ['EXPIRE', 'k', '100', 'XX'], ['EXPIRE', 'k', '100', 'GT'], ['TTL', 'k'],
    ['EXPIRE', 'k', '100', 'NX'], ['TTL', 'k'], ['EXPIRE', 'k', '200', 'LT'], ['TTL', 'k'],
    ['EXPIRE', 'k', '50', 'LT'], ['TTL', 'k'], ['EXPIRE', 'k', '49', 'GT'], ['EXPIRE', 'k', '500', 'GT'], ['TTL', 'k'],
    ['PERSIST', 'k'], ['EXPIRE', 'k', '-1', 'LT'], ['EXISTS', 'k'],
    ['SET', 'k', 'v'], ['PEXPIREAT', 'k', FAR], ['EXPIRE', 'k', '-1', 'GT'], ['EXISTS', 'k'],
    ['EXPIRE', 'k', '-1', 'LT'], ['EXISTS', 'k'],
  ], { normalize: roughTtl });
});

test('a time in the past deletes the key', async () => {
  await d.check([
    ['SET', 'a', '1'], ['PEXPIREAT', 'a', '1'], ['EXISTS', 'a'], ['TTL', 'a'],
    ['SET', 'a', '1'], ['EXPIREAT', 'a', '0'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['EXPIRE', 'a', '0'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['PEXPIRE', 'a', '-100'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['EXPIRE', 'a', '-9223372036854775'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['PEXPIREAT', 'a', '-9223372036854775808'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['PEXPIRE', 'a', '-9223372036854775808'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['PEXPIRE', 'a', '-9223372036854775808', 'NX'], ['EXISTS', 'a'],
  ]);
});

test('overflow checks are exact int64 arithmetic', async () => {
  await d.check([
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', '9223372036854775'], ['EXPIRE', 'k', '9223372036854776'], ['EXPIRE', 'k', '-9223372036854776'],
    ['EXPIREAT', 'k', '9223372036854776'], ['EXPIREAT', 'k', '9223372036854775'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
    ['PEXPIRE', 'k', '9223372036854775807'], ['PEXPIRE', 'k', '9223372036854770000'],
    ['EXPIRE', 'k', '9223372036854775808'], ['EXPIRE', 'k', '-9223372036854775809'],
    ['PEXPIREAT', 'k', '9223372036854775807'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '9223372036854775000'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '9223372036854775307'], ['EXPIRETIME', 'k'], ['PEXPIREAT', 'k', '9223372036854775308'], ['EXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '9007199254740993'], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
    ['EXPIREAT', 'k', '9007199254740993'], ['PEXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '9223372036854775806', 'GT'], ['PEXPIREAT', 'k', '9223372036854775807', 'GT'], ['PEXPIRETIME', 'k'],
  ]);
});

test('TTL of far times is exact to the second', async () => {
  // Both servers read their own clocks: compare within one second, every digit else.
  const [a, b] = await d.clients();
  try {
    for (const c of [a, b]) {
      await c.call('FLUSHALL');
      await c.call('SET', 'k', 'v');
    }
    for (const when of ['9223372036854775807', '9007199254740993', FAR]) {
      for (const c of [a, b]) await c.call('PEXPIREAT', 'k', when);
      for (const cmd of ['TTL', 'PTTL']) {
        const [x, y] = [await a.call(cmd, 'k'), await b.call(cmd, 'k')];
        const diff = BigInt(String(x)) - BigInt(String(y));
        const tolerance = cmd === 'TTL' ? 1n : 1000n;
        assert.ok(diff <= tolerance && diff >= -tolerance, `${cmd} after PEXPIREAT ${when}: larder ${x}, redis ${y}`);
      }
      const ttl = (await a.send('PTTL', 'k')).decoded;
      assert.equal(ttl.type, 'integer');
      // PTTL is exact: the expiry time minus a current time in ms.
      const now = BigInt(Date.now());
      const expected = BigInt(when) - now;
      const got = (ttl as { value: bigint }).value;
      assert.ok(got <= expected + 1000n && got >= expected - 1000n, `PTTL ${got} vs ${expected}`);
    }
  } finally {
    a.close();
    b.close();
  }
});

test('relative expiries are stored as absolute times', async () => {
  const [a] = await d.clients();
  try {
    await a.call('SET', 'k', 'v');
    const before = Date.now();
    assert.equal(await a.call('EXPIRE', 'k', '100'), 1);
    const t = Number(await a.call('PEXPIRETIME', 'k'));
    assert.ok(t >= before + 100000 - 50 && t <= Date.now() + 100000 + 50, `PEXPIRETIME ${t}`);
    assert.equal(await a.call('TTL', 'k'), 100);
    assert.equal(await a.call('PEXPIRE', 'k', '5000'), 1);
    const p = Number(await a.call('PTTL', 'k'));
    assert.ok(p <= 5000 && p > 4000, `PTTL ${p}`);
    assert.equal(await a.call('TTL', 'k'), 5);
  } finally {
    a.close();
  }
});

test('a SET clears the TTL; RENAME, COPY and MOVE carry it', async () => {
  await d.check([
    ['SET', 'k', 'v'], ['PEXPIREAT', 'k', FAR], ['SET', 'k', 'w'], ['TTL', 'k'],
    ['PEXPIREAT', 'k', FAR], ['RENAME', 'k', 'r'], ['PEXPIRETIME', 'r'],
    ['COPY', 'r', 'c'], ['PEXPIRETIME', 'c'], ['MOVE', 'c', '2'], ['SELECT', '2'], ['PEXPIRETIME', 'c'],
  ]);
});
