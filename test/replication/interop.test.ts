// Replication between Larder and a real redis-server 7.0, both ways, and between two Larders. A seeded workload over
// every family runs on the master (also while the full synchronization is in progress); the
// replica must end up with the same dataset (DEBUG DIGEST, which both compute the same way).
// Then the link is cut and must be continued with a partial resynchronization.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { logged, startLarder, startRedis, type RunningServer } from '../helpers/servers.js';
import { digest, field, info, runWorkload, stopAll, waitFor, waitInSync, workload } from './helpers.js';

const running: RunningServer[] = [];
after(async () => {
  await stopAll(...running);
});

async function larder(args: string[] = []): Promise<RunningServer> {
  const s = await startLarder({ args: ['--repl-diskless-sync-delay', '0', ...args] });
  running.push(s);
  return s;
}

async function redis(args: string[] = []): Promise<RunningServer> {
  const s = await startRedis({ args: ['--repl-diskless-sync-delay', '0', ...args] });
  running.push(s);
  return s;
}

for (const diskless of ['yes', 'no']) {
  test(`redis-server replica of Larder (repl-diskless-sync ${diskless}): same dataset, writes during the sync, partial resync`, async () => {
    const master = await larder(['--repl-diskless-sync', diskless]);
    const replica = await redis();
    const m = await master.client();
    const r = await replica.client();
    await runWorkload(m, workload(1, 1500));
    await m.call('DEBUG', 'POPULATE', 3000, 'pop', 20);
    // A slow snapshot: the workload below runs while it is taken and transferred.
    await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '100');
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await waitFor('the sync to start', async () => (await info(m)).get('slave0')?.includes('state=') ?? false);
    await runWorkload(m, workload(2, 1500));
    await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await waitInSync(m, r);
    assert.equal(await digest(r), await digest(m));
    assert.equal(await field(m, 'sync_full', 'stats'), '1');

    // Cut the link: the replica continues from its offset (+CONTINUE), no new full sync.
    await m.call('CLIENT', 'KILL', 'TYPE', 'replica');
    await runWorkload(m, workload(3, 300));
    await waitFor('the partial resync', async () => (await field(m, 'sync_partial_ok', 'stats')) === '1');
    await waitInSync(m, r);
    assert.equal(await digest(r), await digest(m));
    assert.equal(await field(m, 'sync_full', 'stats'), '1');
    const rinfo = await info(r);
    assert.equal(rinfo.get('master_replid'), (await info(m)).get('master_replid'));
    m.close();
    r.close();
    await stopAll(master, replica);
  });
}

