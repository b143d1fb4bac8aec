// Forkless snapshots are point-in-time: whatever happens while a snapshot is walked in slices
// (writes through commands, in-place changes, expiry deletions, FLUSHDB-style table swaps,
// SWAPDB), the file holds exactly the dataset of the moment it started. A randomized model
// test in-process, and BGSAVE end to end against a running server.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { processCommand } from '../../src/engine/dispatch.js';
import { allFamilies } from '../../src/commands/index.js';
import { RdbWriter } from '../../src/persistence/rdb/writer.js';
import { RdbReader } from '../../src/persistence/rdb/reader.js';
import { loadRdb, RdbEmitter } from '../../src/persistence/rdb/file.js';
import { Snapshot } from '../../src/persistence/snapshot.js';
import { MutableString, type Value } from '../../src/types/value.js';
import { startLarder } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';

const servers: Server[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function newServer(): Server {
  const s = new Server();
  s.config.set([['loglevel', 'warning'], ['databases', '4']], { startup: true });
  s.register(...allFamilies);
  s.init();
  servers.push(s);
  return s;
}

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

type State = Map<string, [string, number | bigint | undefined]>[];

function stateOf(server: Server): State {
  return server.dbs.map((db) => {
    const m = new Map<string, [string, number | bigint | undefined]>();
    for (const [k, v] of db.keys.entries()) m.set(k, [valueText(v), db.expires.get(k)]);
    return m;
  });
}

function valueText(v: Value): string {
  return typeof v === 'string' ? v : (v as MutableString).toString();
}

test('a snapshot walked in slices holds the dataset of its start, whatever changes meanwhile', () => {
  for (let round = 0; round < 12; round++) {
    const rand = rng(1000 + round);
    const server = newServer();
    const c = new Client(server, 1, null);
    const run = (...argv: string[]) => processCommand(c, argv);
    // Start: three databases with strings, mutable strings and TTLs.
    for (let d = 0; d < 3; d++) {
      const db = server.dbs[d];
      const n = 200 + Math.floor(rand() * 800);
      for (let i = 0; i < n; i++) {
        const key = `k${Math.floor(rand() * 2000)}`;
        if (rand() < 0.1) db.set(key, MutableString.from(`mutable-${i}`, 16));
        else db.set(key, rand() < 0.2 ? String(i) : `v${d}:${i}:${'x'.repeat(Math.floor(rand() * 30))}`);
        if (rand() < 0.2) db.setExpire(key, Date.now() + 1_000_000 + i);
      }
    }
    const expected = stateOf(server);
    const w = new RdbWriter(null, { compression: rand() < 0.5 });
    const emitter = new RdbEmitter(w, server);
    const snap = new Snapshot(server, emitter, { needStamp: false });
    snap.install();
    let steps = 0;
    while (!snap.step(Infinity, 1 + Math.floor(rand() * 60))) {
      steps++;
      for (let m = Math.floor(rand() * 8); m > 0; m--) {
        const d = Math.floor(rand() * 4);
        c.selectDb(d);
        const db = server.dbs[d];
        const key = `k${Math.floor(rand() * 2000)}`;
        const r = rand();
        if (r < 0.35) run('SET', key, `new-${steps}-${m}`);
        else if (r < 0.5) run('DEL', key, `k${Math.floor(rand() * 2000)}`);
        else if (r < 0.55) run('MSET', key, 'a', `k${Math.floor(rand() * 2000)}`, 'b');
        else if (r < 0.6) run('SET', key, 'px', 'PX', '100000');
        else if (r < 0.7) {
          // An in-place change, as APPEND/SETRANGE do: guard through the command path first.
          const v = db.keys.get(key);
          if (v instanceof MutableString) {
            server.beforeWrite(c, server.commands.get('set')!, ['SET', key, 'x']);
            v.append('+appended');
          }
        } else if (r < 0.75) {
          if (db.keys.get(key) !== undefined) server.expireKey(db, key);
        } else if (r < 0.78) {
          db.clear(); // FLUSHDB
        } else if (r < 0.81) {
          db.swapWith(server.dbs[(d + 1) % 4]); // SWAPDB
        } else if (r < 0.83) {
          run('FLUSHALL');
        } else {
          run('GET', key);
        }
      }
    }
    assert.equal(server.beforeWriteHooks.length, 0, 'guards removed when done');
    assert.equal(server.keyGuards.length, 0);
    // Load the file into a fresh server: exactly the starting state.
    const check = newServer();
    loadRdb(check, new RdbReader(Buffer.from(w.toBuffer())), { aofBase: true });
    const got = stateOf(check);
    for (let d = 0; d < 4; d++) {
      assert.deepEqual(new Map([...got[d]].sort()), new Map([...expected[d]].sort()), `round ${round}, db ${d} (${steps} steps)`);
    }
  }
});

test('BGSAVE writes the dataset as of its start while clients keep writing', async () => {
  // 20000 keys at 100 µs each: the save takes at least two seconds.
  const larder = await startLarder({ args: ['--rdb-key-save-delay', '100'] });
  const c = await larder.client();
  const total = 20_000;
  for (let i = 0; i < total; i += 500) {
    const args: string[] = [];
    for (let j = i; j < i + 500; j++) args.push(`k:${j}`, `v:${j}`);
    await c.call('MSET', ...args);
  }
  await c.call('SET', 'short', 'lived', 'PX', '300');
  assert.equal(await c.call('BGSAVE'), 'Background saving started');
  assert.equal((await c.call('BGSAVE')) instanceof Error, true);
  // Writes while the snapshot is walked.
  const others = await Promise.all([1, 2, 3].map(() => RespClient.connect(larder.port)));
  const until = Date.now() + 1000;
  let ops = 0;
  await Promise.all(others.map(async (o, n) => {
    while (Date.now() < until) {
      const i = Math.floor(Math.random() * total);
      if (n === 0) await o.call('SET', `k:${i}`, 'changed');
      else if (n === 1) await o.call('DEL', `k:${i}`);
      else await o.call('SET', `new:${ops}`, 'x');
      ops++;
    }
  }));
  // The key with a short TTL expires (lazily, on this read) during the save.
  assert.equal(await c.call('GET', 'short'), null);
  const file = path.join(larder.dir, 'dump.rdb');
  assert.equal(fs.existsSync(file), false, 'the save was still running during the writes');
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const o of others) o.close();
  c.close();
  await larder.stop();
  assert.ok(ops > 100, `ops during the save: ${ops}`);
  const check = newServer();
  loadRdb(check, new RdbReader(fs.readFileSync(file)), { aofBase: true });
  const db = check.dbs[0];
  assert.equal(db.size, total + 1);
  for (let i = 0; i < total; i++) assert.equal(db.keys.get(`k:${i}`), `v:${i}`);
  assert.equal(db.keys.get('short'), 'lived');
  assert.ok(db.expires.get('short') !== undefined);
});
