// CLIENT subcommands against real Redis, in RESP2 and RESP3.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Differential } from '../helpers/differential.js';
import { exchange, maskClientInfo, maskIntegers, replies } from '../helpers/raw.js';
import { encodeCommand, type RespClient } from '../helpers/resp-client.js';
import type { RunningServer } from '../helpers/servers.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

function pipeline(...commands: string[][]): Buffer {
  return Buffer.concat(commands.map((c) => encodeCommand(c)));
}

/** Runs the same pipeline on a fresh connection to each server; compares every reply. */
async function samePipeline(commands: string[][], mask: (raw: string) => string = (r) => r): Promise<string[]> {
  const script = pipeline(...commands);
  const [a, b] = await Promise.all([exchange(d.larder.port, [script]), exchange(d.redis.port, [script])]);
  assert.deepEqual(replies(mask(a.data)), replies(mask(b.data)));
  assert.equal(a.closed, b.closed);
  return replies(a.data);
}

/** Polls until `check` holds (Redis's own tests wait the same way), failing after 10 s. */
async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const resp of [2, 3] as const) {
  test(`CLIENT HELP, unknown subcommands and arity errors (RESP${resp})`, async () => {
    await d.check([
      ['CLIENT', 'HELP'], ['client', 'help'], ['CLIENT', 'HELP', 'x'], ['CLIENT'], ['CLIENT', 'NOSUCH'], ['CLIENT', 'nosuch', 'a'],
      ['CLIENT', 'ID', 'x'], ['CLIENT', 'INFO', 'x'], ['CLIENT', 'GETNAME', 'x'], ['CLIENT', 'SETNAME'],
      ['CLIENT', 'SETNAME', 'a', 'b'], ['CLIENT', 'KILL'], ['CLIENT', 'REPLY'], ['CLIENT', 'PAUSE'],
      ['CLIENT', 'UNPAUSE', 'x'], ['CLIENT', 'UNBLOCK'], ['CLIENT', 'NO-EVICT'], ['CLIENT', 'NO-EVICT', 'on', 'x'],
      ['CLIENT', 'PAUSE', '10', 'WRITE', 'x'], ['CLIENT', 'Pause', '1', '2', '3'], ['CLIENT', 'UNBLOCK', '1', 'TIMEOUT', 'x'],
    ], { resp });
  });

  test(`CLIENT SETNAME and GETNAME (RESP${resp})`, async () => {
    await d.check([
      ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'name'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'other-name_1'],
      ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'has space'], ['CLIENT', 'SETNAME', 'tab\there'],
      ['CLIENT', 'SETNAME', 'nl\n'], ['CLIENT', 'SETNAME', '\x7f'], ['CLIENT', 'SETNAME', 'caf\xe9'],
      ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', '!~'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', ''], ['CLIENT', 'GETNAME'],
    ], { resp });
  });

  test(`CLIENT ID, INFO and LIST (RESP${resp})`, async () => {
    await d.check([
      ['CLIENT', 'ID'], ['CLIENT', 'INFO'], ['CLIENT', 'SETNAME', 'lister'], ['SELECT', '5'], ['CLIENT', 'INFO'],
      ['CLIENT', 'LIST', 'TYPE', 'normal'], ['CLIENT', 'LIST', 'type', 'NORMAL'], ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
      ['CLIENT', 'LIST', 'TYPE', 'master'], ['CLIENT', 'LIST', 'TYPE', 'replica'], ['CLIENT', 'LIST', 'TYPE', 'slave'],
      ['CLIENT', 'LIST', 'TYPE', 'bogus'], ['CLIENT', 'LIST', 'TYPE'], ['CLIENT', 'LIST', 'TYPE', 'normal', 'x'],
      ['CLIENT', 'LIST', 'ID'], ['CLIENT', 'LIST', 'ID', 'abc'], ['CLIENT', 'LIST', 'ID', '999999', '-1', '0'],
      ['CLIENT', 'LIST', 'bogus'], ['CLIENT', 'LIST', 'bogus', 'x'], ['CLIENT', 'NO-EVICT', 'on'], ['CLIENT', 'INFO'],
      ['CLIENT', 'NO-EVICT', 'OFF'], ['CLIENT', 'NO-EVICT', 'maybe'], ['CLIENT', 'INFO'],
    ], { resp, normalize: (cmd, raw) => (cmd[1].toUpperCase() === 'ID' ? maskIntegers(raw) : maskClientInfo(raw)) });
  });

  test(`CLIENT PAUSE, UNPAUSE and UNBLOCK errors (RESP${resp})`, async () => {
    await d.check([
      ['CLIENT', 'PAUSE', 'abc'], ['CLIENT', 'PAUSE', '-1'], ['CLIENT', 'PAUSE', '1.5'], ['CLIENT', 'PAUSE', '10', 'READ'],
      ['CLIENT', 'PAUSE', 'abc', 'READ'], ['CLIENT', 'PAUSE', '0'], ['CLIENT', 'PAUSE', '0', 'write'], ['CLIENT', 'UNPAUSE'],
      ['CLIENT', 'UNBLOCK', 'abc'], ['CLIENT', 'UNBLOCK', '1', 'maybe'], ['CLIENT', 'UNBLOCK', 'abc', 'maybe'],
      ['CLIENT', 'UNBLOCK', '999999'], ['CLIENT', 'UNBLOCK', '999999', 'ERROR'], ['CLIENT', 'UNBLOCK', '-5', 'timeout'],
    ], { resp });
  });

  test(`CLIENT KILL errors and filters that match nothing (RESP${resp})`, async () => {
    await d.check([
      ['CLIENT', 'KILL', 'id', '10', 'wrong_arg'], ['CLIENT', 'KILL', 'id', 'str'], ['CLIENT', 'KILL', 'id', '-1'],
      ['CLIENT', 'KILL', 'id', '0'], ['CLIENT', 'KILL', 'type', 'wrong_type'], ['CLIENT', 'KILL', 'user', 'wrong_user'],
      ['CLIENT', 'KILL', 'skipme', 'yes_or_no'], ['CLIENT', 'KILL', 'bogus', 'x'], ['CLIENT', 'KILL', 'id'],
      ['CLIENT', 'KILL', '1.2.3.4:5'], ['CLIENT', 'KILL', 'addr', '1.2.3.4:5'], ['CLIENT', 'KILL', 'laddr', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'id', '999999'], ['CLIENT', 'KILL', 'type', 'master'], ['CLIENT', 'KILL', 'type', 'pubsub'],
      ['CLIENT', 'KILL', 'type', 'replica'], ['CLIENT', 'KILL', 'user', 'default', 'type', 'master'],
      ['CLIENT', 'KILL', 'id', '999999', 'skipme', 'no'], ['CLIENT', 'KILL', 'skipme', 'yes', 'type', 'pubsub'],
      ['CLIENT', 'KILL', 'id', '1', 'type', 'bogus'], ['CLIENT', 'KILL', 'type', 'bogus', 'id', 'x'],
    ], { resp });
  });
}

