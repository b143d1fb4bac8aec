// The replication commands and rules, compared with real Redis where the replies can be:
// REPLCONF, PSYNC/SYNC errors, WAIT, ROLE, REPLICAOF, min-replicas-to-write (NOREPLICAS),
// read-only and stale replicas (READONLY, MASTERDOWN); then Larder's master side driven by a
// hand-made replica: ACKs and WAIT, GETACK, PSYNC continuation from the backlog, full resync
// when the backlog no longer covers the offset, output limits of replicas, and a replica that
// sends a command with a reply.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { freePort } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';
import { field, info, StreamReader, waitFor } from './helpers.js';

let d: Differential;

before(async () => {
  d = await Differential.start(['--repl-diskless-sync', 'no'], ['--repl-diskless-sync', 'no']);
});

after(async () => {
  await d?.close();
});

test('REPLCONF options and errors', async () => {
  await d.check([
    ['REPLCONF'],
    ['REPLCONF', 'listening-port'],
    ['REPLCONF', 'listening-port', 'abc'],
    ['REPLCONF', 'listening-port', '6380'],
    ['REPLCONF', 'LISTENING-PORT', '6380', 'capa', 'eof', 'capa', 'psync2', 'capa', 'unknown'],
    ['REPLCONF', 'ip-address', '10.0.0.1'],
    ['REPLCONF', 'ip-address', 'x'.repeat(300)],
    ['REPLCONF', 'rdb-only', '1'],
    ['REPLCONF', 'rdb-only', '2'],
    ['REPLCONF', 'rdb-only', 'x'],
    ['REPLCONF', 'bogus', '1'],
    ['REPLCONF', 'listening-port', '1', 'bogus', '1'],
    // ACK from a connection that is no replica, GETACK on a master: no reply at all.
    ['REPLCONF', 'ack', '100'],
    ['REPLCONF', 'getack', '*'],
    ['PING'],
  ].filter((c) => !(c[1] === 'ack' || c[1] === 'getack')));
  for (const c of await d.clients()) {
    c.writeRaw('*3\r\n$8\r\nREPLCONF\r\n$3\r\nack\r\n$3\r\n100\r\n*3\r\n$8\r\nREPLCONF\r\n$6\r\ngetack\r\n$1\r\n*\r\n');
    assert.equal(await c.call('PING'), 'PONG', 'REPLCONF ACK and GETACK reply nothing');
    c.close();
  }
});

test('SYNC and PSYNC errors', async () => {
  await d.check([
    ['PSYNC', 'replicationid', 'offset_str'],
    ['PSYNC', 'a'],
    ['SYNC', 'extra'],
    ['MULTI'],
    ['SYNC'],
    ['PSYNC', '?', '-1'],
    ['DISCARD'],
    ['PING'],
  ]);
  // A request pipelined after another one: its reply is still pending.
  const replies: string[] = [];
  for (const c of await d.clients()) {
    c.writeRaw('PING\r\nSYNC\r\n');
    replies.push((await c.read()).raw.toString('latin1') + (await c.read()).raw.toString('latin1'));
    c.close();
  }
  assert.equal(replies[0], '+PONG\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n');
  assert.equal(replies[0], replies[1]);
});

test('WAIT, ROLE and REPLICAOF on a master without replicas', async () => {
  await d.check([
    ['WAIT', '0', '0'],
    ['WAIT', '1', '10'],
    ['WAIT', 'x', '0'],
    ['WAIT', '1', 'x'],
    ['WAIT', '1', '-1'],
    ['WAIT', '1'],
    ['MULTI'],
    ['WAIT', '5', '0'],
    ['EXEC'],
    ['REPLICAOF', 'NO', 'ONE'],
    ['SLAVEOF', 'no', 'one'],
    ['REPLICAOF', '127.0.0.1', 'abc'],
    ['REPLICAOF', '127.0.0.1', '70000'],
    ['REPLICAOF', '127.0.0.1', '-1'],
    ['REPLICAOF', 'onlyhost'],
  ]);
  const [a, b] = await d.clients();
  // Before any replica, the offset is 0 and there is no backlog.
  assert.deepEqual(await a.call('ROLE'), await b.call('ROLE'));
  const [ia, ib] = [await info(a), await info(b)];
  for (const name of ['role', 'connected_slaves', 'master_replid2', 'master_repl_offset', 'second_repl_offset', 'repl_backlog_active', 'repl_backlog_size', 'repl_backlog_first_byte_offset', 'repl_backlog_histlen']) {
    assert.equal(ia.get(name), ib.get(name), name);
  }
  a.close();
  b.close();
});

