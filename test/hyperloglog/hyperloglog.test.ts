// The HyperLogLog family differentially against real Redis. GET after the same commands must
// return the same bytes (header, cached cardinality, sparse opcodes, dense registers).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { SideEffects } from '../helpers/observe.js';
import { encodeCommand } from '../helpers/resp-client.js';
import { randomInt } from '../helpers/random.js';

let d: Differential;
let fx: SideEffects;
before(async () => {
  [d, fx] = await Promise.all([Differential.start(), SideEffects.start()]);
});
after(() => Promise.all([d.close(), fx.close()]));

const elements = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('PFADD, PFCOUNT and the sparse bytes', async () => {
  await d.check([
    ['PFADD', 'h'], ['GET', 'h'], ['PFCOUNT', 'h'], ['GET', 'h'], ['PFADD', 'h', 'a', 'b', 'c'], ['GET', 'h'],
    ['PFADD', 'h', 'a', 'b', 'c'], ['PFCOUNT', 'h'], ['GET', 'h'], ['PFADD', 'h', ''], ['PFADD', 'h', Buffer.from([0, 1, 255])],
    ['PFADD', 'h', 'x'.repeat(1000)], ['PFADD', 'h', '1234567'], ['PFADD', 'h', '12345678'], ['PFADD', 'h', '123456789'],
    ['GET', 'h'], ['PFCOUNT', 'h'], ['PFCOUNT', 'h'], ['PFDEBUG', 'DECODE', 'h'], ['PFDEBUG', 'ENCODING', 'h'],
    ['PFCOUNT', 'missing'], ['PFADD'], ['PFCOUNT'], ['STRLEN', 'h'], ['GETRANGE', 'h', '15', '15'],
  ]);
});

test('sparse opcodes: splits, merges and growth stay byte-identical', async () => {
  const rand = randomInt(11);
  const script: string[][] = [];
  for (let round = 0; round < 20; round++) {
    script.push(['DEL', 'h']);
    const n = 1 + rand(400);
    for (let i = 0; i < n; i += 7) {
      const batch = Array.from({ length: 7 }, () => `e${rand(100000)}`);
      script.push(['PFADD', 'h', ...batch]);
    }
    script.push(['GET', 'h'], ['PFCOUNT', 'h'], ['GET', 'h'], ['PFDEBUG', 'ENCODING', 'h']);
  }
  await d.check(script);
});

test('promotion to dense and the dense bytes', async () => {
  const script: string[][] = [];
  for (let i = 0; i < 3000; i += 100) script.push(['PFADD', 'h', ...elements(`x${i}-`, 100)]);
  script.push(['PFDEBUG', 'ENCODING', 'h'], ['GET', 'h'], ['PFCOUNT', 'h'], ['GET', 'h']);
  for (let i = 0; i < 20000; i += 1000) script.push(['PFADD', 'h', ...elements(`y${i}-`, 1000)]);
  script.push(['PFCOUNT', 'h'], ['GET', 'h'], ['PFADD', 'h', 'y1-1'], ['GET', 'h']);
  script.push(['PFADD', 'd'], ['PFDEBUG', 'TODENSE', 'd'], ['PFDEBUG', 'TODENSE', 'd'], ['GET', 'd'], ['PFADD', 'd', ...elements('z', 50)]);
  script.push(['GET', 'd'], ['PFCOUNT', 'd'], ['PFDEBUG', 'DECODE', 'd'], ['PFDEBUG', 'ENCODING', 'd']);
  await d.check(script);
});

