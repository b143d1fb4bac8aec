// Persistence interoperability with real Redis 7.0, in both directions, for every case of
// cases.ts: RDB files (SAVE and BGSAVE), AOF directories (RDB-preamble and command bases,
// before and after a rewrite), DUMP/RESTORE payloads.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startLarder, startRedis, type RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';
import { cases, type Cmd } from './cases.js';

const setup: Cmd[] = cases.flatMap((c) => c.setup);
const probes: Cmd[] = [['DBSIZE'], ...cases.flatMap((c) => c.probe)];
const ttlKeys = cases.flatMap((c) => c.ttlKeys ?? []);
const allKeys = cases.flatMap((c) => c.keys);

async function run(c: RespClient, cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) {
    const r = await c.send(...cmd);
    if (r.decoded.type === 'error') assert.fail(`${cmd.join(' ')}: ${r.decoded.value}`);
  }
}

async function probe(server: RunningServer): Promise<string[]> {
  const c = await server.client();
  try {
    const out: string[] = [];
    for (const p of probes) out.push((await c.send(...p)).raw.toString('latin1'));
    return out;
  } finally {
    c.close();
  }
}

async function checkTtls(redis: RunningServer): Promise<void> {
  const c = await redis.client();
  try {
    for (const k of ttlKeys) {
      const ttl = (await c.call('PTTL', k)) as number;
      assert.ok(ttl > 90_000_000 && ttl <= 100_000_000, `TTL of ${k}: ${ttl}`);
    }
  } finally {
    c.close();
  }
}

let larderProbe: RunningServer | null = null;

/** Whether Larder implements a command (some tests need other families' commands). */
async function larderKnows(command: string): Promise<boolean> {
  larderProbe ??= await startLarder();
  const c = await larderProbe.client();
  const r = await c.send(command);
  c.close();
  return !(r.decoded.type === 'error' && r.decoded.value.startsWith('ERR unknown command'));
}

after(async () => {
  await larderProbe?.stop();
});

export async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert.fail('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function populated(start: () => Promise<RunningServer>): Promise<RunningServer> {
  const s = await start();
  const c = await s.client();
  await run(c, setup);
  c.close();
  return s;
}

test('Larder RDB (SAVE and BGSAVE) loads in Redis and passes redis-check-rdb', async () => {
  const larder = await populated(() => startLarder());
  const expected = await probe(larder);
  const c = await larder.client();
  for (const how of ['SAVE', 'BGSAVE']) {
    const before = (await c.call('LASTSAVE')) as number;
    const reply = await c.call(how);
    assert.equal(reply, how === 'SAVE' ? 'OK' : 'Background saving started');
    // BGSAVE is done when the file is renamed into place.
    if (how === 'BGSAVE') await waitFor(() => fs.existsSync(path.join(larder.dir, 'dump.rdb')));
    assert.ok(((await c.call('LASTSAVE')) as number) >= before);
    const file = path.join(larder.dir, 'dump.rdb');
    assert.match(execFileSync('redis-check-rdb', [file], { encoding: 'utf8' }), /RDB looks OK/);
    const dir = tmpDir('larder-interop-');
    fs.copyFileSync(file, path.join(dir, 'dump.rdb'));
    fs.rmSync(file);
    const redis = await startRedis({ dir });
    try {
      assert.deepEqual(await probe(redis), expected);
      await checkTtls(redis);
    } finally {
      await redis.stop();
    }
  }
  c.close();
  await larder.stop();
});

test('Redis RDB loads in Larder, and Larder writes the same data back', async () => {
  const redis = await populated(() => startRedis());
  const expected = await probe(redis);
  const rc = await redis.client();
  await rc.call('SAVE');
  rc.close();
  await redis.stop();
  const larder = await startLarder({ dir: redis.dir });
  assert.deepEqual(await probe(larder), expected);
  // Round trip back to Redis keeps the TTLs.
  const lc = await larder.client();
  await lc.call('SAVE');
  lc.close();
  await larder.stop();
  const again = await startRedis({ dir: redis.dir });
  try {
    assert.deepEqual(await probe(again), expected);
    await checkTtls(again);
  } finally {
    await again.stop();
  }
});

