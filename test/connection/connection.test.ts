// Connection commands against real Redis: PING, ECHO, QUIT, AUTH, HELLO, RESET, in RESP2 and
// RESP3, without and with requirepass.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Differential } from '../helpers/differential.js';
import { exchange, replies } from '../helpers/raw.js';
import { encodeCommand } from '../helpers/resp-client.js';

/** HELLO's map carries the connection id: mask it. */
const maskHelloId = (_cmd: string[], raw: string) => raw.replace(/(\$2\r\nid\r\n):\d+/, '$1:?');

function pipeline(...commands: string[][]): Buffer {
  return Buffer.concat(commands.map((c) => encodeCommand(c)));
}

describe('without a password', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.close());

  for (const resp of [2, 3] as const) {
    test(`PING and ECHO (RESP${resp})`, async () => {
      await d.check([
        ['PING'], ['PING', 'hello'], ['PING', ''], ['PING', 'a', 'b'], ['ping', 'x', 'y', 'z'],
        ['ECHO', 'hi'], ['ECHO', ''], ['ECHO', Buffer.from([0, 1, 2, 255])], ['ECHO'], ['ECHO', 'a', 'b'],
      ], { resp });
    });

    test(`AUTH without a configured password (RESP${resp})`, async () => {
      await d.check([
        ['AUTH', 'x'], ['AUTH', 'default', 'anything'], ['AUTH', 'nobody', 'x'], ['AUTH', 'a', 'b', 'c'],
        ['AUTH'], ['PING'],
      ], { resp });
    });

    test(`HELLO (RESP${resp})`, async () => {
      await d.check([
        ['HELLO'], ['HELLO', '2'], ['HELLO', '3'], ['HELLO', '2'], ['HELLO', '1'], ['HELLO', '4'], ['HELLO', '-1'],
        ['HELLO', 'abc'], ['HELLO', '3.0'], ['HELLO', ' 3'], ['HELLO', '9223372036854775808'],
        ['HELLO', '3', 'SETNAME'], ['HELLO', '3', 'SETNAME', 'my name'], ['HELLO', '3', 'SETNAME', 'myname'],
        ['CLIENT', 'GETNAME'], ['HELLO', '2', 'setname', ''], ['CLIENT', 'GETNAME'],
        ['HELLO', '3', 'AUTH', 'default'], ['HELLO', '3', 'AUTH', 'default', 'pw'], ['HELLO', '2', 'AUTH', 'nobody', 'pw'],
        ['HELLO', '3', 'FOO'], ['HELLO', '3', 'SETNAME', 'n1', 'BAR', 'x'], ['CLIENT', 'GETNAME'],
        ['HELLO', '2', 'AUTH', 'default', 'x', 'SETNAME', 'n2'], ['CLIENT', 'GETNAME'],
        ['HELLO', 'AUTH', 'default', 'x'],
      ], { resp, normalize: maskHelloId });
    });

    test(`RESET (RESP${resp})`, async () => {
      await d.check([
        ['SELECT', '3'], ['SET', 'k', 'v'], ['CLIENT', 'SETNAME', 'before'], ['HELLO', '3'], ['RESET'],
        ['CLIENT', 'GETNAME'], ['GET', 'k'], ['HELLO'], ['SELECT', '3'], ['GET', 'k'], ['RESET', 'extra'], ['reset'],
      ], { resp, normalize: maskHelloId });
    });
  }

  test('RESET ends CLIENT REPLY OFF, and replies even then', async () => {
    const script = pipeline(['CLIENT', 'REPLY', 'OFF'], ['PING', 'silent'], ['RESET'], ['PING', 'loud']);
    const [a, b] = await Promise.all([exchange(d.larder.port, [script]), exchange(d.redis.port, [script])]);
    assert.deepEqual(replies(a.data), replies(b.data));
    assert.deepEqual(replies(a.data), ['+RESET\r\n', '$4\r\nloud\r\n']);
  });

  test('RESET right after CLIENT REPLY SKIP stays silent', async () => {
    const script = pipeline(['CLIENT', 'REPLY', 'SKIP'], ['RESET'], ['PING', 'after']);
    const [a, b] = await Promise.all([exchange(d.larder.port, [script]), exchange(d.redis.port, [script])]);
    assert.deepEqual(replies(a.data), replies(b.data));
  });

  test('RESET clears CLIENT NO-EVICT and NO-TOUCH (as Redis 7.2 does)', async () => {
    const c = await d.larder.client();
    try {
      assert.equal(await c.call('CLIENT', 'NO-EVICT', 'ON'), 'OK');
      assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'ON'), 'OK');
      assert.match(String(await c.call('CLIENT', 'INFO')), / flags=e /);
      assert.equal(await c.call('RESET'), 'RESET');
      assert.match(String(await c.call('CLIENT', 'INFO')), / flags=N /);
    } finally {
      c.close();
    }
  });

  test('QUIT replies OK and closes; pipelined commands after it do not run', async () => {
    const big = 'x'.repeat(100000);
    for (const port of [d.larder.port, d.redis.port]) {
      const r = await exchange(port, [pipeline(['QUIT'], ['SET', 'quitkey', 'v'], ['SET', 'quitbig', big])], { sentinel: false });
      assert.deepEqual(r, { data: '+OK\r\n', closed: true });
    }
    await d.check([['GET', 'quitkey'], ['GET', 'quitbig'], ['QUIT', 'extra']]);
  });
});

describe('with requirepass', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start(['--requirepass', 's3cret'], ['--requirepass', 's3cret']);
  });
  after(() => d.close());

  for (const resp of [2, 3] as const) {
    test(`commands before AUTH are refused (RESP${resp} via HELLO AUTH)`, async () => {
      // d.check sends FLUSHALL and HELLO first: unauthenticated, those fail identically too.
      await d.check([
        ['GET', 'k'], ['PING'], ['HELLO', String(resp)], ['CLIENT', 'ID'], ['AUTH', 'wrong'], ['AUTH', 'default', 'wrong'],
        ['AUTH', 'nobody', 's3cret'], ['HELLO', '3', 'AUTH', 'default', 'wrong'], ['HELLO', '3', 'SETNAME', 'x'],
        ['HELLO', String(resp), 'AUTH', 'default', 's3cret', 'SETNAME', 'authed'], ['CLIENT', 'GETNAME'],
        ['SET', 'k', 'v'], ['GET', 'k'], ['AUTH', 's3cret'], ['AUTH', 'default', 's3cret'],
        ['RESET'], ['GET', 'k'], ['AUTH', 's3cret'], ['GET', 'k'], ['DEL', 'k'],
      ], { resp, normalize: maskHelloId });
    });
  }

  test('unauthenticated connections may not send big requests', async () => {
    const cases = [
      '*11\r\n', '*10\r\n$4\r\nPING\r\n', `*1\r\n$16385\r\n`, `*1\r\n$16384\r\n${'a'.repeat(16384)}\r\n`,
      'AUTH s3cret\r\n*11\r\n$3\r\nDEL\r\n' + '$1\r\nk\r\n'.repeat(10),
    ];
    for (const input of cases) {
      // QUIT (allowed before AUTH) ends the exchange when the input did not.
      const chunks = [input, 'QUIT\r\n'];
      const [a, b] = await Promise.all([exchange(d.larder.port, chunks, { sentinel: false }), exchange(d.redis.port, chunks, { sentinel: false })]);
      assert.deepEqual(a, b, `input ${JSON.stringify(input.slice(0, 40))}`);
    }
  });
});
