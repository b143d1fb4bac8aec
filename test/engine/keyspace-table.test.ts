import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyspaceTable } from '../../src/engine/keyspace-table.js';
import { MutableString } from '../../src/types/value.js';
import { rng } from '../helpers/random.js';

test('random inserts, overwrites and deletes agree with a Map', () => {
  const rand = rng(7);
  const t = new KeyspaceTable();
  const model = new Map<string, string>();
  for (let i = 0; i < 60000; i++) {
    const k = 'k' + Math.floor(rand() * 5000);
    const r = rand();
    if (r < 0.5) {
      const v = 'v' + i;
      t.set(k, v);
      model.set(k, v);
    } else if (r < 0.8) {
      assert.equal(t.delete(k), model.delete(k));
    } else {
      assert.equal(t.get(k), model.get(k));
    }
    assert.equal(t.size, model.size);
  }
  assert.deepEqual(new Map(t.entries()), model);
  for (const k of model.keys()) t.delete(k);
  assert.equal(t.size, 0);
  assert.deepEqual([...t.keys()], []);
});

test('arena strings, big strings and objects replace each other and agree with a Map', () => {
  const rand = rng(11);
  const t = new KeyspaceTable();
  const model = new Map<string, unknown>();
  const big = 'b'.repeat(3000);
  for (let i = 0; i < 40000; i++) {
    const k = 'k' + Math.floor(rand() * 2000);
    const r = rand();
    if (r < 0.6) {
      const kind = Math.floor(rand() * 4);
      const v = kind === 0 ? 'v' + i : kind === 1 ? big + i : kind === 2 ? MutableString.from('o' + i) : i;
      t.set(k, v);
      model.set(k, typeof v === 'number' ? String(v) : v);
    } else if (r < 0.85) {
      assert.equal(t.delete(k), model.delete(k));
    } else {
      assert.equal(t.get(k), model.get(k));
    }
  }
  assert.equal(t.size, model.size);
  assert.deepEqual(new Map(t.entries()), model);
});

test('a table grown past a million slots keeps every entry and its stamp', () => {
  const t = new KeyspaceTable();
  const n = 900000;
  for (let i = 0; i < n; i++) t.set('key:' + i, i % 3 === 0 ? i : 'v' + i, i);
  assert.equal(t.size, n);
  for (let i = 0; i < n; i += 7) {
    assert.equal(t.get('key:' + i), i % 3 === 0 ? String(i) : 'v' + i);
    assert.equal(t.stampOf('key:' + i), i);
  }
  let count = 0;
  t.forEach(() => count++);
  assert.equal(count, n);
});

test('keys and values of any bytes and length, and object values', () => {
  const t = new KeyspaceTable();
  const long = 'x'.repeat(70000);
  const binary = '\x00\xff\r\n\x01';
  t.set(long, 'a');
  t.set(binary, long);
  t.set('', '');
  const obj = MutableString.from('bytes');
  t.set('obj', obj);
  assert.equal(t.get(long), 'a');
  assert.equal(t.get(binary), long);
  assert.equal(t.get(''), '');
  assert.equal(t.get('obj'), obj);
  assert.equal(t.get(long + 'y'), undefined);
  assert.equal(t.get('x'.repeat(69999)), undefined);
  t.set('obj', 'now a string');
  assert.equal(t.get('obj'), 'now a string');
  assert.deepEqual(new Set(t.keys()), new Set([long, binary, '', 'obj']));
});

test('access stamps follow their entries through growth and deletes', () => {
  const t = new KeyspaceTable();
  for (let i = 0; i < 3000; i++) t.set('k' + i, 'v', i);
  for (let i = 0; i < 3000; i += 2) t.delete('k' + i);
  for (let i = 1; i < 3000; i += 2) assert.equal(t.stampOf('k' + i), i);
  t.get('k1');
  t.stampLast(99999);
  assert.equal(t.stampOf('k1'), 99999);
});

