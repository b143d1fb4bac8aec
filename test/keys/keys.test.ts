// Differential tests of the generic keyspace commands against real Redis 7.0.15.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Differential } from '../helpers/differential.js';
import { checkResp3, unordered } from './helpers.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

test('DEL, UNLINK, EXISTS, DBSIZE', async () => {
  await d.check([
    ['MSET', 'a', '1', 'b', '2', 'c', '3'],
    ['EXISTS', 'a'], ['EXISTS', 'a', 'a', 'b', 'zz'], ['DBSIZE'],
    ['DEL', 'a', 'a', 'zz'], ['EXISTS', 'a'], ['DBSIZE'],
    ['UNLINK', 'b', 'c', 'b'], ['DBSIZE'], ['DEL', 'nothing'], ['UNLINK', 'nothing'],
    ['DEL'], ['UNLINK'], ['EXISTS'], ['DBSIZE', 'x'],
    ['SET', '', 'empty-name'], ['EXISTS', ''], ['DEL', ''],
  ]);
});

test('TYPE and TOUCH', async () => {
  await d.check([
    ['SET', 's', 'v'], ['TYPE', 's'], ['TYPE', 'missing'], ['TYPE'], ['TYPE', 'a', 'b'],
    ['TOUCH', 's', 'missing', 's'], ['TOUCH'],
  ]);
  await checkResp3(d, [['SET', 's', 'v'], ['TYPE', 's'], ['TYPE', 'missing'], ['TOUCH', 's', 'x']]);
});

test('RENAME and RENAMENX', async () => {
  await d.check([
    ['SET', 'a', '1'], ['RENAME', 'a', 'b'], ['GET', 'a'], ['GET', 'b'],
    ['RENAME', 'missing', 'x'], ['RENAMENX', 'missing', 'x'],
    ['RENAME', 'b', 'b'], ['RENAMENX', 'b', 'b'], ['RENAME', 'nothere', 'nothere'],
    ['SET', 'c', '3'], ['RENAMENX', 'b', 'c'], ['GET', 'b'], ['GET', 'c'],
    ['RENAME', 'b', 'c'], ['GET', 'c'], ['EXISTS', 'b'],
    ['RENAMENX', 'c', 'd'], ['GET', 'd'],
    ['RENAME', 'a'], ['RENAME', 'a', 'b', 'c'],
  ]);
});

test('RENAME moves the TTL and drops the target\'s', async () => {
  await d.check([
    ['SET', 'a', '1'], ['PEXPIREAT', 'a', '99999999999999'], ['SET', 'b', '2'], ['PEXPIREAT', 'b', '88888888888888'],
    ['RENAME', 'a', 'c'], ['PEXPIRETIME', 'c'], ['PEXPIRETIME', 'a'],
    ['SET', 'p', 'persistent'], ['RENAME', 'p', 'b'], ['PEXPIRETIME', 'b'],
  ]);
});

test('COPY', async () => {
  await d.check([
    ['SET', 'a', 'hello'], ['COPY', 'a', 'b'], ['GET', 'b'], ['COPY', 'a', 'b'], ['COPY', 'a', 'b', 'REPLACE'],
    ['COPY', 'a', 'a'], ['COPY', 'a', 'a', 'DB', '0'], ['COPY', 'missing', 'x'], ['COPY', 'missing', 'missing'],
    ['COPY', 'a', 'a', 'DB', '1'], ['SELECT', '1'], ['GET', 'a'], ['SELECT', '0'],
    ['COPY', 'a', 'z', 'DB', '16'], ['COPY', 'a', 'z', 'DB', '-1'], ['COPY', 'a', 'z', 'DB', 'x'],
    ['COPY', 'a', 'z', 'DB', '4294967296'], ['COPY', 'a', 'z', 'DB'], ['COPY', 'a', 'z', 'REPLACE', 'BOGUS'],
    ['COPY', 'a', 'z', 'replace', 'db', '2', 'REPLACE'], ['SELECT', '2'], ['GET', 'z'], ['SELECT', '0'],
    ['PEXPIREAT', 'a', '99999999999999'], ['COPY', 'a', 'e'], ['PEXPIRETIME', 'e'],
    ['SET', 'n', 'x'], ['COPY', 'n', 'e', 'REPLACE'], ['PEXPIRETIME', 'e'],
    ['COPY', 'a'], ['COPY', 'missing', 'x', 'DB', 'bad'],
  ]);
});

