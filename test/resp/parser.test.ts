import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, RequestParser } from '../../src/resp/parser.js';
import { splitArgs } from '../../src/resp/split-args.js';

function parseAll(chunks: Buffer[], maxBulkLen = 512 * 1024 * 1024): (string[] | string)[] {
  const p = new RequestParser();
  const out: (string[] | string)[] = [];
  for (const chunk of chunks) {
    p.feed(chunk);
    for (;;) {
      const r = p.next(maxBulkLen, false);
      if (r === null) break;
      if (r instanceof ProtocolError) {
        out.push(r.message);
        return out;
      }
      if (r.length) out.push(r);
    }
    p.release();
  }
  return out;
}

const pipeline = Buffer.from(
  '*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n' +
  'PING\r\n' +
  '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n' +
  'ECHO "a b" \'c\\\'d\'\n' +
  '*1\r\n$4\r\nPING\r\n',
  'latin1',
);
const expected = [['SET', 'key', 'va\r\nl'], ['PING'], ['ECHO', ''], ['ECHO', 'a b', "c'd"], ['PING']];

test('a pipeline parses the same for every split into two chunks', () => {
  for (let i = 0; i <= pipeline.length; i++) {
    assert.deepEqual(parseAll([pipeline.subarray(0, i), pipeline.subarray(i)]), expected, `split at ${i}`);
  }
});

test('a pipeline parses the same fed one byte at a time', () => {
  const chunks = [...pipeline].map((b) => Buffer.from([b]));
  assert.deepEqual(parseAll(chunks), expected);
});

test('a chunk buffer reused after each feed does not corrupt pending input', () => {
  const shared = Buffer.alloc(7);
  const p = new RequestParser();
  const out: string[][] = [];
  for (let i = 0; i < pipeline.length; i += 7) {
    const n = pipeline.copy(shared, 0, i, Math.min(i + 7, pipeline.length));
    p.feed(shared.subarray(0, n));
    for (let r = p.next(1e9, false); r !== null; r = p.next(1e9, false)) {
      assert.ok(!(r instanceof ProtocolError));
      if (r.length) out.push(r);
    }
    p.release();
    shared.fill(0x58);
  }
  assert.deepEqual(out, expected);
});

test('big bulk arguments arriving in many chunks', () => {
  const big = 'x'.repeat(200_000);
  const req = Buffer.from(`*2\r\n$4\r\nECHO\r\n$${big.length}\r\n${big}\r\n`);
  const chunks: Buffer[] = [];
  for (let i = 0; i < req.length; i += 1000) chunks.push(req.subarray(i, i + 1000));
  assert.deepEqual(parseAll(chunks), [['ECHO', big]]);
});

test('malformed requests give Redis protocol errors', () => {
  const cases: [string, string][] = [
    ['*abc\r\n', 'Protocol error: invalid multibulk length'],
    ['*3000000000\r\n', 'Protocol error: invalid multibulk length'],
    ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$4294967296\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\nfoo\r\n', "Protocol error: expected '$', got 'f'"],
    ['ECHO "abc\r\n', 'Protocol error: unbalanced quotes in request'],
    ['ECHO "a"b\r\n', 'Protocol error: unbalanced quotes in request'],
  ];
  for (const [input, message] of cases) assert.deepEqual(parseAll([Buffer.from(input)]), [message], input);
  assert.deepEqual(parseAll([Buffer.from('*1\r\n$2000000\r\n')], 1024 * 1024), ['Protocol error: invalid bulk length']);
});

test('oversized headers and inline requests are errors', () => {
  assert.deepEqual(parseAll([Buffer.from('*' + '1'.repeat(70000))]), ['Protocol error: too big mbulk count string']);
  assert.deepEqual(parseAll([Buffer.from('PING' + ' '.repeat(70000))]), ['Protocol error: too big inline request']);
});

test('unauthenticated connections are limited', () => {
  const p = new RequestParser();
  p.feed(Buffer.from('*11\r\n'));
  assert.deepEqual(p.next(1e9, true), new ProtocolError('Protocol error: unauthenticated multibulk length', 'unauth mbulk count'));
  const q = new RequestParser();
  q.feed(Buffer.from('*1\r\n$16385\r\n'));
  assert.deepEqual(q.next(1e9, true), new ProtocolError('Protocol error: unauthenticated bulk length', 'unauth bulk length'));
});

test('empty and negative multibulk counts are empty requests', () => {
  assert.deepEqual(parseAll([Buffer.from('*0\r\n*-1\r\n\r\n*1\r\n$4\r\nPING\r\n')]), [['PING']]);
});

test('inline argument splitting follows redis-server', () => {
  assert.deepEqual(splitArgs('  set  "a\\x41\\n" \'b c\'  '), ['set', 'aA\n', 'b c']);
  assert.deepEqual(splitArgs('a"b c"d'), null);
  assert.deepEqual(splitArgs('a"b c" d'), ['ab c', 'd']);
  assert.deepEqual(splitArgs('"\\q\\"\\\\"'), ['q"\\']);
  assert.deepEqual(splitArgs("'unterminated"), null);
  assert.deepEqual(splitArgs(''), []);
});
