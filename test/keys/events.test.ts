// Keyspace notifications and propagation of the keyspace commands, compared with real Redis:
// Redis's events come from a PSUBSCRIBE connection, its propagation from its replication stream
// (SYNC); Larder runs in process with its publish hook and propagators recorded. Expiry is made
// deterministic: Redis's active expiry is off (DEBUG SET-ACTIVE-EXPIRE 0) and Larder's clock is
// the test's.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';
import { LocalLarder } from './helpers.js';
import { ReplicationStream } from './replication-stream.js';

const FLAGS = 'KEAmn';
let redis: RunningServer;
let sub: RespClient;
let cmd: RespClient;
let repl: ReplicationStream;

before(async () => {
  redis = await startRedis({ args: ['--notify-keyspace-events', FLAGS] });
  sub = await redis.client();
  await sub.send('PSUBSCRIBE', '__key*__:*');
  cmd = await redis.client();
  await cmd.send('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  repl = await ReplicationStream.attach(redis.port);
});
after(async () => {
  sub.close();
  cmd.close();
  repl.close();
  await redis.stop();
});

/** A command, or a number of ms to let pass (real time for Redis, the test clock for Larder). */
type Step = (string | number)[] | number;

const END = '__end__';

/** Redis's events and propagated commands since the last call (until marker writes). */
async function redisRecords(): Promise<{ events: [string, string][]; propagated: string[][] }> {
  await cmd.send('SELECT', '0');
  await cmd.send('SET', END, '1');
  await cmd.send('DEL', END);
  await cmd.send('PUBLISH', `__keyevent@0__:${END}`, 'x');
  const events: [string, string][] = [];
  for (;;) {
    const r = (await sub.read()).decoded;
    if (r.type !== 'array' || r.value === null) continue;
    const [kind, , channel, message] = r.value.map((x) => (x.type === 'bulk' ? String(x.value) : ''));
    if (kind !== 'pmessage') continue;
    if (channel === `__keyevent@0__:${END}`) break;
    if (channel.endsWith(`:${END}`) || message === END) continue;
    events.push([channel, message]);
  }
  const propagated: string[][] = [];
  for (;;) {
    const batch = await repl.take(1);
    const i = batch.findIndex((c) => c[1] === 'DEL' && c[2] === END);
    const mine = (c: string[]) => c[2] !== END;
    if (i >= 0) {
      propagated.push(...batch.slice(0, i).filter(mine));
      repl.commands.unshift(...batch.slice(i + 1));
      break;
    }
    propagated.push(...batch.filter(mine));
    if (batch.length === 0) throw new Error('replication stream stalled');
  }
  return { events, propagated };
}

/** Absolute times near now differ between the two servers: replace them with a marker. */
function times(argv: string[]): string[] {
  const now = Date.now();
  return argv.map((a) => (/^\d{13}$/.test(a) && Math.abs(Number(a) - now) < 1e9 ? '<time>' : a));
}

async function compare(setup: Step[], script: Step[], opts: { sortEvents?: boolean; config?: [string, string] } = {}): Promise<void> {
  const local = new LocalLarder([['notify-keyspace-events', FLAGS], ...(opts.config ? [opts.config] : [])]);
  if (opts.config) await cmd.send('CONFIG', 'SET', ...opts.config);
  try {
    await compareWith(local, setup, script, opts);
  } finally {
    if (opts.config) await cmd.send('CONFIG', 'SET', opts.config[0], 'no');
  }
}

async function compareWith(local: LocalLarder, setup: Step[], script: Step[], opts: { sortEvents?: boolean }): Promise<void> {
  const runRedis = async (steps: Step[]) => {
    for (const s of steps) {
      if (typeof s === 'number') await new Promise((r) => setTimeout(r, s + 2));
      else await cmd.send(...s);
    }
  };
  const runLocal = (steps: Step[]) => {
    const replies: string[] = [];
    for (const s of steps) {
      if (typeof s === 'number') local.server.now += s + 2;
      else replies.push(local.run(...s));
    }
    return replies;
  };
  await cmd.send('FLUSHALL');
  await cmd.send('SELECT', '0');
  await runRedis(setup);
  await redisRecords();
  runLocal(setup);
  local.clearRecords();
  local.client.selectDb(0);
  await cmd.send('SELECT', '0');

  const mine = runLocal(script);
  const theirs: string[] = [];
  for (const s of script) {
    if (typeof s === 'number') await new Promise((r) => setTimeout(r, s + 2));
    else {
      const r = await cmd.send(...s);
      theirs.push(r.raw.latin1Slice(0, r.raw.length));
    }
  }
  await cmd.send('SELECT', '0');
  const records = await redisRecords();
  assert.deepEqual(mine, theirs, 'replies');
  const order = (e: [string, string][]) => (opts.sortEvents ? [...e].sort() : e);
  assert.deepEqual(order(local.published), order(records.events), 'keyspace notifications');
  const props = (p: string[][]) => (opts.sortEvents ? [...p].sort() : p).map(times);
  assert.deepEqual(props(local.propagated), props(records.propagated), 'propagated commands');
}

const FAR = '99999999999999';

test('DEL and UNLINK', async () => {
  await compare([['MSET', 'a', '1', 'b', '2', 'c', '3']], [['DEL', 'a', 'zz', 'a'], ['UNLINK', 'b', 'c'], ['DEL', 'missing']]);
});

test('EXPIRE family: PEXPIREAT propagation, DEL for past times, expire and persist events', async () => {
  await compare([['SET', 'k', 'v'], ['SET', 'p', 'v']], [
    ['EXPIRE', 'k', '100'], ['PEXPIRE', 'k', '100000'], ['EXPIREAT', 'k', '99999999999'], ['pexpireat', 'k', FAR],
    ['PEXPIREAT', 'k', FAR, 'NX'], ['expire', 'k', '100', 'xx', 'gt'], ['PEXPIREAT', 'k', '99999999999998', 'GT'],
    ['PERSIST', 'k'], ['PERSIST', 'k'], ['EXPIRE', 'k', '-1'], ['EXPIRE', 'missing', '10'],
    ['PEXPIREAT', 'p', '1', 'NX'], ['EXPIRE', 'k', 'bogus'],
  ]);
});

test('RENAME and RENAMENX', async () => {
  await compare([['SET', 'a', '1'], ['SET', 'b', '2'], ['PEXPIREAT', 'a', FAR], ['SET', 'd', '1']], [
    ['RENAME', 'a', 'b'], ['RENAMENX', 'b', 'c'], ['RENAMENX', 'c', 'd'], ['RENAME', 'c', 'c'], ['RENAME', 'zz', 'y'],
  ]);
});

test('COPY and MOVE', async () => {
  await compare([['SET', 'a', '1'], ['PEXPIREAT', 'a', FAR], ['SET', 'b', '2']], [
    ['COPY', 'a', 'b'], ['COPY', 'a', 'b', 'REPLACE'], ['COPY', 'a', 'x', 'DB', '1'], ['COPY', 'missing', 'y'],
    ['MOVE', 'a', '2'], ['MOVE', 'missing', '2'], ['MOVE', 'b', '1'], ['MOVE', 'x', '1'],
  ]);
});

test('FLUSHDB, FLUSHALL and SWAPDB are propagated even when nothing changes', async () => {
  await compare([['SET', 'a', '1'], ['SELECT', '1'], ['SET', 'b', '1'], ['SELECT', '0']], [
    ['SWAPDB', '0', '1'], ['SWAPDB', '1', '1'], ['FLUSHDB'], ['FLUSHDB', 'ASYNC'], ['SELECT', '1'], ['FLUSHALL'], ['FLUSHALL', 'SYNC'],
  ]);
});

test('keymiss events: read lookups, not OBJECT nor writes', async () => {
  await compare([['SET', 'k', 'v']], [
    ['EXISTS', 'm1', 'k'], ['TYPE', 'm2'], ['TTL', 'm3'], ['PTTL', 'm4'], ['EXPIRETIME', 'm5'], ['TOUCH', 'm6', 'k'],
    ['OBJECT', 'ENCODING', 'm7'], ['OBJECT', 'REFCOUNT', 'm8'], ['COPY', 'm9', 'x'], ['RENAME', 'm10', 'y'],
    ['DEL', 'm11'], ['PERSIST', 'm12'], ['EXPIRE', 'm13', '5'], ['MOVE', 'm14', '1'], ['SCAN', '0', 'TYPE', 'string'],
  ]);
});

test('lazy expiry: expired event and DEL, by every kind of lookup', async () => {
  const keys = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9', 'e10', 'e11', 'e12'];
  const setup: Step[] = [...keys.map((k) => ['SET', k, 'v', 'PX', '1']), 5];
  await compare(setup, [
    ['KEYS', '*'], ['DBSIZE'], ['EXISTS', 'e1'], ['TYPE', 'e2'], ['TTL', 'e3'], ['OBJECT', 'ENCODING', 'e4'],
    ['DEL', 'e5'], ['EXPIRE', 'e6', '100'], ['PERSIST', 'e7'], ['RENAME', 'e8', 'x'], ['COPY', 'e9', 'y'],
    ['MOVE', 'e10', '1'], ['TOUCH', 'e11'], ['PEXPIRETIME', 'e12'], ['DBSIZE'],
  ]);
});

test('lazy expiry through RANDOMKEY and SCAN', async () => {
  await compare([['SET', 'r', 'v', 'PX', '1'], 5], [['RANDOMKEY'], ['DBSIZE'], ['RANDOMKEY']]);
  await compare(
    [['SET', 's1', 'v', 'PX', '1'], ['SET', 's2', 'v', 'PX', '1'], ['SET', 's3', 'v', 'PX', '1'], ['SET', 'live', 'v'], 5],
    [['SCAN', '0', 'MATCH', 'live'], ['DBSIZE'], ['SCAN', '0', 'COUNT', '100'], ['DBSIZE']],
    { sortEvents: true },
  );
});

test('overwriting an expired key in another database', async () => {
  await compare([['SELECT', '1'], ['SET', 'k', 'old', 'PX', '1'], ['SELECT', '0'], ['SET', 'k', 'new'], 5], [
    ['MOVE', 'k', '1'], ['SELECT', '1'], ['GET', 'k'],
  ]);
  await compare([['SELECT', '1'], ['SET', 'k', 'old', 'PX', '1'], ['SELECT', '0'], ['SET', 'k', 'new'], 5], [
    ['COPY', 'k', 'k', 'DB', '1'], ['SELECT', '1'], ['GET', 'k'],
  ]);
});

test('with lazyfree-lazy-expire, expiries propagate as UNLINK', async () => {
  await compare([['SET', 'a', '1'], ['SET', 'b', '1', 'PX', '1'], 5], [['PEXPIREAT', 'a', '1'], ['GET', 'b']], { config: ['lazyfree-lazy-expire', 'yes'] });
});

test('keyspace hits and misses are counted by the same lookups as Redis', async () => {
  const script: (string | number)[][] = [
    ['SET', 'k', 'v'], ['SET', 'e', 'v', 'PX', '100000'],
    ['EXISTS', 'k', 'm'], ['TYPE', 'k'], ['TYPE', 'm'], ['TTL', 'k'], ['PTTL', 'm'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'm'],
    ['OBJECT', 'ENCODING', 'k'], ['OBJECT', 'REFCOUNT', 'm'], ['OBJECT', 'IDLETIME', 'k'], ['TOUCH', 'k', 'm'],
    ['COPY', 'k', 'c'], ['COPY', 'm', 'c2'], ['DEL', 'm', 'c'], ['EXPIRE', 'm', '5'], ['EXPIRE', 'k', '500'], ['PERSIST', 'k'],
    ['RENAME', 'k', 'r'], ['RENAME', 'm', 'x'], ['MOVE', 'r', '1'], ['MOVE', 'm', '1'], ['KEYS', '*'], ['RANDOMKEY'],
    ['SCAN', '0'], ['SCAN', '0', 'TYPE', 'string'], ['DBSIZE'],
  ];
  const stat = (info: string, name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)![1]);
  await cmd.send('FLUSHALL');
  await cmd.send('CONFIG', 'RESETSTAT');
  for (const c of script) await cmd.send(...c);
  const raw = (await cmd.send('INFO', 'stats')).decoded;
  assert.equal(raw.type, 'bulk');
  const text = (raw as { value: string }).value;
  const local = new LocalLarder();
  for (const c of script) local.run(...c);
  assert.deepEqual(
    [local.server.stats.keyspaceHits, local.server.stats.keyspaceMisses],
    [stat(text, 'keyspace_hits'), stat(text, 'keyspace_misses')],
  );
});
