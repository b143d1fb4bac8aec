// The bitmap family differentially against real Redis: replies, then keyspace events,
// propagation and encodings.
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { SideEffects } from '../helpers/observe.js';
import { randomInt } from '../helpers/random.js';

let d: Differential;
let fx: SideEffects;
before(async () => {
  [d, fx] = await Promise.all([Differential.start(), SideEffects.start()]);
});
after(() => Promise.all([d.close(), fx.close()]));

function randomBytes(rand: (n: number) => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rand(4) === 0 ? [0, 255][rand(2)] : rand(256);
  return b;
}

test('SETBIT and GETBIT', async () => {
  await d.check([
    ['SETBIT', 'k', '7', '1'], ['GET', 'k'], ['SETBIT', 'k', '7', '1'], ['SETBIT', 'k', '7', '0'], ['GETBIT', 'k', '7'],
    ['SETBIT', 'k', '100', '1'], ['GET', 'k'], ['GETBIT', 'k', '100'], ['GETBIT', 'k', '101'], ['GETBIT', 'k', '100000'],
    ['GETBIT', 'missing', '5'], ['SETBIT', 'k', '0', '2'], ['SETBIT', 'k', '0', '-1'], ['SETBIT', 'k', '0', 'x'],
    ['SETBIT', 'k', '-1', '1'], ['SETBIT', 'k', 'x', '1'], ['SETBIT', 'k', '4294967296', '1'], ['SETBIT', 'k', '#1', '1'],
    ['SETBIT', 'k', '8388607', '0'], ['STRLEN', 'k'], ['GETBIT', 'k', '-1'], ['GETBIT', 'k', '4294967296'], ['GETBIT', 'missing', 'x'],
    ['SET', 'n', '1'], ['GETBIT', 'n', '2'], ['GETBIT', 'n', '3'], ['SETBIT', 'n', '6', '1'], ['GET', 'n'],
    ['SET', 's', 'abc'], ['SETBIT', 's', '1', '0'], ['GET', 's'], ['SETBIT', 'k', '0'], ['GETBIT', 'k'],
    ['SETBIT', 'new', '0', '0'], ['EXISTS', 'new'], ['GET', 'new'],
  ]);
  await fx.check([['LPUSH', 'l', 'a'], ['SETBIT', 'l', '0', '1'], ['GETBIT', 'l', '0'], ['GETBIT', 'l', 'x'], ['SETBIT', 'l', 'x', '1']]);
});

test('BITCOUNT with BYTE and BIT ranges', async () => {
  const script: (string | Buffer)[][] = [
    ['SET', 'k', 'foobar'], ['BITCOUNT', 'k'], ['BITCOUNT', 'k', '0', '0'], ['BITCOUNT', 'k', '1', '1'],
    ['BITCOUNT', 'k', '1', '1', 'BYTE'], ['BITCOUNT', 'k', '5', '30', 'BIT'], ['BITCOUNT', 'k', '-3', '-1', 'bit'],
    ['BITCOUNT', 'k', '-1', '-3'], ['BITCOUNT', 'k', '-1', '-3', 'foo'], ['BITCOUNT', 'k', '0', '-1', 'foo'],
    ['BITCOUNT', 'k', '0'], ['BITCOUNT', 'k', '0', '1', 'BIT', 'x'], ['BITCOUNT', 'k', 'a', 'b'], ['BITCOUNT', 'k', '0', 'b'],
    ['BITCOUNT', 'k', '100', '200'], ['BITCOUNT', 'k', '-100', '-50'], ['BITCOUNT', 'k', '-100', '100', 'BIT'],
    ['BITCOUNT', 'k', '0', '9223372036854775807'], ['BITCOUNT', 'k', '-9223372036854775808', '9223372036854775807', 'BIT'],
    ['BITCOUNT', 'k', '-9223372036854775807', '-9223372036854775808'], ['BITCOUNT', 'k', '9223372036854775807', '0'],
    ['BITCOUNT', 'missing'], ['BITCOUNT', 'missing', '0'], ['BITCOUNT', 'missing', 'a', 'b', 'c', 'd'],
    ['SET', 'n', '12345'], ['BITCOUNT', 'n'], ['BITCOUNT', 'n', '1', '2'], ['SET', 'e', ''], ['BITCOUNT', 'e'],
    ['BITCOUNT', 'e', '0', '-1'], ['BITCOUNT', 'e', '0', '-1', 'BIT'], ['BITCOUNT'],
  ];
  const rand = randomInt(7);
  for (let i = 0; i < 40; i++) {
    const len = rand(80);
    script.push(['SET', 'r', randomBytes(rand, len)], ['BITCOUNT', 'r']);
    for (let j = 0; j < 5; j++) {
      const a = String(rand(len * 10 + 2) - len * 5);
      const b = String(rand(len * 10 + 2) - len * 5);
      script.push(['BITCOUNT', 'r', a, b], ['BITCOUNT', 'r', a, b, 'BIT']);
    }
  }
  await d.check(script);
  await fx.check([['LPUSH', 'l', 'a'], ['BITCOUNT', 'l'], ['BITCOUNT', 'l', 'a', 'b', 'c', 'd']]);
});

