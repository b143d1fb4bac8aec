import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryArena } from '../../src/engine/entry-arena.js';
import { KeyspaceTable } from '../../src/engine/keyspace-table.js';
import { rng } from '../helpers/random.js';

function bytes(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

/** Lengths around every boundary: one-byte and five-byte length headers, 32-char copies, the biggest block. */
function length(rand: () => number): number {
  const r = rand();
  if (r < 0.5) return Math.floor(rand() * 40);
  if (r < 0.8) return 250 + Math.floor(rand() * 10);
  return 1900 + Math.floor(rand() * 200);
}

test('entries put, read, rewritten and freed at random keep their bytes; freed blocks are reused', () => {
  const rand = rng(3);
  const arena = new EntryArena();
  const live = new Map<number, { key: string; value: string | number }>();
  for (let i = 0; i < 40000; i++) {
    if (live.size > 0 && rand() < 0.5) {
      const addrs = [...live.keys()];
      const addr = addrs[Math.floor(rand() * addrs.length)];
      const e = live.get(addr)!;
      assert.equal(arena.key(addr), e.key);
      assert.ok(arena.keyEquals(addr, e.key));
      assert.ok(!arena.keyEquals(addr, e.key + 'x'));
      if (typeof e.value === 'number') {
        assert.equal(arena.value(addr), String(e.value));
        if (Math.abs(e.value) < 2 ** 52) {
          assert.equal(arena.addToInteger(addr, 1), e.value + 1);
          e.value++;
        }
      } else {
        assert.equal(arena.value(addr), e.value);
        assert.equal(arena.addToInteger(addr, 1), undefined);
      }
      if (rand() < 0.5) {
        arena.free(addr);
        live.delete(addr);
      } else {
        // A new value in place: taken only when it needs a block of the same size.
        const value = rand() < 0.3 ? Math.floor(rand() * 1e6) : bytes(rand, length(rand));
        const head = 2 + (e.key.length < 255 ? 1 : 5) + e.key.length;
        const units = typeof value === 'number' ? Math.ceil(head / 8) + 1 : Math.ceil((head + (value.length < 255 ? 1 : 5) + value.length) / 8);
        const same = units === Math.ceil(((typeof e.value === 'number' ? Math.ceil(head / 8) * 8 + 8 : head + (e.value.length < 255 ? 1 : 5) + e.value.length)) / 8);
        const done = typeof value === 'number' ? arena.rewriteInteger(addr, value) : arena.rewriteString(addr, value);
        assert.equal(done, same);
        if (done) e.value = value;
        assert.equal(arena.value(addr), String(e.value));
        assert.equal(arena.key(addr), e.key);
      }
      continue;
    }
    const key = bytes(rand, length(rand));
    const value = rand() < 0.3 ? Math.floor(rand() * 2 ** 53) - 2 ** 52 : bytes(rand, length(rand));
    const addr = typeof value === 'number' ? arena.putInteger(key, value) : arena.putString(key, value);
    const head = 2 + (key.length < 255 ? 1 : 5) + key.length;
    const size = typeof value === 'number' ? Math.ceil(head / 8) * 8 + 8 : head + (value.length < 255 ? 1 : 5) + value.length;
    if (size > 2040) {
      assert.equal(addr, -1, `an entry of ${size} bytes does not fit a block`);
      continue;
    }
    assert.ok(addr >= 0 && Number.isInteger(addr) && addr < 2 ** 31);
    assert.ok(!live.has(addr));
    live.set(addr, { key, value });
  }
  const capacity = arena.capacity;
  for (const [addr, e] of live) {
    assert.equal(arena.key(addr), e.key);
    arena.free(addr);
  }
  assert.equal(arena.liveBytes, 0);
  // The same entries again fit in the freed blocks.
  const again = [...live.values()].map((e) => {
    const addr = typeof e.value === 'number' ? arena.putInteger(e.key, e.value) : arena.putString(e.key, e.value);
    assert.equal(arena.value(addr), String(e.value));
    return addr;
  });
  assert.equal(arena.capacity, capacity);
  for (const addr of again) arena.free(addr);
  assert.equal(arena.liveBytes, 0);
  assert.equal(arena.liveBytes, 0);
});

test('a value rewritten in place when its block size stays, integers and strings alike', () => {
  const arena = new EntryArena();
  const addr = arena.putString('k', 'abcdefghij');
  assert.ok(arena.rewriteString(addr, 'ABCDEFGHIJ'));
  assert.equal(arena.value(addr), 'ABCDEFGHIJ');
  assert.ok(!arena.rewriteString(addr, 'x'.repeat(50)));
  assert.equal(arena.value(addr), 'ABCDEFGHIJ');
  assert.ok(arena.rewriteInteger(addr, 42));
  assert.equal(arena.value(addr), '42');
  assert.ok(arena.rewriteInteger(addr, -7));
  assert.equal(arena.addToInteger(addr, 2 ** 53 + 8), undefined, 'a sum beyond 2^53 is not kept as a number');
  assert.equal(arena.addToInteger(addr, 10), 3);
  assert.ok(arena.rewriteString(addr, 'abcdefghi'));
  assert.equal(arena.addToInteger(addr, 1), undefined);
  assert.equal(arena.value(addr), 'abcdefghi');
  assert.equal(arena.key(addr), 'k');
  const small = arena.putString('k', 'v');
  assert.ok(!arena.rewriteInteger(small, 1), 'an integer needs two units here');
  assert.equal(arena.value(small), 'v');
});

test('bytes given as a buffer read back as the strings they are', () => {
  const arena = new EntryArena();
  const buf = Buffer.from('..key\x00\xff..' + 'v'.repeat(300), 'latin1');
  const addr = arena.putStringBytes(buf, 2, 5, 7, 302);
  assert.equal(arena.key(addr), 'key\x00\xff');
  assert.equal(arena.value(addr), '..' + 'v'.repeat(300));
  const big = Buffer.alloc(2100);
  assert.equal(arena.putStringBytes(big, 0, 10, 0, 2100), -1);
});

test('a keyspace table keeps small strings and integers in its arena, big ones outside', () => {
  const t = new KeyspaceTable();
  const longKey = 'k'.repeat(3000);
  t.set('n', 41);
  assert.equal(t.addToInteger('n', 1), 42);
  assert.equal(t.get('n'), '42');
  t.set(longKey, 7);
  assert.equal(t.get(longKey), '7');
  assert.equal(t.addToInteger(longKey, 1), undefined, 'a key too long for a block keeps its integer as text');
  t.set('v', 'small');
  t.set('v', 'x'.repeat(5000));
  assert.equal(t.get('v'), 'x'.repeat(5000));
  t.set('v', 'small again');
  assert.equal(t.get('v'), 'small again');
  assert.equal(t.addToInteger('v', 1), undefined);
  t.set('v', 5);
  assert.equal(t.addToInteger('v', -10), -5);
  const spare = t.arenaSpare;
  for (let i = 0; i < 1000; i++) t.set('key:' + i, 'value:' + i);
  for (let i = 0; i < 1000; i++) t.delete('key:' + i);
  assert.ok(t.arenaSpare > spare, 'deleted entries are spare arena bytes');
  for (let i = 0; i < 1000; i++) t.set('key:' + i, 'value:' + i);
  assert.equal(t.get('key:999'), 'value:999');
  assert.deepEqual(
    new Map(t.entries()),
    new Map<string, string>([['n', '42'], [longKey, '7'], ['v', '-5'], ...Array.from({ length: 1000 }, (_, i): [string, string] => ['key:' + i, 'value:' + i])]),
  );
});
