// Randomized tests: the same random list operations applied to Larder (in process, under
// several chunk fills so that chunks split, merge, pack and unpack) and to a plain JS array
// model, replies compared after every step. A second test replays random operations on a real
// Redis.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessLarder } from '../helpers/inprocess.js';
import { plain } from '../helpers/resp-client.js';
import { InProcessDifferential } from '../helpers/inprocess-diff.js';
import type { Script } from '../helpers/differential.js';
import { rng } from '../helpers/random.js';

/** Random list commands over a few keys, with values that repeat (for LREM/LPOS/LINSERT). */
function randomListCommand(r: () => number): string[] {
  const int = (n: number) => Math.floor(r() * n);
  const key = `l${int(2)}`;
  const value = () => (r() < 0.05 ? 'x'.repeat(1 + int(3000)) : r() < 0.5 ? `v${int(20)}` : String(int(1000)));
  const idx = () => String(int(80) - 40);
  switch (int(18)) {
    case 0: case 1: return ['LPUSH', key, ...Array.from({ length: 1 + int(5) }, value)];
    case 2: case 3: return ['RPUSH', key, ...Array.from({ length: 1 + int(5) }, value)];
    case 4: return ['LPOP', key, ...(r() < 0.5 ? [String(int(6))] : [])];
    case 5: return ['RPOP', key, ...(r() < 0.5 ? [String(int(6))] : [])];
    case 6: return ['LINDEX', key, idx()];
    case 7: return ['LSET', key, idx(), value()];
    case 8: return ['LRANGE', key, idx(), idx()];
    case 9: return ['LTRIM', key, idx(), String(int(200) - 10)];
    case 10: return ['LREM', key, String(int(7) - 3), value()];
    case 11: return ['LINSERT', key, r() < 0.5 ? 'BEFORE' : 'AFTER', value(), value()];
    case 12: return ['LPOS', key, value(), 'RANK', String((int(3) + 1) * (r() < 0.5 ? -1 : 1)), 'COUNT', String(int(4)), 'MAXLEN', String(int(50))];
    case 13: return ['LMOVE', key, `l${int(2)}`, r() < 0.5 ? 'LEFT' : 'RIGHT', r() < 0.5 ? 'LEFT' : 'RIGHT'];
    case 14: return ['LLEN', key];
    case 15: return ['LMPOP', '2', 'l0', 'l1', r() < 0.5 ? 'LEFT' : 'RIGHT', 'COUNT', String(1 + int(4))];
    case 16: return ['LRANGE', key, '0', '-1'];
    default: return ['RPUSHX', key, value()];
  }
}

/** The list model: what Redis replies, computed on JS arrays. */
class ListModel {
  private readonly lists = new Map<string, string[]>();
  /** The longest list seen (the test checks that lists grew enough to span many chunks). */
  longest = 0;

  track(): void {
    for (const l of this.lists.values()) this.longest = Math.max(this.longest, l.length);
  }

  private norm(len: number, i: number): number {
    return i < 0 ? len + i : i;
  }

  private cleanup(key: string): void {
    if (this.lists.get(key)?.length === 0) this.lists.delete(key);
  }