test('SCAN returns every key present for the whole scan while the table grows and shrinks', () => {
  const rand = rng(11);
  for (let round = 0; round < 20; round++) {
    const t = new KeyspaceTable();
    const stable = new Set<string>();
    for (let i = 0; i < 500; i++) {
      t.set('s' + i, 'v');
      stable.add('s' + i);
    }
    const seen = new Set<string>();
    let cursor = 0n;
    let extra = 0;
    do {
      const next = t.scan(cursor, 1 + Math.floor(rand() * 20), (k) => {
        seen.add(k);
        return true;
      });
      cursor = BigInt(next);
      // Churn: add many keys (growth) or delete the volatile ones (shrink).
      if (rand() < 0.5) for (let j = 0; j < 300; j++) t.set('x' + extra++, 'v');
      else for (const k of [...t.keys()]) if (k.startsWith('x') && rand() < 0.9) t.delete(k);
    } while (cursor !== 0n);
    for (const k of stable) assert.ok(seen.has(k), `round ${round}: ${k} not returned`);
  }
});

test('sample returns existing entries and eventually all of them', () => {
  const t = new KeyspaceTable();
  assert.equal(t.sample(), undefined);
  for (let i = 0; i < 20; i++) t.set('k' + i, 'v' + i);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const [k, v] = t.sample()!;
    assert.equal(v, 'v' + k.slice(1));
    seen.add(k);
  }
  assert.equal(seen.size, 20);
});

test('integers kept as numbers: addToInteger adds in place, and only to them', () => {
  const t = new KeyspaceTable();
  t.set('n', 5);
  assert.equal(t.get('n'), '5');
  assert.equal(t.addToInteger('n', 10), 15);
  assert.equal(t.get('n'), '15');
  assert.deepEqual([...t.entries()], [['n', '15']]);
  // Not a number kept as such: a missing key, a string with digits, an object; or a sum beyond 2^53.
  assert.equal(t.addToInteger('missing', 1), undefined);
  t.set('s', '7');
  assert.equal(t.addToInteger('s', 1), undefined);
  assert.equal(t.get('s'), '7');
  const o = new MutableString(Buffer.from('ab'), 2);
  t.set('o', o);
  assert.equal(t.addToInteger('o', 1), undefined);
  assert.equal(t.get('o'), o);
  t.set('big', Number.MAX_SAFE_INTEGER - 1);
  assert.equal(t.addToInteger('big', 2), undefined);
  assert.equal(t.get('big'), String(Number.MAX_SAFE_INTEGER - 1));
  // Replacing a number with a string or an object and back.
  t.set('n', 'x');
  assert.equal(t.get('n'), 'x');
  t.set('n', o);
  assert.equal(t.get('n'), o);
  t.set('n', -3);
  assert.equal(t.addToInteger('n', -4), -7);
  assert.equal(t.get('n'), '-7');
  assert.equal(t.size, 4);
});

test('a write after a miss on the same key inserts it in hash order, also after other changes', () => {
  const t = new KeyspaceTable();
  for (let i = 0; i < 200; i++) {
    const k = 'new' + i;
    assert.equal(t.get(k), undefined);
    if (i % 3 === 1) t.set('other' + i, 'x');
    if (i % 3 === 2) t.delete('other' + (i - 1));
    t.set(k, i);
    assert.equal(t.addToInteger(k, 1), i + 1);
    assert.equal(t.get(k), String(i + 1));
  }
  // Hash order holds: a full scan returns every key exactly once.
  const seen: string[] = [];
  let cursor = 0n;
  do cursor = BigInt(t.scan(cursor, 7, (k) => (seen.push(k), true)));
  while (cursor !== 0n);
  assert.equal(seen.length, t.size);
  assert.equal(new Set(seen).size, t.size);
  for (let i = 0; i < 200; i++) assert.ok(t.has('new' + i));
});
