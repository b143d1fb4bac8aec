// The string family beyond GET/SET/INCR/MGET/MSET, differentially against real Redis:
// replies (RESP2 and RESP3), then keyspace events, propagation and encodings.
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

const far = String(Math.floor(Date.now() / 1000) + 100000);
const farMs = String(Date.now() + 100000000);

test('SETNX, SETEX, PSETEX, MSETNX', async () => {
  await d.check([
    ['SETNX', 'k', 'v'], ['SETNX', 'k', 'w'], ['GET', 'k'],
    ['SETEX', 'e', '100', 'v'], ['GET', 'e'], ['SETEX', 'e', '0', 'v'], ['SETEX', 'e', '-1', 'v'], ['SETEX', 'e', 'x', 'v'],
    ['SETEX', 'e', '9223372036854775807', 'v'], ['SETEX', 'e', '9223372036854775', 'v'], ['SETEX', 'e', '1.5', 'v'],
    ['PSETEX', 'p', '100000', 'v'], ['PSETEX', 'p', '0', 'v'], ['PSETEX', 'p', '9223372036854775807', 'v'], ['GET', 'p'],
    ['SETNX', 'k'], ['SETEX', 'k', '1'], ['PSETEX', 'k', '1', 'v', 'x'],
    ['MSETNX', 'a', '1', 'b', '2'], ['MGET', 'a', 'b'], ['MSETNX', 'a', '3', 'c', '4'], ['MGET', 'a', 'c'],
    ['MSETNX', 'x', '1', 'x', '2'], ['GET', 'x'], ['MSETNX', 'y'], ['MSETNX', 'y', '1', 'z'], ['MSETNX'],
  ]);
  await fx.check([
    ['SETEX', 'e', '100', 'v'], ['TTL', 'e'], ['PSETEX', 'p', '100000', 'v'], ['TTL', 'p'], ['SETNX', 'e', 'w'], ['TTL', 'e'],
    ['LPUSH', 'list', 'a'], ['SETNX', 'list', 'v'], ['MSETNX', 'list', 'v'], ['SETEX', 'list', '10', 'v'], ['TYPE', 'list'],
    ['PSETEX', 'list', '10', 'v'], ['TYPE', 'list'],
  ]);
});

test('GETEX options and errors', async () => {
  await d.check([
    ['SET', 'k', 'v'], ['GETEX', 'k'], ['GETEX', 'k', 'EX', '100'],
    ['GETEX', 'k', 'PX', '200000'], ['GETEX', 'k', 'EXAT', far],
    ['GETEX', 'k', 'PXAT', farMs], ['GETEX', 'k', 'PERSIST'],
    ['GETEX', 'k', 'EX', '0'], ['GETEX', 'k', 'EX', '-5'], ['GETEX', 'k', 'EX', 'abc'], ['GETEX', 'k', 'PX', '9223372036854775807'],
    ['GETEX', 'k', 'EX', '9223372036854775807'], ['GETEX', 'k', 'EXAT', '9223372036854775807'],
    ['GETEX', 'k', 'EX', '10', 'PX', '10'], ['GETEX', 'k', 'PERSIST', 'EX', '10'], ['GETEX', 'k', 'EX', '10', 'PERSIST'],
    ['GETEX', 'k', 'EX'], ['GETEX', 'k', 'KEEPTTL'], ['GETEX', 'k', 'NX'], ['GETEX', 'k', 'GET'], ['GETEX', 'k', 'foo'],
    ['GETEX', 'k', 'ex', '10', 'ex', '20'], ['GETEX', 'k', 'persist', 'persist'],
    ['GETEX', 'missing', 'EX', '10'], ['GETEX', 'missing', 'EX', 'bad'], ['GETEX', 'missing', 'foo'],
    ['GETEX', 'k', 'EXAT', '1'], ['EXISTS', 'k'], ['SET', 'k', 'v'], ['GETEX', 'k', 'PXAT', '1000'], ['EXISTS', 'k'],
    ['GETEX'],
  ]);
  await fx.check([['GETEX', 'missing'], ['SET', 'k', 'v'], ['GETEX', 'k', 'PERSIST']], { resp: 3 });
  await fx.check([
    ['SET', 'k', 'v'], ['GETEX', 'k'], ['TTL', 'k'], ['GETEX', 'k', 'EX', '100'], ['TTL', 'k'],
    ['GETEX', 'k', 'PX', '200000'], ['TTL', 'k'], ['GETEX', 'k', 'EXAT', far], ['TTL', 'k'],
    ['GETEX', 'k', 'PXAT', farMs], ['TTL', 'k'], ['GETEX', 'k', 'PERSIST'], ['TTL', 'k'],
    ['GETEX', 'k', 'ex', '10', 'ex', '20'], ['TTL', 'k'],
    ['LPUSH', 'l', 'a'], ['GETEX', 'l'], ['GETEX', 'l', 'EX', '0'], ['GETEX', 'l', 'foo'],
  ]);
});

