// The RDB and DUMP codecs of every value type against real Redis 7.0, in-process: a dataset
// built in redis-server (all types, all encodings) is saved by Redis, loaded by Larder's RDB
// reader, written back by Larder's writer and loaded by a second redis-server (same digest,
// redis-check-rdb happy). DUMP payloads go both ways too. Lists, sets, hashes and sorted
// sets are Larder's real types (their content, OBJECT ENCODING and DEBUG DIGEST-VALUE are
// compared with Redis's); streams use the stand-in of generic-types.ts (Larder has no stream
// type yet).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Server } from '../../src/server/server.js';
import { RdbReader } from '../../src/persistence/rdb/reader.js';
import { RdbWriter } from '../../src/persistence/rdb/writer.js';
import { loadRdb, RdbEmitter } from '../../src/persistence/rdb/file.js';
import { Snapshot } from '../../src/persistence/snapshot.js';
import { dumpPayload, restoreValue, verifyPayload } from '../../src/commands/dump.js';
import { encodingOf, MutableString, type Value } from '../../src/types/value.js';
import { ListValue } from '../../src/types/list.js';
import { SetValue } from '../../src/types/set.js';
import { HashValue } from '../../src/types/hash.js';
import { ZSet } from '../../src/types/zset.js';
import { formatDouble } from '../../src/util/numbers.js';
import { Digest } from '../../src/util/digest.js';
import { digestValue } from '../../src/commands/debug.js';
import { registerValueTypes } from '../../src/persistence/value-types.js';
import { startRedis, type RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';
import { registerStreamStandIn, TStream } from './generic-types.js';

registerValueTypes();
registerStreamStandIn();

let redis: RunningServer;
let r: RespClient;

const inProcess: Server[] = [];

function inProcessServer(): Server {
  const server = new Server();
  server.config.set([['loglevel', 'warning']], { startup: true });
  server.init();
  inProcess.push(server);
  return server;
}

/** Builds a dataset with every type and encoding in Redis. */
async function populate(c: RespClient): Promise<void> {
  const cmds: (string | number)[][] = [
    ['SET', 'str', 'hello'], ['SET', 'int', '12345'], ['SET', 'negint', '-7'], ['SET', 'bigint', '12345678901234'],
    ['SET', 'int32', '2147483647'], ['SET', 'notint', '007'], ['SET', 'empty', ''],
    ['SET', 'compressible', 'a'.repeat(500)], ['SET', 'binary', '\x00\xff\r\n\x7f bytes'],
    ['SET', 'ttl', 'v'], ['PEXPIREAT', 'ttl', '4102444800000'],
    ['RPUSH', 'l-small', 'a', '1', '-2', '300000', '5000000000', 'x'.repeat(100)],
    ['SADD', 's-intset', '1', '2', '3', '-5', '5000000000'],
    ['SADD', 's-strings', 'a', 'b', 'c', '1'],
    ['ZADD', 'z-small', '1', 'one', '1.5', 'onehalf', '-inf', 'neg', 'inf', 'pos', '1e300', 'huge', '0.1', 'tenth'],
    ['HSET', 'h-small', 'f1', 'v1', 'f2', '2', 'f3', ''],
    ['HSET', 'h-longval', 'f', 'y'.repeat(100)],
    ['XADD', 'x1', '1-1', 'a', '1', 'b', '2'], ['XADD', 'x1', '1-2', 'a', '3', 'b', '4'], ['XADD', 'x1', '2-0', 'c', '5'],
    ['XADD', 'x1', '3-0', 'a', '6', 'b', '7'], ['XDEL', 'x1', '1-2'],
    ['XGROUP', 'CREATE', 'x1', 'g1', '0'], ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '2', 'STREAMS', 'x1', '>'],
    ['XGROUP', 'CREATECONSUMER', 'x1', 'g1', 'bob'], ['XGROUP', 'CREATE', 'x1', 'g2', '$'],
    ['XADD', 'x-empty', '5-5', 'f', 'v'], ['XDEL', 'x-empty', '5-5'],
    ['SELECT', '3'], ['SET', 'in-db3', 'yes'], ['SELECT', '0'],
  ];
  for (const cmd of cmds) {
    const rep = await c.send(...cmd);
    if (rep.decoded.type === 'error') assert.fail(`${cmd.join(' ')}: ${rep.decoded.value}`);
  }
  // Big values: many list nodes, hashtable encodings.
  const big: string[] = [];
  for (let i = 0; i < 3000; i++) big.push(i % 7 === 0 ? String(i * 1000) : `item-${i}-${'z'.repeat(i % 50)}`);
  await c.send('RPUSH', 'l-big', ...big);
  await c.send('RPUSH', 'l-bigelem', 'small', 'B'.repeat(20_000), 'small2');
  await c.send('SADD', 's-bigints', ...Array.from({ length: 600 }, (_, i) => String(i * 3)));
  await c.send('ZADD', 'z-big', ...Array.from({ length: 300 }, (_, i) => [String(i / 7), `m${i}`]).flat());
  await c.send('HSET', 'h-big', ...Array.from({ length: 600 }, (_, i) => [`field${i}`, `value${i}`]).flat());
  const xs: string[] = [];
  for (let i = 0; i < 250; i++) {
    const args = i % 3 === 0 ? ['other', String(i)] : ['a', String(i), 'b', 'x'.repeat(i % 20)];
    await c.send('XADD', 'x-big', `${10 + i}-${i % 4}`, ...args);
    xs.push(String(i));
  }
}

