// Randomized tests of hashes: random operations replayed on a real Redis, the HSCAN guarantee
// under concurrent writes, and the uniformity of HRANDFIELD.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessDifferential } from '../helpers/inprocess-diff.js';
import { InProcessLarder } from '../helpers/inprocess.js';
import { plain } from '../helpers/resp-client.js';
import { unordered } from '../helpers/unordered.js';
import type { Script } from '../helpers/differential.js';
import { chiSquare, rng } from '../helpers/random.js';

function randomHashCommand(r: () => number): string[] {
  const int = (n: number) => Math.floor(r() * n);
  const key = () => `h${int(2)}`;
  const field = () => `f${int(40)}`;
  const value = () => (r() < 0.1 ? 'v'.repeat(int(100)) : String(int(100)));
  switch (int(12)) {
    case 0: case 1: case 2: return ['HSET', key(), field(), value(), field(), value()];
    case 3: return ['HSETNX', key(), field(), value()];
    case 4: return ['HDEL', key(), field(), field()];
    case 5: return ['HGET', key(), field()];
    case 6: return ['HMGET', key(), field(), field(), field()];
    case 7: return ['HINCRBY', key(), field(), String(int(20) - 10)];
    case 8: return ['HLEN', key()];
    case 9: return ['HGETALL', key()];
    case 10: return ['HSTRLEN', key(), field()];
    default: return ['HEXISTS', key(), field()];
  }
}

test('random hash operations match a real Redis', async () => {
  const d = await InProcessDifferential.start([['hash-max-listpack-entries', '16'], ['hash-max-listpack-value', '50']]);
  // Listpack hashes keep insertion order like Redis; hashtable ones may not.
  const normalize = unordered([], ['HGETALL']);
  try {
    const r = rng(5);
    for (let round = 0; round < 3; round++) {
      const script: Script = [];
      for (let i = 0; i < 700; i++) script.push(randomHashCommand(r));
      await d.check(script, { resp: round === 1 ? 3 : 2, normalize });
    }
  } finally {
    await d.close();
  }
});

test('HSCAN returns every field present for the whole scan, despite writes between calls', async () => {
  const larder = new InProcessLarder();
  const c = larder.client();
  try {
    const r = rng(9);
    for (let round = 0; round < 10; round++) {
      await c.send('DEL', 'h');
      const args: string[] = [];
      for (let i = 0; i < 2500; i++) args.push(i < 250 ? `stable:${i}` : `churn:${i}`, String(i));
      await c.send('HSET', 'h', ...args);
      const seen = new Map<string, string>();
      let cursor = '0';
      do {
        const [next, items] = plain((await c.send('HSCAN', 'h', cursor, 'COUNT', String(1 + Math.floor(r() * 40)))).decoded) as [string, string[]];
        for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
        cursor = next;
        const n = Math.floor(r() * (r() < 0.1 ? 1500 : 60));
        for (let i = 0; i < n; i++) {
          const f = `churn:${250 + Math.floor(r() * 2250)}`;
          if (r() < 0.6) await c.send('HDEL', 'h', f);
          else await c.send('HSET', 'h', f, 'x'.repeat(Math.floor(r() * 30)));
        }
      } while (cursor !== '0');
      for (let i = 0; i < 250; i++) assert.equal(seen.get(`stable:${i}`), String(i), `round ${round}: stable:${i}`);
    }
  } finally {
    await larder.close();
  }
});

test('HRANDFIELD picks uniformly (chi-square) for both encodings', async () => {
  const larder = new InProcessLarder([['hash-max-listpack-value', '10']]);
  const c = larder.client();
  try {
    for (const long of [false, true]) {
      await c.send('DEL', 'h');
      const args: string[] = [];
      for (let i = 0; i < 10; i++) args.push(`f${i}`, long && i === 0 ? 'x'.repeat(20) : String(i));
      await c.send('HSET', 'h', ...args);
      const neg = plain((await c.send('HRANDFIELD', 'h', '-1000')).decoded) as string[];
      assert.ok(chiSquare(neg) < 40, `negative count: chi-square ${chiSquare(neg)}`);
      const picks: string[] = [];
      for (let i = 0; i < 300; i++) picks.push(...(plain((await c.send('HRANDFIELD', 'h', '2')).decoded) as string[]));
      assert.ok(chiSquare(picks) < 40, `positive count: chi-square ${chiSquare(picks)}`);
      const withValues = plain((await c.send('HRANDFIELD', 'h', '-50', 'WITHVALUES')).decoded) as string[];
      assert.equal(withValues.length, 100);
      for (let i = 0; i < withValues.length; i += 2) {
        assert.equal(withValues[i + 1], plain((await c.send('HGET', 'h', withValues[i])).decoded));
      }
    }
  } finally {
    await larder.close();
  }
});