test('GETDEL and GETSET', async () => {
  await d.check([
    ['SET', 'k', 'v'], ['GETDEL', 'k'], ['GETDEL', 'k'], ['EXISTS', 'k'],
    ['SET', 'n', '123'], ['GETDEL', 'n'], ['GETDEL'], ['GETDEL', 'a', 'b'],
    ['GETSET', 'g', 'one'], ['GETSET', 'g', 'two'], ['GET', 'g'], ['GETSET', 'g'],
  ]);
  await fx.check([
    ['LPUSH', 'l', 'a'], ['GETDEL', 'l'], ['GETSET', 'l', 'x'], ['SETEX', 'g', '100', 'x'], ['GETSET', 'g', 'y'], ['TTL', 'g'],
  ]);
  await fx.check([['GETDEL', 'missing'], ['GETSET', 'missing', 'v'], ['GETSET', 'missing', 'w']], { resp: 3 });
});

test('APPEND and STRLEN', async () => {
  await d.check([
    ['APPEND', 'k', 'hello'], ['APPEND', 'k', ' world'], ['GET', 'k'], ['STRLEN', 'k'], ['APPEND', 'k', ''],
    ['STRLEN', 'missing'], ['APPEND', 'n', ''], ['EXISTS', 'n'], ['STRLEN', 'n'],
    ['SET', 'i', '123'], ['APPEND', 'i', '456'], ['GET', 'i'], ['INCR', 'i'], ['STRLEN', 'i'],
    ['APPEND', 'b', Buffer.from([0, 255, 13, 10])], ['APPEND', 'b', Buffer.from([128])], ['GET', 'b'], ['STRLEN', 'b'],
    ['APPEND', 'k'], ['STRLEN'],
  ]);
  await fx.check([['LPUSH', 'l', 'a'], ['APPEND', 'l', 'x'], ['STRLEN', 'l']]);
});

test('APPEND and SETRANGE respect proto-max-bulk-len', async () => {
  await fx.check([
    ['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'], ['SETRANGE', 'k', '1048570', 'abcdef'], ['APPEND', 'k', 'x'],
    ['STRLEN', 'k'], ['SETRANGE', 'k', '1048571', 'abcdef'], ['SETRANGE', 'k', '1048570', 'abcdef'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '536870912'],
  ]);
});

test('INCRBYFLOAT', async () => {
  await d.check([
    ['INCRBYFLOAT', 'f', '10.5'], ['INCRBYFLOAT', 'f', '0.1'], ['INCRBYFLOAT', 'f', '-5.1'], ['GET', 'f'],
    ['INCRBYFLOAT', 'f', '1e3'], ['INCRBYFLOAT', 'f', '0x10'], ['INCRBYFLOAT', 'f', '-1055.5'], ['GET', 'f'],
    ['SET', 'f', '1.1'], ['INCRBYFLOAT', 'f', '2.2'], ['SET', 'f', '5.0e3'], ['INCRBYFLOAT', 'f', '2.0e2'],
    ['SET', 'f', '9223372036854775807'], ['INCRBYFLOAT', 'f', '1'], ['INCRBYFLOAT', 'f', '1e300'],
    ['INCRBYFLOAT', 'f', '1.5e308'], ['INCRBYFLOAT', 'f', 'inf'], ['INCRBYFLOAT', 'f', '-inf'], ['INCRBYFLOAT', 'f', 'nan'],
    ['INCRBYFLOAT', 'f', 'abc'], ['INCRBYFLOAT', 'f', ' 1'], ['INCRBYFLOAT', 'f', '1 '], ['INCRBYFLOAT', 'f', ''],
    ['SET', 's', ' 11'], ['INCRBYFLOAT', 's', '1'], ['SET', 's', '11 '], ['INCRBYFLOAT', 's', '1'], ['SET', 's', 'x'],
    ['INCRBYFLOAT', 's', '1'], ['SET', 'z', '1'], ['SETRANGE', 'z', '2', '2'], ['INCRBYFLOAT', 'z', '1'],
    ['SET', 'neg', '-0.00000000000000000001'], ['INCRBYFLOAT', 'neg', '0'], ['INCRBYFLOAT', 'neg2', '-0'],
    ['INCRBYFLOAT', 'f'], ['INCRBYFLOAT', 'big', '1e4000'], ['STRLEN', 'big'], ['INCRBYFLOAT', 'tiny', '1e-4940'],
  ]);
  await fx.check([
    ['SETEX', 't', '1000', '1'], ['INCRBYFLOAT', 't', '1'], ['TTL', 't'], ['LPUSH', 'l', 'a'], ['INCRBYFLOAT', 'l', '1'],
  ]);
});

