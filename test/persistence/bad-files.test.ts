// Startup with bad files: a corrupt or truncated RDB, a corrupt AOF or manifest must stop the
// server with a clear error (exit code 1), as Redis does; a truncated AOF tail is cut off and
// loaded when aof-load-truncated is yes (and logged), and is fatal when it is no.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort, MAIN_JS, startLarder } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'larder-bad-'));
}

/** Runs Larder on `dir` until it exits (or is ready, then stops it). */
async function runLarder(dir: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN_JS, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setInterval(() => {
    if (/Ready to accept connections/.test(output)) child.kill('SIGTERM');
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearInterval(timer);
  return { code, output };
}

/** A Larder RDB file with a few keys. */
async function makeRdb(dir: string, keys = 50): Promise<Buffer> {
  const s = await startLarder({ dir });
  const c = await s.client();
  for (let i = 0; i < keys; i++) await c.call('SET', `key:${i}`, `value-${i}-${'x'.repeat(i)}`);
  await c.call('SAVE');
  c.close();
  await s.stop();
  return fs.readFileSync(path.join(dir, 'dump.rdb'));
}

test('a corrupt RDB checksum stops the server', async () => {
  const dir = tmpDir();
  const rdb = await makeRdb(dir);
  const bad = Buffer.from(rdb);
  bad.write('foobar00', bad.length - 8, 'latin1');
  fs.writeFileSync(path.join(dir, 'dump.rdb'), bad);
  const r = await runLarder(dir, []);
  assert.equal(r.code, 1);
  assert.match(r.output, /Wrong RDB checksum expected/);
  assert.match(r.output, /CRC error/);
  assert.match(r.output, /Terminating server after rdb file reading failure/);
});

test('a truncated RDB stops the server', async () => {
  const dir = tmpDir();
  const rdb = await makeRdb(dir);
  for (const cut of [5, 30, Math.floor(rdb.length / 2), rdb.length - 3]) {
    fs.writeFileSync(path.join(dir, 'dump.rdb'), rdb.subarray(0, cut));
    const r = await runLarder(dir, []);
    assert.equal(r.code, 1, `cut at ${cut}: ${r.output}`);
    assert.match(r.output, /Short read or OOM loading DB|Unexpected EOF|Wrong signature/, `cut at ${cut}`);
  }
});

test('garbage in an RDB stops the server', async () => {
  const dir = tmpDir();
  const rdb = await makeRdb(dir);
  // A bad value type right after the header and aux fields.
  const bad = Buffer.from(rdb);
  const at = bad.indexOf(Buffer.from('key:'), 0, 'latin1') - 2;
  bad[at] = 100;
  fs.writeFileSync(path.join(dir, 'dump.rdb'), bad);
  let r = await runLarder(dir, ['--rdbchecksum', 'no']);
  assert.equal(r.code, 1);
  assert.match(r.output, /Internal error in RDB reading offset \d+.*Unknown RDB encoding type 100/);
  fs.writeFileSync(path.join(dir, 'dump.rdb'), Buffer.from('NOTREDIS0010'));
  r = await runLarder(dir, []);
  assert.equal(r.code, 1);
  assert.match(r.output, /Wrong signature trying to load DB from file/);
  fs.writeFileSync(path.join(dir, 'dump.rdb'), Buffer.from('REDIS0012'));
  r = await runLarder(dir, []);
  assert.equal(r.code, 1);
  assert.match(r.output, /Can't handle RDB format version 0012/);
});

test('a missing or empty RDB starts empty; an unreadable one is fatal', async () => {
  const dir = tmpDir();
  let r = await runLarder(dir, []);
  assert.equal(r.code, 0);
  fs.writeFileSync(path.join(dir, 'dump.rdb'), '');
  r = await runLarder(dir, []);
  assert.equal(r.code, 1);
  assert.match(r.output, /Short read or OOM loading DB/);
  fs.rmSync(path.join(dir, 'dump.rdb'));
  fs.mkdirSync(path.join(dir, 'dump.rdb'));
  r = await runLarder(dir, []);
  assert.equal(r.code, 1);
  assert.match(r.output, /Fatal error loading the DB: .*Exiting/);
});

/** An AOF directory written by Larder: base + an incremental file with `n` SETs. */
async function makeAof(dir: string, n = 20): Promise<string> {
  const s = await startLarder({ dir, args: ['--appendonly', 'yes'] });
  const c = await s.client();
  for (let i = 0; i < n; i++) await c.call('SET', `k${i}`, `v${i}`);
  c.close();
  await s.stop();
  return path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
}

test('a truncated AOF tail is cut off and loaded with aof-load-truncated yes, fatal with no', async () => {
  const dir = tmpDir();
  const incr = await makeAof(dir);
  const whole = fs.readFileSync(incr);
  fs.writeFileSync(incr, whole.subarray(0, whole.length - 5));
  let r = await runLarder(dir, ['--appendonly', 'yes', '--aof-load-truncated', 'no']);
  assert.equal(r.code, 1);
  assert.match(r.output, /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof/);
  r = await runLarder(dir, ['--appendonly', 'yes']);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /!!! Warning: short read while loading the AOF file appendonly\.aof\.1\.incr\.aof!!!/);
  assert.match(r.output, /AOF appendonly\.aof\.1\.incr\.aof loaded anyway because aof-load-truncated is enabled/);
  // The file now ends at the last complete command: 19 keys survive, and it loads cleanly.
  const s = await startLarder({ dir, args: ['--appendonly', 'yes'] });
  const c = await s.client();
  assert.equal(await c.call('DBSIZE'), 19);
  assert.equal(await c.call('GET', 'k18'), 'v18');
  c.close();
  await s.stop();
  assert.doesNotMatch(s.output(), /short read/);
});

test('an unfinished MULTI at the end of the AOF is dropped', async () => {
  const dir = tmpDir();
  const incr = await makeAof(dir, 3);
  fs.appendFileSync(incr, '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$1\r\n1\r\n');
  const r = await runLarder(dir, ['--appendonly', 'yes']);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Revert incomplete MULTI\/EXEC transaction in AOF file appendonly\.aof\.1\.incr\.aof/);
  const s = await startLarder({ dir, args: ['--appendonly', 'yes'] });
  const c = await s.client();
  assert.equal(await c.call('DBSIZE'), 3);
  c.close();
  await s.stop();
  // A complete block is applied.
  fs.appendFileSync(incr, '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$1\r\n1\r\n*1\r\n$4\r\nEXEC\r\n');
  const s2 = await startLarder({ dir, args: ['--appendonly', 'yes'] });
  const c2 = await s2.client();
  assert.equal(await c2.call('GET', 'z'), '1');
  c2.close();
  await s2.stop();
});

test('bad AOF contents and manifests are fatal', async () => {
  const dir = tmpDir();
  const incr = await makeAof(dir, 2);
  const good = fs.readFileSync(incr);
  fs.appendFileSync(incr, 'garbage\r\n');
  let r = await runLarder(dir, ['--appendonly', 'yes']);
  assert.equal(r.code, 1);
  assert.match(r.output, /Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof/);
  fs.writeFileSync(incr, Buffer.concat([good, Buffer.from('*2\r\n$7\r\nNOSUCHC\r\n$1\r\nx\r\n')]));
  r = await runLarder(dir, ['--appendonly', 'yes']);
  assert.equal(r.code, 1);
  assert.match(r.output, /Unknown command 'NOSUCHC' reading the append only file appendonly\.aof\.1\.incr\.aof/);
  fs.writeFileSync(incr, good);
  const manifest = path.join(dir, 'appendonlydir', 'appendonly.aof.manifest');
  const m = fs.readFileSync(manifest, 'latin1');
  fs.writeFileSync(manifest, m + 'file appendonly.aof.1.incr.aof seq 1 type i\n');
  r = await runLarder(dir, ['--appendonly', 'yes']);
  assert.equal(r.code, 1);
  assert.match(r.output, /Found a non-monotonic sequence number/);
  fs.writeFileSync(manifest, 'this is not a manifest\n');
  r = await runLarder(dir, ['--appendonly', 'yes']);
  assert.equal(r.code, 1);
  assert.match(r.output, /Invalid AOF manifest file format/);
  // A file listed but missing.
  fs.writeFileSync(manifest, m);
  fs.rmSync(incr);
  r = await runLarder(dir, ['--appendonly', 'yes']);
  assert.equal(r.code, 1);
  assert.match(r.output, /Unable to obtain the AOF file appendonly\.aof\.1\.incr\.aof length/);
});

test('a truncated RDB base of the AOF is fatal, even with aof-load-truncated yes', async () => {
  const dir = tmpDir();
  await makeAof(dir, 2);
  const base = path.join(dir, 'appendonlydir', 'appendonly.aof.1.base.rdb');
  const b = fs.readFileSync(base);
  fs.writeFileSync(base, b.subarray(0, b.length - 4));
  const r = await runLarder(dir, ['--appendonly', 'yes']);
  assert.equal(r.code, 1);
  assert.equal(fs.statSync(base).size, b.length - 4);
  assert.match(r.output, /Error reading the RDB base file appendonly\.aof\.1\.base\.rdb, AOF loading aborted/);
});

test('clients get LOADING while the dataset loads, then the full dataset', async () => {
  const dir = tmpDir();
  await makeRdb(dir, 300);
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN_JS, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--key-load-delay', '10000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  try {
    let c: RespClient | null = null;
    for (let i = 0; i < 200 && c === null; i++) {
      try {
        c = await RespClient.connect(port);
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    assert.ok(c !== null, 'listening while loading');
    assert.equal((await c.send('PING')).raw.toString(), '-LOADING Redis is loading the dataset in memory\r\n');
    assert.equal((await c.send('GET', 'key:1')).raw.toString(), '-LOADING Redis is loading the dataset in memory\r\n');
    assert.doesNotMatch(output, /Ready to accept/);
    while (!/Ready to accept connections/.test(output)) await new Promise((r) => setTimeout(r, 25));
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.call('DBSIZE'), 300);
    c.close();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});

test('nothing expires while an AOF is replayed', async () => {
  const dir = tmpDir();
  const incr = await makeAof(dir, 1);
  // A key that expired long ago, then changed: in Redis the change applies to the (expired) key,
  // which is then gone — it must not come back as a new key without a TTL.
  fs.appendFileSync(incr, '*5\r\n$3\r\nSET\r\n$3\r\nold\r\n$1\r\n5\r\n$4\r\nPXAT\r\n$13\r\n1000000000000\r\n*2\r\n$4\r\nINCR\r\n$3\r\nold\r\n');
  const s = await startLarder({ dir, args: ['--appendonly', 'yes'] });
  const c = await s.client();
  assert.equal(await c.call('GET', 'old'), null);
  assert.equal(await c.call('DBSIZE'), 1, 'k0 only (old is expired)');
  c.close();
  await s.stop();
});
