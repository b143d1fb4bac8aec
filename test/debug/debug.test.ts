import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { Database, type DatabaseOwner } from '../../src/engine/database.js';
import { MutableString } from '../../src/types/value.js';
import { Digest } from '../../src/util/digest.js';
import { digestValue } from '../../src/commands/debug.js';
import { rdbStringValueLength, stringValueSize } from '../../src/types/sizes.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

const BIG = 'a'.repeat(100);
const DIGITS = Array.from({ length: 100 }, (_, i) => String(i + 1)).join('');
const BINARY = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0, 128]);

/** A mix of string values of every encoding. */
const POPULATE: (string | Buffer)[][] = [
  ['SET', 'foo', 'bar'], ['SET', 'n', '12345'], ['SET', 'e', '5'], ['SET', 'neg', '-1'], ['SET', 'x', '3000000000'],
  ['SET', 'big', BIG], ['SET', 'lng', DIGITS], ['SET', 'bin', BINARY], ['SET', 'empty', ''], ['SET', 'huge', '9223372036854775807'],
  ['SET', 'leading0', '0123'], ['SET', 'f', '1.5'], ['SET', 'ttl', 'v', 'EX', '1000'],
];

test('DEBUG DIGEST and DIGEST-VALUE compute Redis\'s digests of strings', async () => {
  await d.check([
    ['DEBUG', 'DIGEST'],
    ...POPULATE,
    ['DEBUG', 'DIGEST'],
    ['DEBUG', 'DIGEST-VALUE', 'foo', 'n', 'e', 'neg', 'x', 'big', 'lng', 'bin', 'empty', 'huge', 'leading0', 'f', 'ttl', 'nosuch'],
    ['DEBUG', 'DIGEST-VALUE'],
    ['SELECT', '5'], ['SET', 'foo', 'bar'], ['DEBUG', 'DIGEST'], ['SELECT', '0'], ['DEBUG', 'DIGEST'],
    ['DEBUG', 'DIGEST', 'extra'],
  ]);
});

test('DEBUG POPULATE creates the keys Redis creates', async () => {
  await d.check([
    ['DEBUG', 'POPULATE', '100'], ['DBSIZE'], ['DEBUG', 'DIGEST'],
    ['DEBUG', 'POPULATE', '10', 'pre'], ['DEBUG', 'DIGEST'],
    ['DEBUG', 'POPULATE', '10', 'sized', '3'], ['DEBUG', 'POPULATE', '10', 'padded', '20'], ['DEBUG', 'DIGEST'],
    ['GET', 'sized:7'], ['GET', 'padded:3'], ['GET', 'key:99'],
    ['SET', 'key:5', 'mine'], ['DEBUG', 'POPULATE', '10'], ['GET', 'key:5'],
    ['DEBUG', 'POPULATE', '-1'], ['DEBUG', 'POPULATE', 'x'], ['DEBUG', 'POPULATE', '1', 'p', '-1'], ['DEBUG', 'POPULATE', '1', 'p', '1', 'x'],
  ]);
});

test('DEBUG OBJECT reports Redis\'s encoding, refcount and serialized length', async () => {
  const hide = (_c: string[], raw: string) => raw.replace(/at:0x[0-9a-f]+/, 'at:?').replace(/ lru:\d+ lru_seconds_idle:\d+/, '');
  await d.check([
    ...POPULATE,
    ...['foo', 'n', 'e', 'neg', 'x', 'big', 'lng', 'bin', 'empty', 'huge', 'leading0', 'f', 'ttl', 'nosuch'].map((k) => ['DEBUG', 'OBJECT', k]),
    ['SET', 'r', 'x'.repeat(300)], ['DEBUG', 'OBJECT', 'r'], ['SET', 'r', 'xyz'.repeat(1000)], ['DEBUG', 'OBJECT', 'r'],
    ['CONFIG', 'SET', 'rdbcompression', 'no'], ['DEBUG', 'OBJECT', 'big'], ['CONFIG', 'SET', 'rdbcompression', 'yes'],
    ['DEBUG', 'OBJECT'], ['DEBUG', 'OBJECT', 'a', 'b'],
  ], { normalize: hide });
  // The same value keeps its address; INCR in place keeps it too.
  const [a] = await d.clients();
  try {
    await a.call('SET', 'k', '20000');
    const at = async () => String(await a.call('DEBUG', 'OBJECT', 'k')).split(' ')[1];
    const first = await at();
    assert.match(first, /^at:0x[0-9a-f]+$/);
    await a.call('INCR', 'k');
    assert.equal(await at(), first);
  } finally {
    a.close();
  }
});

