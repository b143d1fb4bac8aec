// Datasets for the persistence interop tests, one entry per value type. Each type adds its
// case here when it lands (lists, hashes, sets, sorted sets, streams): `setup` creates keys of
// every encoding of the type, `probe` reads them back; the tests run `setup` on one server,
// move the data (RDB file, AOF directory, DUMP/RESTORE, MIGRATE) to the other server (Larder
// or real Redis, both directions) and compare the `probe` replies byte for byte.

export type Cmd = (string | number | Buffer)[];

export interface TypeCase {
  name: string;
  /** Keys the case creates (for DUMP/RESTORE and MIGRATE). */
  keys: string[];
  setup: Cmd[];
  probe: Cmd[];
  /** Keys created with a TTL (their expiry must survive; checked on the Redis side). */
  ttlKeys?: string[];
}

const binaryKey = 'bin\x00key\xff\r\n';

export const cases: TypeCase[] = [
  {
    name: 'strings',
    keys: ['s:plain', 's:int', 's:neg', 's:int32', 's:int64', 's:notint', 's:empty', 's:long', 's:random', binaryKey, 's:ttl', 's:counter'],
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
      ['SET', 's:ttl', 'expiring', 'EX', 100000],
      ['INCR', 's:counter'],
      ['INCRBY', 's:counter', 1000000],
    ],
    probe: [
      ['MGET', 's:plain', 's:int', 's:neg', 's:int32', 's:int64', 's:notint', 's:empty', 's:long', 's:random', binaryKey, 's:ttl', 's:counter', 's:missing'],
      ['GET', 's:long'],
    ],
    ttlKeys: ['s:ttl'],
  },
];
