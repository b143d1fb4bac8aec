// Datasets for the persistence interop tests: every value type Larder has, in every encoding
// Redis 7.0 gives it. `setup` creates the keys with ordinary commands (the same on Larder and
// real Redis), `probe` reads them back with replies that are the same on both servers
// whatever their internal orders (hashtable-encoded sets and hashes are only probed through
// digests and sizes). The tests move the data (RDB file, AOF directory, DUMP/RESTORE,
// MIGRATE, DEBUG RELOAD, restart) between servers and compare, besides the probes, every
// key's type, OBJECT ENCODING, DEBUG DIGEST-VALUE and PEXPIRETIME and the DEBUG DIGEST of
// the whole dataset (see `describeDataset`).

import type { RespClient } from '../helpers/resp-client.js';

export type Cmd = (string | number | Buffer)[];

export interface TypeCase {
  name: string;
  /** Keys the case creates in database 0 (for DUMP/RESTORE and MIGRATE). */
  keys: string[];
  setup: Cmd[];
  probe: Cmd[];
  /** Keys created with a TTL (their expiry must survive; checked on the Redis side). */
  ttlKeys?: string[];
}

const binaryKey = 'bin\x00key\xff\r\n';
/** A fixed expiry (2100-01-01): PEXPIRETIME is the same everywhere, whenever the test runs. */
export const FAR_EXPIRY = 4102444800000;

const range = (n: number, f: (i: number) => string[]): string[] => Array.from({ length: n }, (_, i) => f(i)).flat();