test('MEMORY USAGE of strings matches Redis', async () => {
  await d.check([
    ...POPULATE,
    ...['foo', 'n', 'e', 'neg', 'x', 'big', 'lng', 'bin', 'empty', 'huge', 'leading0', 'f', 'ttl', 'nosuch'].map((k) => ['MEMORY', 'USAGE', k]),
    ['SET', 'a'.repeat(40), 'v'], ['MEMORY', 'USAGE', 'a'.repeat(40)],
    ['SET', 'r', 'x'.repeat(300)], ['MEMORY', 'USAGE', 'r'], ['SET', 'r', 'x'.repeat(70000)], ['MEMORY', 'USAGE', 'r'],
    ['MEMORY', 'USAGE', 'foo', 'SAMPLES', '0'], ['MEMORY', 'USAGE', 'foo', 'SAMPLES', '-1'], ['MEMORY', 'USAGE', 'foo', 'SAMPLES', 'x'],
    ['MEMORY', 'USAGE', 'foo', 'SAMPLES'], ['MEMORY', 'USAGE', 'foo', 'BAD'], ['MEMORY', 'USAGE'],
    ['MEMORY', 'NOSUCH'], ['MEMORY', 'STATS', 'x'], ['MEMORY', 'PURGE'],
  ]);
});

test('MEMORY STATS, DOCTOR, MALLOC-STATS and HELP answer in Redis\'s shapes', async () => {
  const [a, b] = await d.clients();
  try {
    for (const c of [a, b]) {
      await c.call('FLUSHALL');
      await c.call('SET', 'k', 'v');
    }
    const keys = (x: unknown) => (x as unknown[]).filter((_, i) => i % 2 === 0);
    const [sa, sb] = await Promise.all([a.call('MEMORY', 'STATS'), b.call('MEMORY', 'STATS')]);
    assert.deepEqual(keys(sa), keys(sb));
    const stats = sa as unknown[];
    assert.equal(stats[stats.indexOf('keys.count') + 1], 1);
    assert.ok((stats[stats.indexOf('total.allocated') + 1] as number) > 0);
    assert.ok(String(await a.call('MEMORY', 'DOCTOR')).length > 0);
    assert.ok(String(await a.call('MEMORY', 'MALLOC-STATS')).length > 0);
    const help = (await a.call('MEMORY', 'HELP')) as string[];
    assert.equal(help[0], 'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.ok(help.includes('USAGE <key> [SAMPLES <count>]'));
  } finally {
    a.close();
    b.close();
  }
});

test('DEBUG PROTOCOL replies exactly as Redis in RESP2', async () => {
  const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'STRING', 'nosuch'];
  await d.check([...types.map((t) => ['DEBUG', 'PROTOCOL', t]), ['PING']]);
});

test('DEBUG PROTOCOL replies exactly as Redis in RESP3', async () => {
  const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'verbatim', 'true', 'false'];
  await d.check(types.map((t) => ['DEBUG', 'PROTOCOL', t]), { resp: 3 });
  // attrib and push write two replies: compare the raw bytes that follow.
  const [a, b] = await d.clients();
  try {
    for (const c of [a, b]) await c.send('HELLO', '3');
    for (const type of ['attrib', 'push']) {
      const got: string[] = [];
      for (const c of [a, b]) {
        const first = await c.send('DEBUG', 'PROTOCOL', type);
        const second = first.decoded.type === 'attribute' || first.decoded.type === 'push' ? await c.read() : null;
        got.push(first.raw.toString('latin1') + (second ? second.raw.toString('latin1') : ''));
      }
      assert.equal(got[0], got[1], type);
    }
  } finally {
    a.close();
    b.close();
  }
});

