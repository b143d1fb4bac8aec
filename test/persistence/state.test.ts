// Persistence policy in-process (settings changed as CONFIG SET would): MISCONF after a failed
// background save, save points, enabling and disabling the AOF at runtime, BGSAVE SCHEDULE,
// DEBUG RELOAD / LOADAOF, FLUSHALL and shutdown hooks, INFO fields, and the propagation of
// writes (deterministic forms, MULTI/EXEC around nested commands).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { call, processCommand } from '../../src/engine/dispatch.js';
import { allFamilies } from '../../src/commands/index.js';
import { ErrorReply, SimpleString, type Reply } from '../../src/resp/reply.js';
import { MISCONF_RDB, setupPersistence, persistence } from '../../src/persistence/persistence.js';
import type { Family } from '../../src/commands/command.js';

const servers: Server[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'larder-state-'));
}

/** A test-only container command that runs the commands given as arguments (like EXEC). */
const containerFamily: Family = {
  testexec: {
    meta: { name: 'testexec', arity: -1, flags: [], firstKey: 0, lastKey: 0, step: 0, acl: [], tips: [], keySpecs: [] },
    run: (c, argv): Reply => {
      const out: Reply[] = [];
      for (const part of argv.slice(1)) {
        const inner = part.split(' ');
        out.push(call(c, c.server.commands.get(inner[0])!, inner));
      }
      return out;
    },
  },
};

