// Unit tests of the HyperLogLog data structure: the 32-bit MurmurHash64A against a plain BigInt
// version, the register pattern, the empty value's bytes, and sparse/dense agreement.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createHll, decodeSparse, denseRegisters, hllAdd, hllCount, hllPattern, HLL_DENSE_SIZE, isHllBytes, murmurHash64A,
  sparseToDense,
} from '../../src/types/hyperloglog.js';
import { randomInt } from '../helpers/random.js';

const MASK = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;

/** MurmurHash64A written directly with 64-bit BigInt arithmetic (little-endian blocks). */
function referenceMurmur(bytes: Buffer, seed: bigint): bigint {
  const len = bytes.length;
  let h = (seed ^ ((BigInt(len) * M) & MASK)) & MASK;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = bytes.readBigUInt64LE(i);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(bytes[blocks + j]) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

test('MurmurHash64A matches a 64-bit reference for every tail length', () => {
  const rand = randomInt(1);
  for (let len = 0; len < 70; len++) {
    for (let n = 0; n < 30; n++) {
      const b = Buffer.alloc(len);
      for (let i = 0; i < len; i++) b[i] = n === 0 ? 255 : n === 1 ? 0 : rand(256);
      assert.equal(murmurHash64A(b.latin1Slice()), referenceMurmur(b, 0xadc83b19n), `length ${len}`);
    }
  }
});

test('register index and run length come from the hash', () => {
  for (const e of ['', 'a', 'hello', 'x'.repeat(100), '\u00ff\u0000']) {
    const h = murmurHash64A(e);
    const { index, count } = hllPattern(e);
    assert.equal(index, Number(h & 16383n));
    let rest = (h >> 14n) | (1n << 50n);
    let expected = 1;
    while ((rest & 1n) === 0n) {
      expected++;
      rest >>= 1n;
    }
    assert.equal(count, expected);
  }
});

test('an empty HyperLogLog is "HYLL", sparse, and one XZERO run', () => {
  const h = createHll();
  assert.equal(h.view().toString('hex'), Buffer.from('HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff', 'latin1').toString('hex'));
  assert.equal(decodeSparse(h), 'Z:16384');
  assert.equal(hllCount(h), 0);
  assert.ok(isHllBytes(h.bytes, h.length));
});

test('sparse and dense forms agree on registers and estimates', () => {
  const sparse = createHll();
  const dense = createHll();
  assert.ok(sparseToDense(dense));
  assert.equal(dense.length, HLL_DENSE_SIZE);
  for (let i = 0; i < 2000; i++) {
    const e = `element-${i}`;
    assert.equal(hllAdd(sparse, e, 1 << 30), hllAdd(dense, e, 1 << 30));
    if (i % 250 === 0) assert.equal(hllCount(sparse), hllCount(dense));
  }
  assert.equal(sparse.bytes[4], 1);
  const copy = sparse.copy();
  assert.ok(sparseToDense(copy));
  assert.deepEqual(denseRegisters(copy), denseRegisters(dense));
  const estimate = hllCount(dense)!;
  assert.ok(Math.abs(estimate - 2000) < 100, `estimate ${estimate}`);
});
