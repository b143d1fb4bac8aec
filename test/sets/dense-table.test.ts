// The compact hash tables behind big sets and hashes (DenseTable, ArenaTable), against a JS Map
// under random inserts, updates and deletions, through growth, shrinking and compaction.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArenaTable, DenseTable, type StringTable } from '../../src/types/dense-table.js';
import { rng } from '../helpers/random.js';

function exercise(t: StringTable, seed: number, steps: number): void {
  const r = rng(seed);
  const m = new Map<string, string>();
  for (let step = 0; step < steps; step++) {
    // Phases of growth and shrinking so that the index resizes both ways.
    const phase = Math.floor(step / 25000) % 2;
    const key = `k${Math.floor(r() * 5000)}${r() < 0.01 ? 'x'.repeat(Math.floor(r() * 50)) : ''}`;
    const op = r();
    if (op < (phase === 0 ? 0.6 : 0.3)) {
      const v = r() < 0.1 ? '' : String(step);
      const at = t.add(key, v);
      if (at >= 0) t.setValAt(at, v);
      assert.equal(at < 0, !m.has(key));
      m.set(key, v);
    } else if (op < 0.9) {
      assert.equal(t.delete(key), m.delete(key));
    } else if (t.size > 0) {
      const pos = Math.floor(r() * t.size);
      const k = t.keyAt(pos);
      t.removeAt(pos);
      assert.ok(m.delete(k));
    }
    assert.equal(t.size, m.size);
    if (step % 997 === 0) {
      for (const [k, v] of m) assert.equal(t.valAt(t.find(k)), v, `value of ${k}`);
      for (let i = 0; i < t.size; i++) assert.equal(m.get(t.keyAt(i)), t.valAt(i));
      assert.equal(t.find('absent'), -1);
    }
  }
  const copy = t.clone();
  t.delete(t.keyAt(0));
  assert.equal(copy.size, m.size);
  for (const [k, v] of m) assert.equal(copy.valAt(copy.find(k)), v);
}

test('DenseTable agrees with a Map through random operations', () => {
  exercise(new DenseTable(true), 42, 200000);
});

test('ArenaTable agrees with a Map through random operations', () => {
  exercise(new ArenaTable(true), 43, 200000);
});

test('ArenaTable for sets (keys only), built from a DenseTable at the same positions', () => {
  const d = new DenseTable(false);
  for (let i = 0; i < 3000; i++) d.add(`m${i}`);
  for (let i = 0; i < 3000; i += 3) d.delete(`m${i}`);
  const a = ArenaTable.from(d, false);
  assert.equal(a.size, d.size);
  for (let i = 0; i < d.size; i++) assert.equal(a.keyAt(i), d.keyAt(i));
  for (let i = 0; i < 3000; i++) assert.equal(a.has(`m${i}`), i % 3 !== 0);
  for (let i = 1; i < 3000; i += 3) a.delete(`m${i}`);
  for (let i = 0; i < 3000; i++) assert.equal(a.has(`m${i}`), i % 3 === 2);
});

test('tiny DenseTables work without an index, and build one as they grow', () => {
  const t = new DenseTable(true);
  const m = new Map<string, string>();
  const r = rng(7);
  for (let step = 0; step < 20000; step++) {
    const key = `k${Math.floor(r() * 12)}`;
    if (r() < 0.55) {
      const at = t.add(key, String(step));
      if (at >= 0) t.setValAt(at, String(step));
      m.set(key, String(step));
    } else {
      assert.equal(t.delete(key), m.delete(key));
    }
    assert.equal(t.size, m.size);
    for (const [k, v] of m) assert.equal(t.valAt(t.find(k)), v);
  }
});