function newServer(settings: [string, string][] = []): { server: Server; c: Client; run: (...argv: string[]) => Reply } {
  const server = new Server();
  const all = new Map<string, string>([['loglevel', 'warning'], ['save', ''], ['enable-debug-command', 'yes']]);
  for (const [k, v] of settings) all.set(k, v);
  const r = server.config.set([...all], { startup: true });
  assert.ok(r.ok, JSON.stringify(r));
  server.register(...allFamilies, containerFamily);
  server.init();
  setupPersistence(server);
  servers.push(server);
  const c = new Client(server, 1, null);
  return { server, c, run: (...argv) => processCommand(c, argv) };
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert.fail('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function status(r: Reply): string | undefined {
  return r instanceof SimpleString ? r.value : undefined;
}

function errorOf(r: Reply): string | undefined {
  return r instanceof ErrorReply ? r.message : undefined;
}

function set(server: Server, pairs: [string, string][]): void {
  const r = server.config.set(pairs, { allowProtected: true });
  assert.ok(r.ok, JSON.stringify(r));
}

test('a failed background save denies writes (MISCONF) until a save succeeds', async () => {
  const dir = tmpDir();
  const { server, run } = newServer([['dir', dir], ['save', '3600 1']]);
  run('SET', 'a', '1');
  fs.rmSync(dir, { recursive: true }); // the working directory is gone: saving fails
  assert.equal(errorOf(run('BGSAVE')), 'ERR');
  assert.equal(errorOf(run('SET', 'b', '2')), MISCONF_RDB);
  assert.equal(errorOf(run('PING')), MISCONF_RDB);
  assert.equal(run('GET', 'a'), '1');
  // Not with stop-writes-on-bgsave-error no, nor without save points.
  set(server, [['stop-writes-on-bgsave-error', 'no']]);
  assert.equal(errorOf(run('SET', 'b', '2')), undefined);
  set(server, [['stop-writes-on-bgsave-error', 'yes'], ['save', '']]);
  assert.equal(errorOf(run('SET', 'b', '2')), undefined);
  set(server, [['save', '3600 1']]);
  assert.equal(errorOf(run('SET', 'b', '2')), MISCONF_RDB);
  // A successful save clears it.
  set(server, [['dir', tmpDir()]]);
  assert.equal(status(run('BGSAVE')), 'Background saving started');
  await waitFor(() => persistence(server).job === null);
  assert.equal(status(run('SET', 'b', '3')), 'OK');
  assert.equal(persistence(server).infoFields().find(([k]) => k === 'rdb_last_bgsave_status')![1], 'ok');
});

test('save points start a background save from the cron', async () => {
  const dir = tmpDir();
  const { server, run } = newServer([['dir', dir], ['save', '1 2'], ['hz', '100']]);
  run('SET', 'a', '1');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(fs.existsSync(path.join(dir, 'dump.rdb')), false, 'one change is not enough');
  run('SET', 'b', '2');
  await waitFor(() => fs.existsSync(path.join(dir, 'dump.rdb')));
  await waitFor(() => server.dirty === 0);
  assert.equal(persistence(server).rdbSaves, 1);
});

test('appendonly can be turned on and off at runtime', async () => {
  const dir = tmpDir();
  const { server, run } = newServer([['dir', dir]]);
  run('SET', 'before', '1');
  set(server, [['appendonly', 'yes']]);
  const p = persistence(server);
  assert.equal(p.aof.state, 'wait_rewrite');
  run('SET', 'during', '2');
  await waitFor(() => p.aof.state === 'on');
  const aofDir = path.join(dir, 'appendonlydir');
  assert.equal(fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1'), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  run('SET', 'after', '3');
  await new Promise((r) => setImmediate(r));
  const incr = fs.readFileSync(path.join(aofDir, 'appendonly.aof.1.incr.aof'), 'latin1');
  assert.match(incr, /during/);
  assert.match(incr, /after/);
  assert.doesNotMatch(incr, /before/);
  set(server, [['appendonly', 'no']]);
  assert.equal(p.aof.state, 'off');
  run('SET', 'off', '4');
  await new Promise((r) => setImmediate(r));
  assert.doesNotMatch(fs.readFileSync(path.join(aofDir, 'appendonly.aof.1.incr.aof'), 'latin1'), /off/);
  // DEBUG LOADAOF with AOF off is a no-op; with it on, it reloads what the files hold.
  set(server, [['appendonly', 'yes']]);
  await waitFor(() => p.aof.state === 'on');
  run('SET', 'x', 'y');
  await new Promise((r) => setImmediate(r));
  const files = () => fs.readdirSync(aofDir).map((f) => `${f}:${fs.statSync(path.join(aofDir, f)).size}`).sort();
  // The first base and incremental files are deleted in the background once history.
  const manifest = path.join(aofDir, 'appendonly.aof.manifest');
  await waitFor(() => fs.readdirSync(aofDir).every((f) => f === 'appendonly.aof.manifest' || fs.readFileSync(manifest, 'latin1').includes(`file ${f} `)));
  const before = files();
  assert.equal(status(run('DEBUG', 'LOADAOF')), 'OK');
  assert.deepEqual(run('MGET', 'before', 'during', 'after', 'off', 'x'), ['1', '2', '3', '4', 'y']);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(files(), before, 'replayed commands are not logged again');
});

test('BGSAVE and BGREWRITEAOF run one at a time, SCHEDULE queues', async () => {
  const dir = tmpDir();
  const { server, run } = newServer([['dir', dir], ['rdb-key-save-delay', '2000']]);
  for (let i = 0; i < 200; i++) run('SET', `k${i}`, 'v');
  assert.equal(status(run('BGSAVE')), 'Background saving started');
  assert.equal(errorOf(run('BGSAVE')), 'ERR Background save already in progress');
  assert.equal(errorOf(run('SAVE')), 'ERR Background save already in progress');
  assert.equal(status(run('BGREWRITEAOF')), 'Background append only file rewriting scheduled');
  const p = persistence(server);
  assert.equal(p.infoFields().find(([k]) => k === 'rdb_bgsave_in_progress')![1], 1);
  assert.equal(p.infoFields().find(([k]) => k === 'aof_rewrite_scheduled')![1], 1);
  // The rewrite starts when the save is done (both paced by rdb-key-save-delay).
  await waitFor(() => p.job !== null && p.job.kind === 'aof');
  assert.equal(errorOf(run('BGSAVE')), "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
  assert.equal(status(run('BGSAVE', 'SCHEDULE')), 'Background saving scheduled');
  assert.equal(errorOf(run('BGSAVE', 'NOW')), 'ERR syntax error');
  set(server, [['rdb-key-save-delay', '0']]);
  await waitFor(() => p.job === null && !p.bgsaveScheduled && p.rdbSaves === 2, 20_000);
  assert.ok(fs.existsSync(path.join(dir, 'dump.rdb')));
  assert.ok(fs.existsSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')));
  assert.ok(typeof run('LASTSAVE') === 'number');
});

test('FLUSHALL stops a running BGSAVE and saves the empty dataset when save points are set', async () => {
  const dir = tmpDir();
  const { server, run } = newServer([['dir', dir], ['rdb-key-save-delay', '5000'], ['save', '3600 1']]);
  for (let i = 0; i < 100; i++) run('SET', `k${i}`, 'v');
  run('BGSAVE');
  const p = persistence(server);
  assert.ok(p.job !== null);
  for (const db of server.dbs) db.clear();
  p.onFlushAll();
  assert.equal(p.job, null);
  assert.equal(fs.readdirSync(dir).filter((f) => f.startsWith('temp-')).length, 0, 'temp file removed');
  // The saved file is the empty dataset.
  set(server, [['rdb-key-save-delay', '0']]);
  run('SET', 'k', 'v');
  assert.equal(status(run('DEBUG', 'RELOAD', 'NOSAVE')), 'OK');
  assert.equal(run('DBSIZE'), 0);
});

test('DEBUG RELOAD keeps the data; its options; shutdown saves with save points', async () => {
  const dir = tmpDir();
  const { server, run } = newServer([['dir', dir]]);
  run('SET', 'a', '1');
  run('SET', 'b', '2', 'EX', '1000');
  assert.equal(status(run('DEBUG', 'RELOAD')), 'OK');
  assert.deepEqual(run('MGET', 'a', 'b'), ['1', '2']);
  assert.ok(server.dbs[0].expireAt('b') !== undefined);
  run('SET', 'c', '3');
  // NOSAVE reloads the file as it is; MERGE+NOFLUSH adds it to what is in memory.
  assert.equal(status(run('DEBUG', 'RELOAD', 'NOSAVE')), 'OK');
  assert.equal(run('GET', 'c'), null);
  run('SET', 'c', '3');
  run('SET', 'a', 'changed');
  assert.equal(status(run('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE')), 'OK');
  assert.deepEqual(run('MGET', 'a', 'b', 'c'), ['1', '2', '3']);
  assert.equal(errorOf(run('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH')), 'ERR Error trying to load the RDB dump, check server logs.');
  assert.equal(errorOf(run('DEBUG', 'RELOAD', 'BOGUS')), 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  fs.rmSync(path.join(dir, 'dump.rdb'));
  const p = persistence(server);
  assert.equal(p.prepareShutdown(), true);
  assert.equal(fs.existsSync(path.join(dir, 'dump.rdb')), false, 'no save points: no final save');
  set(server, [['save', '3600 1']]);
  assert.equal(p.prepareShutdown(), true);
  assert.equal(fs.existsSync(path.join(dir, 'dump.rdb')), true);
  assert.equal(p.prepareShutdown({ nosave: true }), true);
  fs.rmSync(dir, { recursive: true });
  assert.equal(p.prepareShutdown(), false, 'a failed final save keeps the server up');
  set(server, [['dir', tmpDir()]]);
});

test('writes are propagated in deterministic form; nested writes as one MULTI/EXEC block', () => {
  const { server, c, run } = newServer();
  const log: [number, string[]][] = [];
  server.propagators.push((db, argv) => log.push([db, [...argv]]));
  run('SET', 'a', '1', 'EX', '100');
  assert.equal(log[0][1][0], 'SET');
  assert.equal(log[0][1][3], 'PXAT');
  log.length = 0;
  run('GET', 'a');
  run('SET', 'a', 'x', 'NX');
  assert.deepEqual(log, [], 'reads and no-op writes are not propagated');
  run('TESTEXEC', 'SET b 1', 'GET b', 'SELECT 2', 'INCR c');
  assert.deepEqual(log, [[0, ['MULTI']], [0, ['SET', 'b', '1']], [2, ['INCR', 'c']], [2, ['EXEC']]]);
  log.length = 0;
  c.selectDb(0);
  run('TESTEXEC', 'SET b 2', 'GET b');
  assert.deepEqual(log, [[0, ['SET', 'b', '2']]], 'a single write goes alone');
  log.length = 0;
  run('TESTEXEC', 'GET b');
  assert.deepEqual(log, []);
  // A lazily expired key is deleted with a DEL: alone after a read, and inside the block with
  // the writes of the command that found it (Redis's also_propagate; checked against Redis
  // in aof-commands.test.ts).
  server.dbs[0].setExpire('b', Date.now() - 1);
  server.refreshTime();
  run('GET', 'b');
  assert.deepEqual(log, [[0, ['DEL', 'b']]]);
  log.length = 0;
  server.dbs[0].set('d', '1');
  server.dbs[0].setExpire('d', Date.now() - 1);
  server.refreshTime();
  run('TESTEXEC', 'GET d', 'SET e 1', 'SET f 1');
  assert.deepEqual(log, [[0, ['MULTI']], [0, ['DEL', 'd']], [0, ['SET', 'e', '1']], [0, ['SET', 'f', '1']], [0, ['EXEC']]]);
});

test('AOF records SELECT when the database changes and rewrites keep it consistent', async () => {
  const dir = tmpDir();
  const { server, c, run } = newServer([['dir', dir], ['aof-use-rdb-preamble', 'no']]);
  set(server, [['appendonly', 'yes']]);
  const p = persistence(server);
  await waitFor(() => p.aof.state === 'on');
  run('SET', 'a', '1');
  c.selectDb(3);
  run('SET', 'b', '2', 'PX', '100000');
  run('SET', 'c', '3');
  c.selectDb(0);
  run('INCR', 'a');
  await new Promise((r) => setImmediate(r));
  const incr = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
  const cmds = incr.split('\r\n').filter((l) => l && !l.startsWith('*') && !l.startsWith('$'));
  assert.deepEqual(cmds.filter((x) => x !== '1' && x !== 'a' && x !== '2' && x !== 'b' && x !== '3' && x !== 'c' && !/^\d{13}$/.test(x)), ['SELECT', '0', 'SET', 'SELECT', 'SET', 'PXAT', 'SET', 'SELECT', '0', 'INCR']);
  // A rewrite (command form) then a reload from the files gives the same data and TTLs.
  run('BGREWRITEAOF');
  await waitFor(() => p.job === null && p.aof.rewrites === 2);
  const base = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof'), 'latin1');
  assert.match(base, /^\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*3\r\n\$3\r\nSET\r\n\$1\r\na\r\n\$1\r\n2\r\n/);
  assert.match(base, /PEXPIREAT/);
  assert.equal(server.dbs[3].size, 2);
});

test('INFO persistence fields come in Redis order', () => {
  const { server } = newServer();
  const names = persistence(server).infoFields().map(([k]) => k);
  assert.deepEqual(names, [
    'loading', 'async_loading', 'current_cow_peak', 'current_cow_size', 'current_cow_size_age', 'current_fork_perc',
    'current_save_keys_processed', 'current_save_keys_total', 'rdb_changes_since_last_save', 'rdb_bgsave_in_progress',
    'rdb_last_save_time', 'rdb_last_bgsave_status', 'rdb_last_bgsave_time_sec', 'rdb_current_bgsave_time_sec', 'rdb_saves',
    'rdb_last_cow_size', 'rdb_last_load_keys_expired', 'rdb_last_load_keys_loaded', 'aof_enabled', 'aof_rewrite_in_progress',
    'aof_rewrite_scheduled', 'aof_last_rewrite_time_sec', 'aof_current_rewrite_time_sec', 'aof_last_bgrewrite_status',
    'aof_rewrites', 'aof_rewrites_consecutive_failures', 'aof_last_write_status', 'aof_last_cow_size',
    'module_fork_in_progress', 'module_fork_last_cow_size',
  ]);
});

test('writes made while an AOF waits for its first rewrite are neither lost nor applied twice', async () => {
  const dir = tmpDir();
  const { server, run } = newServer([['dir', dir], ['rdb-key-save-delay', '3000']]);
  for (let i = 0; i < 100; i++) run('SET', `k${i}`, 'v');
  run('SET', 'counter', '0');
  run('BGSAVE');
  set(server, [['appendonly', 'yes']]); // the rewrite has to wait for the BGSAVE
  const p = persistence(server);
  assert.equal(p.aof.rewriteScheduled, true);
  for (let i = 0; i < 10; i++) run('INCR', 'counter');
  set(server, [['rdb-key-save-delay', '0']]);
  await waitFor(() => p.aof.state === 'on');
  for (let i = 0; i < 5; i++) run('INCR', 'counter');
  await new Promise((r) => setImmediate(r));
  assert.equal(status(run('DEBUG', 'LOADAOF')), 'OK');
  assert.equal(run('GET', 'counter'), '15');
  assert.equal(run('DBSIZE'), 101);
});

test('rdbchecksum no writes a zero checksum that loads with a warning', () => {
  const dir = tmpDir();
  const { run } = newServer([['dir', dir], ['rdbchecksum', 'no']]);
  run('SET', 'a', '1');
  assert.equal(status(run('SAVE')), 'OK');
  const file = fs.readFileSync(path.join(dir, 'dump.rdb'));
  assert.deepEqual([...file.subarray(file.length - 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(status(run('DEBUG', 'RELOAD', 'NOSAVE')), 'OK');
  assert.equal(run('GET', 'a'), '1');
});

test('the AOF is rewritten automatically when it grows; history files follow aof-disable-auto-gc', async () => {
  const dir = tmpDir();
  const { server, run } = newServer([['dir', dir], ['hz', '100'], ['auto-aof-rewrite-min-size', '2000'], ['auto-aof-rewrite-percentage', '100'], ['aof-disable-auto-gc', 'yes']]);
  set(server, [['appendonly', 'yes']]);
  const p = persistence(server);
  await waitFor(() => p.aof.state === 'on');
  const aofDir = path.join(dir, 'appendonlydir');
  // The first base is tiny: growing past 2000 bytes (and 100% of the base) triggers a rewrite.
  for (let i = 0; i < 100; i++) run('SET', `key:${i}`, 'x'.repeat(20));
  await waitFor(() => p.aof.rewrites >= 2, 10_000);
  const manifest = fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1');
  assert.match(manifest, /^file appendonly\.aof\.2\.base\.rdb seq 2 type b\nfile appendonly\.aof\.1\.incr\.aof seq 1 type h\nfile appendonly\.aof\.1\.base\.rdb seq 1 type h\nfile appendonly\.aof\.2\.incr\.aof seq 2 type i\n$/);
  assert.ok(fs.existsSync(path.join(aofDir, 'appendonly.aof.1.base.rdb')));
  // Turning automatic deletion back on removes the history at once.
  set(server, [['aof-disable-auto-gc', 'no']]);
  assert.equal(fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1'), 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
  await waitFor(() => !fs.existsSync(path.join(aofDir, 'appendonly.aof.1.base.rdb')));
  assert.equal(status(run('DEBUG', 'LOADAOF')), 'OK');
  assert.equal(run('DBSIZE'), 100);
});
