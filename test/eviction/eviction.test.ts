// maxmemory eviction, differential against Redis 7.0. Eviction is made deterministic by
// setting maxmemory to 1 byte (always over the limit, on both servers): every key the policy
// may evict goes, in the policy's order, since maxmemory-samples covers the whole (small)
// dataset and keys get distinct scores (TTLs, RESTORE IDLETIME/FREQ); with tenacity 100 one
// eviction run finishes the job. What is compared: the `evicted` keyspace events in order, the
// replies (OOM errors included) and the keys left.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import type { RespClient } from '../helpers/resp-client.js';
import type { RunningServer } from '../helpers/servers.js';
import { randomInt } from '../helpers/random.js';

type Command = (string | number | Buffer)[];

let d: Differential;
/** DUMP of a string value (the same payload works on both servers). */
let payload: Buffer;

before(async () => {
  d = await Differential.start();
  const r = await d.redis.client();
  await r.send('SET', 'tmp', 'value');
  const dump = await r.send('DUMP', 'tmp');
  const raw = dump.raw;
  // $<len>\r\n<bytes>\r\n
  const start = raw.indexOf('\r\n') + 2;
  payload = Buffer.from(raw.subarray(start, raw.length - 2));
  await r.send('DEL', 'tmp');
  r.close();
});
after(() => d.close());

interface Run {
  events: string[];
  replies: string[];
  keys: string[];
}

/** Reads pub/sub messages up to the `__done__` marker. */
async function eventsUntilDone(listener: RespClient): Promise<string[]> {
  const events: string[] = [];
  for (;;) {
    const r = await listener.read(5000);
    const items = (r.decoded as { value: { value: string }[] }).value.map((x) => x.value);
    if (items[0] === 'message' && items[1] === '__done__') return events;
    if (items[0] === 'pmessage') events.push(`${items[2]} ${items[3]}`);
  }
}

/**
 * Sets the policy, runs `setup`, sets maxmemory to 1 byte, runs `probe` (replies recorded),
 * lifts the limit and reports what was evicted and what is left in the databases `dbs`.
 */
async function evictionRun(server: RunningServer, policy: string, setup: Command[], probe: Command[], dbs = [0], config: [string, string][] = []): Promise<Run> {
  const c = await server.client();
  const listener = await server.client();
  try {
    await c.send('FLUSHALL');
    for (const [k, v] of [
      ['maxmemory', '0'], ['maxmemory-policy', policy], ['maxmemory-samples', '64'], ['maxmemory-eviction-tenacity', '100'],
      ['notify-keyspace-events', 'Ee'], ['lazyfree-lazy-eviction', 'no'], ...config,
    ]) {
      assert.equal((await c.call('CONFIG', 'SET', k, v)), 'OK');
    }
    await listener.send('PSUBSCRIBE', '__keyevent@*__:evicted');
    await listener.send('SUBSCRIBE', '__done__');
    for (const cmd of setup) await c.send(...cmd);
    await c.send('SELECT', 0);
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '1'), 'OK');
    const replies: string[] = [];
    for (const cmd of probe) {
      const r = await c.send(...cmd);
      replies.push(r.raw.latin1Slice(0, r.raw.length));
    }
    assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '0'), 'OK');
    const keys: string[] = [];
    for (const db of dbs) {
      await c.send('SELECT', db);
      const list = (await c.call('KEYS', '*')) as string[];
      for (const k of list.sort()) keys.push(`${db}:${k}`);
    }
    await c.send('SELECT', 0);
    await c.send('PUBLISH', '__done__', 'x');
    return { events: await eventsUntilDone(listener), replies, keys };
  } finally {
    await c.send('CONFIG', 'SET', 'maxmemory', '0');
    await c.send('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    c.close();
    listener.close();
  }
}

async function differential(policy: string, setup: Command[], probe: Command[], dbs = [0], config: [string, string][] = []): Promise<Run> {
  const [a, b] = await Promise.all([
    evictionRun(d.larder, policy, setup, probe, dbs, config),
    evictionRun(d.redis, policy, setup, probe, dbs, config),
  ]);
  assert.deepEqual(a, b, 'larder, then redis');
  return a;
}

