import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { checkSession, type Step } from '../helpers/sessions.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

/** Timestamps and client addresses differ between the servers; everything else must not. */
const normalize = (t: string) => t.replace(/\+\d+\.\d{6} \[(\d+) (\d+\.\d+\.\d+\.\d+:\d+|lua)\]/g, (_m, db, addr) => `+<time> [${db} ${addr === 'lua' ? 'lua' : '<addr>'}]`);

/** A command on connection c, read by c and by the monitors (connection 0 unless given). */
const fed = (c: number, cmd: (string | number | Buffer)[], monitors = [0]): Step => {
  const reads: Record<number, number> = { [c]: 1 };
  for (const m of monitors) reads[m] = (reads[m] ?? 0) + 1;
  return { c, cmd, reads };
};
const notFed = (c: number, cmd: (string | number | Buffer)[]): Step => ({ c, cmd });

test('MONITOR shows commands after they ran, with their database and arguments', async () => {
  await checkSession(d, [
    { cmd: ['MONITOR'] },
    fed(1, ['SET', 'foo', 'bar']), fed(1, ['GET', 'foo']), fed(1, ['PING']), fed(1, ['SELECT', '3']), fed(1, ['SET', 'k', 'in3']),
    fed(1, ['SELECT', '0']), fed(1, ['MGET', 'a', 'b', 'c']), fed(1, ['get', 'MiXeD']), fed(1, ['ECHO', '']),
    // Rejected commands are not shown.
    notFed(1, ['NOSUCHCOMMAND', 'x']), notFed(1, ['GET']), notFed(1, ['SET', 'k']),
    // Runtime errors are.
    fed(1, ['INCR', 'foo']), fed(1, ['SET', 'k', 'v', 'EX', '0']),
    fed(1, ['SUBSCRIBE', 'ch']), fed(1, ['UNSUBSCRIBE']), fed(1, ['PUBLISH', 'ch', 'm']),
  ], { normalize });
});

test('MONITOR escapes arguments as Redis does', async () => {
  const bytes = Buffer.from([0, 1, 7, 8, 9, 10, 13, 0x1f, 0x20, 0x22, 0x27, 0x5c, 0x7e, 0x7f, 0x80, 0xc3, 0xa9, 0xff]);
  await checkSession(d, [
    { cmd: ['MONITOR'] },
    fed(1, ['SET', bytes, bytes]), fed(1, ['ECHO', 'with "quotes" and \\backslash\\']), fed(1, ['ECHO', 'a b\tc']),
    fed(1, ['SET', '12345', '-42']), fed(1, ['ECHO', Buffer.from('caf\u00e9', 'utf8')]),
  ], { normalize });
});

test('MONITOR and transactions: MULTI, the queued commands at EXEC, then EXEC', async () => {
  await checkSession(d, [
    { cmd: ['MONITOR'] },
    fed(1, ['MULTI']), notFed(1, ['SET', 'foo', 'bar']), notFed(1, ['GET', 'foo']), { c: 1, cmd: ['EXEC'], reads: { 1: 1, 0: 3 } },
    // A transaction aborted by queueing errors: MULTI, then EXEC.
    fed(1, ['MULTI']), notFed(1, ['NOSUCHCOMMAND']), notFed(1, ['SET', 'x', '1']), fed(1, ['EXEC']),
    // A rejected EXEC still closes what the monitor saw.
    fed(1, ['MULTI']), notFed(1, ['SET', 'x', '1']), fed(1, ['EXEC', 'extra']),
    fed(1, ['MULTI']), fed(1, ['DISCARD']), fed(1, ['WATCH', 'x']), fed(1, ['UNWATCH']),
    // MONITOR can't run inside a transaction.
    fed(2, ['MULTI']), notFed(2, ['MONITOR']), { c: 2, cmd: ['EXEC'], reads: { 2: 1, 0: 1 } },
  ], { normalize });
});

test('a monitoring client: no keyspace access, its own commands shown after their reply, a second MONITOR ignored', async () => {
  await checkSession(d, [
    { cmd: ['MONITOR'] },
    { cmd: ['GET', 'k'] }, { cmd: ['SET', 'k', 'v'] }, { cmd: ['MULTI'], reads: { 0: 2 } }, { cmd: ['GET', 'k'] }, { cmd: ['EXEC'], reads: { 0: 2 } },
    { cmd: ['PING'], reads: { 0: 2 } }, { cmd: ['ECHO', 'x'], reads: { 0: 2 } }, { cmd: ['MONITOR'], reads: {} },
    { cmd: ['PING', 'after'], reads: { 0: 2 } },
    // Two monitors see each other's commands; a monitor's own QUIT is not shown to itself.
    { c: 1, cmd: ['MONITOR'] }, fed(2, ['SET', 'a', '1'], [0, 1]), { cmd: ['PING'], reads: { 0: 2, 1: 1 } },
    { c: 1, cmd: ['QUIT'], reads: { 1: 1, 0: 1 } }, fed(2, ['SET', 'b', '2']),
  ], { normalize });
});

test('MONITOR line details: address, time, database', async () => {
  const monitor = await d.larder.client();
  const c = await d.larder.client();
  try {
    await monitor.send('MONITOR');
    await c.send('SELECT', '5');
    await monitor.read();
    await c.send('SET', 'k', 'v');
    await monitor.read();
    await c.send('PING');
    const r = await monitor.read();
    assert.equal(r.decoded.type, 'simple');
    const m = /^(\d+)\.(\d{6}) \[5 127\.0\.0\.1:(\d+)\] "PING"$/.exec((r.decoded as { value: string }).value);
    assert.ok(m, (r.decoded as { value: string }).value);
    assert.ok(Math.abs(Number(m[1]) * 1000 + Number(m[2]) / 1000 - Date.now()) < 10_000);
  } finally {
    monitor.close();
    c.close();
  }
});

test('MONITOR redacts passwords of AUTH and HELLO', async () => {
  await checkSession(d, [
    { cmd: ['MONITOR'] },
    fed(1, ['AUTH', 'not-real']), fed(1, ['AUTH', 'not-real', 'not-a-password']), fed(1, ['AUTH', 'a', 'b', 'c']),
    fed(1, ['HELLO', '2', 'AUTH', 'not-real', 'not-a-password']), fed(1, ['HELLO', '2', 'SETNAME', 'n', 'AUTH', 'u', 'p']),
  ], { normalize });
});