test('DEBUG subcommands and their errors match Redis', async () => {
  await d.check([
    ['DEBUG'], ['DEBUG', 'NOSUCH'], ['DEBUG', 'SLEEP'], ['DEBUG', 'SLEEP', '0'], ['DEBUG', 'SLEEP', 'abc'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], ['DEBUG', 'SET-ACTIVE-EXPIRE'],
    ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb'],
    ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'abc'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '4gb'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1gb'],
    ['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'], ['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0'],
    ['DEBUG', 'LOG', 'hello from a test'], ['DEBUG', 'ERROR', 'MYERR something\r\nbad'], ['DEBUG', 'ERROR'],
    ['DEBUG', 'STRUCTSIZE'], ['DEBUG', 'CHANGE-REPL-ID'],
    ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0'], ['DEBUG', 'PAUSE-CRON', '1'], ['DEBUG', 'PAUSE-CRON', '0'],
    ['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'NEVER'], ['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'RESET'],
    ['DEBUG', 'REPLYBUFFER', 'RESIZING', '1'], ['DEBUG', 'REPLYBUFFER', 'BOGUS', '1'], ['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'x'],
    ['DEBUG', 'CLIENT-EVICTION'], ['DEBUG', 'CLUSTERLINK', 'KILL', 'all', 'x'], ['DEBUG', 'HTSTATS', '99'], ['DEBUG', 'HTSTATS', 'x'],
    ['DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '1'], ['DEBUG', 'SDSLEN', 'nosuch'], ['SET', 'n', '1'], ['DEBUG', 'SDSLEN', 'n'],
    ['DEBUG', 'LISTPACK', 'nosuch'], ['DEBUG', 'LISTPACK', 'n'], ['DEBUG', 'QUICKLIST', 'n'], ['DEBUG', 'HTSTATS-KEY', 'n'],
    ['DEBUG', 'LEAK', 'x'], ['DEBUG', 'AOF-FLUSH-SLEEP', '0'],
  ]);
  const [a] = await d.clients();
  try {
    const help = (await a.call('DEBUG', 'HELP')) as string[];
    assert.equal(help[0], 'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    for (const sub of ['DIGEST', 'DIGEST-VALUE <key> [<key> ...]', 'OBJECT <key>', 'SLEEP <seconds>', 'SET-ACTIVE-EXPIRE <0|1>', 'PROTOCOL <type>']) {
      assert.ok(help.includes(sub), sub);
    }
    assert.match(String(await a.call('DEBUG', 'HTSTATS', '0')), /^\[Dictionary HT\]\nHash table 0 stats \(main hash table\):\n/);
  } finally {
    a.close();
  }
});

test('DEBUG SLEEP stops the whole server, and SET-ACTIVE-EXPIRE 0 keeps expired keys stored', async () => {
  const [a, b] = await d.clients();
  try {
    const start = Date.now();
    const sleeping = a.call('DEBUG', 'SLEEP', '0.3');
    await new Promise((r) => setTimeout(r, 50));
    // Another client is served only once the sleep is over.
    const other = await d.larder.client();
    assert.equal(await other.call('PING'), 'PONG');
    assert.ok(Date.now() - start >= 290);
    assert.equal(await sleeping, 'OK');
    other.close();
    for (const c of [a, b]) {
      await c.call('FLUSHALL');
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await c.call('SET', 'k', 'v', 'PX', '1');
    }
    await new Promise((r) => setTimeout(r, 300));
    // The key is still counted (not expired in the background) until something looks it up.
    for (const c of [a, b]) assert.match(String(await c.call('INFO', 'keyspace')), /db0:keys=1,expires=1/);
    for (const c of [a, b]) {
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
  } finally {
    a.close();
    b.close();
  }
});

test('strings changed in place digest like their plain form, and size as raw strings', () => {
  const owner: DatabaseOwner = {
    now: Date.now(), expireKey: () => {}, keepExpiredKeys: false, expiryPaused: () => false, lfu: false, loading: false,
    accessStamp: () => undefined, storeStamp: () => 0, notifyFlags: 0, keyCreated: () => {},
  };
  const db = new Database(0, owner);
  const plain = new Digest();
  const mutable = new Digest();
  digestValue(db, 'k', 'hello world', plain);
  const m = MutableString.from('hello', 100);
  m.append(' world');
  digestValue(db, 'k', m, mutable);
  assert.equal(mutable.hex(), plain.hex());
  // A mutable string is raw: its allocation (with spare room) counts, and it serializes as bytes.
  assert.ok(stringValueSize(m) > stringValueSize('hello world'));
  assert.equal(rdbStringValueLength(m, true), 12);
  assert.equal(rdbStringValueLength(MutableString.from('123'), true), 2);
});

test('DEBUG PROTOCOL in RESP3 produces the bytes Redis 7.0.15 produces', async () => {
  // Recorded from redis-server 7.0.15 (HELLO 3, then DEBUG PROTOCOL of each type in order).
  const expected =
    '$11\r\nHello World\r\n:12345\r\n,3.141\r\n(1234567999999999999999999999999999999\r\n_\r\n*3\r\n:0\r\n:1\r\n:2\r\n~3\r\n:0\r\n:1\r\n:2\r\n' +
    '%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n' +
    '$39\r\nSome real reply following the attribute\r\n>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n' +
    '$40\r\nSome real reply following the push reply\r\n=29\r\ntxt:This is a verbatim\nstring\r\n#t\r\n#f\r\n';
  const { Server } = await import('../../src/server/server.js');
  const { Client } = await import('../../src/server/client.js');
  const { allFamilies } = await import('../../src/commands/index.js');
  const { processCommand } = await import('../../src/engine/dispatch.js');
  const { encodeReply } = await import('../../src/resp/encoder.js');
  const server = new Server();
  server.register(...allFamilies);
  server.config.set([['enable-debug-command', 'yes']], { startup: true });
  server.init();
  const socket = { remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2, writableLength: 0, destroyed: false, write: () => true };
  const c = new Client(server, 1, socket as never);
  c.resp = 3;
  let out = '';
  for (const t of ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false']) {
    const reply = processCommand(c, ['DEBUG', 'PROTOCOL', t]);
    out += c.out + encodeReply(reply, 3);
    c.out = '';
  }
  assert.equal(out, expected);
  await server.close();
});