before(async () => {
  redis = await startRedis();
  r = await redis.client();
  await populate(r);
});
after(async () => {
  r.close();
  await redis.stop();
  for (const s of inProcess) await s.close();
});

async function keysOf(c: RespClient, db: number): Promise<string[]> {
  await c.send('SELECT', db);
  const ks = (await c.call('KEYS', '*')) as string[];
  return ks.sort();
}

/** A value as plain data, from Redis. */
async function describeRemote(c: RespClient, key: string): Promise<unknown> {
  const type = (await c.send('TYPE', key)).decoded;
  const t = (type as { value: string }).value;
  switch (t) {
    case 'string':
      return ['string', await c.call('GET', key)];
    case 'list':
      return ['list', await c.call('LRANGE', key, 0, -1)];
    case 'set':
      return ['set', ((await c.call('SMEMBERS', key)) as string[]).sort()];
    case 'zset': {
      const flat = (await c.call('ZRANGE', key, 0, -1, 'WITHSCORES')) as string[];
      const out: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
      return ['zset', out.sort((a, b) => (a[0] < b[0] ? -1 : 1))];
    }
    case 'hash': {
      const flat = (await c.call('HGETALL', key)) as string[];
      const out: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
      return ['hash', out.sort((a, b) => (a[0] < b[0] ? -1 : 1))];
    }
    case 'stream': {
      const entries = (await c.call('XRANGE', key, '-', '+')) as [string, string[]][];
      const info = (await c.call('XINFO', 'STREAM', key)) as unknown[];
      const get = (name: string) => info[info.indexOf(name) + 1];
      const groups = (await c.call('XINFO', 'GROUPS', key)) as unknown[][];
      const gs = [];
      for (const g of groups) {
        const name = g[g.indexOf('name') + 1] as string;
        const consumers = ((await c.call('XINFO', 'CONSUMERS', key, name)) as unknown[][]).map((x) => [x[1], x[3]]);
        const pending = ((await c.call('XPENDING', key, name, '-', '+', 100)) as unknown[][]).map((p) => [p[0], p[1], p[3]]);
        gs.push([name, g[g.indexOf('last-delivered-id') + 1], g[g.indexOf('entries-read') + 1], consumers, pending]);
      }
      return ['stream', entries, get('last-generated-id'), get('max-deleted-entry-id'), get('entries-added'), get('recorded-first-entry-id'), gs];
    }
  }
  return ['?', t];
}

