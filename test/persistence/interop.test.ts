// Persistence interoperability with real Redis 7.0, in both directions, for every type and
// encoding of cases.ts: RDB files (SAVE and BGSAVE), AOF directories (RDB-preamble and
// command bases, before and after a rewrite), DUMP/RESTORE payloads, DEBUG RELOAD and
// restarts.
//
// How "identical" is checked: a file is loaded by Larder and by a real Redis, and both report
// the same DEBUG DIGEST, and per key the same type, OBJECT ENCODING, DEBUG DIGEST-VALUE and
// PEXPIRETIME (describeDataset), and the same probe replies byte for byte. Encodings are
// compared between servers that loaded the same file, since loading applies Redis's
// conversion rules (a short string changed in place is raw before a reload and embstr after,
// a small hash saved as a hashtable comes back as a listpack…).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startLarder, startRedis } from '../helpers/servers.js';
import { allKeys, runAll } from './cases.js';
import { assertSameDataset, checkTtls, loadBoth, populated, rdbDirWith, setup, snapshotOf, tmpDir, ttlKeys, waitFor, withClient } from './compare.js';

test('an RDB written by Redis loads in Larder identically (digests, encodings, TTLs), and back', async () => {
  const redis = await populated(() => startRedis());
  const before = await snapshotOf(redis);
  await withClient(redis, (c) => c.call('SAVE'));
  await redis.stop();
  const file = path.join(redis.dir, 'dump.rdb');
  const both = await loadBoth(file);
  assert.equal(both.larder.described.digest, before.described.digest);
  assert.ok(both.larder.probes.every((p, i) => p === before.probes[i]), 'probes before and after');

  // Larder writes the dataset it loaded: redis-check-rdb accepts it and both servers load it
  // as they loaded Redis's file.
  const larder = await startLarder({ dir: rdbDirWith(file) });
  await withClient(larder, (c) => c.call('SAVE'));
  await larder.stop();
  const ours = path.join(larder.dir, 'dump.rdb');
  assert.match(execFileSync('redis-check-rdb', [ours], { encoding: 'utf8' }), /RDB looks OK/);
  const again = await loadBoth(ours);
  assertSameDataset(again.redis, both.redis, "Redis loading Larder's file vs Redis's");
});

test('an RDB written by Larder (SAVE and BGSAVE) passes redis-check-rdb and loads in Redis identically', async () => {
  const larder = await populated(() => startLarder());
  const before = await snapshotOf(larder);
  const redisRef = await populated(() => startRedis());
  const reference = await snapshotOf(redisRef);
  await redisRef.stop();
  // The same commands give the same dataset and encodings on both servers.
  assertSameDataset(before, reference, 'Larder vs Redis after the same commands');
  await withClient(larder, async (c) => {
    for (const how of ['SAVE', 'BGSAVE']) {
      const file = path.join(larder.dir, 'dump.rdb');
      fs.rmSync(file, { force: true });
      assert.equal(await c.call(how), how === 'SAVE' ? 'OK' : 'Background saving started');
      if (how === 'BGSAVE') await waitFor(async () => fs.existsSync(file) && ((await c.call('INFO', 'persistence')) as string).includes('rdb_bgsave_in_progress:0'));
      assert.match(execFileSync('redis-check-rdb', [file], { encoding: 'utf8' }), /RDB looks OK/);
      const both = await loadBoth(file);
      assert.equal(both.redis.described.digest, before.described.digest);
      assert.ok(both.redis.probes.every((p, i) => p === before.probes[i]), 'probes before and after');
    }
  });
  await larder.stop();
});