test('GETRANGE and SUBSTR', async () => {
  await d.check([
    ['SET', 'k', 'Hello World'], ['GETRANGE', 'k', '0', '4'], ['GETRANGE', 'k', '-5', '-1'], ['GETRANGE', 'k', '5', '3'],
    ['GETRANGE', 'k', '-1', '-5'], ['GETRANGE', 'k', '0', '-1'], ['GETRANGE', 'k', '0', '100'], ['GETRANGE', 'k', '-100', '2'],
    ['GETRANGE', 'k', '20', '30'], ['GETRANGE', 'k', '0', '9223372036854775807'], ['GETRANGE', 'k', '-9223372036854775808', '-9223372036854775807'],
    ['GETRANGE', 'k', '-9223372036854775807', '-9223372036854775808'], ['GETRANGE', 'k', '9223372036854775807', '9223372036854775807'],
    ['GETRANGE', 'k', 'a', '1'], ['GETRANGE', 'missing', '0', '-1'], ['GETRANGE', 'missing', 'x', '1'],
    ['SUBSTR', 'k', '1', '3'], ['SET', 'n', '1234'], ['GETRANGE', 'n', '1', '2'], ['SET', 'e', ''], ['GETRANGE', 'e', '0', '-1'],
    ['GETRANGE', 'e', '0', '0'], ['GETRANGE', 'k', '0'],
  ]);
  await fx.check([['LPUSH', 'l', 'a'], ['GETRANGE', 'l', '0', '1'], ['GETRANGE', 'l', 'x', '1'], ['SUBSTR', 'l', '0', '1']]);
});

test('SETRANGE', async () => {
  await d.check([
    ['SETRANGE', 'k', '0', 'hello'], ['SETRANGE', 'k', '10', 'world'], ['GET', 'k'], ['SETRANGE', 'k', '2', 'XX'], ['GET', 'k'],
    ['SETRANGE', 'k', '3', ''], ['SETRANGE', 'missing', '5', ''], ['EXISTS', 'missing'], ['SETRANGE', 'k', '-1', 'x'],
    ['SETRANGE', 'k', 'x', 'x'], ['SETRANGE', 'k', '536870911', 'xx'], ['SETRANGE', 'k', '536870912', ''],
    ['SETRANGE', 'k2', '9223372036854775807', 'x'], ['SETRANGE', 'k2', '536870912', 'x'], ['SET', 'n', '1234'],
    ['SETRANGE', 'n', '1', '9'], ['GET', 'n'], ['INCR', 'n'], ['SETRANGE', 'k', '0'],
  ]);
  await fx.check([['LPUSH', 'l', 'a'], ['SETRANGE', 'l', '0', 'x'], ['SETRANGE', 'l', '0', ''], ['SETRANGE', 'l', '-1', '']]);
});

test('LCS in both protocols', async () => {
  const script = [
    ['SET', 'a', 'ohmytext'], ['SET', 'b', 'mynewtext'], ['LCS', 'a', 'b'], ['LCS', 'a', 'b', 'LEN'],
    ['LCS', 'a', 'b', 'IDX'], ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'], ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'],
    ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'], ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '-4'],
    ['LCS', 'a', 'b', 'LEN', 'IDX'], ['LCS', 'a', 'b', 'MINMATCHLEN'], ['LCS', 'a', 'b', 'MINMATCHLEN', 'x'], ['LCS', 'a', 'b', 'foo'],
    ['LCS', 'a', 'missing'], ['LCS', 'missing', 'missing', 'IDX'], ['LCS', 'missing', 'a', 'LEN'],
    ['SET', 'x', 'AAAAAAAA'], ['SET', 'y', 'AAAAAAAA'], ['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN'],
    ['SET', 'p', 'ABCBDAB'], ['SET', 'q', 'BDCABA'], ['LCS', 'p', 'q'], ['LCS', 'p', 'q', 'IDX', 'WITHMATCHLEN'],
    ['SET', 'i', '12345'], ['SET', 'j', '2945'], ['LCS', 'i', 'j', 'IDX'], ['LCS', 'a', 'b', 'len', 'withmatchlen'],
    ['LCS', 'a'],
  ];
  await d.check(script);
  await fx.check(script, { resp: 3 });
  await fx.check([['SET', 'a', 'x'], ['LPUSH', 'l', 'x'], ['LCS', 'a', 'l'], ['LCS', 'l', 'a', 'foo'], ['LCS', 'missing', 'l', 'IDX']]);
});