  apply(argv: string[]): unknown {
    const [name, key] = argv;
    const l = this.lists.get(key);
    const n = (s: string) => Number(s);
    switch (name) {
      case 'LPUSH': case 'RPUSH': case 'RPUSHX': {
        if (name === 'RPUSHX' && !l) return 0;
        const list = l ?? [];
        this.lists.set(key, list);
        for (const v of argv.slice(2)) if (name === 'LPUSH') list.unshift(v); else list.push(v);
        return list.length;
      }
      case 'LPOP': case 'RPOP': {
        const hasCount = argv.length === 3;
        if (!l) return null;
        if (hasCount && n(argv[2]) === 0) return [];
        const k = hasCount ? Math.min(n(argv[2]), l.length) : 1;
        const out = name === 'LPOP' ? l.splice(0, k) : l.splice(l.length - k, k).reverse();
        this.cleanup(key);
        return hasCount ? out : out[0];
      }
      case 'LINDEX': {
        if (!l) return null;
        const i = this.norm(l.length, n(argv[2]));
        return i >= 0 && i < l.length ? l[i] : null;
      }
      case 'LSET': {
        if (!l) return new Error('ERR no such key');
        const i = this.norm(l.length, n(argv[2]));
        if (i < 0 || i >= l.length) return new Error('ERR index out of range');
        l[i] = argv[3];
        return 'OK';
      }
      case 'LRANGE': {
        if (!l) return [];
        let s = this.norm(l.length, n(argv[2]));
        let e = this.norm(l.length, n(argv[3]));
        if (s < 0) s = 0;
        if (s > e || s >= l.length) return [];
        if (e >= l.length) e = l.length - 1;
        return l.slice(s, e + 1);
      }
      case 'LTRIM': {
        if (!l) return 'OK';
        let s = this.norm(l.length, n(argv[2]));
        let e = this.norm(l.length, n(argv[3]));
        if (s < 0) s = 0;
        const kept = s > e || s >= l.length ? [] : l.slice(s, Math.min(e, l.length - 1) + 1);
        l.splice(0, l.length, ...kept);
        this.cleanup(key);
        return 'OK';
      }
      case 'LREM': {
        if (!l) return 0;
        const count = n(argv[2]);
        const limit = count === 0 ? Infinity : Math.abs(count);
        let removed = 0;
        if (count >= 0) {
          for (let i = 0; i < l.length && removed < limit; ) if (l[i] === argv[3]) { l.splice(i, 1); removed++; } else i++;
        } else {
          for (let i = l.length - 1; i >= 0 && removed < limit; i--) if (l[i] === argv[3]) { l.splice(i, 1); removed++; }
        }
        this.cleanup(key);
        return removed;
      }
      case 'LINSERT': {
        if (!l) return 0;
        const i = l.indexOf(argv[3]);
        if (i < 0) return -1;
        l.splice(argv[2] === 'BEFORE' ? i : i + 1, 0, argv[4]);
        return l.length;
      }
      case 'LPOS': {
        if (!l) return [];
        const rank = n(argv[4]);
        const count = n(argv[6]);
        const maxlen = n(argv[8]);
        const out: number[] = [];
        let matches = 0;
        const limit = maxlen === 0 ? l.length : Math.min(maxlen, l.length);
        for (let s = 0; s < limit; s++) {
          const i = rank > 0 ? s : l.length - 1 - s;
          if (l[i] !== argv[2]) continue;
          if (++matches >= Math.abs(rank)) {
            out.push(i);
            if (count !== 0 && out.length >= count) break;
          }
        }
        return out;
      }
      case 'LMOVE': {
        if (!l) return null;
        const v = argv[3] === 'LEFT' ? l.shift()! : l.pop()!;
        this.cleanup(key);
        const dst = this.lists.get(argv[2]) ?? [];
        this.lists.set(argv[2], dst);
        if (argv[4] === 'LEFT') dst.unshift(v); else dst.push(v);
        return v;
      }
      case 'LLEN': return l ? l.length : 0;
      case 'LMPOP': {
        for (const k of [argv[2], argv[3]]) {
          const list = this.lists.get(k);
          if (!list) continue;
          const c = Math.min(n(argv[6]), list.length);
          const out = argv[4] === 'LEFT' ? list.splice(0, c) : list.splice(list.length - c, c).reverse();
          this.cleanup(k);
          return [k, out];
        }
        return null;
      }
    }
    throw new Error(`model lacks ${name}`);
  }
}

for (const fill of ['-2', '-1', '1', '2', '3', '16']) {
  test(`random list operations match a JS model (list-max-listpack-size ${fill})`, async () => {
    const larder = new InProcessLarder([['list-max-listpack-size', fill]]);
    const model = new ListModel();
    const c = larder.client();
    const r = rng(Number(fill) + 1000);
    try {
      for (let step = 0; step < 4000; step++) {
        const argv = randomListCommand(r);
        const got = plain((await c.send(...argv)).decoded);
        const want = model.apply(argv);
        model.track();
        assert.deepEqual(got, want, `step ${step}: ${JSON.stringify(argv)}`);
      }
      assert.ok(model.longest >= 60, `lists grew to ${model.longest} elements only`);
    } finally {
      await larder.close();
    }
  });
}

test('random list operations match a real Redis', async () => {
  const d = await InProcessDifferential.start([['list-max-listpack-size', '4']]);
  try {
    const r = rng(7);
    for (let round = 0; round < 3; round++) {
      const script: Script = [];
      for (let i = 0; i < 600; i++) script.push(randomListCommand(r));
      await d.check(script, { resp: round === 1 ? 3 : 2 });
    }
  } finally {
    await d.close();
  }
});