test('COPY of a string changed in place is independent', async () => {
  // APPEND may not exist yet on Larder: only run the copy part when it does.
  const [larder] = await d.clients();
  const appendWorks = !((await larder.call('APPEND', 'probe', 'x')) instanceof Error);
  larder.close();
  if (!appendWorks) return;
  await d.check([['SET', 'a', 'abc'], ['APPEND', 'a', 'def'], ['COPY', 'a', 'b'], ['APPEND', 'a', 'ghi'], ['GET', 'a'], ['GET', 'b']]);
});

test('MOVE', async () => {
  await d.check([
    ['SET', 'k', 'v'], ['MOVE', 'k', '1'], ['EXISTS', 'k'], ['SELECT', '1'], ['GET', 'k'],
    ['SET', 'k2', 'other'], ['SELECT', '0'], ['SET', 'k2', 'mine'], ['MOVE', 'k2', '1'], ['GET', 'k2'],
    ['MOVE', 'k2', '0'], ['MOVE', 'missing', '1'], ['MOVE', 'k2', '16'], ['MOVE', 'k2', '-1'],
    ['MOVE', 'k2', 'notanumber'], ['MOVE', 'k2', '2147483648'], ['MOVE', 'missing', '0'],
    ['SET', 't', 'x'], ['PEXPIREAT', 't', '99999999999999'], ['MOVE', 't', '3'], ['SELECT', '3'], ['PEXPIRETIME', 't'],
    ['MOVE', 'k'], ['MOVE', 'k', '1', '2'],
  ]);
});

test('SELECT and SWAPDB', async () => {
  await d.check([
    ['SELECT', '15'], ['SELECT', '16'], ['SELECT', '-1'], ['SELECT', 'x'], ['SELECT', '4294967296'],
    ['SELECT', '9223372036854775808'], ['SELECT', '0'],
    ['SET', 'a', 'db0'], ['SELECT', '1'], ['SET', 'b', 'db1'], ['SELECT', '0'],
    ['SWAPDB', '0', '1'], ['GET', 'a'], ['GET', 'b'], ['DBSIZE'],
    ['SWAPDB', '1', '1'], ['SWAPDB', '0', '16'], ['SWAPDB', '-1', '0'], ['SWAPDB', 'x', '0'], ['SWAPDB', '0', 'y'],
    ['SWAPDB', 'x', 'y'], ['SWAPDB', '4294967296', '0'], ['SWAPDB', '0'], ['SWAPDB', '0', '1'], ['GET', 'a'],
  ]);
});