const idText = (id: { ms: bigint; seq: bigint }) => `${id.ms}-${id.seq}`;

/** The same description of a value loaded in-process. */
function describeLocal(v: Value): unknown {
  if (typeof v === 'string') return ['string', v];
  if (v instanceof MutableString) return ['string', v.toString()];
  if (v instanceof ListValue) return ['list', [...v.values()]];
  if (v instanceof SetValue) return ['set', v.toArray().sort()];
  if (v instanceof ZSet) {
    const pairs: [string, string][] = [];
    v.walk(0, v.size, false, (m, s) => void pairs.push([m, formatDouble(s)]));
    return ['zset', pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1))];
  }
  if (v instanceof HashValue) return ['hash', [...v.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))];
  if (v instanceof TStream) {
    const d = v.data;
    const owners = new Map<string, string>();
    return ['stream', d.entries.map((e) => [idText(e.id), e.fields]), idText(d.lastId), idText(d.maxDeletedId), Number(d.entriesAdded),
      idText(d.firstId),
      d.groups.map((g) => {
        for (const c of g.consumers) for (const id of c.pending) owners.set(idText(id), c.name);
        return [g.name, idText(g.lastId), g.entriesRead < 0n ? null : Number(g.entriesRead),
          g.consumers.map((c) => [c.name, c.pending.length]).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
          g.pel.map((n) => [idText(n.id), owners.get(idText(n.id)), n.deliveryCount])];
      })];
  }
  return ['?'];
}

async function compareWithRedis(server: Server, c: RespClient): Promise<void> {
  for (const dbIndex of [0, 3]) {
    const remoteKeys = await keysOf(c, dbIndex);
    const db = server.dbs[dbIndex];
    assert.deepEqual([...db.keys.keys()].sort(), remoteKeys, `keys of db ${dbIndex}`);
    for (const key of remoteKeys) {
      const value = db.keys.get(key)!;
      const local = describeLocal(value);
      assert.deepEqual(local, await describeRemote(c, key), `value of ${key}`);
      if (!(value instanceof TStream)) {
        // Same DEBUG DIGEST-VALUE, and the encoding Redis gives the value after loading it.
        const d = new Digest();
        digestValue(db, key, value, d);
        assert.equal(d.hex(), ((await c.call('DEBUG', 'DIGEST-VALUE', key)) as string[])[0], `digest of ${key}`);
        if (typeof value !== 'string' && !(value instanceof MutableString)) {
          assert.equal(encodingOf(value), await c.call('OBJECT', 'ENCODING', key), `encoding of ${key}`);
        }
      }
      const pttl = (await c.call('PEXPIRETIME', key)) as number;
      const at = db.expires.get(key);
      assert.equal(at === undefined ? -1 : Number(at), pttl, `expiry of ${key}`);
    }
  }
  await c.send('SELECT', 0);
}

function saveInProcess(server: Server): Buffer {
  const w = new RdbWriter(null, { compression: true, checksum: true });
  const emitter = new RdbEmitter(w, server);
  new Snapshot(server, emitter, { needStamp: emitter.needStamp }).runToEnd();
  return Buffer.from(w.toBuffer());
}

test('an RDB written by Redis loads with every value intact, and Larder writes it back for Redis', async () => {
  await r.send('SAVE');
  const file = fs.readFileSync(path.join(redis.dir, 'dump.rdb'));
  const server = inProcessServer();
  const result = loadRdb(server, new RdbReader(file));
  assert.equal(result.version, 10);
  await compareWithRedis(server, r);

  // Larder's file: valid for redis-check-rdb, and the same dataset in a second Redis.
  const ours = saveInProcess(server);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larder-rdb-'));
  fs.writeFileSync(path.join(dir, 'dump.rdb'), ours);
  const check = execFileSync('redis-check-rdb', [path.join(dir, 'dump.rdb')], { encoding: 'utf8' });
  assert.match(check, /RDB looks OK/);
  const redis2 = await startRedis({ dir });
  try {
    const c2 = await redis2.client();
    assert.deepEqual(await c2.call('DEBUG', 'DIGEST'), await r.call('DEBUG', 'DIGEST'));
    await compareWithRedis(server, c2);
    c2.close();
  } finally {
    await redis2.stop();
  }

  // And Larder reads its own file back identically.
  const again = inProcessServer();
  loadRdb(again, new RdbReader(ours));
  await compareWithRedis(again, r);
});