test('promotion follows hll-sparse-max-bytes', async () => {
  const script: string[][] = [['CONFIG', 'SET', 'hll-sparse-max-bytes', '100']];
  for (let i = 0; i < 60; i++) script.push(['PFADD', 'h', `e${i}`], ['PFDEBUG', 'ENCODING', 'h']);
  script.push(['GET', 'h'], ['CONFIG', 'SET', 'hll-sparse-max-bytes', '0'], ['DEL', 'h'], ['PFADD', 'h', 'a']);
  script.push(['PFDEBUG', 'ENCODING', 'h'], ['GET', 'h'], ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  await fx.check(script);
});

test('PFCOUNT of several keys and PFMERGE', async () => {
  const script: string[][] = [
    ['PFADD', 'a', ...elements('a', 50)], ['PFADD', 'b', ...elements('b', 500)], ['PFADD', 'c', ...elements('a', 5000)],
    ['PFCOUNT', 'a', 'b'], ['PFCOUNT', 'a', 'b', 'c'], ['PFCOUNT', 'a', 'missing'], ['PFCOUNT', 'missing', 'missing2'],
    ['PFMERGE', 'm', 'a', 'b'], ['GET', 'm'], ['PFCOUNT', 'm'], ['PFDEBUG', 'ENCODING', 'm'],
    ['PFMERGE', 'm2', 'a', 'c'], ['PFDEBUG', 'ENCODING', 'm2'], ['GET', 'm2'], ['PFCOUNT', 'm2'],
    ['PFMERGE', 'a', 'b'], ['GET', 'a'], ['PFMERGE', 'empty'], ['GET', 'empty'], ['PFMERGE', 'empty2', 'missing'], ['GET', 'empty2'],
    ['PFMERGE', 'b'], ['GET', 'b'], ['PFMERGE', 'c', 'a'], ['GET', 'c'], ['PFCOUNT', 'c'],
    ['SET', 's', 'hello'], ['PFMERGE', 'x', 's'], ['PFMERGE', 's', 'a'], ['PFCOUNT', 'a', 's'], ['PFMERGE'],
  ];
  await d.check(script);
});

test('Redis-made HLL strings work, invalid ones are rejected', async () => {
  const [larder, redis] = await d.clients();
  larder.close();
  await redis.send('FLUSHALL');
  await redis.send('PFADD', 'sparse', ...elements('s', 200));
  await redis.send('PFADD', 'dense', ...elements('d', 5000));
  await redis.send('PFCOUNT', 'dense');
  const sparse = (await redis.send('GET', 'sparse')).raw;
  const dense = (await redis.send('GET', 'dense')).raw;
  redis.close();
  const bulk = (raw: Buffer) => {
    const eol = raw.indexOf('\r\n');
    return raw.subarray(eol + 2, raw.length - 2);
  };
  const sp = bulk(sparse);
  const de = bulk(dense);
  await d.check([
    ['SET', 's', sp], ['SET', 'd', de], ['PFCOUNT', 's'], ['PFCOUNT', 'd'], ['PFCOUNT', 's', 'd'], ['PFADD', 's', 'new1', 'new2'],
    ['PFADD', 'd', 'new1', 'new2'], ['GET', 's'], ['GET', 'd'], ['PFMERGE', 'm', 's', 'd'], ['GET', 'm'],
    ['SET', 'short', 'HYLL'], ['PFCOUNT', 'short'], ['PFADD', 'short', 'a'],
    ['SET', 'magic', Buffer.concat([Buffer.from('HYLX'), sp.subarray(4)])], ['PFCOUNT', 'magic'], ['PFADD', 'magic', 'x'],
    ['SET', 'enc', Buffer.concat([sp.subarray(0, 4), Buffer.from([2]), sp.subarray(5)])], ['PFCOUNT', 'enc'],
    ['SET', 'dlen', Buffer.concat([de, Buffer.from('x')])], ['PFCOUNT', 'dlen'], ['PFMERGE', 'x', 'dlen'],
    ['SET', 'asdense', Buffer.concat([sp.subarray(0, 4), Buffer.from([0]), sp.subarray(5)])], ['PFCOUNT', 'asdense'],
    ['SET', 'tail', Buffer.concat([sp, Buffer.from('hello')])], ['PFCOUNT', 'tail'], ['PFCOUNT', 'tail', 's'], ['PFADD', 'tail', 'q'],
    ['PFMERGE', 'y', 'tail'], ['PFDEBUG', 'GETREG', 'tail'], ['PFDEBUG', 'TODENSE', 'tail'],
    ['SET', 'int', '12345678901234567'], ['PFCOUNT', 'int'], ['SET', 'plain', 'x'.repeat(100)], ['PFADD', 'plain', 'a'],
  ]);
});

test('PFDEBUG', async () => {
  await d.check([
    ['PFADD', 'h', 'a', 'b', 'c'], ['PFDEBUG', 'GETREG', 'h'], ['GET', 'h'], ['PFDEBUG', 'ENCODING', 'h'],
    ['PFDEBUG', 'DECODE', 'h'], ['PFADD', 's', 'a'], ['PFDEBUG', 'DECODE', 's'], ['PFDEBUG', 'decode', 's'],
    ['PFDEBUG', 'FOO', 's'], ['PFDEBUG', 'FOO', 'missing'], ['PFDEBUG', 'GETREG', 'missing'], ['SET', 'x', 'y'],
    ['PFDEBUG', 'GETREG', 'x'], ['PFDEBUG', 'TODENSE', 's'], ['PFDEBUG', 'TODENSE', 's'], ['PFDEBUG', 'GETREG'],
    ['PFDEBUG', 'GETREG', 'h', 'extra'],
  ]);
  await fx.check([['PFADD', 'h', 'a'], ['PFDEBUG', 'ENCODING', 'h'], ['PFDEBUG', 'GETREG', 'h']], { resp: 3 });
});

test('corrupted HLLs are detected the same way', async () => {
  const rand = randomInt(3);
  const script: (string | Buffer)[][] = [];
  for (let round = 0; round < 60; round++) {
    const n = rand(3000);
    script.push(['DEL', 'h'], ['PFADD', 'h', ...elements(`r${round}-`, n)]);
    const len = n > 1500 ? 12304 : 100;
    for (let i = 0; i < 1 + rand(4); i++) {
      script.push(['SETRANGE', 'h', String(16 + rand(len - 16)), Buffer.from([rand(256)])]);
    }
    script.push(['PFCOUNT', 'h'], ['PFCOUNT', 'h', 'missing'], ['PFADD', 'h', 'a', 'b', 'c', 'd', 'e'], ['GET', 'h']);
  }
  await d.check(script);
});

test('crafted sparse encodings: runs past the end, short and truncated', async () => {
  const hdr = Buffer.from('HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80', 'latin1');
  const xz = (n: number) => [0x40 | ((n - 1) >> 8), (n - 1) & 0xff];
  const cases = [
    [...xz(16384), 0x80], [...xz(16384), 0x00], [...xz(16383), 0x81], [...xz(16384), ...xz(1)], [...xz(10000), ...xz(10000)],
    [...xz(8000)], [...xz(8000), 0x84, ...xz(8383)], [...xz(16383), 0x40], [...xz(1), ...xz(16383)], [0x3f, ...xz(16320)],
    [0xfc, 0xfc, ...xz(16376)], [0xf8, 0xf8, 0xf8, ...xz(16381)], [], [0x80, 0x80, 0x80, ...xz(16381)],
  ].map((ops) => Buffer.concat([hdr, Buffer.from(ops)]));
  // Elements landing on registers 26 (e366), 9038 (e296) and 16383 (e1674), each with count 1.
  const script: (string | Buffer)[][] = [];
  for (const v of cases) {
    script.push(['SET', 'q', v], ['PFCOUNT', 'q', 'missing'], ['PFCOUNT', 'q'], ['PFMERGE', 'z', 'q'], ['GET', 'z']);
    script.push(['SET', 'q', v], ['PFDEBUG', 'TODENSE', 'q'], ['STRLEN', 'q'], ['SET', 'q', v], ['PFDEBUG', 'GETREG', 'q']);
    for (const e of ['e366', 'e296', 'e1674', 'a', 'b']) script.push(['SET', 'q', v], ['PFADD', 'q', e], ['GET', 'q']);
  }
  await d.check(script);
  const promoted: (string | Buffer)[][] = [['CONFIG', 'SET', 'hll-sparse-max-bytes', '0']];
  for (const v of cases) {
    for (const e of ['e366', 'e296', 'e1674']) promoted.push(['SET', 'q', v], ['PFADD', 'q', e], ['STRLEN', 'q']);
  }
  promoted.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  await fx.check(promoted);
});

test('PFSELFTEST', async () => {
  // It hashes ten million elements: allow it more than the usual reply timeout.
  const [a, b] = await d.clients();
  try {
    a.writeRaw(encodeCommand(['PFSELFTEST']));
    b.writeRaw(encodeCommand(['PFSELFTEST']));
    const [ra, rb] = await Promise.all([a.read(120000), b.read(120000)]);
    assert.equal(ra.raw.latin1Slice(), rb.raw.latin1Slice());
    assert.equal(ra.raw.latin1Slice(), '+OK\r\n');
  } finally {
    a.close();
    b.close();
  }
  await d.check([['PFSELFTEST', 'x']]);
});

test('keyspace events, propagation and encodings of HyperLogLog writes', async () => {
  await fx.check([
    ['PFADD', 'a'], ['PFADD', 'a', 'x'], ['PFADD', 'a', 'x'], ['PFCOUNT', 'a'], ['PFCOUNT', 'a'], ['PFADD', 'b', 'y', 'z'],
    ['PFMERGE', 'c', 'a', 'b'], ['PFMERGE', 'a', 'missing'], ['PFCOUNT', 'a', 'b'], ['PFDEBUG', 'TODENSE', 'b'],
    ['PFDEBUG', 'GETREG', 'c'], ['PFDEBUG', 'ENCODING', 'c'], ['SET', 'd', 'x'], ['PFADD', 'd', 'q'],
  ], { encodings: ['a', 'b', 'c'] });
  await fx.check([
    ['LPUSH', 'l', 'a'], ['PFADD', 'l', 'a'], ['PFCOUNT', 'l'], ['PFCOUNT', 'l', 'x'], ['PFMERGE', 'l', 'x'], ['PFMERGE', 'x', 'l'],
    ['PFDEBUG', 'ENCODING', 'l'],
  ]);
});