export const cases: TypeCase[] = [
  {
    name: 'strings',
    keys: ['s:plain', 's:int', 's:neg', 's:int32', 's:int64', 's:notint', 's:empty', 's:long', 's:random', binaryKey, 's:ttl', 's:counter', 's:embstr44', 's:raw45'],
    setup: [
      ['SET', 's:plain', 'hello world'],
      ['SET', 's:int', '42'],
      ['SET', 's:neg', '-2147483648'],
      ['SET', 's:int32', '2147483647'],
      ['SET', 's:int64', '-9223372036854775808'],
      ['SET', 's:notint', '0042'],
      ['SET', 's:empty', ''],
      ['SET', 's:long', 'abcdefgh'.repeat(1000)],
      ['SET', 's:random', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 181 + 7) & 255)).toString('latin1')],
      ['SET', binaryKey, '\x00\x01\x02\xff'],
      ['SET', 's:ttl', 'expiring', 'PXAT', FAR_EXPIRY],
      ['INCR', 's:counter'],
      ['INCRBY', 's:counter', 1000000],
      ['SET', 's:embstr44', 'e'.repeat(44)],
      ['SET', 's:raw45', 'r'.repeat(45)],
    ],
    probe: [
      ['MGET', 's:plain', 's:int', 's:neg', 's:int32', 's:int64', 's:notint', 's:empty', 's:long', 's:random', binaryKey, 's:ttl', 's:counter', 's:missing', 's:embstr44', 's:raw45'],
      ['GET', 's:long'],
    ],
    ttlKeys: ['s:ttl'],
  },
  {
    name: 'strings changed in place (MutableString) and HyperLogLogs',
    keys: ['m:append', 'm:setrange', 'm:setbit', 'm:bitfield', 'm:float', 'm:floatint', 'm:bitop', 'hll:sparse', 'hll:dense', 'hll:merged', 'm:bigappend'],
    setup: [
      ['SET', 'm:append', 'abc'], ['APPEND', 'm:append', 'def'], ['APPEND', 'm:append', '123'],
      ['SETRANGE', 'm:setrange', 5, 'xyz'],
      ['SETBIT', 'm:setbit', 1000, 1], ['SETBIT', 'm:setbit', 7, 1],
      ['BITFIELD', 'm:bitfield', 'SET', 'i16', 0, -1234, 'SET', 'u8', 40, 200],
      ['SET', 'm:float', '1.5'], ['INCRBYFLOAT', 'm:float', '0.25'],
      ['SET', 'm:floatint', '2.5'], ['INCRBYFLOAT', 'm:floatint', '0.5'],
      ['SET', 'm:bop1', 'abcdefgh'], ['SET', 'm:bop2', '12345'], ['BITOP', 'XOR', 'm:bitop', 'm:bop1', 'm:bop2'],
      ['DEL', 'm:bop1', 'm:bop2'],
      ['PFADD', 'hll:sparse', 'a', 'b', 'c', 'd'],
      ['PFADD', 'hll:dense', ...range(3000, (i) => [`element-${i}`])],
      ['PFADD', 'hll:other', 'x', 'y', 'a'], ['PFMERGE', 'hll:merged', 'hll:sparse', 'hll:other'], ['DEL', 'hll:other'],
      ['SET', 'm:bigappend', 'q'.repeat(30000)], ['APPEND', 'm:bigappend', 'tail'],
      // PFCOUNT caches the cardinality in the value: probes must not change it later.
      ['PFCOUNT', 'hll:sparse'], ['PFCOUNT', 'hll:dense'], ['PFCOUNT', 'hll:merged'],
    ],
    probe: [
      ['MGET', 'm:append', 'm:setrange', 'm:setbit', 'm:bitfield', 'm:float', 'm:floatint', 'm:bitop', 'hll:sparse', 'hll:dense', 'hll:merged'],
      ['PFCOUNT', 'hll:sparse'], ['PFCOUNT', 'hll:dense'], ['PFCOUNT', 'hll:merged'], ['STRLEN', 'm:bigappend'],
    ],
  },
  {
    name: 'lists',
    keys: ['l:small', 'l:ints', 'l:multi', 'l:bigelem', 'l:lpush', 'l:popped', 'l:edited', 'l:binary', 'l:ttl', 'l:lmove'],
    setup: [
      ['RPUSH', 'l:small', 'a', 'b', 'c', '', 'hello world'],
      // Integers of every listpack width, and strings that look like integers but are not.
      ['RPUSH', 'l:ints', '0', '1', '-1', '127', '128', '-4096', '4095', '4096', '-32768', '32767', '40000', '-8388608', '8388607', '10000000',
        '-2147483648', '2147483647', '5000000000', '-9223372036854775808', '9223372036854775807', '9223372036854775808', '007', '-0', '+1', '1e3'],
      ['RPUSH', 'l:multi', ...range(3000, (i) => [i % 5 === 0 ? String(i * 997) : `item-${i}-${'z'.repeat(i % 70)}`])],
      ['RPUSH', 'l:bigelem', 'small', 'B'.repeat(20000), 'small2', 'C'.repeat(9000)],
      ['LPUSH', 'l:lpush', ...range(1500, (i) => [`head-${i}-${'y'.repeat(i % 90)}`])],
      ['RPUSH', 'l:popped', ...range(2000, (i) => [`p${i}`])],
      ['LPOP', 'l:popped', 300], ['RPOP', 'l:popped', 200],
      ['RPUSH', 'l:edited', ...range(600, (i) => [`e${i}`])],
      ['LSET', 'l:edited', 10, 'changed'], ['LINSERT', 'l:edited', 'BEFORE', 'e300', 'inserted'], ['LREM', 'l:edited', 0, 'e500'],
      ['LTRIM', 'l:edited', 5, -5],
      ['RPUSH', 'l:binary', '\x00', '\xff\xfe', 'a\r\nb'],
      ['RPUSH', 'l:ttl', 'x', 'y'], ['PEXPIREAT', 'l:ttl', FAR_EXPIRY],
      ['RPUSH', 'l:src', 'one', 'two', 'three'], ['LMOVE', 'l:src', 'l:lmove', 'LEFT', 'RIGHT'], ['LMOVE', 'l:src', 'l:lmove', 'RIGHT', 'LEFT'],
      ['DEL', 'l:src'],
    ],
    probe: [
      ['LRANGE', 'l:small', 0, -1], ['LRANGE', 'l:ints', 0, -1], ['LRANGE', 'l:multi', 0, -1], ['LRANGE', 'l:bigelem', 0, -1],
      ['LRANGE', 'l:lpush', 0, -1], ['LRANGE', 'l:popped', 0, -1], ['LRANGE', 'l:edited', 0, -1], ['LRANGE', 'l:binary', 0, -1],
      ['LRANGE', 'l:ttl', 0, -1], ['LRANGE', 'l:lmove', 0, -1],
    ],
    ttlKeys: ['l:ttl'],
  },
  {
    name: 'sets',
    keys: ['set:int16', 'set:int32', 'set:int64', 'set:shrunk', 'set:strings', 'set:mixed', 'set:bigints', 'set:big', 'set:ttl', 'set:inter'],
    setup: [
      ['SADD', 'set:int16', '1', '2', '3', '-5', '32767'],
      ['SADD', 'set:int32', '1', '-100000', '2147483647'],
      ['SADD', 'set:int64', '1', '5000000000', '-9223372036854775808'],
      // An intset keeps its widest encoding after the wide member goes.
      ['SADD', 'set:shrunk', '1', '2', '5000000000'], ['SREM', 'set:shrunk', '5000000000'],
      ['SADD', 'set:strings', 'a', 'b', 'c', '1'],
      ['SADD', 'set:mixed', '1', '2', '3'], ['SADD', 'set:mixed', 'x'],
      ['SADD', 'set:bigints', ...range(600, (i) => [String(i * 3)])],
      ['SADD', 'set:big', ...range(1000, (i) => [`member:${i}`])],
      ['SADD', 'set:ttl', '10', '20'], ['PEXPIREAT', 'set:ttl', FAR_EXPIRY],
      ['SADD', 'set:i1', '1', '2', '3', '4'], ['SADD', 'set:i2', '3', '4', '5'], ['SINTERSTORE', 'set:inter', 'set:i1', 'set:i2'],
      ['DEL', 'set:i1', 'set:i2'],
    ],
    probe: [
      ['SMEMBERS', 'set:int16'], ['SMEMBERS', 'set:int32'], ['SMEMBERS', 'set:int64'], ['SMEMBERS', 'set:shrunk'], ['SMEMBERS', 'set:ttl'],
      ['SMEMBERS', 'set:inter'],
      ['SCARD', 'set:strings'], ['SCARD', 'set:mixed'], ['SCARD', 'set:bigints'], ['SCARD', 'set:big'],
      ['SMISMEMBER', 'set:big', 'member:0', 'member:999', 'member:1000'], ['SISMEMBER', 'set:bigints', '1797'],
    ],
    ttlKeys: ['set:ttl'],
  },
  {
    name: 'hashes',
    keys: ['h:small', 'h:ints', 'h:deleted', 'h:count', 'h:longval', 'h:longfield', 'h:ttl', 'h:float'],
    setup: [
      ['HSET', 'h:small', 'f1', 'v1', 'f2', '2', 'f3', '', 'f4', '-17'],
      ['HSET', 'h:ints', 'a', '1', 'b', '5000000000', 'c', '-9223372036854775808', 'd', '007'],
      ['HSET', 'h:deleted', ...range(20, (i) => [`f${i}`, `v${i}`])], ['HDEL', 'h:deleted', 'f3', 'f10', 'f19'],
      ['HSET', 'h:count', ...range(600, (i) => [`field${i}`, `value${i}`])],
      ['HSET', 'h:longval', 'short', 'x', 'f', 'y'.repeat(100)],
      ['HSET', 'h:longfield', 'g'.repeat(70), 'v'],
      ['HSET', 'h:ttl', 'a', 'b'], ['PEXPIREAT', 'h:ttl', FAR_EXPIRY],
      ['HINCRBYFLOAT', 'h:float', 'x', '1.5'], ['HINCRBY', 'h:float', 'n', 7],
    ],
    probe: [
      ['HGETALL', 'h:small'], ['HGETALL', 'h:ints'], ['HGETALL', 'h:deleted'], ['HGETALL', 'h:ttl'], ['HGETALL', 'h:float'],
      ['HLEN', 'h:count'], ['HMGET', 'h:count', 'field0', 'field599', 'nope'], ['HGET', 'h:longval', 'f'], ['HLEN', 'h:longfield'],
    ],
    ttlKeys: ['h:ttl'],
  },
  {
    name: 'sorted sets',
    keys: ['z:small', 'z:count', 'z:longmember', 'z:ties', 'z:store', 'z:ttl', 'z:incr'],
    setup: [
      ['ZADD', 'z:small', '1', 'one', '1.5', 'onehalf', '-inf', 'neg', 'inf', 'pos', '1e300', 'huge', '0.1', 'tenth', '-0', 'zero', '5000000000', 'big'],
      ['ZADD', 'z:count', ...range(300, (i) => [String(i / 7), `m${i}`])],
      ['ZADD', 'z:longmember', '1', 'a', '2', 'L'.repeat(80)],
      ['ZADD', 'z:ties', '1', 'c', '1', 'a', '1', 'b', '0', 'z'],
      ['ZADD', 'z:s1', '1', 'a', '2', 'b'], ['ZADD', 'z:s2', '3', 'b', '4', 'c'],
      ['ZUNIONSTORE', 'z:store', 2, 'z:s1', 'z:s2', 'WEIGHTS', 1, 0.5], ['DEL', 'z:s1', 'z:s2'],
      ['ZADD', 'z:ttl', '1', 'x'], ['PEXPIREAT', 'z:ttl', FAR_EXPIRY],
      ['ZINCRBY', 'z:incr', '2.5', 'm'], ['ZINCRBY', 'z:incr', '-1', 'm'],
    ],
    probe: [
      ['ZRANGE', 'z:small', 0, -1, 'WITHSCORES'], ['ZRANGE', 'z:count', 0, -1, 'WITHSCORES'], ['ZRANGE', 'z:longmember', 0, -1, 'WITHSCORES'],
      ['ZRANGE', 'z:ties', 0, -1, 'WITHSCORES'], ['ZRANGE', 'z:store', 0, -1, 'WITHSCORES'], ['ZRANGE', 'z:ttl', 0, -1, 'WITHSCORES'],
      ['ZSCORE', 'z:small', 'zero'], ['ZRANK', 'z:count', 'm150'], ['ZSCORE', 'z:incr', 'm'],
    ],
    ttlKeys: ['z:ttl'],
  },
  {
    name: 'other databases',
    keys: [],
    setup: [
      ['SELECT', 3], ['SET', 'in-db3', 'yes'], ['RPUSH', 'list-db3', 'a'], ['HSET', 'hash-db3', 'f', 'v'], ['SELECT', 0],
    ],
    probe: [['SELECT', 3], ['MGET', 'in-db3'], ['LRANGE', 'list-db3', 0, -1], ['HGETALL', 'hash-db3'], ['SELECT', 0]],
  },
];