test('DUMP payloads of every type go both ways', async () => {
  await r.send('SELECT', 0);
  const server = inProcessServer();
  const keys = await keysOf(r, 0);
  for (const key of keys) {
    const payload = (await r.send('DUMP', key)).raw;
    // The raw reply is "$<len>\r\n<payload>\r\n".
    const start = payload.indexOf('\r\n') + 2;
    const bytes = Buffer.from(payload.subarray(start, payload.length - 2));
    assert.ok(verifyPayload(bytes), key);
    const value = restoreValue(server, bytes);
    assert.ok(value !== undefined, `restore ${key}`);
    assert.deepEqual(describeLocal(value), await describeRemote(r, key), `DUMP of ${key} from Redis`);
    const ours = dumpPayload(server, value);
    const rep = await r.send('RESTORE', `copy-${key}`, '0', ours);
    if (rep.decoded.type !== 'simple') assert.fail(`RESTORE of ${key}: ${rep.raw.toString()}`);
    assert.deepEqual(await describeRemote(r, `copy-${key}`), await describeRemote(r, key), `Larder's DUMP of ${key} in Redis`);
    await r.send('DEL', `copy-${key}`);
  }
});

test('RDB version 9 encodings (ziplists, zipmap, old quicklist) load', async () => {
  const { ziplistOf } = await import('../../src/persistence/codecs/ziplist.js');
  const { zipmapOf } = await import('../../src/persistence/codecs/zipmap.js');
  // Hand-built file: REDIS0009, one key per old encoding.
  const w = new RdbWriter(null, { compression: false, checksum: true });
  w.rawString('REDIS0009');
  w.byte(0xfe);
  w.len(0);
  const key = (type: number, name: string) => {
    w.byte(type);
    w.string(name);
  };
  key(10, 'list-ziplist');
  w.bytes(ziplistOf(['a', '1', '-300', 'b'.repeat(300)]));
  key(14, 'list-quicklist');
  w.len(2);
  w.bytes(ziplistOf(['x', 'y']));
  w.bytes(ziplistOf(['z', '42']));
  key(12, 'zset-ziplist');
  w.bytes(ziplistOf(['m1', '1.5', 'm2', '2', 'm3', 'inf']));
  key(13, 'hash-ziplist');
  w.bytes(ziplistOf(['f1', 'v1', 'f2', '99']));
  key(9, 'hash-zipmap');
  w.bytes(zipmapOf([['k', 'v'], ['k2', 'v2']]));
  key(3, 'zset-text');
  w.len(2);
  w.string('a');
  w.byte(3);
  w.rawString('1.5');
  w.string('b');
  w.byte(254);
  key(1, 'list-plain');
  w.len(2);
  w.string('p');
  w.string('q');
  w.byte(0xfd); // EXPIRETIME (seconds)
  w.buf.writeInt32LE(2000000000, w.pos);
  w.pos += 4;
  key(0, 'old-expire');
  w.string('v');
  w.byte(0xff);
  const crc = w.checksum()!;
  w.raw(crc.bytes());
  const server = inProcessServer();
  const res = loadRdb(server, new RdbReader(Buffer.from(w.toBuffer())));
  assert.equal(res.keysLoaded, 8);
  const db = server.dbs[0];
  assert.deepEqual(describeLocal(db.keys.get('list-ziplist')!), ['list', ['a', '1', '-300', 'b'.repeat(300)]]);
  assert.deepEqual(describeLocal(db.keys.get('list-quicklist')!), ['list', ['x', 'y', 'z', '42']]);
  assert.deepEqual(describeLocal(db.keys.get('zset-ziplist')!), ['zset', [['m1', '1.5'], ['m2', '2'], ['m3', 'inf']]]);
  assert.deepEqual(describeLocal(db.keys.get('hash-ziplist')!), ['hash', [['f1', 'v1'], ['f2', '99']]]);
  assert.deepEqual(describeLocal(db.keys.get('hash-zipmap')!), ['hash', [['k', 'v'], ['k2', 'v2']]]);
  assert.deepEqual(describeLocal(db.keys.get('zset-text')!), ['zset', [['a', '1.5'], ['b', 'inf']]]);
  assert.deepEqual(describeLocal(db.keys.get('list-plain')!), ['list', ['p', 'q']]);
  assert.equal(db.expires.get('old-expire'), 2000000000000);
});