/** The id and address (as the server sees it) of a connection. */
async function whoami(c: RespClient): Promise<{ id: number; addr: string; laddr: string }> {
  const id = (await c.call('CLIENT', 'ID')) as number;
  const info = String(await c.call('CLIENT', 'INFO'));
  return { id, addr: /\baddr=(\S+)/.exec(info)![1], laddr: /\bladdr=(\S+)/.exec(info)![1] };
}

async function onBoth(fn: (server: RunningServer) => Promise<unknown>): Promise<[unknown, unknown]> {
  return Promise.all([fn(d.larder), fn(d.redis)]);
}

test('CLIENT KILL by ID, ADDR (old and new form), LADDR, USER and SKIPME', async () => {
  const results = await onBoth(async (server) => {
    const out: unknown[] = [];
    const admin = await server.client();
    const victims = await Promise.all([server.client(), server.client(), server.client(), server.client()]);
    const who = await Promise.all(victims.map(whoami));
    out.push(await admin.call('CLIENT', 'KILL', 'ID', String(who[0].id)));
    await victims[0].waitClosed();
    out.push(await admin.call('CLIENT', 'KILL', who[1].addr));
    await victims[1].waitClosed();
    out.push(await admin.call('CLIENT', 'KILL', who[1].addr));
    out.push(await admin.call('CLIENT', 'KILL', 'ADDR', who[2].addr, 'TYPE', 'normal'));
    await victims[2].waitClosed();
    out.push(await admin.call('CLIENT', 'KILL', 'LADDR', who[3].laddr, 'USER', 'default', 'ID', String(who[3].id)));
    await victims[3].waitClosed();
    out.push(await admin.call('PING'));
    // The old form kills the caller too, after its reply.
    const me = await whoami(admin);
    out.push(await admin.call('CLIENT', 'KILL', me.addr));
    await admin.waitClosed();
    const last = await server.client();
    out.push(await last.call('CLIENT', 'KILL', 'SKIPME', 'no', 'ID', String((await whoami(last)).id)));
    await last.waitClosed();
    return out;
  });
  assert.deepEqual(results[0], results[1]);
  assert.deepEqual(results[0], [1, 'OK', new Error('ERR No such client'), 1, 1, 'PONG', 'OK', 1]);
});

