// Fuzzing the connection layer: many connections send random bytes, mutated requests,
// truncated and oversized headers and abrupt disconnects, while a well-behaved client keeps
// running commands and checking every reply. The server must not crash, must keep answering
// the good client exactly, and must not keep any of the fuzzing connections afterwards.
// FUZZ_SEED=<n> replays a run.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startLarder, type RunningServer } from '../helpers/servers.js';
import { encodeCommand, type RespClient } from '../helpers/resp-client.js';
import { rng } from '../helpers/random.js';

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = rng(seed);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: T[]): T => xs[int(xs.length)];

function randomBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
}

/** Requests fuzzing connections start from (keys never collide with the good client's). */
const TEMPLATES: string[][] = [
  ['PING'], ['PING', 'x'], ['ECHO', 'hello'], ['SET', 'fz:a', 'v'], ['GET', 'fz:a'], ['MGET', 'fz:a', 'fz:b'], ['INCR', 'fz:n'],
  ['MSET', 'fz:a', '1', 'fz:b', '2'], ['DEL', 'fz:a'], ['HELLO', '3'], ['HELLO', '2'], ['CLIENT', 'INFO'], ['CLIENT', 'LIST'],
  ['CLIENT', 'SETNAME', 'fuzzer'], ['CLIENT', 'GETNAME'], ['CLIENT', 'ID'], ['COMMAND', 'INFO', 'get'], ['COMMAND', 'DOCS', 'set'],
  ['COMMAND', 'GETKEYS', 'MSET', 'a', 'b'], ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'c*'], ['NOSUCH', 'a'], ['GET'],
  ['EXISTS', 'fz:a', 'fz:b'], ['SELECT', '3'], ['SELECT', '99'], ['AUTH', 'x'], ['HELLO', '3', 'SETNAME', 'f z'],
];

function mutate(buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  const edits = 1 + int(4);
  for (let i = 0; i < edits && b.length > 0; i++) {
    switch (int(5)) {
      case 0: b[int(b.length)] = int(256); break;
      case 1: b[int(b.length)] = pick([42, 36, 13, 10, 0, 45, 48, 57, 34, 39, 92, 32]); break;
      case 2: return b.subarray(0, int(b.length));
      case 3: return Buffer.concat([b.subarray(0, int(b.length)), randomBytes(int(20)), b.subarray(int(b.length))]);
      default: {
        // Replace a length with an odd one.
        const s = b.latin1Slice(0, b.length).replace(/[*$]\d+/, (m) => m[0] + pick(['-1', '-0', '0', '99999999999', '2147483648', '4294967296', '', ' 1', '+1', '01']));
        return Buffer.from(s, 'latin1');
      }
    }
  }
  return b;
}

/** One piece of fuzzing input. */
function fuzzChunk(): Buffer {
  switch (int(8)) {
    case 0: return randomBytes(1 + int(200));
    case 1: return mutate(encodeCommand(pick(TEMPLATES)));
    case 2: return encodeCommand(pick(TEMPLATES));
    case 3: return Buffer.from(pick(TEMPLATES).map((a) => (random() < 0.3 ? `"${a}` : a)).join(pick([' ', '\t', '  '])) + pick(['\r\n', '\n', '', '\r']), 'latin1');
    case 4: return Buffer.from(pick(['*', '$', '*1\r\n$', '*2\r\n$3\r\nGET\r\n$']) + pick(['', '\x00', '-', '9'.repeat(int(30))]), 'latin1');
    case 5: return Buffer.concat(Array.from({ length: 1 + int(20) }, () => encodeCommand(pick(TEMPLATES))));
    case 6: return Buffer.from('*3\r\n$3\r\nSET\r\n$4\r\nfz:x\r\n$' + (20000 + int(50000)) + '\r\n' + 'y'.repeat(int(30000)), 'latin1');
    default: return mutate(Buffer.concat([encodeCommand(pick(TEMPLATES)), encodeCommand(pick(TEMPLATES))]));
  }
}

async function fuzzConnection(port: number): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('data', () => {});
  socket.on('error', () => {});
  await new Promise<void>((resolve) => {
    socket.once('connect', () => resolve());
    socket.once('close', () => resolve());
  });
  const chunks = 1 + int(12);
  for (let i = 0; i < chunks && !socket.destroyed; i++) {
    socket.write(fuzzChunk());
    if (random() < 0.5) await new Promise((r) => setTimeout(r, int(5)));
  }
  if (random() < 0.3) socket.destroy();
  else socket.end();
}

let server: RunningServer;
before(async () => {
  server = await startLarder({ args: ['--loglevel', 'verbose'] });
});
after(() => server.stop());

test(`random and malformed input from many connections never disturbs a well-behaved client (seed ${seed})`, async (t) => {
  t.diagnostic(`FUZZ_SEED=${seed}`);
  const good: RespClient = await server.client();
  let goodOps = 0;
  let fuzzing = true;
  const goodLoop = (async () => {
    let counter = 0;
    while (fuzzing || goodOps < 500) {
      const i = goodOps++;
      const value = randomBytes(int(64)).latin1Slice();
      assert.equal(await good.call('SET', `good:${i % 50}`, Buffer.from(value, 'latin1')), 'OK');
      assert.equal((await good.send('GET', `good:${i % 50}`)).raw.toString('latin1'), `$${value.length}\r\n${value}\r\n`);
      assert.equal(await good.call('INCR', 'good:counter'), ++counter);
      assert.equal(await good.call('ECHO', `e${i}`), `e${i}`);
    }
  })();
  const waves = 12;
  for (let w = 0; w < waves; w++) {
    await Promise.all(Array.from({ length: 25 }, () => fuzzConnection(server.port)));
  }
  fuzzing = false;
  await goodLoop;
  assert.equal(server.process.exitCode, null, 'the server is still running');
  assert.ok(goodOps >= 500);
  // Every fuzzing connection is gone; only the good client remains.
  const deadline = Date.now() + 10000;
  for (;;) {
    const list = ((await good.call('CLIENT', 'LIST')) as string).trim().split('\n');
    if (list.length === 1) break;
    if (Date.now() > deadline) assert.fail(`connections left behind:\n${list.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.doesNotMatch(server.output(), /Internal error/);
  good.close();
});
