// Persistence codecs of lists, sets and hashes: round trips, and the encodings Redis 7.0 picks
// when loading each RDB form.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashCodec, listCodec, setCodec } from '../../src/types/codecs.js';
import { encodingOf } from '../../src/types/value.js';

const config = {
  'list-max-listpack-size': -2,
  'hash-max-listpack-entries': 4,
  'hash-max-listpack-value': 8,
  'set-max-intset-entries': 4,
};

test('list codec round trip', () => {
  const items = Array.from({ length: 5000 }, (_, i) => (i % 100 === 0 ? 'x'.repeat(3000) : `item:${i}`));
  const l = listCodec.build(items, 'quicklist', config);
  assert.equal(encodingOf(l), 'quicklist');
  assert.equal(listCodec.length(l), 5000);
  assert.deepEqual([...listCodec.items(l)], items);
});

test('set codec: encodings by source form, as Redis loads them', () => {
  const cases: [string[], string, string][] = [
    [['3', '1', '2'], 'intset', 'intset'],
    [['1', '2', '3', '4', '5'], 'intset', 'hashtable'],
    [['3', '1', '2'], 'hashtable', 'intset'],
    [['1', 'a'], 'hashtable', 'hashtable'],
    [['1', '2', '3', '4', '5'], 'hashtable', 'hashtable'],
    [['a', 'b'], 'listpack', 'hashtable'],
  ];
  for (const [members, from, expected] of cases) {
    const s = setCodec.build(members, from, config);
    assert.equal(encodingOf(s), expected, `${from} ${members}`);
    assert.equal(setCodec.size(s), members.length);
    assert.deepEqual([...setCodec.members(s)].sort(), members.slice().sort());
  }
  assert.deepEqual([...setCodec.members(setCodec.build(['3', '-1', '2'], 'hashtable', config))], ['-1', '2', '3']);
});

test('hash codec: encodings by source form, as Redis loads them', () => {
  const small: [string, string][] = [['a', '1'], ['b', '2']];
  const long: [string, string][] = [['a', 'x'.repeat(9)]];
  const many: [string, string][] = Array.from({ length: 5 }, (_, i) => [`f${i}`, `${i}`]);
  const cases: [[string, string][], string, string][] = [
    [small, 'listpack', 'listpack'], [long, 'listpack', 'listpack'], [many, 'listpack', 'hashtable'],
    [small, 'hashtable', 'listpack'], [long, 'hashtable', 'hashtable'], [many, 'hashtable', 'hashtable'],
    [long, 'zipmap', 'hashtable'], [long, 'ziplist', 'listpack'],
  ];
  for (const [entries, from, expected] of cases) {
    const h = hashCodec.build(entries, from, config);
    assert.equal(encodingOf(h), expected, `${from} ${JSON.stringify(entries)}`);
    assert.equal(hashCodec.size(h), entries.length);
    assert.deepEqual([...hashCodec.entries(h)].sort(), entries.slice().sort());
  }
  const big = Array.from({ length: 3000 }, (_, i): [string, string] => [`field:${i}`, `value:${i}`]);
  assert.deepEqual([...hashCodec.entries(hashCodec.build(big, 'hashtable', config))].sort(), big.slice().sort());
});
