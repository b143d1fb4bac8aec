// The sorted set data structure against a naive model: random inserts, deletes, rank and
// range queries, in both encodings, with the B+tree's invariants checked along the way.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZTree, Bound, compareKeys } from '../../src/types/zset-tree.js';
import { ZSet, ZAddIn, ZAddOut } from '../../src/types/zset.js';
import { formatDouble, formatFixed } from '../../src/util/numbers.js';

/** A deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pair = [number, string];

function sortedModel(m: Map<string, number>): Pair[] {
  return [...m].map(([k, v]) => [v, k] as Pair).sort((a, b) => compareKeys(a[0], a[1], b[0], b[1]));
}

test('B+tree keeps order, counts and links through random inserts and deletes', () => {
  for (const seed of [1, 2, 3]) {
    const rand = rng(seed);
    const tree = new ZTree();
    const model = new Map<string, number>();
    for (let op = 0; op < 20000; op++) {
      const member = 'm' + Math.floor(rand() * 3000);
      const score = Math.floor(rand() * 50) - 25;
      const cur = model.get(member);
      if (rand() < 0.6) {
        if (cur !== undefined) tree.delete(cur, member);
        tree.insert(score, member);
        model.set(member, score);
      } else if (cur !== undefined) {
        tree.delete(cur, member);
        model.delete(member);
      }
      if (op % 2000 === 0) tree.check();
    }
    tree.check();
    const sorted = sortedModel(model);
    assert.equal(tree.size, sorted.length);
    for (let i = 0; i < sorted.length; i += 7) {
      assert.equal(tree.rankOf(sorted[i][0], sorted[i][1]), i);
      assert.equal(tree.memberAt(i), sorted[i][1]);
      assert.equal(tree.scoreAt(i), sorted[i][0]);
    }
    for (let s = -27; s <= 27; s++) {
      const ge = sorted.findIndex((p) => p[0] >= s);
      assert.equal(tree.firstRank(Bound.ScoreGE, s, ''), ge < 0 ? sorted.length : ge);
      const gt = sorted.findIndex((p) => p[0] > s);
      assert.equal(tree.firstRank(Bound.ScoreGT, s, ''), gt < 0 ? sorted.length : gt);
    }
    // Drain everything, checking as the tree shrinks.
    let n = 0;
    for (const [s, m] of sorted) {
      tree.delete(s, m);
      if (++n % 500 === 0) tree.check();
    }
    tree.check();
    assert.equal(tree.size, 0);
  }
});

test('B+tree stays compact for ascending and descending loads', () => {
  const up = new ZTree();
  for (let i = 0; i < 100000; i++) up.insert(i, 'x');
  up.check();
  const down = new ZTree();
  for (let i = 100000; i > 0; i--) down.insert(i, 'y');
  down.check();
  let leaves = 0;
  for (let l = up.first; l; l = l.next!) {
    leaves++;
    if (!l.next) break;
  }
  assert.ok(leaves < 100000 / 100, `ascending load used ${leaves} leaves`);
  assert.equal(up.rankOf(50000, 'x'), 50000);
  assert.equal(down.rankOf(1, 'y'), 0);
});

test('ZSet add/remove/rank in both encodings agree with a model', () => {
  for (const listpack of [true, false]) {
    const rand = rng(listpack ? 7 : 8);
    const z = new ZSet(listpack);
    const model = new Map<string, number>();
    for (let op = 0; op < 3000; op++) {
      const member = 'k' + Math.floor(rand() * 60);
      const r = rand();
      if (r < 0.5) {
        const score = Math.floor(rand() * 10);
        const out = z.add(score, member, 0, 1e9, 1e9);
        assert.equal(out, model.has(member) ? (model.get(member) === score ? 0 : ZAddOut.Updated) : ZAddOut.Added);
        model.set(member, score);
      } else if (r < 0.6) {
        const out = z.add(1, member, ZAddIn.INCR, 1e9, 1e9);
        assert.notEqual(out & ZAddOut.NaN, ZAddOut.NaN);
        model.set(member, (model.get(member) ?? 0) + 1);
      } else if (r < 0.8) {
        assert.equal(z.remove(member), model.delete(member));
      } else {
        const sorted = sortedModel(model);
        const i = sorted.findIndex((p) => p[1] === member);
        assert.equal(z.rank(member), i);
        assert.equal(z.rank(member, true), i < 0 ? -1 : sorted.length - 1 - i);
      }
    }
    z.tree.check();
    assert.deepEqual(
      (() => {
        const out: Pair[] = [];
        z.walk(0, z.size, false, (m, s) => void out.push([s, m]));
        return out;
      })(),
      sortedModel(model),
    );
    assert.equal(z.encoding(), listpack ? 'listpack' : 'skiplist');
  }
});

test('a listpack set turns into a skiplist past its limits, and stores -0 as 0', () => {
  const z = new ZSet(true);
  z.add(-0, 'a', 0, 3, 5);
  assert.ok(Object.is(z.score('a'), 0));
  z.add(1, 'b', 0, 3, 5);
  z.add(2, 'c', 0, 3, 5);
  assert.equal(z.encoding(), 'listpack');
  z.add(3, 'd', 0, 3, 5);
  assert.equal(z.encoding(), 'skiplist');
  const y = new ZSet(true);
  y.add(1, 'toolong', 0, 3, 5);
  assert.equal(y.encoding(), 'skiplist');
  const s = new ZSet(false);
  s.add(-0, 'n', 0, 3, 5);
  assert.ok(Object.is(s.score('n'), -0));
  s.shrinkIfSmall(3, 5, 1, 1);
  assert.equal(s.encoding(), 'listpack');
  assert.ok(Object.is(s.score('n'), 0));
});

test('formatDouble rounds exact ties to even like printf', () => {
  assert.equal(formatDouble(1234567890123456.25), '1234567890123456.2');
  assert.equal(formatDouble(1234567890123456.75), '1234567890123456.8');
  assert.equal(formatDouble(0.1), '0.10000000000000001');
  assert.equal(formatDouble(1e17), '1e+17');
  assert.equal(formatDouble(-2.5e-5), '-2.5000000000000001e-05');
  assert.equal(formatDouble(123), '123');
  assert.equal(formatDouble(-0), '-0');
  assert.equal(formatFixed(0.0078125, 6), '0.007812');
  assert.equal(formatFixed(0.0234375, 6), '0.023438');
  assert.equal(formatFixed(1e300, 6).length, 301 + 7);
  assert.equal(formatFixed(-2.5, 0), '-2');
});

test('deleting by rank keeps the tree consistent', () => {
  const rand = rng(99);
  const tree = new ZTree();
  const model: Pair[] = [];
  for (let i = 0; i < 30000; i++) {
    const s = Math.floor(rand() * 1000);
    const m = 'r' + i;
    tree.insert(s, m);
    model.push([s, m]);
  }
  model.sort((a, b) => compareKeys(a[0], a[1], b[0], b[1]));
  for (let i = 0; i < 25000; i++) {
    const r = rand();
    const rank = r < 0.3 ? 0 : r < 0.6 ? model.length - 1 : Math.floor(rand() * model.length);
    assert.equal(tree.memberAt(rank), model[rank][1]);
    tree.deleteAt(rank);
    model.splice(rank, 1);
    if (i % 2500 === 0) tree.check();
  }
  tree.check();
  assert.equal(tree.size, model.length);
  for (let i = 0; i < model.length; i += 97) assert.equal(tree.rankOf(model[i][0], model[i][1]), i);
});
