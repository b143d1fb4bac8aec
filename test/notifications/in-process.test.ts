// The notification mechanism from inside the server: `new` wherever a key is added, the order
// of events around expiry and eviction, and what the post-write path tells its listeners.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { allFamilies } from '../../src/commands/index.js';
import { recordEffects, runCommand, socketlessClient } from '../helpers/inprocess.js';
import { processCommand } from '../../src/engine/dispatch.js';
import { NIL_ARRAY } from '../../src/resp/reply.js';

let server: Server;
const log: string[] = [];
before(() => {
  server = new Server();
  server.register(...allFamilies);
  server.init();
  const r = server.config.set([['notify-keyspace-events', 'KEAnm']]);
  assert.ok(r.ok);
  recordEffects(server, log);
});
after(() => server.close());
beforeEach(() => {
  for (const db of server.dbs) db.clear();
  log.length = 0;
});

function client(): Client {
  return socketlessClient(server);
}

function run(c: Client, ...argv: string[]): void {
  runCommand(server, c, argv);
}

test('`new` comes before the command\'s own event, only for keys that did not exist', () => {
  const c = client();
  run(c, 'SET', 'k', 'v');
  run(c, 'SET', 'k', 'w');
  run(c, 'SET', 'j', 'v', 'KEEPTTL');
  assert.deepEqual(log.filter((l) => !l.startsWith('propagate')), [
    'new k', `modified 0 k by ${c.id}`, 'set k',
    `modified 0 k by ${c.id}`, 'set k',
    'new j', `modified 0 j by ${c.id}`, 'set j',
  ]);
});

test('writing a key whose time has come expires it first: expired, DEL propagated, then new', () => {
  const db = server.dbs[0];
  db.set('k', 'old');
  db.setExpire('k', server.now - 1);
  log.length = 0;
  db.set('k', 'fresh');
  assert.deepEqual(log, ['expired k', 'modified 0 k by none', 'propagate 0 DEL k', 'new k']);
  assert.equal(db.expireAt('k'), undefined);
});

test('eviction: key gone, watchers told, then the evicted event and a DEL', () => {
  const db = server.dbs[3];
  db.set('victim', 'v');
  log.length = 0;
  const before = server.stats.evictedKeys;
  server.evictKey(db, 'victim');
  assert.equal(db.get('victim'), undefined);
  assert.equal(server.stats.evictedKeys, before + 1);
  assert.deepEqual(log, ['modified 3 victim by none', 'evicted victim', 'propagate 3 DEL victim']);
});

test('a watched key that is evicted fails the transaction', () => {
  const c = client();
  run(c, 'SET', 'w', '1');
  run(c, 'WATCH', 'w');
  server.evictKey(server.dbs[0], 'w');
  run(c, 'MULTI');
  run(c, 'PING');
  server.currentClient = c;
  const reply = processCommand(c, ['EXEC']);
  server.currentClient = null;
  assert.equal(reply, NIL_ARRAY);
});

test('no `new` work when the class is off', () => {
  server.notifyFlags = 0;
  try {
    server.dbs[0].set('quiet', 'v');
    assert.deepEqual(log.filter((l) => l.startsWith('new')), []);
  } finally {
    const r = server.config.set([['notify-keyspace-events', 'KEAnm']]);
    assert.ok(r.ok);
  }
});