test('BITPOS with BYTE and BIT ranges', async () => {
  const script: (string | Buffer)[][] = [
    ['SET', 'k', Buffer.from([0xff, 0xf0, 0x00])], ['BITPOS', 'k', '0'], ['BITPOS', 'k', '1'], ['BITPOS', 'k', '1', '2'],
    ['BITPOS', 'k', '0', '0', '0'], ['BITPOS', 'k', '0', '0', '1'], ['BITPOS', 'k', '1', '2', '-1'], ['BITPOS', 'k', '1', '7', '15', 'BIT'],
    ['BITPOS', 'k', '0', '7', '11', 'BIT'], ['BITPOS', 'k', '0', '7', '12', 'BIT'], ['BITPOS', 'k', '0', '3', 'BIT'],
    ['BITPOS', 'k', '2'], ['BITPOS', 'k', '-1'], ['BITPOS', 'k', 'x'], ['BITPOS', 'k', '1', 'x'], ['BITPOS', 'k', '1', '0', 'x'],
    ['BITPOS', 'k', '1', '0', '1', 'foo'], ['BITPOS', 'k', '1', 'x', '1', 'foo'], ['BITPOS', 'k', '1', '0', 'x', 'foo'],
    ['BITPOS', 'k', '1', '0', '1', 'BIT', 'extra'],
    ['BITPOS', 'missing', '0'], ['BITPOS', 'missing', '1'], ['BITPOS', 'missing', '1', 'x'], ['BITPOS', 'missing', '2'],
    ['SET', 'ones', Buffer.from([0xff, 0xff, 0xff])], ['BITPOS', 'ones', '0'], ['BITPOS', 'ones', '0', '0', '-1'],
    ['BITPOS', 'ones', '0', '1'], ['BITPOS', 'ones', '0', '3', 'BIT'], ['BITPOS', 'ones', '0', '3', '20', 'BIT'],
    ['SET', 'zeros', Buffer.alloc(20)], ['BITPOS', 'zeros', '1'], ['BITPOS', 'zeros', '0', '5'], ['BITPOS', 'zeros', '1', '0', '-1', 'BIT'],
    ['SET', 'e', ''], ['BITPOS', 'e', '0'], ['BITPOS', 'e', '1'], ['BITPOS', 'e', '0', '0'], ['BITPOS', 'e', '0', '0', '-1', 'BIT'],
    ['SET', 'n', '1234'], ['BITPOS', 'n', '1'], ['BITPOS', 'n', '0', '2'], ['BITPOS', 'k', '1', '-9223372036854775808', '9223372036854775807'],
    ['BITPOS', 'k', '0', '9223372036854775807'], ['BITPOS', 'k'],
  ];
  const rand = randomInt(99);
  for (let i = 0; i < 40; i++) {
    const len = 1 + rand(40);
    const bytes = randomBytes(rand, len);
    if (rand(3) === 0) bytes.fill(rand(2) ? 0xff : 0, 0, len - rand(3));
    script.push(['SET', 'r', bytes], ['BITPOS', 'r', '0'], ['BITPOS', 'r', '1']);
    for (let j = 0; j < 6; j++) {
      const bit = String(rand(2));
      const a = String(rand(len * 10 + 2) - len * 5);
      const b = String(rand(len * 10 + 2) - len * 5);
      script.push(['BITPOS', 'r', bit, a], ['BITPOS', 'r', bit, a, b], ['BITPOS', 'r', bit, a, b, 'BIT'], ['BITPOS', 'r', bit, a, b, 'BYTE']);
    }
  }
  await d.check(script);
  await fx.check([['LPUSH', 'l', 'a'], ['BITPOS', 'l', '1'], ['BITPOS', 'l', '2'], ['BITPOS', 'l', '1', 'x']]);
});