/** Fisher-Yates with a fixed seed, so that insertion order isn't score order. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  const rand = randomInt(12345);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const OOM = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

test('volatile-ttl evicts keys by ascending TTL and never a persistent key', async () => {
  const setup: Command[] = shuffled([...Array(10).keys()]).map((i) => ['SET', `v${i}`, 'x', 'EX', String(1000 + i * 100)]);
  setup.push(['SET', 'p1', 'x'], ['SET', 'p2', 'x'], ['LPUSH', 'p3', 'a']);
  const r = await differential('volatile-ttl', setup, [['SET', 'probe', 'x'], ['GET', 'p1'], ['DBSIZE']]);
  assert.deepEqual(r.events, [...Array(10).keys()].map((i) => `__keyevent@0__:evicted v${i}`));
  assert.deepEqual(r.keys, ['0:p1', '0:p2', '0:p3']);
  assert.equal(r.replies[0], OOM);
});

test('volatile-lru evicts the idlest keys with a TTL first', async () => {
  const idle = shuffled([...Array(8).keys()]);
  const setup: Command[] = idle.map((i) => ['RESTORE', `v${i}`, '1000000', payload, 'IDLETIME', String(100 + i * 50)]);
  setup.push(['RESTORE', 'p1', '0', payload, 'IDLETIME', '100000'], ['SET', 'p2', 'x']);
  const r = await differential('volatile-lru', setup, [['SET', 'probe', 'x'], ['INCR', 'counter']]);
  assert.deepEqual(r.events, [7, 6, 5, 4, 3, 2, 1, 0].map((i) => `__keyevent@0__:evicted v${i}`));
  assert.deepEqual(r.keys, ['0:p1', '0:p2']);
});

test('allkeys-lru evicts every key, idlest first', async () => {
  const setup: Command[] = shuffled([...Array(10).keys()]).map((i) => ['RESTORE', `k${i}`, i % 3 === 0 ? '1000000' : '0', payload, 'IDLETIME', String(10 + i * 20)]);
  const r = await differential('allkeys-lru', setup, [['SET', 'probe', 'x'], ['GET', 'k1']]);
  assert.deepEqual(r.events, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((i) => `__keyevent@0__:evicted k${i}`));
  assert.deepEqual(r.keys, []);
});

test('allkeys-lfu and volatile-lfu evict the least frequently used first', async () => {
  const freq = shuffled([...Array(8).keys()]);
  const setup: Command[] = freq.map((i) => ['RESTORE', `f${i}`, i % 2 ? '1000000' : '0', payload, 'FREQ', String(10 + i * 20)]);
  const all = await differential('allkeys-lfu', setup, [['SET', 'probe', 'x']]);
  assert.deepEqual(all.events, [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `__keyevent@0__:evicted f${i}`));
  const volatile = await differential('volatile-lfu', setup, [['SET', 'probe', 'x']]);
  assert.deepEqual(volatile.events, [1, 3, 5, 7].map((i) => `__keyevent@0__:evicted f${i}`));
  assert.deepEqual(volatile.keys, ['0:f0', '0:f2', '0:f4', '0:f6']);
});

test('candidates come from every database', async () => {
  const setup: Command[] = [];
  for (const i of shuffled([...Array(9).keys()])) setup.push(['SELECT', i % 3], ['SET', `t${i}`, 'x', 'PX', String(500000 + i * 10000)]);
  setup.push(['SELECT', 1], ['SET', 'persistent', 'x']);
  const r = await differential('volatile-ttl', setup, [['SET', 'probe', 'x']], [0, 1, 2]);
  assert.deepEqual(r.events, [...Array(9).keys()].map((i) => `__keyevent@${i % 3}__:evicted t${i}`));
  assert.deepEqual(r.keys, ['1:persistent']);
});

// Random policies: which key goes when is random, but the set of evicted keys is not.
function sortedRun(r: Run): Run {
  return { ...r, events: [...r.events].sort() };
}

test('allkeys-random and volatile-random', async () => {
  const setup: Command[] = [];
  for (let i = 0; i < 12; i++) setup.push(i % 3 === 0 ? ['SET', `r${i}`, 'x'] : ['SET', `r${i}`, 'x', 'EX', '1000']);
  for (const policy of ['allkeys-random', 'volatile-random']) {
    const [a, b] = await Promise.all([
      evictionRun(d.larder, policy, setup, [['SET', 'probe', 'x'], ['DBSIZE']]),
      evictionRun(d.redis, policy, setup, [['SET', 'probe', 'x'], ['DBSIZE']]),
    ]);
    assert.deepEqual(sortedRun(a), sortedRun(b), policy);
    assert.equal(a.events.length, policy === 'allkeys-random' ? 12 : 8);
  }
});

test('noeviction: nothing is evicted, denyoom commands fail', async () => {
  const setup: Command[] = [['SET', 'a', '1'], ['SET', 'b', '2', 'EX', '100'], ['RPUSH', 'l', 'x']];
  const probe: Command[] = [
    ['SET', 'c', '1'], ['INCR', 'a'], ['APPEND', 'a', 'x'], ['RPUSH', 'l', 'y'], ['SADD', 's', 'm'], ['HSET', 'h', 'f', 'v'],
    ['ZADD', 'z', '1', 'm'], ['PFADD', 'hll', 'x'], ['SETBIT', 'bits', '1', '1'], ['RESTORE', 'r', '0', payload], ['COPY', 'a', 'a2'],
    ['SETRANGE', 'a', '0', 'x'], ['LINSERT', 'l', 'BEFORE', 'x', 'y'], ['GETSET', 'a', 'x'], ['MSET', 'x', '1'],
    // Not denyoom: they run.
    ['GET', 'a'], ['DEL', 'b'], ['LPOP', 'l'], ['EXPIRE', 'a', '100'], ['PERSIST', 'a'], ['RENAME', 'a', 'a3'], ['DBSIZE'],
    ['PING'], ['ECHO', 'x'], ['CONFIG', 'GET', 'maxmemory'], ['EXISTS', 'a3'], ['TYPE', 'a3'],
  ];
  const r = await differential('noeviction', setup, probe);
  assert.deepEqual(r.events, []);
  assert.equal(r.replies[0], OOM);
  assert.equal(r.replies.filter((x) => x === OOM).length, 15);
});

test('transactions: queueing is refused while out of memory, EXEC of a denyoom transaction too', async () => {
  const probe: Command[] = [
    // MULTI itself runs; then any queued command is refused, and EXEC aborts.
    ['MULTI'], ['GET', 'a'], ['PING'], ['EXEC'],
    ['MULTI'], ['SET', 'a', '2'], ['DISCARD'],
    ['MULTI'], ['RESET'], ['GET', 'a'],
  ];
  const r = await differential('noeviction', [['SET', 'a', '1']], probe);
  assert.equal(r.replies[1], OOM);
  assert.match(r.replies[3], /^-EXECABORT/);
});

/** Runs a MULTI on one client while another sets maxmemory (as Redis's multi.tcl does). */
async function execUnderOom(server: RunningServer, queued: Command[]): Promise<string[]> {
  const a = await server.client();
  const b = await server.client();
  try {
    await a.send('FLUSHALL');
    await a.send('SET', 'x', 'value');
    await a.send('MULTI');
    const out: string[] = [];
    for (const cmd of queued) out.push((await a.send(...cmd)).raw.toString('latin1'));
    await b.send('CONFIG', 'SET', 'maxmemory', '1');
    out.push((await a.send('EXEC')).raw.toString('latin1'));
    await b.send('CONFIG', 'SET', 'maxmemory', '0');
    out.push((await a.send('GET', 'x')).raw.toString('latin1'));
    return out;
  } finally {
    await b.send('CONFIG', 'SET', 'maxmemory', '0');
    a.close();
    b.close();
  }
}