test('min-replicas-to-write refuses writes without enough good replicas (NOREPLICAS)', async () => {
  try {
    await d.check([
      ['CONFIG', 'SET', 'min-replicas-to-write', '1'],
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['MULTI'],
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['EXEC'],
      ['SET', 'k', 'v'],
      ['MULTI'],
      ['INCR', 'n'],
      ['EXEC'],
      ['CONFIG', 'SET', 'min-replicas-max-lag', '0'],
      ['SET', 'k', 'v'],
      ['CONFIG', 'SET', 'min-replicas-max-lag', '10'],
      ['INFO', 'nonexistent'],
    ]);
  } finally {
    for (const c of await d.clients()) {
      await c.call('CONFIG', 'SET', 'min-replicas-to-write', '0');
      c.close();
    }
  }
});

test('a replica whose master is unreachable: READONLY, MASTERDOWN with replica-serve-stale-data no', async () => {
  const port = await freePort();
  const clients = await d.clients();
  try {
    for (const c of clients) {
      await c.call('SET', 'k', 'v');
      assert.equal(await c.call('REPLICAOF', '127.0.0.1', port), 'OK');
    }
    await d.check([
      ['GET', 'k'],
      ['SET', 'k', 'v2'],
      ['REPLICAOF', '127.0.0.1', String(port)],
      ['CONFIG', 'SET', 'replica-serve-stale-data', 'no'],
      ['GET', 'k'],
      ['PING'],
      ['SET', 'k', 'v2'],
      ['MULTI'],
      ['GET', 'k'],
      ['EXEC'],
      ['CONFIG', 'SET', 'replica-read-only', 'no'],
      ['SET', 'k', 'v2'],
      ['CONFIG', 'SET', 'replica-serve-stale-data', 'yes'],
      ['SET', 'k', 'v2'],
      ['GET', 'k'],
      ['WAIT', '1', '0'],
      ['CONFIG', 'SET', 'replica-read-only', 'yes'],
    ].map((c) => c.map((x) => (x === String(port) ? port : x))));
    const [a] = clients;
    const i = await info(a);
    assert.equal(i.get('role'), 'slave');
    assert.equal(i.get('master_link_status'), 'down');
    assert.equal(i.get('master_port'), String(port));
    const hello = (await a.call('HELLO', '2')) as unknown[];
    assert.equal(hello[hello.indexOf('role') + 1], 'replica');
  } finally {
    for (const c of clients) {
      await c.call('CONFIG', 'SET', 'replica-serve-stale-data', 'yes');
      await c.call('CONFIG', 'SET', 'replica-read-only', 'yes');
      assert.equal(await c.call('REPLICAOF', 'NO', 'ONE'), 'OK');
      c.close();
    }
  }
});

// ---- Larder's master side, driven by a hand-made replica ----

async function larderClient(): Promise<RespClient> {
  return d.larder.client();
}

test('a replica is listed (flags S), acknowledges offsets, and WAIT counts it', async () => {
  const c = await larderClient();
  const tap = await StreamReader.attach(d.larder.port, [['REPLCONF', 'listening-port', '7777'], ['REPLCONF', 'capa', 'eof', 'capa', 'psync2']], ['PSYNC', '?', '-1']);
  assert.match(tap.psyncReply!, /^\+FULLRESYNC [0-9a-f]{40} \d+$/);
  assert.match(String(await c.call('CLIENT', 'LIST', 'TYPE', 'replica')), /flags=S .*cmd=psync /);
  // WAIT blocks (for the offset of its client's last write) and asks the replicas for an ACK
  // (REPLCONF GETACK *) until one comes.
  const waiter = await larderClient();
  await waiter.call('SET', 'w', '1');
  const offset = Number(await field(c, 'master_repl_offset'));
  const pending = waiter.call('WAIT', '1', '0');
  await waitFor('the GETACK', () => tap.commands.some((cmd) => cmd[0] === 'REPLCONF' && cmd[1] === 'GETACK'));
  tap.write(['REPLCONF', 'ACK', String(offset)]);
  assert.equal(await pending, 1);
  await waitFor('the ack in INFO', async () => (await field(c, 'slave0'))?.includes(`offset=${offset}`) ?? false);
  assert.match((await field(c, 'slave0'))!, /^ip=127\.0\.0\.1,port=7777,state=online,offset=\d+,lag=\d+$/);
  const role = (await c.call('ROLE')) as unknown[];
  assert.equal(role[0], 'master');
  assert.deepEqual((role[2] as unknown[][])[0], ['127.0.0.1', '7777', String(offset)]);
  // WAIT for more replicas than there are times out with the count.
  assert.equal(await waiter.call('WAIT', '2', '50'), 1);
  // CLIENT UNBLOCK ends a WAIT with the count too.
  const waiterId = await waiter.call('CLIENT', 'ID');
  const blocked = waiter.call('WAIT', '3', '0');
  await waitFor('the WAIT to block', async () => Number(await field(c, 'blocked_clients', 'clients')) === 1);
  assert.equal(await c.call('CLIENT', 'UNBLOCK', String(waiterId)), 1);
  assert.equal(await blocked, 1);
  tap.close();
  waiter.close();
  await waitFor('the replica to go', async () => (await field(c, 'connected_slaves')) === '0');
  c.close();
});

