// The long double emulation against INCRBYFLOAT replies recorded from a real redis-server
// 7.0.15 on x86-64 (test/fixtures/float80.json, made by scripts/gen-float80-fixture.mjs).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  addLongDouble, formatFixed17, formatLongDouble, incrementLongDouble, LongDouble, parseLongDouble,
} from '../../src/util/float80.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cases = JSON.parse(fs.readFileSync(path.join(root, 'test/fixtures/float80.json'), 'utf8')) as [string | null, string, string][];

function asReply(current: string | null, increment: string): string {
  const r = incrementLongDouble(current ?? undefined, increment);
  if (r.ok) return r.value;
  return r.error === 'nan-or-infinity' ? 'ERR increment would produce NaN or Infinity' : 'ERR value is not a valid float';
}

test('INCRBYFLOAT results match real Redis for every recorded case', () => {
  assert.ok(cases.length > 1000);
  let mismatches: string[] = [];
  for (const [current, increment, expected] of cases) {
    const got = asReply(current, increment);
    if (got !== expected) mismatches.push(`${JSON.stringify(current)} + ${JSON.stringify(increment)}: got ${got.slice(0, 80)}, want ${expected.slice(0, 80)}`);
  }
  assert.deepEqual(mismatches.slice(0, 20), []);
});

test('%.17Lf rounds exact ties to even and keeps the sign of zero', () => {
  // 2^-18 = 0.000003814697265625: the 18th decimal is an exact 5 after an even digit.
  assert.equal(formatFixed17(parseLongDouble('0x1p-18')!), '0.00000381469726562');
  // 3 * 2^-18 = 0.000011444091796875: tie after an odd digit rounds up.
  assert.equal(formatFixed17(parseLongDouble('0x3p-18')!), '0.00001144409179688');
  assert.equal(formatFixed17(LongDouble.NEG_ZERO), '-0.00000000000000000');
  assert.equal(formatLongDouble(LongDouble.NEG_ZERO), '0');
  assert.equal(formatLongDouble(parseLongDouble('-1e-30')!), '0');
  assert.equal(formatLongDouble(parseLongDouble('-1.5')!), '-1.5');
  assert.equal(formatLongDouble(parseLongDouble('100')!), '100');
});

test('parsing follows strtold with Redis checks', () => {
  for (const bad of ['', ' 1', '1 ', 'nan', '-nan', 'nan(1)', '1e', '.', 'e1', '0x', '0x1p', '1e5000', '1e-5000', '1\x00', '--1', '+-1', '1' + '0'.repeat(5119)]) {
    assert.equal(parseLongDouble(bad), undefined, JSON.stringify(bad));
  }
  for (const good of ['0', '-0', '+1', '.5', '5.', '1e10', '1E-10', '0x1.8p1', '0X.8P+1', 'inf', '-Infinity', 'INF', '0e99999999999999']) {
    assert.notEqual(parseLongDouble(good), undefined, good);
  }
  assert.equal(parseLongDouble('inf')!.isFinite(), false);
  // Every int64 is exact.
  assert.equal(formatLongDouble(LongDouble.fromInteger(-9223372036854775808n)), '-9223372036854775808');
  assert.equal(formatLongDouble(parseLongDouble('18446744073709551615')!), '18446744073709551615');
  // 2^64 + 1 needs 65 bits: ties to even.
  assert.equal(formatLongDouble(parseLongDouble('18446744073709551617')!), '18446744073709551616');
});

test('addition rounds to nearest even and handles infinities', () => {
  const one = parseLongDouble('1')!;
  const halfUlp = parseLongDouble('0x1p-64')!;
  assert.equal(formatLongDouble(addLongDouble(one, halfUlp)), '1');
  assert.ok(addLongDouble(LongDouble.INFINITY, LongDouble.NEG_INFINITY).isNaN());
  assert.equal(addLongDouble(LongDouble.NEG_ZERO, LongDouble.NEG_ZERO), LongDouble.NEG_ZERO);
  assert.equal(addLongDouble(LongDouble.NEG_ZERO, LongDouble.ZERO), LongDouble.ZERO);
  const max = parseLongDouble('0xffffffffffffffffp16320')!;
  assert.ok(max.isFinite());
  assert.equal(addLongDouble(max, max).isFinite(), false);
  assert.equal(asReply('0.1', '0.2'), '0.3');
});
