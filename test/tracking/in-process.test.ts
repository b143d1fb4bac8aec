// The tracking table from inside the server: what INFO reports, and how tracking-table-max-keys
// is enforced (with growing effort while the table stays too big).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { allFamilies } from '../../src/commands/index.js';
import { runCommand, socketlessClient } from '../helpers/inprocess.js';
import { tracking, trackingInfo } from '../../src/engine/tracking.js';
import type { Reply } from '../../src/resp/reply.js';

let server: Server;
before(() => {
  server = new Server();
  server.register(...allFamilies);
  server.init();
});
after(() => server.close());

function client(): Client {
  return socketlessClient(server);
}

function run(c: Client, ...argv: string[]): Reply {
  return runCommand(server, c, argv);
}

test('INFO counters: tracking clients, items, keys, prefixes', () => {
  assert.deepEqual(trackingInfo(server), { clients: 0, totalItems: 0, totalKeys: 0, totalPrefixes: 0 });
  const a = client();
  const b = client();
  const bc = client();
  run(a, 'CLIENT', 'TRACKING', 'on');
  run(b, 'CLIENT', 'TRACKING', 'on');
  run(bc, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p:', 'PREFIX', 'q:');
  run(a, 'MGET', 'k1', 'k2', 'k1');
  run(b, 'GET', 'k1');
  run(bc, 'GET', 'k3');
  assert.deepEqual(trackingInfo(server), { clients: 3, totalItems: 3, totalKeys: 2, totalPrefixes: 2 });
  run(b, 'SET', 'k1', 'v');
  assert.deepEqual(trackingInfo(server), { clients: 3, totalItems: 1, totalKeys: 1, totalPrefixes: 2 });
  run(a, 'FLUSHALL');
  run(bc, 'CLIENT', 'TRACKING', 'off');
  server.closeClient(b);
  assert.deepEqual(trackingInfo(server), { clients: 1, totalItems: 0, totalKeys: 0, totalPrefixes: 0 });
  run(a, 'CLIENT', 'TRACKING', 'off');
});

test('tracking-table-max-keys evicts keys before the next command, harder each time', () => {
  const c = client();
  run(c, 'CLIENT', 'TRACKING', 'on');
  for (let i = 0; i < 250; i++) run(c, 'GET', `key${i}`);
  const t = tracking(server);
  assert.equal(t.table.size, 250);
  assert.ok(server.config.set([['tracking-table-max-keys', '1']]).ok);
  try {
    run(c, 'PING');
    assert.equal(t.table.size, 150, 'a first pass invalidates 100 keys');
    run(c, 'PING');
    assert.equal(t.table.size, 1, 'the next one tries up to 200');
    run(c, 'PING');
    assert.equal(t.table.size, 1);
    // The cron enforces a lowered limit even when no command comes.
    assert.ok(server.config.set([['tracking-table-max-keys', '0']]).ok);
    for (let i = 0; i < 10; i++) run(c, 'GET', `more${i}`);
    assert.ok(server.config.set([['tracking-table-max-keys', '5']]).ok);
    server.cron();
    assert.equal(t.table.size, 5);
  } finally {
    assert.ok(server.config.set([['tracking-table-max-keys', '1000000']]).ok);
    run(c, 'CLIENT', 'TRACKING', 'off');
  }
});
