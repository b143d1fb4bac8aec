// Unit tests of the encodings underneath RDB files: CRC-64, LZF, listpack, ziplist, intset,
// zipmap.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc64 } from '../../src/persistence/crc64.js';
import { lzfCompress, lzfDecompress } from '../../src/persistence/lzf.js';
import { ListpackBuilder, ListpackReader, listpackOf, listpackStrings } from '../../src/persistence/codecs/listpack.js';
import { ziplistOf, ziplistStrings } from '../../src/persistence/codecs/ziplist.js';
import { intsetOf, intsetStrings } from '../../src/persistence/codecs/intset.js';
import { zipmapOf, zipmapStrings } from '../../src/persistence/codecs/zipmap.js';
import { CorruptDataError } from '../../src/persistence/errors.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

test('CRC-64 matches the Jones check value and is incremental', () => {
  assert.equal(crc64(Buffer.from('123456789')).toBigInt(), 0xe9c6d914c4b8d9can);
  const r = rng(1);
  const data = Buffer.alloc(10_007);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  const whole = crc64(data).toBigInt();
  for (const cut of [0, 1, 7, 8, 9, 4096, 10_006]) {
    const c = crc64(data, 0, cut).update(data, cut);
    assert.equal(c.toBigInt(), whole, `split at ${cut}`);
  }
  // Reference: bit-by-bit reflected CRC.
  let ref = 0n;
  for (const b of data.subarray(0, 100)) {
    ref ^= BigInt(b);
    for (let k = 0; k < 8; k++) ref = ref & 1n ? (ref >> 1n) ^ 0x95ac9329ac4bc9b5n : ref >> 1n;
  }
  assert.equal(crc64(data, 0, 100).toBigInt(), ref);
});

test('LZF round-trips random and repetitive data', () => {
  const r = rng(2);
  const inputs: Buffer[] = [
    Buffer.from('a'.repeat(1000)),
    Buffer.from('abcabcabcabcabcabcabcabcabcabcabcabc'),
    Buffer.from('hello world, '.repeat(300)),
  ];
  for (let n = 0; n < 200; n++) {
    const len = 1 + Math.floor(r() * 3000);
    const b = Buffer.alloc(len);
    const alphabet = 1 + Math.floor(r() * 255);
    for (let i = 0; i < len; i++) b[i] = r() < 0.3 && i > 10 ? b[i - 1 - Math.floor(r() * 10)] : Math.floor(r() * alphabet);
    inputs.push(b);
  }
  for (const input of inputs) {
    const out = Buffer.alloc(input.length + Math.ceil(input.length / 32) + 64);
    const n = lzfCompress(input, out);
    assert.ok(n > 0);
    const back = Buffer.alloc(input.length);
    assert.equal(lzfDecompress(out, back, 0, n), input.length);
    assert.ok(back.equals(input));
  }
  // Output too small: 0 (store uncompressed).
  const noise = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 97 + 13) & 255));
  assert.equal(lzfCompress(noise, Buffer.alloc(50)), 0);
  // Corrupt input never throws.
  const c = Buffer.alloc(200);
  const n = lzfCompress(Buffer.from('x'.repeat(500)), c);
  assert.equal(lzfDecompress(c, Buffer.alloc(400), 0, n), -1);
  assert.equal(lzfDecompress(Buffer.from([0xff, 0xff]), Buffer.alloc(10)), -1);
});

test('listpack encodes integers in the smallest form and round-trips', () => {
  const values = [
    '0', '127', '128', '-1', '-4096', '4095', '4096', '-4097', '-32768', '32767', '32768', '-8388608', '8388607',
    '8388608', '-2147483648', '2147483647', '2147483648', '-9223372036854775808', '9223372036854775807',
    '9223372036854775808', '01', '-0', '+1', '1.5', ' 1', '', 'a', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095),
    'w'.repeat(4096), 'v'.repeat(70_000),
  ];
  const lp = listpackOf(values);
  assert.deepEqual(listpackStrings(lp), values);
  // Sizes of single-element listpacks: header 6 + entry + backlen + terminator.
  const size = (s: string) => listpackOf([s]).length - 7;
  assert.equal(size('127'), 2); // 7-bit uint
  assert.equal(size('4095'), 3); // 13-bit
  assert.equal(size('32767'), 4); // 16-bit
  assert.equal(size('8388607'), 5); // 24-bit
  assert.equal(size('2147483647'), 6); // 32-bit
  assert.equal(size('2147483648'), 10); // 64-bit
  assert.equal(size('9223372036854775808'), 1 + 19 + 1); // too big: a string
  const r = new ListpackReader(listpackOf(['5', 'abc', '-70000']));
  assert.equal(r.next(), 5);
  assert.equal(r.next(), 'abc');
  assert.equal(r.next(), -70000);
  assert.equal(r.hasNext(), false);
});

test('listpack rejects corrupt data', () => {
  const good = new ListpackBuilder().append('hello').append('12345').append('x'.repeat(200)).finish();
  const bad: Buffer[] = [];
  bad.push(good.subarray(0, good.length - 1)); // truncated
  let b = Buffer.from(good);
  b.writeUInt32LE(good.length + 1, 0); // size mismatch
  bad.push(b);
  b = Buffer.from(good);
  b.writeUInt16LE(7, 4); // count mismatch
  bad.push(b);
  b = Buffer.from(good);
  b[6 + 6] ^= 0x7f; // backlen of the first entry
  bad.push(b);
  b = Buffer.from(good);
  b[6] = 0xf9; // bad encoding byte
  bad.push(b);
  for (const x of bad) assert.throws(() => listpackStrings(x), CorruptDataError);
});

test('ziplist round-trips every encoding, including big previous-entry lengths', () => {
  const values = ['0', '12', '13', '-1', '127', '-128', '128', '32767', '-32769', '8388607', '-8388609', '2147483647', '2147483648', '-9223372036854775808', 'abc', '', 'p'.repeat(63), 'q'.repeat(300), 'r'.repeat(16_383), 's'.repeat(16_384), '007'];
  const zl = ziplistOf(values);
  assert.deepEqual(ziplistStrings(zl), values);
  const broken = Buffer.from(zl);
  broken[broken.length - 1] = 0;
  assert.throws(() => ziplistStrings(broken), CorruptDataError);
  assert.throws(() => ziplistStrings(zl.subarray(0, 20)), CorruptDataError);
});

test('intset round-trips with the right width and rejects disorder', () => {
  assert.deepEqual(intsetStrings(intsetOf([3, 1, 2])), ['1', '2', '3']);
  assert.equal(intsetOf([1, 40000]).readUInt32LE(0), 4);
  assert.equal(intsetOf([1, -40000n]).readUInt32LE(0), 4);
  assert.equal(intsetOf([1, 5000000000n]).readUInt32LE(0), 8);
  assert.deepEqual(intsetStrings(intsetOf([-9223372036854775808n, 0, 9223372036854775807n])), ['-9223372036854775808', '0', '9223372036854775807']);
  const b = intsetOf([1, 2, 3]);
  b.writeInt16LE(5, 8); // 5, 2, 3: not sorted
  assert.throws(() => intsetStrings(b), CorruptDataError);
  assert.throws(() => intsetStrings(b.subarray(0, 11)), CorruptDataError);
});

test('zipmap pairs are read back', () => {
  const pairs: [string, string][] = [['a', '1'], ['bb', 'x'.repeat(300)], ['c', '']];
  assert.deepEqual(zipmapStrings(zipmapOf(pairs)), pairs.flat());
  assert.throws(() => zipmapStrings(zipmapOf(pairs).subarray(0, 10)), CorruptDataError);
});