test('BITOP', async () => {
  const script: (string | Buffer)[][] = [
    ['SET', 'a', 'foobar'], ['SET', 'b', 'abcdef'], ['SET', 'c', 'xy'],
    ['BITOP', 'AND', 'dest', 'a', 'b'], ['GET', 'dest'], ['BITOP', 'OR', 'dest', 'a', 'c'], ['GET', 'dest'],
    ['BITOP', 'XOR', 'dest', 'a', 'b', 'c'], ['GET', 'dest'], ['BITOP', 'NOT', 'dest', 'c'], ['GET', 'dest'],
    ['BITOP', 'and', 'dest', 'c', 'a'], ['GET', 'dest'], ['BITOP', 'AND', 'dest', 'a', 'missing'], ['GET', 'dest'],
    ['BITOP', 'OR', 'dest', 'missing', 'missing2'], ['EXISTS', 'dest'], ['BITOP', 'NOT', 'dest', 'a', 'b'],
    ['BITOP', 'NOT', 'dest'], ['BITOP', 'NAND', 'dest', 'a'], ['BITOP', 'AND', 'a', 'a'], ['GET', 'a'],
    ['SET', 'n', '123'], ['BITOP', 'NOT', 'dest', 'n'], ['GET', 'dest'], ['SET', 'e', ''], ['BITOP', 'OR', 'dest', 'a', 'e'],
    ['GET', 'dest'], ['BITOP', 'NOT', 'dest', 'e'], ['EXISTS', 'dest'], ['BITOP', 'AND'], ['BITOP', 'AND', 'dest'],
  ];
  const rand = randomInt(5);
  for (let i = 0; i < 30; i++) {
    const keys = 1 + rand(4);
    const names: string[] = [];
    for (let k = 0; k < keys; k++) {
      script.push(['SET', `s${k}`, randomBytes(rand, rand(70))]);
      names.push(`s${k}`);
    }
    for (const op of ['AND', 'OR', 'XOR']) script.push(['BITOP', op, 'out', ...names], ['GET', 'out']);
    script.push(['BITOP', 'NOT', 'out', names[0]], ['GET', 'out']);
  }
  await d.check(script);
  await fx.check([
    ['SET', 'a', 'x'], ['LPUSH', 'l', 'a'], ['BITOP', 'AND', 'dest', 'a', 'l'], ['BITOP', 'AND', 'l', 'a'], ['TYPE', 'l'],
    ['BITOP', 'OR', 'l', 'missing'], ['TYPE', 'l'], ['SETEX', 'd', '1000', 'x'], ['BITOP', 'OR', 'd', 'a'], ['TTL', 'd'],
  ]);
});

test('BITFIELD and BITFIELD_RO', async () => {
  await d.check([
    ['BITFIELD', 'k', 'SET', 'i8', '0', '100'], ['BITFIELD', 'k', 'GET', 'i8', '0'], ['BITFIELD', 'k', 'GET', 'u8', '0'],
    ['BITFIELD', 'k', 'INCRBY', 'i8', '0', '100'], ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100'],
    ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '100'], ['BITFIELD', 'k', 'GET', 'i8', '0'],
    ['BITFIELD', 'k', 'SET', 'u8', '#1', '255', 'GET', 'u8', '8', 'GET', 'u4', '#3'], ['GET', 'k'],
    ['BITFIELD', 'k', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1', 'GET', 'u2', '100'],
    ['BITFIELD', 'k', 'SET', 'i64', '0', '-9223372036854775808', 'GET', 'i64', '0', 'INCRBY', 'i64', '0', '-1'],
    ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', '9223372036854775807'],
    ['BITFIELD', 'k', 'SET', 'u63', '3', '9223372036854775807', 'GET', 'u63', '3', 'INCRBY', 'u63', '3', '1'],
    ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1', 'SET', 'i8', '0', '-9223372036854775808', 'GET', 'i8', '0'],
    ['BITFIELD', 'k', 'OVERFLOW', 'WRAP', 'SET', 'u8', '0', '-1', 'SET', 'i8', '0', '-9223372036854775800', 'GET', 'i8', '0'],
    ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '256', 'SET', 'i8', '0', '-129', 'SET', 'i1', '0', '-1', 'GET', 'i1', '0'],
    ['BITFIELD', 'k', 'GET', 'u64', '0'], ['BITFIELD', 'k', 'GET', 'i65', '0'], ['BITFIELD', 'k', 'GET', 'i0', '0'],
    ['BITFIELD', 'k', 'GET', 'x8', '0'], ['BITFIELD', 'k', 'GET', '', '0'], ['BITFIELD', 'k', 'GET', 'i8', '-1'],
    ['BITFIELD', 'k', 'GET', 'i8', 'x'], ['BITFIELD', 'k', 'GET', 'i8', '#x'], ['BITFIELD', 'k', 'GET', 'i8', '#-1'],
    ['BITFIELD', 'k', 'GET', 'i8', '4294967296'], ['BITFIELD', 'k', 'GET', 'i8', '#536870912'],
    ['BITFIELD', 'k', 'GET', 'i64', '#9223372036854775807'], ['BITFIELD', 'k', 'SET', 'i8', '0', 'x'],
    ['BITFIELD', 'k', 'INCRBY', 'i8', '0'], ['BITFIELD', 'k', 'OVERFLOW', 'FOO', 'GET', 'i8', '0'], ['BITFIELD', 'k', 'OVERFLOW'],
    ['BITFIELD', 'k', 'FOO'], ['BITFIELD', 'k', 'GET', 'i8'], ['BITFIELD', 'k', 'GET', 'i8', '0', 'SET', 'i8', 'x', '1'],
    ['BITFIELD', 'k'], ['BITFIELD', 'missing'], ['BITFIELD', 'missing', 'GET', 'u8', '0'], ['EXISTS', 'missing'],
    ['BITFIELD', 'fail', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '10'], ['EXISTS', 'fail'], ['GET', 'fail'],
    ['BITFIELD', 'big', 'SET', 'u8', '1000', '1'], ['STRLEN', 'big'],
    ['SET', 'n', '1234'], ['BITFIELD', 'n', 'GET', 'u16', '0', 'GET', 'i12', '13', 'GET', 'u8', '100'],
    ['BITFIELD', 'n', 'SET', 'u8', '0', '65'], ['GET', 'n'],
    ['BITFIELD_RO', 'k', 'GET', 'i8', '0', 'GET', 'u4', '#2'], ['BITFIELD_RO', 'k', 'SET', 'i8', '0', '1'],
    ['BITFIELD_RO', 'k', 'GET', 'i8', '0', 'INCRBY', 'i8', '0', '1'], ['BITFIELD_RO', 'k', 'OVERFLOW', 'SAT', 'GET', 'i8', '0'],
    ['BITFIELD_RO', 'k', 'OVERFLOW', 'XX', 'SET', 'i8', '0', '1'], ['BITFIELD_RO', 'k'], ['BITFIELD_RO', 'missing', 'GET', 'i8', '0'],
    ['BITFIELD'],
  ]);
  await fx.check([
    ['LPUSH', 'l', 'a'], ['BITFIELD', 'l', 'GET', 'i8', '0'], ['BITFIELD', 'l', 'SET', 'i8', '0', '1'], ['BITFIELD_RO', 'l', 'GET', 'i8', '0'],
    ['BITFIELD', 'l', 'GET', 'i99', '0'], ['BITFIELD', 'l'],
  ]);
});

