// formatInteger must give exactly what String(n) gives, for every integer and for anything else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatInteger } from '../../src/util/numbers.js';

test('formatInteger matches String(n) across digit counts and signs', () => {
  for (let digits = 1; digits <= 16; digits++) {
    const base = 10 ** (digits - 1);
    for (const n of [base, base + 1, base * 10 - 1, base * 5 + 7, base * 10 - 1000, base + 999, base + 1000]) {
      if (!Number.isSafeInteger(n)) continue;
      assert.equal(formatInteger(n), String(n));
      assert.equal(formatInteger(-n), String(-n));
    }
  }
  for (let n = -2100; n <= 2100; n++) assert.equal(formatInteger(n), String(n));
  for (let n = 999_000; n <= 1_001_001; n += 13) assert.equal(formatInteger(n), String(n));
});

test('formatInteger at the edges: -0, the safe-integer limits, non-integers, bigints', () => {
  assert.equal(formatInteger(-0), '0');
  assert.equal(formatInteger(Number.MAX_SAFE_INTEGER), '9007199254740991');
  assert.equal(formatInteger(-Number.MAX_SAFE_INTEGER), '-9007199254740991');
  assert.equal(formatInteger(2 ** 53), String(2 ** 53));
  assert.equal(formatInteger(1.5), '1.5');
  assert.equal(formatInteger(-2.25), '-2.25');
  assert.equal(formatInteger(1e21), '1e+21');
  assert.equal(formatInteger(9223372036854775807n), '9223372036854775807');
  assert.equal(formatInteger(-9223372036854775808n), '-9223372036854775808');
});