test('CLIENT KILL SKIPME NO kills every client, the caller after its reply', async () => {
  const results = await onBoth(async (server) => {
    const others = await Promise.all([server.client(), server.client()]);
    const c = await server.client();
    // Other test connections may exist: count them from CLIENT LIST.
    const count = String(await c.call('CLIENT', 'LIST')).trim().split('\n').length;
    const killed = await c.call('CLIENT', 'KILL', 'SKIPME', 'no');
    await c.waitClosed();
    await Promise.all(others.map((o) => o.waitClosed()));
    return killed === count;
  });
  assert.deepEqual(results, [true, true]);
});

test('CLIENT KILL MAXAGE (Redis 7.4) kills connections older than the given age', async () => {
  const c = await d.larder.client();
  const other = await d.larder.client();
  try {
    assert.deepEqual(await c.call('CLIENT', 'KILL', 'MAXAGE', 'x'), new Error('ERR value is not an integer or out of range'));
    assert.equal(await c.call('CLIENT', 'KILL', 'MAXAGE', '1000'), 0);
    await waitFor(async () => /\bage=[2-9]/.test(String(await c.call('CLIENT', 'INFO'))), 'connections to age');
    assert.equal(await c.call('CLIENT', 'KILL', 'MAXAGE', '1', 'ID', String(await other.call('CLIENT', 'ID'))), 1);
    await other.waitClosed();
  } finally {
    c.close();
    other.close();
  }
});