test('LCS on random strings matches Redis', async () => {
  const rand = randomInt(12345);
  const str = (n: number, alphabet: string) => Array.from({ length: n }, () => alphabet[rand(alphabet.length)]).join('');
  const script: string[][] = [];
  for (let i = 0; i < 30; i++) {
    script.push(['SET', 'a', str(rand(60), 'ACGT')], ['SET', 'b', str(rand(60), 'ACGT')]);
    script.push(['LCS', 'a', 'b'], ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'], ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', String(rand(4))]);
  }
  await d.check(script);
});

test('LCS memory limit', async () => {
  await fx.check([
    ['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'], ['SETRANGE', 'a', '1000', 'x'], ['SETRANGE', 'b', '1000', 'x'],
    ['LCS', 'a', 'b', 'LEN'], ['SETRANGE', 'b', '300', 'y'], ['LCS', 'a', 'b', 'LEN'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '536870912'],
  ]);
});

test('keyspace events, propagation and encodings of string writes', async () => {
  await fx.check([
    ['SETNX', 'a', '1'], ['SETNX', 'a', '2'], ['SETEX', 'b', '1000', 'x'], ['PSETEX', 'c', '1000000', '12'],
    ['MSETNX', 'd', '1', 'e', '2'], ['MSETNX', 'd', '1', 'f', '2'], ['GETSET', 'a', '3'], ['GETDEL', 'e'], ['GETDEL', 'e'],
  ], { encodings: ['a', 'b', 'c', 'd'] });
  await fx.check([
    ['SET', 'k', 'v'], ['GETEX', 'k'], ['GETEX', 'k', 'EX', '1000'], ['GETEX', 'k', 'PXAT', farMs], ['GETEX', 'k', 'PERSIST'],
    ['GETEX', 'k', 'PERSIST'], ['GETEX', 'k', 'EXAT', far], ['GETEX', 'k', 'EXAT', '1'], ['GETEX', 'k', 'EX', '10'],
  ]);
  await fx.check([
    ['APPEND', 'a', 'x'], ['APPEND', 'a', 'y'], ['APPEND', 'b', '12'], ['APPEND', 'c', 'abc'], ['APPEND', 'c', ''],
    ['SET', 'd', '12'], ['APPEND', 'd', ''], ['SETRANGE', 'e', '3', '12'], ['SET', 'f', '100'], ['SETRANGE', 'f', '0', ''],
    ['SETRANGE', 'f', '0', '2'], ['SETRANGE', 'g', '0', ''], ['SET', 'h', 'x'.repeat(50)], ['SET', 'i', 'x'.repeat(44)],
  ], { encodings: ['a', 'b', 'c', 'd', 'e', 'f', 'h', 'i'] });
  await fx.check([
    ['INCRBYFLOAT', 'a', '1'], ['INCRBYFLOAT', 'a', '1.5'], ['INCRBYFLOAT', 'b', '3'], ['SET', 'c', '2'],
    ['INCRBYFLOAT', 'c', '0.5'], ['INCRBYFLOAT', 'c', '0.5'], ['SETEX', 'd', '1000', '1'], ['INCRBYFLOAT', 'd', '2'],
    ['INCRBYFLOAT', 'e', '1e30'], ['INCRBYFLOAT', 'a', 'x'], ['APPEND', 'b', '1'],
  ], { encodings: ['a', 'b', 'c', 'd', 'e'] });
  await fx.check([['SET', 'k', 'v', 'GET'], ['SET', 'k', 'w', 'get', 'GET', 'XX'], ['SET', 'k', 'x', 'NX', 'GET']]);
});
