// Comparing datasets between Larder and real Redis (see interop.test.ts): the views each
// server gives of its dataset, and the assertions on them.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLarder, startRedis, type RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';
import { cases, describeDataset, FAR_EXPIRY, probeAll, runAll, type Cmd } from './cases.js';

export const setup: Cmd[] = cases.flatMap((c) => c.setup);
export const ttlKeys = cases.flatMap((c) => c.ttlKeys ?? []);

export async function withClient<T>(server: RunningServer, f: (c: RespClient) => Promise<T>): Promise<T> {
  const c = await server.client();
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

/** Everything comparable about a server's dataset. */
export async function snapshotOf(server: RunningServer): Promise<{ described: Awaited<ReturnType<typeof describeDataset>>; probes: string[] }> {
  // Probes first: PFCOUNT caches the cardinality in the HyperLogLog's bytes (a first PFCOUNT
  // changes the value's digest).
  return withClient(server, async (c) => {
    const probes = await probeAll(c);
    return { described: await describeDataset(c), probes };
  });
}

export type DatasetView = Awaited<ReturnType<typeof snapshotOf>>;

/**
 * Asserts two views of a dataset are the same, key by key and probe by probe (short messages).
 * `probes: false` compares keys and digests only: the probes read in a fixed order the values
 * the dataset's setup gives listpack or intset encodings, which other encoding settings can
 * turn into hashtables (whose order in Redis depends on a per-process random hash seed).
 */
export function assertSameDataset(actual: DatasetView, expected: DatasetView, what: string, { probes = true } = {}): void {
  const a = new Map(actual.described.keys.map((k) => [`${k.db}:${k.key}`, k]));
  const e = new Map(expected.described.keys.map((k) => [`${k.db}:${k.key}`, k]));
  assert.deepEqual([...a.keys()], [...e.keys()], `${what}: key names`);
  for (const [name, k] of e) assert.deepEqual(a.get(name), k, `${what}: key ${JSON.stringify(name)}`);
  assert.equal(actual.described.digest, expected.described.digest, `${what}: DEBUG DIGEST`);
  if (!probes) return;
  assert.equal(actual.probes.length, expected.probes.length);
  const commands = [['DBSIZE'], ...cases.flatMap((x) => x.probe)];
  for (let i = 0; i < expected.probes.length; i++) {
    if (actual.probes[i] !== expected.probes[i]) {
      assert.fail(`${what}: probe ${commands[i].map(String).join(' ').slice(0, 80)}: ${JSON.stringify(actual.probes[i].slice(0, 300))} vs ${JSON.stringify(expected.probes[i].slice(0, 300))}`);
    }
  }
}

export async function checkTtls(server: RunningServer): Promise<void> {
  await withClient(server, async (c) => {
    for (const k of ttlKeys) assert.equal(await c.call('PEXPIRETIME', k), FAR_EXPIRY, `expiry of ${k}`);
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) assert.fail('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function populated(start: () => Promise<RunningServer>): Promise<RunningServer> {
  const s = await start();
  await withClient(s, (c) => runAll(c, setup));
  return s;
}

/** A copy of `file` as dump.rdb in a new directory. */
export function rdbDirWith(file: string): string {
  const dir = tmpDir('larder-interop-');
  fs.copyFileSync(file, path.join(dir, 'dump.rdb'));
  return dir;
}

/**
 * Loads the same RDB file into a fresh Redis and a fresh Larder (both started with `args`);
 * both must report the same dataset. Under settings other than the defaults the probes are
 * not compared (see assertSameDataset).
 */
export async function loadBoth(file: string, args: string[] = []): Promise<{ redis: DatasetView; larder: DatasetView }> {
  const redis = await startRedis({ dir: rdbDirWith(file), args });
  const larder = await startLarder({ dir: rdbDirWith(file), args });
  try {
    const [rs, ls] = await Promise.all([snapshotOf(redis), snapshotOf(larder)]);
    assertSameDataset(ls, rs, 'Larder vs Redis loading the same file', { probes: args.length === 0 });
    await checkTtls(larder);
    return { redis: rs, larder: ls };
  } finally {
    await Promise.all([redis.stop(), larder.stop()]);
  }
}