/** Every key of database 0 the cases create. */
export const allKeys: string[] = cases.flatMap((c) => c.keys);

/** Runs commands, failing on any error reply. */
export async function runAll(c: RespClient, cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) {
    const r = await c.send(...cmd);
    if (r.decoded.type === 'error') throw new Error(`${cmd.map(String).join(' ').slice(0, 200)}: ${r.decoded.value}`);
  }
}

export interface KeyDescription {
  db: number;
  key: string;
  type: string;
  encoding: string;
  digest: string;
  expireAt: number;
}

/**
 * The dataset as both servers can report it identically: DEBUG DIGEST, and per key (sorted)
 * its type, OBJECT ENCODING, DEBUG DIGEST-VALUE and PEXPIRETIME.
 */
export async function describeDataset(c: RespClient, dbs = [0, 3]): Promise<{ digest: string; keys: KeyDescription[] }> {
  const digest = (await c.call('DEBUG', 'DIGEST')) as string;
  const keys: KeyDescription[] = [];
  for (const db of dbs) {
    await c.call('SELECT', db);
    const names = ((await c.call('KEYS', '*')) as string[]).sort();
    for (const key of names) {
      keys.push({
        db, key,
        type: (await c.call('TYPE', key)) as string,
        encoding: (await c.call('OBJECT', 'ENCODING', key)) as string,
        digest: ((await c.call('DEBUG', 'DIGEST-VALUE', key)) as string[])[0],
        expireAt: (await c.call('PEXPIRETIME', key)) as number,
      });
    }
  }
  await c.call('SELECT', 0);
  return { digest, keys };
}

/** The raw replies of every case's probes (byte for byte comparable between servers). */
export async function probeAll(c: RespClient): Promise<string[]> {
  const out: string[] = [];
  for (const p of [['DBSIZE'], ...cases.flatMap((x) => x.probe)]) out.push((await c.send(...p)).raw.toString('latin1'));
  return out;
}
