// SCAN's guarantee: a key present for the whole iteration is returned at least once, while
// other keys are added and removed between calls; and the iteration always ends.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLarder, type RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';

let larder: RunningServer;
let c: RespClient;
before(async () => {
  larder = await startLarder();
  c = await larder.client();
});
after(async () => {
  c.close();
  await larder.stop();
});

/** A deterministic pseudo-random sequence (the test must not depend on luck). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function fill(prefix: string, n: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i += 500) {
    const args: string[] = [];
    for (let j = i; j < Math.min(n, i + 500); j++) {
      keys.push(`${prefix}${j}`);
      args.push(`${prefix}${j}`, String(j));
    }
    await c.call('MSET', ...args);
  }
  return keys;
}

async function scanStep(cursor: string, ...opts: string[]): Promise<[string, string[]]> {
  const r = (await c.call('SCAN', cursor, ...opts)) as [string, string[]];
  return r;
}

test('keys present for the whole iteration are returned while others come and go', async () => {
  const rnd = random(42);
  for (const round of [0, 1, 2]) {
    await c.call('FLUSHALL');
    const stable = await fill('stable:', 2000);
    const transient = new Set(await fill('temp:', 1000));
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    let nextTemp = 1000;
    do {
      const count = String(1 + Math.floor(rnd() * 30));
      const [next, keys] = await scanStep(cursor, 'COUNT', count);
      for (const k of keys) {
        assert.ok(k.startsWith('stable:') || k.startsWith('temp:'), `unexpected key ${k}`);
        seen.add(k);
      }
      cursor = next;
      calls++;
      // Writes between calls: new keys, deletions of transient keys, rewrites of stable keys.
      const adds: string[] = [];
      for (let i = 0; i < 10; i++) {
        const k = `temp:${nextTemp++}`;
        transient.add(k);
        adds.push(k, 'x');
      }
      await c.call('MSET', ...adds);
      const victims = [...transient].filter(() => rnd() < 0.02);
      if (victims.length) await c.call('DEL', ...victims);
      for (const v of victims) transient.delete(v);
      await c.call('SET', stable[Math.floor(rnd() * stable.length)], 'rewritten');
      if (round === 2 && calls === 20) {
        // Shrink a lot at once (Redis's issue #4906 was about rehashing to a smaller table).
        await c.call('DEL', ...transient);
        transient.clear();
      }
      assert.ok(calls < 20000, 'the iteration must end');
    } while (cursor !== '0');
    const missing = stable.filter((k) => !seen.has(k));
    assert.deepEqual(missing, [], `round ${round}: ${missing.length} stable keys never returned`);
  }
});

test('MATCH and TYPE filter without losing the guarantee', async () => {
  await c.call('FLUSHALL');
  const stable = await fill('m:', 1000);
  await fill('other:', 1000);
  const seen = new Set<string>();
  let cursor = '0';
  let added = 0;
  do {
    const [next, keys] = await scanStep(cursor, 'MATCH', 'm:*', 'TYPE', 'string', 'COUNT', '17');
    for (const k of keys) {
      assert.ok(k.startsWith('m:'), `MATCH let through ${k}`);
      seen.add(k);
    }
    cursor = next;
    await c.call('SET', `m:new${added++}`, 'x');
  } while (cursor !== '0');
  assert.deepEqual(stable.filter((k) => !seen.has(k)), []);
});

test('interleaved iterations and cursors reused after many others are started', async () => {
  await c.call('FLUSHALL');
  const keys = await fill('k:', 3000);
  const seenA = new Set<string>();
  const seenB = new Set<string>();
  let a = '0';
  let b = '0';
  let steps = 0;
  do {
    if (a !== '0' || steps === 0) {
      const [next, got] = await scanStep(a, 'COUNT', '50');
      got.forEach((k) => seenA.add(k));
      a = next;
    }
    const [nextB, gotB] = await scanStep(b, 'COUNT', '70');
    gotB.forEach((k) => seenB.add(k));
    b = nextB;
    steps++;
    if (steps === 5) {
      // Many other iterations start meanwhile (more than the server keeps walks for).
      for (let i = 0; i < 5000; i += 100) await Promise.all(Array.from({ length: 100 }, () => c.call('SCAN', '0', 'COUNT', '1')));
    }
  } while (a !== '0' || b !== '0');
  assert.equal(seenA.size, keys.length);
  assert.equal(seenB.size, keys.length);
});

test('COUNT bounds the work of one call', async () => {
  await c.call('FLUSHALL');
  await fill('w:', 1000);
  const [cursor, keys] = await scanStep('0', 'COUNT', '5');
  assert.notEqual(cursor, '0');
  assert.ok(keys.length >= 1 && keys.length <= 10, `${keys.length} keys`);
  // With a pattern that matches nothing, a call looks at about 10 * COUNT keys, not all.
  const [cursor2, none] = await scanStep('0', 'MATCH', 'nothing*', 'COUNT', '5');
  assert.notEqual(cursor2, '0');
  assert.deepEqual(none, []);
  const [end, all] = await scanStep('0', 'COUNT', '100000');
  assert.equal(end, '0');
  assert.equal(all.length, 1000);
});
