// The wire protocol against real Redis: multibulk and inline requests, every protocol error
// (reply, then the connection closes), Redis's quirks with NUL bytes in header lines, big
// arguments, and the cross-protocol-scripting guard.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Differential } from '../helpers/differential.js';
import { exchange } from '../helpers/raw.js';
import { encodeCommand } from '../helpers/resp-client.js';
import { rng } from '../helpers/random.js';
import { logged } from '../helpers/servers.js';

let d: Differential;
before(async () => {
  d = await Differential.start(['--loglevel', 'verbose']);
});
after(() => d.close());

/** Sends the same bytes to both servers; their answers (and whether they closed) must match. */
async function same(chunks: (string | Buffer)[], opts: { sentinel?: boolean } = {}) {
  const [a, b] = await Promise.all([exchange(d.larder.port, chunks, opts), exchange(d.redis.port, chunks, opts)]);
  assert.deepEqual(a, b, `input ${JSON.stringify(chunks.map(String).join('').slice(0, 80))}`);
  return a;
}

const PAD = 'A'.repeat(70 * 1024);

test('protocol errors reply, then close the connection', async () => {
  const inputs = [
    '*3000000000\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n', '*1\r\nfoo\r\n',
    'set """test-key""" test-value\r\nping\r\n', '*1\r\n$4294967296\r\n', '*1\r\n$18446744073709551616\r\n',
    '*-0\r\n', '*+1\r\n', '*01\r\n', '* 1\r\n', '*1 \r\n', '*\r\n', '*1\r\n$\r\n', '*1\r\n$01\r\n', '*1\r\n$-0\r\n',
    '*1\r\n$ 1\r\n', '*1\r\n$+1\r\n', '*1\r\r\n$4\r\nPING\r\n', '*2\r\n$4\r\nECHO\r\n:3\r\n', '*1\r\n*1\r\n',
    'ECHO "abc"def\r\n', "ECHO 'it''s'\r\n", 'ECHO "unterminated\r\n', "ECHO 'x\r\n", '*2147483648\r\n',
    '*9223372036854775807\r\n', '*1\r\n$9223372036854775808\r\n',
  ];
  for (const input of inputs) {
    const r = await same([input]);
    assert.equal(r.closed, true, `closed after ${JSON.stringify(input)}`);
  }
});

test('well-formed odd requests', async () => {
  const inputs = [
    '\r\n', '\r\n\r\nPING\r\n', '*-10\r\nPING\r\n', '*0\r\n', '*-1\r\n', 'PING\n', '  PING  \r\n', '\tPING\t\n', 'PING\r\r\n',
    'ECHO "a\\x41\\n\\t\\r\\b\\a\\\\\\"q"\r\n', "ECHO 'a\\'b'\r\n", 'ECHO ""\r\n', "ECHO ''\r\n", 'ECHO "\\xZZ" x\r\n',
    'ECHO a"b c\r\n', 'echo   many   spaces   \r\n', '*1\r\n$4\r\nPINGxx', '*2\r\n$4\r\nECHO\r\n$3\r\na\x00c\r\n',
    '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n', '*3\r\n$4\r\nping\r\n$1\r\na\r\n$1\r\nb\r\n', 'nosuch arg1 arg2\r\n',
    `*3\r\n$6\r\nNOSUCH\r\n$200\r\n${'x'.repeat(200)}\r\n$3\r\nabc\r\n`, 'nosuch "a\r\nb"\r\n', '*1\r\n$0\r\n\r\n',
  ];
  for (const input of inputs) await same([input]);
});

test('requests split across writes at every byte', async () => {
  const req = '*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$3\r\nv\r\n\r\n*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\nPING x\r\n';
  for (let i = 1; i < req.length; i += 3) await same([req.slice(0, i), req.slice(i)]);
});

test('NUL bytes hide a header line end (Redis reads header lines as C strings)', async () => {
  // Nothing is answered until the unparsable line passes 64 KB; then the request is too big.
  for (const input of ['PI\x00NG\r\n', '*1\x00\r\n$4\r\nPING\r\n', '*1\r\n$4\x00\r\nPING\r\n', '*1\r\n\x00$4\r\nPING\r\n', '\x00', '*\x00', '$\x00']) {
    const r = await same([input + PAD], { sentinel: false });
    assert.equal(r.closed, true);
    assert.match(r.data, /^-ERR Protocol error: too big/);
  }
});

test('oversized inline requests and header lines', async () => {
  for (const input of [PAD, '*' + '1'.repeat(70000), '*1\r\n$' + '1'.repeat(70000), 'PING' + ' '.repeat(70000)]) {
    const r = await same([input], { sentinel: false });
    assert.equal(r.closed, true);
  }
});