test('Larder replica of redis-server: same dataset, writes during the sync, partial resync, replica rules', async () => {
  const master = await redis();
  const replica = await larder();
  const m = await master.client();
  const r = await replica.client();
  await runWorkload(m, workload(4, 1500));
  await m.call('DEBUG', 'POPULATE', 3000, 'pop', 20);
  await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '100');
  await r.call('REPLICAOF', '127.0.0.1', master.port);
  await waitFor('the sync to start', async () => (await info(m)).get('slave0')?.includes('state=') ?? false);
  await runWorkload(m, workload(5, 1500));
  await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
  await waitInSync(m, r);
  assert.equal(await digest(r), await digest(m));

  // What a replica reports and refuses.
  const ri = await info(r);
  assert.equal(ri.get('role'), 'slave');
  assert.equal(ri.get('master_port'), String(master.port));
  assert.equal(ri.get('master_sync_in_progress'), '0');
  assert.equal(ri.get('master_replid'), (await info(m)).get('master_replid'));
  // The offset may have moved on since INFO (the master's PINGs).
  const role = (await r.call('ROLE')) as unknown[];
  assert.deepEqual(role.slice(0, 4), ['slave', '127.0.0.1', master.port, 'connected']);
  assert.ok((role[4] as number) >= Number(ri.get('slave_repl_offset')), `ROLE offset ${role[4]}`);
  const err = (await r.call('SET', 'x', '1')) as Error;
  assert.equal(err.message, "READONLY You can't write against a read only replica.");
  // The master sees it online with its listening port.
  assert.match((await info(m)).get('slave0')!, new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=\\d+,lag=\\d+$`));
  assert.match(String(await r.call('CLIENT', 'LIST', 'TYPE', 'master')), /flags=M /);

  // Our side of the link goes: the replica reconnects and continues (+CONTINUE).
  await r.call('CLIENT', 'KILL', 'TYPE', 'master');
  await runWorkload(m, workload(6, 300));
  await waitFor('the partial resync', async () => (await field(m, 'sync_partial_ok', 'stats')) === '1');
  await waitInSync(m, r);
  assert.equal(await digest(r), await digest(m));
  assert.equal(await field(m, 'sync_full', 'stats'), '1');

  // WAIT on the master counts this replica's acknowledgements.
  await m.call('SET', 'waited', '1');
  assert.equal(await m.call('WAIT', 1, 5000), 1);

  // Promoted: writable, and the old history is its secondary id.
  const oldId = (await info(r)).get('master_replid');
  assert.equal(await r.call('REPLICAOF', 'NO', 'ONE'), 'OK');
  const promoted = await info(r);
  assert.equal(promoted.get('role'), 'master');
  assert.equal(promoted.get('master_replid2'), oldId);
  assert.equal(await r.call('SET', 'x', '1'), 'OK');
  m.close();
  r.close();
  await stopAll(master, replica);
});

for (const [sync, load] of [['yes', 'on-empty-db'], ['no', 'disabled']]) {
  test(`Larder replica of Larder (repl-diskless-sync ${sync}, repl-diskless-load ${load}): same dataset, partial resync, WAIT, read-only`, async () => {
    const master = await larder(['--repl-diskless-sync', sync]);
    const replica = await larder(['--repl-diskless-load', load]);
    const m = await master.client();
    const r = await replica.client();
    await runWorkload(m, workload(7, 1500));
    await m.call('DEBUG', 'POPULATE', 3000, 'pop', 20);
    await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '100');
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await waitFor('the sync to start', async () => (await info(m)).get('slave0')?.includes('state=') ?? false);
    await runWorkload(m, workload(8, 1500));
    await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await waitInSync(m, r);
    assert.equal(await digest(r), await digest(m));
    assert.equal(await field(m, 'sync_full', 'stats'), '1');
    // The replica was empty: with on-empty-db it loaded the RDB straight from the socket.
    await logged(replica, load === 'on-empty-db' ? / from master with EOF to parser/ : / bytes from master to disk/);
    const err = (await r.call('SET', 'x', '1')) as Error;
    assert.equal(err.message, "READONLY You can't write against a read only replica.");
    assert.equal(await r.call('GET', 'x'), null);

    // The master drops the link: the replica continues from its offset (+CONTINUE).
    await m.call('CLIENT', 'KILL', 'TYPE', 'replica');
    await runWorkload(m, workload(9, 300));
    await waitFor('the partial resync', async () => (await field(m, 'sync_partial_ok', 'stats')) === '1');
    await waitInSync(m, r);
    assert.equal(await digest(r), await digest(m));
    // The replica drops it: the same.
    await r.call('CLIENT', 'KILL', 'TYPE', 'master');
    await runWorkload(m, workload(10, 300));
    await waitFor('the second partial resync', async () => (await field(m, 'sync_partial_ok', 'stats')) === '2');
    await waitInSync(m, r);
    assert.equal(await digest(r), await digest(m));
    assert.equal(await field(m, 'sync_full', 'stats'), '1');

    // WAIT counts the replica's acknowledgement of the last write; asking for two times out at one.
    await m.call('SET', 'waited', '1');
    assert.equal(await m.call('WAIT', 1, 5000), 1);
    assert.equal(await m.call('WAIT', 2, 100), 1);
    assert.equal(await r.call('GET', 'waited'), '1');
    m.close();
    r.close();
    await stopAll(master, replica);
  });
}

test('a writable replica expires the keys its clients wrote, not its master\'s (as redis-server does)', async () => {
  const master = await redis();
  const m = await master.client();
  await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', 0);
  for (const replica of [await larder(), await redis()]) {
    const r = await replica.client();
    await r.call('CONFIG', 'SET', 'replica-read-only', 'no');
    // Expired on the master before the sync: in its RDB, and kept by the replica that loads it.
    await m.call('SET', 'stale', 'v', 'PX', 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await waitInSync(m, r);
    await m.call('SET', 'remote', 'v', 'PX', 1);
    await waitInSync(m, r);
    assert.equal(await r.call('SET', 'local', 'v'), 'OK');
    assert.equal(await r.call('DBSIZE'), 3);
    await r.call('PEXPIRE', 'local', 1);
    await waitFor('the local key to expire', async () => (await r.call('DBSIZE')) === 2);
    // What is left is the master's keys (they only go when the master deletes them).
    assert.equal(await digest(r), await digest(m));
    assert.equal(await r.call('REPLICAOF', 'NO', 'ONE'), 'OK');
    await m.call('DEL', 'remote', 'stale');
    r.close();
    await stopAll(replica);
  }
  m.close();
  await stopAll(master);
});

test('Larder replica with repl-diskless-load swapdb keeps its data until the new one is loaded', async () => {
  const master = await redis();
  const replica = await larder(['--repl-diskless-load', 'swapdb']);
  const m = await master.client();
  const r = await replica.client();
  await m.call('DEBUG', 'POPULATE', 2000, 'master', 50);
  await r.call('DEBUG', 'POPULATE', 100, 'replica', 10);
  await r.call('SET', 'mine', 'v');
  await r.call('REPLICAOF', '127.0.0.1', master.port);
  await waitInSync(m, r);
  assert.equal(await r.call('DBSIZE'), 2000);
  assert.equal(await r.call('GET', 'mine'), null);
  assert.equal(await digest(r), await digest(m));
  m.close();
  r.close();
  await stopAll(master, replica);
});
