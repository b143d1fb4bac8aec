// Transactions seen from inside the server: what EXEC propagates, blocking commands inside
// EXEC, clients served after EXEC as a whole, CLIENT PAUSE WRITE's view of EXEC, and EXEC for
// clients without a connection (scripts, the embedded API).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { allFamilies } from '../../src/commands/index.js';
import { runCommand, socketlessClient } from '../helpers/inprocess.js';
import { blocking, canBlock } from '../../src/engine/blocking.js';
import type { CommandMeta, Family } from '../../src/commands/command.js';
import { NIL_ARRAY, type Reply } from '../../src/resp/reply.js';
import { stringOf } from '../../src/types/value.js';

const served: string[] = [];
const testMeta = (name: string, flags: string[]): CommandMeta => ({
  name, arity: 2, flags, firstKey: 1, lastKey: 1, step: 1, acl: [], tips: [],
  keySpecs: [{ flags: ['RW'], begin_search: { type: 'index', spec: { index: 1 } }, find_keys: { type: 'range', spec: { lastkey: 0, keystep: 1, limit: 0 } } }],
});
// A blocking command for the test: waits for its key to exist, then reports its value.
const testFamily: Family = {
  'test-wait': {
    meta: testMeta('test-wait', ['write', 'blocking']),
    run: (c, argv) => {
      const v = c.db.get(argv[1]);
      if (v !== undefined) return stringOf(v as string);
      if (!canBlock(c)) return NIL_ARRAY;
      return blocking(c.server).block(c, {
        keys: [argv[1]], deadline: 0, timeoutReply: NIL_ARRAY,
        tryServe: (key) => {
          const value = c.db.get(key);
          if (value === undefined) return undefined;
          served.push(String(value));
          return String(value);
        },
      });
    },
  },
};

let server: Server;
before(() => {
  server = new Server();
  server.register(...allFamilies, testFamily);
  server.init();
});
after(() => server.close());

function client(): Client {
  return socketlessClient(server);
}

function run(c: Client, ...argv: string[]): Reply {
  return runCommand(server, c, argv);
}

test('EXEC propagates several writes as MULTI … EXEC, a single write alone, reads not at all', () => {
  const log: string[] = [];
  const propagator = (db: number, argv: string[]) => log.push(`${db} ${argv.join(' ')}`);
  server.propagators.push(propagator);
  try {
    const c = client();
    const tx = (...cmds: string[][]) => {
      run(c, 'MULTI');
      for (const cmd of cmds) run(c, ...cmd);
      return run(c, 'EXEC');
    };
    tx(['SET', 'a', '1'], ['GET', 'a'], ['SET', 'b', '2'], ['GET', 'b']);
    assert.deepEqual(log.splice(0), ['0 MULTI', '0 SET a 1', '0 SET b 2', '0 EXEC']);
    tx(['SET', 'a', '1']);
    assert.deepEqual(log.splice(0), ['0 SET a 1']);
    tx(['GET', 'a']);
    tx();
    tx(['DEL', 'nothing']);
    assert.deepEqual(log.splice(0), []);
    // The MULTI goes to the first write's database, the EXEC to the last one's.
    tx(['SELECT', '1'], ['SET', 'a', '1'], ['GET', 'a'], ['SELECT', '2'], ['SET', 'b', '2']);
    assert.deepEqual(log.splice(0), ['1 MULTI', '1 SET a 1', '2 SET b 2', '2 EXEC']);
    run(c, 'SELECT', '0');
    // Outside transactions nothing changes, and nothing of the EXEC lingers.
    run(c, 'SET', 'c', '3');
    assert.deepEqual(log.splice(0), ['0 SET c 3']);
    // A transaction that fails propagates nothing.
    run(c, 'WATCH', 'w');
    run(c, 'SET', 'w', '1');
    log.length = 0;
    assert.equal(tx(['SET', 'a', '5'], ['SET', 'b', '5']), NIL_ARRAY);
    assert.deepEqual(log, []);
  } finally {
    server.propagators.splice(server.propagators.indexOf(propagator), 1);
  }
});

test('a client without a connection gets EXEC replies as an array', () => {
  const c = client();
  run(c, 'MULTI');
  run(c, 'SET', 'k', 'v');
  run(c, 'GET', 'k');
  run(c, 'INCR', 'k');
  const reply = run(c, 'EXEC') as Reply[];
  assert.equal(reply.length, 3);
  assert.equal(reply[1], 'v');
  assert.match((reply[2] as { message: string }).message, /^ERR value is not an integer/);
});

test('blocking commands run as non-blocking inside EXEC; blocked clients are served after EXEC', () => {
  const a = client();
  const b = client();
  run(a, 'DEL', 'q');
  // Inside EXEC the command can't block: it replies at once.
  run(a, 'MULTI');
  run(a, 'test-wait', 'q');
  assert.deepEqual(run(a, 'EXEC'), [NIL_ARRAY]);
  assert.equal(a.has(1 << 5 /* Blocked */), false);
  // Outside, it blocks; a transaction that sets the key twice serves it once, after EXEC.
  run(a, 'test-wait', 'q');
  assert.equal(blocking(server).isBlocked(a), true);
  served.length = 0;
  run(b, 'MULTI');
  run(b, 'SET', 'q', 'first');
  run(b, 'SET', 'q', 'second');
  run(b, 'EXEC');
  assert.deepEqual(served, ['second']);
  assert.equal(blocking(server).isBlocked(a), false);
});

test('CLIENT PAUSE WRITE holds EXEC when the transaction writes', () => {
  const c = client();
  const exec = server.commands.get('exec')!;
  run(c, 'MULTI');
  run(c, 'GET', 'k');
  run(c, 'PING');
  assert.equal(server.pausesOnWrite(c, exec, ['EXEC']), false);
  run(c, 'SET', 'k', '1');
  assert.equal(server.pausesOnWrite(c, exec, ['EXEC']), true);
  run(c, 'DISCARD');
  assert.equal(server.pausesOnWrite(c, exec, ['EXEC']), false);
  // Plain commands keep their own verdict.
  assert.equal(server.pausesOnWrite(c, server.commands.get('set')!, ['SET', 'k', 'v']), true);
  assert.equal(server.pausesOnWrite(c, server.commands.get('get')!, ['GET', 'k']), false);
});

test('command statistics: EXEC fails only by itself, not because a command inside did', () => {
  const c = client();
  const exec = server.commands.get('exec')!;
  const incr = server.commands.get('incr')!;
  const before = { exec: exec.failedCalls, execCalls: exec.calls, incr: incr.failedCalls };
  run(c, 'SET', 's', 'text');
  run(c, 'MULTI');
  run(c, 'INCR', 's');
  run(c, 'EXEC');
  run(c, 'MULTI');
  run(c, 'NOSUCHCOMMAND');
  run(c, 'EXEC');
  assert.equal(incr.failedCalls - before.incr, 1);
  assert.equal(exec.calls - before.execCalls, 2);
  assert.equal(exec.failedCalls - before.exec, 1);
});