test('POST and Host: close the connection without a reply, and are logged', async () => {
  for (const input of ['POST / HTTP/1.1\r\nHost: localhost\r\n\r\n', 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', 'post x\r\n', 'HOST: y\r\n']) {
    await same([input], { sentinel: false });
  }
  await logged(d.larder, /Possible SECURITY ATTACK detected/);
});

test('protocol errors are logged at verbose level with the client and the query buffer', async () => {
  await same(['*1\r\n$4294967296\r\n']);
  await logged(d.larder, /- Protocol error \(invalid bulk length\) from client: id=\d+ addr=127\.0\.0\.1:\d+ .* resp=2\. Query buffer during protocol error: '[^']*\$4294967296\.\.[^']*'/);
});

test('big arguments and many arguments', async () => {
  const [c, r] = await d.clients();
  try {
    for (const size of [16 * 1024, 32 * 1024 - 1, 32 * 1024, 64 * 1024 + 3, 1024 * 1024, 5 * 1024 * 1024]) {
      const value = Buffer.alloc(size, 'x');
      value[0] = 0;
      value[size - 1] = 10;
      for (const client of [c, r]) {
        assert.equal(await client.call('SET', 'big', value), 'OK');
        const got = await client.send('GET', 'big');
        assert.equal(got.raw.length, size + String(size).length + 5);
        assert.deepEqual(got.raw.subarray(got.raw.length - size - 2, got.raw.length - 2), value);
      }
    }
    const args = ['MSET'];
    for (let i = 0; i < 10000; i++) args.push(`k${i}`, 'v');
    args.push('{k}2', 'v2');
    for (const client of [c, r]) {
      assert.equal(await client.call(...args), 'OK');
      assert.equal(await client.call('GET', '{k}2'), 'v2');
      assert.equal(await client.call('FLUSHALL'), 'OK');
    }
    // An argument fed a few bytes at a time.
    const req = encodeCommand(['ECHO', 'y'.repeat(100000)]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < req.length; i += 7919) chunks.push(req.subarray(i, i + 7919));
    await same(chunks);
  } finally {
    c.close();
    r.close();
  }
});

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

test('a huge announced bulk length reserves no memory up front', async () => {
  const pid = d.larder.process.pid!;
  const before = rssKb(pid);
  const { default: net } = await import('node:net');
  const sockets = await Promise.all(Array.from({ length: 4 }, () => new Promise<import('node:net').Socket>((resolve) => {
    const s = net.connect(d.larder.port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {});
  })));
  // 512 MB (the largest allowed) announced, a little sent.
  for (const s of sockets) s.write('*2\r\n$4\r\nECHO\r\n$536870912\r\n' + 'z'.repeat(100000));
  const c = await d.larder.client();
  assert.equal(await c.call('PING'), 'PONG');
  assert.ok(rssKb(pid) - before < 64 * 1024, `RSS grew by ${rssKb(pid) - before} KB`);
  for (const s of sockets) s.destroy();
  c.close();
});

test('mutated requests get the same answers as from Redis (FUZZ_SEED replays)', async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`FUZZ_SEED=${seed}`);
  const random = rng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)];
  // Templates only use words that are either commands Larder has or no commands at all (mutated
  // headers turn requests into inline ones, word by word).
  const templates = [
    encodeCommand(['ECHO', 'hello']), encodeCommand(['GET', 'fz']), encodeCommand(['PING', 'a b']), encodeCommand(['MGET', 'a', 'b', 'c']),
    Buffer.from('ECHO "a\\x41 b" \'c d\'\r\n'), Buffer.from('PING\r\nECHO x\r\n'), encodeCommand(['EXISTS', 'a', 'b']),
    encodeCommand(['NOSUCH', 'arg']), Buffer.from('*2\r\n$4\r\nECHO\r\n$5\r\nab\r\nc\r\n'),
    encodeCommand(['CLIENT', 'SETNAME', 'x']), encodeCommand(['CLIENT', 'GETNAME']), encodeCommand(['HELLO', '3', 'SETNAME', 'a']),
    encodeCommand(['AUTH', 'x']), encodeCommand(['SELECT', '1']), encodeCommand(['CLIENT', 'NOSUCH']),
    Buffer.from('SET k "v\\x00w"\r\nGET k\r\n'),
  ];
  const special = [42, 36, 13, 10, 0, 45, 48, 57, 34, 39, 92, 32, 9];
  // Both servers start from the same (empty) data set.
  await Promise.all([exchange(d.larder.port, ['FLUSHALL\r\n']), exchange(d.redis.port, ['FLUSHALL\r\n'])]);
  for (let n = 0; n < 250; n++) {
    const b = Buffer.from(pick(templates));
    for (let e = 1 + int(3); e > 0; e--) {
      const at = int(b.length);
      b[at] = random() < 0.6 ? pick(special) : int(256);
    }
    const input = b.subarray(0, random() < 0.2 ? int(b.length) : b.length);
    const [x, y] = await Promise.all([
      exchange(d.larder.port, [input], { sentinel: false, end: true }),
      exchange(d.redis.port, [input], { sentinel: false, end: true }),
    ]);
    // HELLO (a mutated ECHO) replies with the connection id.
    const mask = (e: { data: string; closed: boolean }) => ({ ...e, data: e.data.replace(/(\$2\r\nid\r\n):\d+/g, '$1:?') });
    assert.deepEqual(mask(x), mask(y), `input ${JSON.stringify(input.latin1Slice(0, input.length))} (FUZZ_SEED=${seed})`);
  }
});