test('EXEC under OOM: refused when a queued command is denyoom, run when all are reads', async () => {
  for (const queued of [[['GET', 'x'], ['PING']], [['SET', 'x', '1'], ['GET', 'x']], [['INCR', 'n']], [['DEL', 'x']]] as Command[][]) {
    const [a, b] = await Promise.all([execUnderOom(d.larder, queued), execUnderOom(d.redis, queued)]);
    assert.deepEqual(a, b, JSON.stringify(queued));
  }
});

/** WATCH, then another client causes the watched key's eviction; EXEC must fail. */
async function watchEvicted(server: RunningServer): Promise<string[]> {
  const a = await server.client();
  const b = await server.client();
  try {
    await a.send('FLUSHALL');
    await b.send('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
    await a.send('SET', 'k', 'v');
    const out = [(await a.send('WATCH', 'k')).raw.toString('latin1')];
    await b.send('CONFIG', 'SET', 'maxmemory', '1');
    out.push((await b.send('DBSIZE')).raw.toString('latin1'));
    await b.send('CONFIG', 'SET', 'maxmemory', '0');
    for (const cmd of [['MULTI'], ['SET', 'other', 'x'], ['EXEC'], ['EXISTS', 'other']]) out.push((await a.send(...cmd)).raw.toString('latin1'));
    return out;
  } finally {
    await b.send('CONFIG', 'SET', 'maxmemory', '0');
    await b.send('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    a.close();
    b.close();
  }
}

test('WATCH is broken by the eviction of a watched key', async () => {
  const [a, b] = await Promise.all([watchEvicted(d.larder), watchEvicted(d.redis)]);
  assert.deepEqual(a, b);
  assert.equal(a[1], ':0\r\n');
  assert.equal(a[4], '*-1\r\n');
});

test('CONFIG SET maxmemory evicts without waiting for another command', async () => {
  for (const server of [d.larder, d.redis]) {
    const c = await server.client();
    const listener = await server.client();
    try {
      await c.send('FLUSHALL');
      await c.send('CONFIG', 'SET', 'notify-keyspace-events', 'Ee');
      await c.send('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await listener.send('PSUBSCRIBE', '*');
      await c.send('SET', 'foo', 'bar');
      await c.send('CONFIG', 'SET', 'maxmemory', '1');
      const r = await listener.read(5000);
      assert.deepEqual((r.decoded as { value: { value: string }[] }).value.map((x) => x.value), ['pmessage', '*', '__keyevent@0__:evicted', 'foo']);
    } finally {
      await c.send('CONFIG', 'SET', 'maxmemory', '0');
      await c.send('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      c.close();
      listener.close();
    }
  }
});

test('no eviction while clients are paused', async () => {
  // The limit is set while clients are paused: the keys stay until the pause ends.
  const setup: Command[] = [['SET', 'k', 'v'], ['SET', 'j', 'w'], ['CLIENT', 'PAUSE', '100000', 'WRITE']];
  const probe: Command[] = [['GET', 'k'], ['DBSIZE'], ['CLIENT', 'UNPAUSE'], ['DBSIZE'], ['GET', 'k']];
  const [a, b] = await Promise.all([
    evictionRun(d.larder, 'allkeys-random', setup, probe),
    evictionRun(d.redis, 'allkeys-random', setup, probe),
  ]);
  assert.deepEqual(sortedRun(a), sortedRun(b));
  assert.deepEqual(a.replies, ['$1\r\nv\r\n', ':2\r\n', '+OK\r\n', ':0\r\n', '$-1\r\n']);
  assert.equal(a.events.length, 2);
});

test('INFO: evicted_keys, maxmemory fields', async () => {
  const fields = async (server: RunningServer): Promise<string[]> => {
    const c = await server.client();
    try {
      await c.send('FLUSHALL');
      await c.send('CONFIG', 'RESETSTAT');
      const out: string[] = [];
      const grab = async (names: string[]) => {
        const text = (await c.call('INFO')) as string;
        for (const n of names) out.push(`${n}:${new RegExp(`^${n}:(.*)\r$`, 'm').exec(text)?.[1]}`);
      };
      for (const size of ['1000', '1mb', '3gb', '1500kb']) {
        await c.send('CONFIG', 'SET', 'maxmemory', size);
        await c.send('CONFIG', 'SET', 'maxmemory', '0');
      }
      for (let i = 0; i < 5; i++) await c.send('SET', `k${i}`, 'v');
      await c.send('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lfu');
      await grab(['maxmemory', 'maxmemory_human', 'maxmemory_policy', 'evicted_keys', 'mem_not_counted_for_evict']);
      await c.send('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
      await c.send('CONFIG', 'SET', 'maxmemory', '1');
      await c.send('PING');
      await c.send('CONFIG', 'SET', 'maxmemory', '0');
      await grab(['evicted_keys', 'evicted_clients', 'maxmemory_human']);
      await c.send('CONFIG', 'SET', 'maxmemory', '3gb');
      await grab(['maxmemory', 'maxmemory_human']);
      await c.send('CONFIG', 'SET', 'maxmemory', '1536kb');
      await grab(['maxmemory_human']);
      return out;
    } finally {
      await c.send('CONFIG', 'SET', 'maxmemory', '0');
      await c.send('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      c.close();
    }
  };
  const [a, b] = await Promise.all([fields(d.larder), fields(d.redis)]);
  assert.deepEqual(a, b);
  assert.ok(a.includes('evicted_keys:5'));
});