for (const preamble of ['yes', 'no']) {
  test(`AOF directories move between Larder and Redis (aof-use-rdb-preamble ${preamble})`, async (t) => {
    const aofArgs = ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble];
    // Larder writes: half the data before a rewrite (in the base), half after (incr file).
    const larder = await startLarder({ args: aofArgs });
    const lc = await larder.client();
    const half = Math.floor(setup.length / 2);
    await run(lc, setup.slice(0, half));
    assert.equal(await lc.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitFor(() => fs.readFileSync(path.join(larder.dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1').includes('seq 2 type b'));
    await run(lc, setup.slice(half));
    lc.close();
    const expected = await probe(larder);
    await larder.stop();
    const manifestFile = path.join(larder.dir, 'appendonlydir', 'appendonly.aof.manifest');
    assert.match(execFileSync('redis-check-aof', [manifestFile], { encoding: 'utf8' }), /All AOF files and manifest are valid/);
    const manifest = fs.readFileSync(manifestFile, 'latin1');
    assert.match(manifest, new RegExp(`^file appendonly\\.aof\\.2\\.base\\.${preamble === 'yes' ? 'rdb' : 'aof'} seq 2 type b\\nfile appendonly\\.aof\\.2\\.incr\\.aof seq 2 type i\\n$`));
    const rdir = tmpDir('larder-interop-');
    fs.cpSync(path.join(larder.dir, 'appendonlydir'), path.join(rdir, 'appendonlydir'), { recursive: true });
    const redis = await startRedis({ dir: rdir, args: aofArgs });
    try {
      assert.deepEqual(await probe(redis), expected);
      await checkTtls(redis);
      // Redis adds to the same files; Larder loads them.
      const rc = await redis.client();
      await rc.call('SET', 'written-by-redis', 'yes');
      await rc.call('BGREWRITEAOF');
      await new Promise((r) => setTimeout(r, 500));
      await rc.call('SET', 'after-rewrite', 'yes');
      rc.close();
    } finally {
      await redis.stop();
    }
    if (preamble === 'no' && ttlKeys.length > 0 && !(await larderKnows('PEXPIREAT'))) {
      // Redis's command-form base sets TTLs with PEXPIREAT, which comes with the keys family.
      t.skip('Larder has no PEXPIREAT yet: loading a command-form AOF base with TTLs is not possible');
      return;
    }
    const ldir = tmpDir('larder-interop-');
    fs.cpSync(path.join(rdir, 'appendonlydir'), path.join(ldir, 'appendonlydir'), { recursive: true });
    const larder2 = await startLarder({ dir: ldir, args: aofArgs });
    try {
      assert.deepEqual(await probe(larder2), expected.map((p, i) => (i === 0 ? p.replace(/\d+/, (n) => String(Number(n) + 2)) : p)));
      const c2 = await larder2.client();
      assert.deepEqual(await c2.call('MGET', 'written-by-redis', 'after-rewrite'), ['yes', 'yes']);
      c2.close();
    } finally {
      await larder2.stop();
    }
  });
}

test('DUMP payloads are interchangeable', async () => {
  const [larder, redis] = await Promise.all([populated(() => startLarder()), populated(() => startRedis())]);
  const [lc, rc] = await Promise.all([larder.client(), redis.client()]);
  try {
    for (const key of allKeys) {
      const ld = await lc.send('DUMP', key);
      const rd = await rc.send('DUMP', key);
      assert.equal(ld.raw.toString('latin1'), rd.raw.toString('latin1'), `DUMP ${JSON.stringify(key)}`);
      const payload = Buffer.from((ld.decoded as { value: string }).value, 'latin1');
      // Each side restores the other's payload under a new name.
      await run(rc, [['RESTORE', `${key}:from-larder`, 0, payload]]);
      await run(lc, [['RESTORE', `${key}:from-redis`, 0, Buffer.from((rd.decoded as { value: string }).value, 'latin1')]]);
      assert.equal((await lc.send('GET', `${key}:from-redis`)).raw.toString('latin1'), (await rc.send('GET', `${key}:from-larder`)).raw.toString('latin1'));
    }
  } finally {
    lc.close();
    rc.close();
    await Promise.all([larder.stop(), redis.stop()]);
  }
});