for (const preamble of ['yes', 'no']) {
  test(`AOF directories move between Larder and Redis (aof-use-rdb-preamble ${preamble})`, async () => {
    const aofArgs = ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble];
    // Larder writes: half the data before a rewrite (in the base), half after (incr file).
    const larder = await startLarder({ args: aofArgs });
    const half = Math.floor(setup.length / 2);
    await withClient(larder, async (lc) => {
      await runAll(lc, setup.slice(0, half));
      assert.equal(await lc.call('BGREWRITEAOF'), 'Background append only file rewriting started');
      await waitFor(() => fs.readFileSync(path.join(larder.dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1').includes('seq 2 type b'));
      await runAll(lc, setup.slice(half));
    });
    const expected = await snapshotOf(larder);
    await larder.stop();
    const manifestFile = path.join(larder.dir, 'appendonlydir', 'appendonly.aof.manifest');
    assert.match(execFileSync('redis-check-aof', [manifestFile], { encoding: 'utf8' }), /All AOF files and manifest are valid/);
    const manifest = fs.readFileSync(manifestFile, 'latin1');
    assert.match(manifest, new RegExp(`^file appendonly\\.aof\\.2\\.base\\.${preamble === 'yes' ? 'rdb' : 'aof'} seq 2 type b\\nfile appendonly\\.aof\\.2\\.incr\\.aof seq 2 type i\\n$`));

    // The same directory loaded by Redis and by Larder (restart): the same dataset.
    const copyAof = (from: string) => {
      const dir = tmpDir('larder-interop-');
      fs.cpSync(path.join(from, 'appendonlydir'), path.join(dir, 'appendonlydir'), { recursive: true });
      return dir;
    };
    const rdir = copyAof(larder.dir);
    const redis = await startRedis({ dir: rdir, args: aofArgs });
    const restarted = await startLarder({ dir: copyAof(larder.dir), args: aofArgs });
    try {
      const [rs, ls] = await Promise.all([snapshotOf(redis), snapshotOf(restarted)]);
      assertSameDataset(ls, rs, 'Larder vs Redis loading the same AOF');
      assert.equal(rs.described.digest, expected.described.digest);
      assert.ok(rs.probes.every((p, i) => p === expected.probes[i]), 'probes before and after');
      await checkTtls(redis);
      // Redis adds to the same files and rewrites them; Larder loads the result.
      await withClient(redis, async (rc) => {
        await rc.call('SET', 'written-by-redis', 'yes');
        await rc.call('RPUSH', 'list-by-redis', 'a', 'b');
        await rc.call('BGREWRITEAOF');
        await waitFor(async () => ((await rc.call('INFO', 'persistence')) as string).includes('aof_rewrite_in_progress:0'));
        await rc.call('SET', 'after-rewrite', 'yes');
        await rc.call('ZADD', 'zset-after-rewrite', '1', 'a');
      });
    } finally {
      await Promise.all([redis.stop(), restarted.stop()]);
    }
    const redisAgain = await startRedis({ dir: copyAof(rdir), args: aofArgs });
    const larder2 = await startLarder({ dir: copyAof(rdir), args: aofArgs });
    try {
      const [rs, ls] = await Promise.all([snapshotOf(redisAgain), snapshotOf(larder2)]);
      assertSameDataset(ls, rs, "Larder vs Redis loading Redis's AOF");
      await withClient(larder2, async (c2) => {
        assert.deepEqual(await c2.call('MGET', 'written-by-redis', 'after-rewrite'), ['yes', 'yes']);
      });
    } finally {
      await Promise.all([redisAgain.stop(), larder2.stop()]);
    }
  });
}

test('DUMP payloads are interchangeable, and byte-identical where Redis is deterministic', async () => {
  const [larder, redis] = await Promise.all([populated(() => startLarder()), populated(() => startRedis())]);
  const [lc, rc] = await Promise.all([larder.client(), redis.client()]);
  try {
    for (const key of allKeys) {
      const enc = (await rc.call('OBJECT', 'ENCODING', key)) as string;
      const ld = await lc.send('DUMP', key);
      const rd = await rc.send('DUMP', key);
      // Hashtable-encoded sets and hashes are written in the order of Redis's dict, which
      // depends on a per-process random hash seed: only those differ.
      if (enc !== 'hashtable') assert.equal(ld.raw.toString('hex'), rd.raw.toString('hex'), `DUMP ${JSON.stringify(key)} (${enc})`);
      const lp = Buffer.from((ld.decoded as { value: string }).value, 'latin1');
      const rp = Buffer.from((rd.decoded as { value: string }).value, 'latin1');
      // Each side restores the other's payload under a new name: same value, same encoding.
      await runAll(rc, [['RESTORE', `${key}:from-larder`, 0, lp]]);
      await runAll(lc, [['RESTORE', `${key}:from-redis`, 0, rp]]);
      const [ldig, rdig] = [await lc.call('DEBUG', 'DIGEST-VALUE', `${key}:from-redis`, key), await rc.call('DEBUG', 'DIGEST-VALUE', `${key}:from-larder`, key)];
      assert.deepEqual(ldig, rdig, `digests of ${JSON.stringify(key)}`);
      // The copy has no TTL: its digest differs from the original's only when that has one.
      if (!ttlKeys.includes(key)) assert.equal((ldig as string[])[0], (ldig as string[])[1]);
      assert.equal(await lc.call('OBJECT', 'ENCODING', `${key}:from-redis`), await rc.call('OBJECT', 'ENCODING', `${key}:from-larder`), `encoding of restored ${JSON.stringify(key)}`);
    }
  } finally {
    lc.close();
    rc.close();
    await Promise.all([larder.stop(), redis.stop()]);
  }
});