test('CLIENT REPLY OFF, ON and SKIP', async () => {
  await samePipeline([['CLIENT', 'REPLY', 'OFF'], ['PING', 'a'], ['SET', 'k', 'v'], ['CLIENT', 'REPLY', 'ON'], ['GET', 'k']]);
  await samePipeline([['CLIENT', 'REPLY', 'SKIP'], ['PING', 'skipped'], ['PING', 'shown']]);
  await samePipeline([['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'ON'], ['PING']]);
  await samePipeline([['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', 'a'], ['PING', 'b']]);
  await samePipeline([['CLIENT', 'REPLY', 'OFF'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', 'a'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'b']]);
  await samePipeline([['CLIENT', 'REPLY', 'SKIP'], ['NOSUCHCOMMAND'], ['PING', 'b']]);
  await samePipeline([['CLIENT', 'REPLY', 'OFF'], ['CLIENT', 'REPLY', 'bogus'], ['CLIENT', 'REPLY', 'on'], ['CLIENT', 'REPLY', 'bogus']]);
});

test('QUIT under CLIENT REPLY OFF closes the connection (Redis leaves it open, waiting for input)', async () => {
  const r = await exchange(d.larder.port, [pipeline(['CLIENT', 'REPLY', 'OFF'], ['QUIT'])], { sentinel: false });
  assert.deepEqual(r, { data: '', closed: true });
});

test('CLIENT PAUSE WRITE holds writes, lets reads and errors through, UNPAUSE releases in order', async () => {
  const results = await onBoth(async (server) => {
    const admin = await server.client();
    const writers = await Promise.all([server.client(), server.client(), server.client()]);
    const reader = await server.client();
    const out: unknown[] = [];
    await admin.call('SET', 'pk', '0');
    out.push(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'));
    const pending: Promise<unknown>[] = [];
    for (const w of writers) {
      pending.push(w.call('INCRBY', 'pk', '10'));
      // One at a time, so that the release order is known.
      await waitFor(async () => (String(await admin.call('CLIENT', 'LIST')).match(/flags=b/g) ?? []).length === pending.length, 'a writer to be paused');
    }
    await waitFor(async () => (String(await admin.call('CLIENT', 'LIST')).match(/flags=b/g) ?? []).length === 3, 'writers to be paused');
    out.push(await reader.call('GET', 'pk'));
    out.push(await reader.call('SET', 'pk'));
    out.push(await reader.call('PING'));
    out.push(await admin.call('CLIENT', 'UNPAUSE'));
    out.push(await Promise.all(pending));
    out.push(await reader.call('GET', 'pk'));
    for (const c of [admin, reader, ...writers]) c.close();
    return out;
  });
  assert.deepEqual(results[0], results[1]);
});

test('CLIENT PAUSE ALL holds every command, even from the pausing client, until it ends', async () => {
  const results = await onBoth(async (server) => {
    const admin = await server.client();
    const other = await server.client();
    const out: unknown[] = [];
    out.push(await admin.call('CLIENT', 'PAUSE', '300', 'ALL'));
    const started = Date.now();
    out.push(await other.call('PING'));
    out.push(Date.now() - started >= 250);
    admin.close();
    other.close();
    return out;
  });
  assert.deepEqual(results[0], results[1]);
  assert.deepEqual(results[0], ['OK', 'PONG', true]);
});

test('CLIENT NO-TOUCH and SETINFO (Redis 7.2)', async () => {
  const c = await d.larder.client();
  try {
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'ON'), 'OK');
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'off'), 'OK');
    assert.deepEqual(await c.call('CLIENT', 'NO-TOUCH', 'maybe'), new Error('ERR syntax error'));
    assert.deepEqual(await c.call('CLIENT', 'NO-TOUCH'), new Error("ERR wrong number of arguments for 'client|no-touch' command"));
    assert.equal(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib'), 'OK');
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-ver', '1.2.3'), 'OK');
    assert.deepEqual(await c.call('CLIENT', 'SETINFO', 'lib-name', 'has space'), new Error('ERR lib-name cannot contain spaces, newlines or special characters.'));
    assert.deepEqual(await c.call('CLIENT', 'SETINFO', 'Lib-Ver', 'a\nb'), new Error('ERR Lib-Ver cannot contain spaces, newlines or special characters.'));
    assert.deepEqual(await c.call('CLIENT', 'SETINFO', 'bogus', 'x'), new Error("ERR Unrecognized option 'bogus'"));
    assert.deepEqual(await c.call('CLIENT', 'SETINFO', 'lib-name'), new Error("ERR wrong number of arguments for 'client|setinfo' command"));
    const info = (await c.call('COMMAND', 'INFO', 'client|no-touch', 'client|setinfo')) as unknown[][];
    assert.deepEqual(info.map((i) => i.slice(0, 7)), [
      ['client|no-touch', 3, ['noscript', 'loading', 'stale'], 0, 0, 0, ['@slow', '@connection']],
      ['client|setinfo', 4, ['noscript', 'loading', 'stale'], 0, 0, 0, ['@slow', '@connection']],
    ]);
  } finally {
    c.close();
  }
});

test('CLIENT UNBLOCK ends a BLPOP with its timeout reply or an error', async () => {
  const results = await onBoth(async (server) => {
    const admin = await server.client();
    const blocked = await server.client();
    const id = String(await blocked.call('CLIENT', 'ID'));
    const out: unknown[] = [];
    for (const how of ['TIMEOUT', 'ERROR', undefined]) {
      const pending = blocked.send('BLPOP', 'unblock-list', '0');
      await waitFor(async () => /flags=b/.test(String(await admin.call('CLIENT', 'LIST', 'ID', id))), 'BLPOP to block');
      out.push(await admin.call('CLIENT', 'UNBLOCK', id, ...(how ? [how] : [])));
      out.push((await pending).raw.toString('latin1'));
    }
    out.push(await admin.call('CLIENT', 'UNBLOCK', id));
    admin.close();
    blocked.close();
    return out;
  });
  assert.deepEqual(results[0], results[1]);
});

test('CLIENT LIST shows the connections of all clients, and forgets closed ones', async () => {
  const results = await onBoth(async (server) => {
    const a = await server.client();
    const b = await server.client();
    await b.call('CLIENT', 'SETNAME', 'listed-b');
    const before = String(await a.call('CLIENT', 'LIST'));
    const line = before.split('\n').find((l) => l.includes('name=listed-b'))!;
    b.close();
    await waitFor(async () => !String(await a.call('CLIENT', 'LIST')).includes('name=listed-b'), 'closed client to go');
    a.close();
    return line.replace(/\b(id|addr|laddr|fd|age|idle|qbuf-free|tot-mem|rbs|rbp)=\S*/g, '$1=?');
  });
  assert.equal(results[0], results[1]);
});