test('FLUSHDB and FLUSHALL', async () => {
  await d.check([
    ['SET', 'a', '1'], ['SELECT', '1'], ['SET', 'b', '1'], ['FLUSHDB'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'],
    ['FLUSHDB', 'ASYNC'], ['DBSIZE'], ['SET', 'a', '1'], ['FLUSHDB', 'sync'], ['FLUSHDB', 'bogus'], ['FLUSHDB', 'ASYNC', 'SYNC'],
    ['SET', 'a', '1'], ['SELECT', '5'], ['SET', 'b', '1'], ['FLUSHALL', 'async'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'],
    ['FLUSHALL', 'SYNC'], ['FLUSHALL', 'x'], ['FLUSHALL', 'SYNC', 'ASYNC'],
  ]);
});

test('KEYS', async () => {
  await d.check([
    ['MSET', 'foo', '1', 'foobar', '2', 'bar', '3', 'f*o', '4', 'f\\o', '5', 'fo', '6', 'a[b', '7'],
    ['KEYS', '*'], ['KEYS', 'foo'], ['KEYS', 'fo*'], ['KEYS', 'f?o'], ['KEYS', 'f\\*o'], ['KEYS', 'f[*]o'],
    ['KEYS', 'nomatch'], ['KEYS', ''], ['KEYS', '[fb]*'], ['KEYS', '*o'], ['KEYS', 'f\\\\o'], ['KEYS', 'a[b'],
    ['KEYS', 'a\\[b'], ['KEYS', 'fo\\'], ['KEYS', '[^f]*'], ['KEYS', 'f[a-p]o'], ['KEYS', '*a*r*'],
    ['KEYS'], ['KEYS', 'a', 'b'],
  ], { normalize: unordered });
  await checkResp3(d, [['SET', 'x', '1'], ['KEYS', '*'], ['KEYS', 'y*']]);
});

test('SCAN arguments and a full pass', async () => {
  const script: (string | number)[][] = [];
  for (let i = 0; i < 30; i++) script.push(['SET', `key:${i}`, String(i)]);
  script.push(
    ['SCAN', '0', 'COUNT', '1000'], ['SCAN', '0', 'MATCH', 'key:1*', 'COUNT', '1000'],
    ['SCAN', '0', 'TYPE', 'string', 'COUNT', '1000'], ['SCAN', '0', 'TYPE', 'STRING', 'COUNT', '1000'],
    ['SCAN', '0', 'TYPE', 'list', 'COUNT', '1000'], ['SCAN', '0', 'TYPE', 'nosuchtype', 'COUNT', '1000'],
    ['SCAN', '0', 'MATCH', '*', 'COUNT', '1000', 'MATCH', 'key:2?'],
    ['SCAN', 'x'], ['SCAN', '-'], ['SCAN', ' 1'], ['SCAN', '1 '], ['SCAN', '18446744073709551616'],
    ['SCAN', '0', 'COUNT', '0'], ['SCAN', '0', 'COUNT', '-1'], ['SCAN', '0', 'COUNT', 'x'],
    ['SCAN', '0', 'COUNT'], ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'TYPE'], ['SCAN', '0', 'BOGUS', 'x'],
    ['SCAN', '0', 'COUNT', '9223372036854775808'], ['SCAN'],
  );
  await d.check(script, { normalize: unordered });
  await checkResp3(d, [['SET', 'a', '1'], ['SCAN', '0'], ['SCAN', '0', 'MATCH', 'b']]);
});

test('SCAN accepts cursors as strtoul does', async () => {
  // Any cursor is accepted; on an empty database every one ends the iteration.
  await d.check([
    ['SCAN', ''], ['SCAN', '+0'], ['SCAN', '-0'], ['SCAN', '-1'], ['SCAN', '+5'], ['SCAN', '18446744073709551615'],
    ['SCAN', '-18446744073709551615'], ['SCAN', '-18446744073709551616'], ['SCAN', '00012'], ['SCAN', '+'],
  ]);
});

test('RANDOMKEY', async () => {
  await d.check([['RANDOMKEY'], ['SET', 'only', '1'], ['RANDOMKEY'], ['RANDOMKEY'], ['RANDOMKEY', 'x']]);
  await checkResp3(d, [['RANDOMKEY']]);
  // Every key is eventually returned.
  const [larder] = await d.clients();
  try {
    await larder.call('FLUSHALL');
    await larder.call('MSET', 'a', '1', 'b', '2', 'c', '3');
    const seen = new Set<unknown>();
    for (let i = 0; i < 200 && seen.size < 3; i++) seen.add(await larder.call('RANDOMKEY'));
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  } finally {
    larder.close();
  }
});

test('OBJECT', async () => {
  await d.check([
    ['OBJECT', 'HELP'], ['object', 'help'], ['OBJECT', 'HELP', 'x'], ['OBJECT'], ['OBJECT', 'bogus'], ['OBJECT', 'bogus', 'k'],
    ['MSET', 'int', '12345', 'big', '123456789012345678901', 'emb', 'hello', 'raw', 'x'.repeat(45), 'neg', '-5', 'small', '42',
      'zero', '0', 'max', '9999', 'over', '10000', 'lead', '012', 'e44', 'y'.repeat(44), 'i64', '9223372036854775807'],
    ['OBJECT', 'ENCODING', 'int'], ['OBJECT', 'ENCODING', 'big'], ['OBJECT', 'ENCODING', 'emb'], ['OBJECT', 'ENCODING', 'raw'],
    ['OBJECT', 'ENCODING', 'neg'], ['OBJECT', 'ENCODING', 'lead'], ['OBJECT', 'ENCODING', 'e44'], ['OBJECT', 'ENCODING', 'i64'],
    ['OBJECT', 'ENCODING', 'missing'], ['OBJECT', 'ENCODING'], ['OBJECT', 'ENCODING', 'a', 'b'],
    ['OBJECT', 'REFCOUNT', 'small'], ['OBJECT', 'REFCOUNT', 'zero'], ['OBJECT', 'REFCOUNT', 'max'], ['OBJECT', 'REFCOUNT', 'over'],
    ['OBJECT', 'REFCOUNT', 'neg'], ['OBJECT', 'REFCOUNT', 'emb'], ['OBJECT', 'REFCOUNT', 'int'], ['OBJECT', 'REFCOUNT', 'missing'],
    ['OBJECT', 'IDLETIME', 'emb'], ['OBJECT', 'IDLETIME', 'missing'], ['OBJECT', 'FREQ', 'emb'], ['OBJECT', 'FREQ', 'missing'],
    ['OBJECT', 'IDLETIME'], ['OBJECT', 'FREQ', 'a', 'b'],
  ], {
    // The LRU clock ticks once a second: either server may see it tick between the MSET and
    // OBJECT IDLETIME.
    normalize: (cmd, raw) => (cmd[0] === 'OBJECT' && cmd[1] === 'IDLETIME' && raw === ':1\r\n' ? ':0\r\n' : raw),
  });
  await checkResp3(d, [['SET', 'a', 'x'], ['OBJECT', 'ENCODING', 'nope'], ['OBJECT', 'REFCOUNT', 'nope'], ['OBJECT', 'HELP'], ['OBJECT', 'ENCODING', 'a']]);
});

test('OBJECT FREQ and IDLETIME under an LFU policy', async () => {
  // LFU counters decay per elapsed minute: keep the script away from a minute boundary, so that
  // both servers see the same number of minutes pass (none).
  while (new Date().getSeconds() >= 50) await new Promise((r) => setTimeout(r, 500));
  const lfu = await Differential.start(['--maxmemory-policy', 'allkeys-lfu'], ['--maxmemory-policy', 'allkeys-lfu']);
  try {
    // A new key counts 5; its first access always increments it (later ones are probabilistic).
    await lfu.check([
      ['SET', 'k', 'v'], ['OBJECT', 'FREQ', 'k'], ['GET', 'k'], ['OBJECT', 'FREQ', 'k'], ['OBJECT', 'IDLETIME', 'k'],
      ['OBJECT', 'FREQ', 'missing'], ['OBJECT', 'IDLETIME', 'missing'], ['EXISTS', 'k'], ['TYPE', 'k'], ['OBJECT', 'FREQ', 'k'],
      ['SET', 'n', '7'], ['OBJECT', 'REFCOUNT', 'n'], ['SET', 'k2', 'a'], ['SET', 'k2', 'b'], ['OBJECT', 'FREQ', 'k2'],
      ['SET', 'f', 'x'], ['COPY', 'f', 'c'], ['OBJECT', 'FREQ', 'c'], ['OBJECT', 'FREQ', 'f'],
      ['SET', 'g', 'x'], ['RENAME', 'g', 'r'], ['OBJECT', 'FREQ', 'r'], ['SET', 'h', 'x'], ['MOVE', 'h', '1'], ['SELECT', '1'], ['OBJECT', 'FREQ', 'h'],
    ]);
  } finally {
    await lfu.close();
  }
});

test('errors of the expire commands match', async () => {
  await d.check([
    ['SET', 'k', 'v'], ['EXPIRE', 'k'], ['EXPIRE', 'k', ''], ['EXPIRE', 'k', 'abc'], ['EXPIRE', 'k', '1.5'],
    ['EXPIRE', 'k', '10', 'NX', 'XX'], ['EXPIRE', 'k', '10', 'NX', 'GT'], ['EXPIRE', 'k', '10', 'NX', 'LT'],
    ['EXPIRE', 'k', '10', 'GT', 'LT'], ['EXPIRE', 'k', '10', 'bogus'], ['EXPIRE', 'k', 'abc', 'bogus'],
    ['EXPIRE', 'k', '10', 'xx', 'bogus\r\nx'], ['EXPIRE', 'k', 'abc', 'NX', 'XX'],
    ['TTL'], ['PTTL', 'a', 'b'], ['PERSIST'], ['EXPIRETIME'], ['PEXPIRETIME', 'a', 'b'],
  ]);
});