test('Redis 7.2 encodings (set listpack, stream listpacks 3) load', async () => {
  const { listpackOf, ListpackBuilder } = await import('../../src/persistence/codecs/listpack.js');
  const w = new RdbWriter(null, { compression: false, checksum: true });
  w.rawString('REDIS0011');
  w.byte(20);
  w.string('set-lp');
  w.bytes(listpackOf(['a', '1', 'b']));
  // A stream with one node, one group with a consumer holding one pending entry.
  w.byte(21);
  w.string('stream3');
  w.len(1);
  const key = Buffer.alloc(16);
  key.writeBigUInt64BE(7n, 0);
  key.writeBigUInt64BE(0n, 8);
  w.bytes(key);
  const lp = new ListpackBuilder();
  lp.appendInt(1).appendInt(0).appendInt(1).append('f').appendInt(0);
  lp.appendInt(2).appendInt(0).appendInt(0).append('v').appendInt(4);
  w.bytes(lp.finish());
  for (const n of [1, 7, 0, 7, 0, 0, 0, 1]) w.len(n); // length, last id, first id, max deleted, entries added
  w.len(1);
  w.string('grp');
  w.len(7);
  w.len(0);
  w.len(1); // entries read
  w.len(1); // PEL
  w.raw(key);
  w.millis(1700000000000);
  w.len(3);
  w.len(1); // consumers
  w.string('c1');
  w.millis(1700000000001); // seen
  w.millis(1700000000002); // active (7.2)
  w.len(1);
  w.raw(key);
  w.byte(0xff);
  w.raw(w.checksum()!.bytes());
  const server = inProcessServer();
  loadRdb(server, new RdbReader(Buffer.from(w.toBuffer())));
  const db = server.dbs[0];
  assert.deepEqual(describeLocal(db.keys.get('set-lp')!), ['set', ['1', 'a', 'b']]);
  const s = db.keys.get('stream3') as TStream;
  assert.deepEqual(s.data.entries, [{ id: { ms: 7n, seq: 0n }, fields: ['f', 'v'] }]);
  assert.equal(s.data.groups[0].consumers[0].activeTime, 1700000000002);
  assert.equal(s.data.groups[0].pel[0].deliveryCount, 3);
});

test('duplicate keys in an RDB are fatal (fast and general paths), or replace with MERGE', async () => {
  const { RdbFatalError } = await import('../../src/persistence/rdb/file.js');
  for (const value of ['plain', '12345', 'x'.repeat(300)]) {
    const w = new RdbWriter(null, { compression: true, checksum: true });
    w.rawString('REDIS0010');
    for (const v of ['first', value]) {
      w.byte(0);
      w.string('dup');
      w.string(v);
    }
    w.byte(0xff);
    w.raw(w.checksum()!.bytes());
    const file = Buffer.from(w.toBuffer());
    assert.throws(() => loadRdb(inProcessServer(), new RdbReader(file)), (e: unknown) => e instanceof RdbFatalError && /RDB has duplicated key 'dup' in DB 0/.test((e as Error).message));
    const server = inProcessServer();
    loadRdb(server, new RdbReader(file), { allowDuplicates: true });
    assert.equal(server.dbs[0].keys.get('dup'), value);
  }
});