test('BITFIELD arithmetic on random operations matches Redis', async () => {
  const rand = randomInt(2024);
  const script: string[][] = [];
  const values = ['0', '1', '-1', '127', '-128', '255', '256', '9223372036854775807', '-9223372036854775808', '4611686018427387904'];
  for (let i = 0; i < 300; i++) {
    const signed = rand(2) === 0;
    const bits = signed ? 1 + rand(64) : 1 + rand(63);
    const type = `${signed ? 'i' : 'u'}${bits}`;
    const offset = String(rand(80));
    const value = rand(3) === 0 ? values[rand(values.length)] : String(rand(2000) - 1000);
    const mode = ['WRAP', 'SAT', 'FAIL'][rand(3)];
    const op = rand(3);
    if (op === 0) script.push(['BITFIELD', 'k', 'OVERFLOW', mode, 'SET', type, offset, value]);
    else if (op === 1) script.push(['BITFIELD', 'k', 'OVERFLOW', mode, 'INCRBY', type, offset, value]);
    else script.push(['BITFIELD', 'k', 'GET', type, offset]);
    if (i % 20 === 0) script.push(['GET', 'k']);
  }
  script.push(['GET', 'k']);
  await d.check(script);
});

test('keyspace events, propagation and encodings of bitmap writes', async () => {
  await fx.check([
    ['SETBIT', 'a', '3', '1'], ['SETBIT', 'a', '3', '1'], ['SETBIT', 'a', '20', '0'], ['SETBIT', 'b', '0', '0'],
    ['SET', 'c', '12'], ['SETBIT', 'c', '2', '1'], ['SET', 'd', 'ab'], ['SETBIT', 'd', '0', '0'],
    ['BITOP', 'AND', 'e', 'a', 'c'], ['BITOP', 'OR', 'e', 'missing'], ['BITOP', 'OR', 'e', 'missing'], ['SET', 'f', 'x'],
    ['BITOP', 'NOT', 'g', 'f'],
  ], { encodings: ['a', 'b', 'c', 'd', 'g'] });
  await fx.check([
    ['BITFIELD', 'a', 'SET', 'u8', '0', '1'], ['BITFIELD', 'a', 'SET', 'u8', '0', '1'], ['BITFIELD', 'a', 'GET', 'u8', '0'],
    ['BITFIELD', 'a', 'SET', 'u8', '0', '2', 'SET', 'u8', '8', '3', 'INCRBY', 'u8', '0', '0'],
    ['BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '10'], ['SET', 'c', '7'], ['BITFIELD', 'c', 'GET', 'u8', '0'],
    ['SET', 'd', '7'], ['BITFIELD', 'd', 'SET', 'u8', '0', '55'], ['BITFIELD_RO', 'a', 'GET', 'u8', '0'],
  ], { encodings: ['a', 'b', 'c', 'd'] });
});
