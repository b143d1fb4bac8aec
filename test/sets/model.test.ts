// Randomized tests of sets: random operations replayed on a real Redis (order-insensitive
// comparison), the SSCAN guarantee under concurrent writes, and the uniformity of random picks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessDifferential } from '../helpers/inprocess-diff.js';
import { InProcessLarder } from '../helpers/inprocess.js';
import { plain } from '../helpers/resp-client.js';
import { unordered } from '../helpers/unordered.js';
import type { Script } from '../helpers/differential.js';
import { chiSquare, rng } from '../helpers/random.js';

function randomSetCommand(r: () => number): string[] {
  const int = (n: number) => Math.floor(r() * n);
  const key = () => `s${int(3)}`;
  const member = () => (r() < 0.7 ? String(int(40) - 5) : `m${int(30)}`);
  const members = () => Array.from({ length: 1 + int(6) }, member);
  switch (int(14)) {
    case 0: case 1: case 2: return ['SADD', key(), ...members()];
    case 3: return ['SREM', key(), ...members()];
    case 4: return ['SISMEMBER', key(), member()];
    case 5: return ['SMISMEMBER', key(), ...members()];
    case 6: return ['SCARD', key()];
    case 7: return ['SMOVE', key(), key(), member()];
    case 8: return ['SMEMBERS', key()];
    case 9: return ['SINTER', key(), key()];
    case 10: return ['SUNION', key(), key(), key()];
    case 11: return ['SDIFF', key(), key()];
    case 12: return [['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'][int(3)], key(), key(), key()];
    default: return ['SINTERCARD', '2', key(), key(), 'LIMIT', String(int(5))];
  }
}

test('random set operations match a real Redis', async () => {
  const d = await InProcessDifferential.start([['set-max-intset-entries', '16']]);
  const normalize = unordered(['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF']);
  try {
    const r = rng(11);
    for (let round = 0; round < 3; round++) {
      const script: Script = [];
      for (let i = 0; i < 700; i++) script.push(randomSetCommand(r));
      await d.check(script, { resp: round === 1 ? 3 : 2, normalize });
    }
  } finally {
    await d.close();
  }
});

test('SSCAN returns every member present for the whole scan, despite writes between calls', async () => {
  const larder = new InProcessLarder();
  const c = larder.client();
  try {
    const r = rng(3);
    for (let round = 0; round < 20; round++) {
      await c.send('DEL', 'set');
      const stable: string[] = [];
      for (let i = 0; i < 300; i++) stable.push(`stable:${i}`);
      await c.send('SADD', 'set', ...stable);
      const churn = Array.from({ length: 2000 }, (_, i) => `churn:${i}`);
      await c.send('SADD', 'set', ...churn);
      const seen = new Set<string>();
      let cursor = '0';
      let calls = 0;
      do {
        const [next, items] = plain((await c.send('SSCAN', 'set', cursor, 'COUNT', String(1 + Math.floor(r() * 30)))).decoded) as [string, string[]];
        for (const m of items) seen.add(m);
        cursor = next;
        calls++;
        // Between calls: remove and add churn members, sometimes a lot of them.
        const n = Math.floor(r() * (r() < 0.1 ? 1500 : 60));
        for (let i = 0; i < n; i++) {
          const m = churn[Math.floor(r() * churn.length)];
          await c.send(r() < 0.6 ? 'SREM' : 'SADD', 'set', m);
        }
      } while (cursor !== '0');
      for (const m of stable) assert.ok(seen.has(m), `round ${round}: ${m} was not returned`);
      for (const m of seen) assert.ok(m.startsWith('stable:') || m.startsWith('churn:'));
      assert.ok(calls > 5, 'the scan took several calls');
    }
  } finally {
    await larder.close();
  }
});

test('SRANDMEMBER and SPOP pick uniformly (chi-square), for both encodings', async () => {
  const larder = new InProcessLarder();
  const c = larder.client();
  try {
    for (const members of [['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']]) {
      await c.send('DEL', 's');
      await c.send('SADD', 's', ...members);
      // df = 9: 40 means a probability of 0.00001 (Redis's own test uses the same bound).
      const neg = plain((await c.send('SRANDMEMBER', 's', '-1000')).decoded) as string[];
      assert.equal(neg.length, 1000);
      assert.ok(chiSquare(neg) < 40, `negative count: chi-square ${chiSquare(neg)}`);
      const picks: string[] = [];
      for (let i = 0; i < 200; i++) picks.push(...(plain((await c.send('SRANDMEMBER', 's', '3')).decoded) as string[]));
      assert.ok(chiSquare(picks) < 40, `positive count: chi-square ${chiSquare(picks)}`);
      for (let i = 0; i < 200; i++) {
        const three = plain((await c.send('SRANDMEMBER', 's', '8')).decoded) as string[];
        assert.equal(new Set(three).size, 8, 'distinct members');
      }
      const popped: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const m = plain((await c.send('SPOP', 's')).decoded) as string;
        popped.push(m);
        await c.send('SADD', 's', m);
      }
      assert.ok(chiSquare(popped) < 40, `SPOP: chi-square ${chiSquare(popped)}`);
    }
  } finally {
    await larder.close();
  }
});