test('PSYNC continues from the backlog (+CONTINUE), or falls back to a full resync', async () => {
  const c = await larderClient();
  const tap = await StreamReader.attach(d.larder.port, [['REPLCONF', 'capa', 'psync2']], ['PSYNC', '?', '-1']);
  const [, replId, start] = tap.psyncReply!.split(' ');
  await c.call('SET', 'p1', 'a');
  await c.call('SET', 'p2', 'b');
  await tap.takeCommands(3);
  const end = Number(await field(c, 'master_repl_offset'));
  tap.close();
  await waitFor('the replica to go', async () => (await field(c, 'connected_slaves')) === '0');
  // Written while the replica is away: it gets exactly this, from the backlog.
  await c.call('SET', 'p3', 'c');
  await c.call('LPUSH', 'p4', 'x');
  const before = Number(await field(c, 'sync_partial_ok', 'stats'));
  const again = await StreamReader.attach(d.larder.port, [['REPLCONF', 'capa', 'psync2']], ['PSYNC', replId, String(end + 1)]);
  assert.equal(again.psyncReply, `+CONTINUE ${replId}`);
  assert.deepEqual(await again.takeCommands(2), [['SET', 'p3', 'c'], ['LPUSH', 'p4', 'x']]);
  assert.equal(Number(await field(c, 'sync_partial_ok', 'stats')), before + 1);
  again.close();
  assert.ok(Number(start) < end);

  // Offsets the backlog doesn't cover (any more), an unknown id, or "?": a full resync.
  await c.call('CONFIG', 'SET', 'repl-backlog-size', '16384');
  await c.call('SET', 'filler', 'x'.repeat(20000));
  const backlog = await info(c);
  assert.equal(backlog.get('repl_backlog_histlen'), '16384');
  assert.ok(Number(backlog.get('repl_backlog_first_byte_offset')) > 1);
  const errors = Number(await field(c, 'sync_partial_err', 'stats'));
  for (const [id, off] of [[replId, '1'], [replId, String(end + 1000)], ['f'.repeat(40), String(end + 1)], ['?', '-1']]) {
    const t = await StreamReader.attach(d.larder.port, [], ['PSYNC', id, off]);
    assert.match(t.psyncReply!, /^\+FULLRESYNC /);
    t.close();
  }
  assert.equal(Number(await field(c, 'sync_partial_err', 'stats')), errors + 3, '"?" is not an error');
  c.close();
});

test('a replica that sends a command with a reply is disconnected', async () => {
  for (const port of [d.larder.port, d.redis.port]) {
    const tap = await StreamReader.attach(port);
    tap.write(['PING']);
    await waitFor('the disconnection', () => tap.closed);
  }
  for (const port of [d.larder.port, d.redis.port]) {
    const tap = await StreamReader.attach(port, [], ['PSYNC', '?', '-1']);
    tap.write(['GET', 'foo']);
    await waitFor('the disconnection', () => tap.closed);
  }
});

test('a replica over its output buffer limit is dropped', async () => {
  const c = await larderClient();
  await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 2048 0 0');
  await c.call('DEBUG', 'POPULATE', 200, 'obl', 10);
  // The snapshot takes a while: the stream collected meanwhile exceeds the limit.
  await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000');
  const before = Number(await field(c, 'client_output_buffer_limit_disconnections', 'stats'));
  // Never synced: it is dropped while its RDB is being made.
  void StreamReader.attach(d.larder.port, [], ['PSYNC', '?', '-1']).catch(() => null);
  try {
    await waitFor('the replica', async () => (await field(c, 'connected_slaves')) === '1');
    await c.call('SET', 'big', 'x'.repeat(5000));
    await waitFor('the replica to be dropped', async () => (await field(c, 'connected_slaves')) === '0');
    assert.equal(Number(await field(c, 'client_output_buffer_limit_disconnections', 'stats')), before + 1);
  } finally {
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await c.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 268435456 67108864 60');
    c.close();
  }
});
