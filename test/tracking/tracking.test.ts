import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { checkSession, idOf, type Step } from '../helpers/sessions.js';
import { randomInt } from '../helpers/random.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

/** A command on connection c, then the reads given (default: its reply). */
const on = (c: number, cmd: (string | number)[], reads?: Record<number, number>): Step => ({ c, cmd, reads });

test('CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO: options and errors', async () => {
  await d.check([
    ['CLIENT', 'TRACKING'], ['CLIENT', 'TRACKING', 'maybe'], ['CLIENT', 'TRACKING', 'on', 'foo'],
    ['CLIENT', 'TRACKING', 'on', 'prefix', 'a'], ['CLIENT', 'TRACKING', 'on', 'optin', 'optout'],
    ['CLIENT', 'TRACKING', 'on', 'bcast', 'optin'], ['CLIENT', 'TRACKING', 'on', 'bcast', 'optout'],
    ['CLIENT', 'TRACKING', 'on', 'redirect', '999999'], ['CLIENT', 'TRACKING', 'on', 'redirect', 'x'],
    ['CLIENT', 'TRACKING', 'on', 'redirect', '0'], ['CLIENT', 'TRACKING', 'on', 'redirect', '-1'],
    ['CLIENT', 'TRACKING', 'on', 'redirect'], ['CLIENT', 'TRACKING', 'on', 'prefix'],
    ['CLIENT', 'GETREDIR'], ['CLIENT', 'GETREDIR', 'x'], ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'TRACKINGINFO', 'x'],
    ['CLIENT', 'CACHING'], ['CLIENT', 'CACHING', 'yes'], ['CLIENT', 'CACHING', 'yes', 'x'],
    ['CLIENT', 'TRACKING', 'off'], ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'TRACKING', 'on'], ['CLIENT', 'GETREDIR'], ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'CACHING', 'yes'], ['CLIENT', 'CACHING', 'no'], ['CLIENT', 'CACHING', 'maybe'],
    ['CLIENT', 'TRACKING', 'on', 'bcast'], ['CLIENT', 'TRACKING', 'ON', 'NOLOOP'], ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'TRACKING', 'off'], ['CLIENT', 'TRACKING', 'on', 'optin'], ['CLIENT', 'CACHING', 'no'], ['CLIENT', 'CACHING', 'YES'],
    ['CLIENT', 'TRACKINGINFO'], ['PING'], ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'TRACKING', 'on', 'optout'], ['CLIENT', 'TRACKING', 'on', 'optin'],
    ['CLIENT', 'TRACKING', 'off'], ['CLIENT', 'TRACKING', 'on', 'optout'], ['CLIENT', 'CACHING', 'yes'], ['CLIENT', 'CACHING', 'no'],
    ['CLIENT', 'TRACKINGINFO'], ['GET', 'k'], ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'TRACKING', 'off'], ['CLIENT', 'TRACKING', 'off'], ['CLIENT', 'GETREDIR'],
  ]);
});

test('BCAST prefixes: overlaps are refused, as Redis 7.0 refuses them', async () => {
  await d.check([
    ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'FOOBAR', 'prefix', 'FOO'],
    ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'FOO', 'prefix', 'FOOBAR'],
    ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'FOO', 'prefix', 'BAR'],
    ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'FO'], ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'BARB'],
    ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'BAZ'], ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'TRACKING', 'on'], ['CLIENT', 'TRACKING', 'off'], ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'TRACKING', 'on', 'bcast'], ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'x'],
    ['CLIENT', 'TRACKING', 'off'],
  ]);
  // Redis 7.0 quirk: an overlap between two new prefixes after the first is reported, and then
  // tracking is enabled anyway (two replies to one command).
  await checkSession(d, [
    on(0, ['CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'a', 'prefix', 'b', 'prefix', 'bc'], { 0: 2 }),
    on(0, ['CLIENT', 'TRACKINGINFO']), on(0, ['CLIENT', 'TRACKING', 'off']),
  ]);
});

test('RESP3: invalidations as push messages, after the reply of the command that caused them', async () => {
  await checkSession(d, [
    on(0, ['CLIENT', 'TRACKING', 'on']),
    on(1, ['SET', 'key1', '1']), on(0, ['GET', 'key1']), on(1, ['SET', 'key1', '2'], { 1: 1, 0: 1 }),
    // Only keys read since the last invalidation are tracked.
    on(1, ['SET', 'key1', '3']), on(0, ['GET', 'key1']),
    // Our own write: the reply first, then the invalidation.
    on(0, ['SET', 'key1', '4'], { 0: 2 }),
    // Several keys, one message each; keys that were never read are not tracked.
    on(0, ['MGET', 'a', 'b', 'c']), on(1, ['MSET', 'a', '1', 'b', '2', 'z', '3'], { 1: 1, 0: 2 }),
    on(1, ['SET', 'c', '1'], { 1: 1, 0: 1 }),
    // Inside a transaction the invalidations follow the whole EXEC reply.
    on(0, ['MSET', 'x', '1', 'y', '2'], { 0: 1 }), on(0, ['GET', 'x']), on(0, ['GET', 'y']),
    on(0, ['MULTI']), on(0, ['INCR', 'x']), on(0, ['GET', 'y']), on(0, ['SET', 'y', '5']), on(0, ['EXEC'], { 0: 3 }),
    // Two tracking clients, one RESP2 without redirection (it gets nothing).
    on(2, ['CLIENT', 'TRACKING', 'on']), on(2, ['GET', 'shared']), on(0, ['GET', 'shared']),
    on(1, ['SET', 'shared', '1'], { 1: 1, 0: 1 }),
    // FLUSHALL: a null invalidation to every tracking client.
    on(0, ['GET', 'k']), on(1, ['FLUSHALL'], { 1: 1, 0: 1 }), on(0, ['FLUSHALL'], { 0: 2 }),
    on(0, ['GET', 'k']), on(0, ['MULTI']), on(0, ['FLUSHALL']), on(0, ['EXEC'], { 0: 2 }),
    on(0, ['CLIENT', 'TRACKING', 'off']), on(1, ['SET', 'k', '1']), on(2, ['CLIENT', 'TRACKING', 'off']),
  ], { resp3: [0, 1] });
});

test('RESP3: NOLOOP, OPTIN, OPTOUT, CLIENT CACHING', async () => {
  await checkSession(d, [
    on(0, ['CLIENT', 'TRACKING', 'on', 'NOLOOP']),
    on(0, ['GET', 'a']), on(0, ['GET', 'b']), on(0, ['SET', 'a', '1']), on(1, ['SET', 'b', '1'], { 1: 1, 0: 1 }),
    on(0, ['CLIENT', 'TRACKING', 'off']),
    // OPTIN: only keys read right after CLIENT CACHING yes.
    on(0, ['CLIENT', 'TRACKING', 'on', 'optin']), on(0, ['GET', 'k1']), on(0, ['CLIENT', 'CACHING', 'yes']), on(0, ['GET', 'k2']),
    on(0, ['GET', 'k3']), on(1, ['MSET', 'k1', '1', 'k2', '2', 'k3', '3'], { 1: 1, 0: 1 }),
    // CACHING yes covers a whole transaction.
    on(0, ['CLIENT', 'CACHING', 'yes']), on(0, ['MULTI']), on(0, ['GET', 'm1']), on(0, ['GET', 'm2']), on(0, ['EXEC']),
    on(1, ['MSET', 'm1', '1', 'm2', '2'], { 1: 1, 0: 2 }),
    on(0, ['CLIENT', 'TRACKING', 'off']),
    // OPTOUT: every key except those read right after CLIENT CACHING no.
    on(0, ['CLIENT', 'TRACKING', 'on', 'optout']), on(0, ['CLIENT', 'CACHING', 'no']), on(0, ['GET', 'k1']), on(0, ['GET', 'k2']),
    on(1, ['MSET', 'k1', '1', 'k2', '2'], { 1: 1, 0: 1 }),
    on(0, ['CLIENT', 'TRACKING', 'off']),
  ], { resp3: [0] });
});

test('RESP3: BCAST mode, with prefixes and NOLOOP; switching modes', async () => {
  await checkSession(d, [
    on(0, ['CLIENT', 'TRACKING', 'on', 'BCAST']),
    // Everything changed in one event-loop turn arrives in one message, keys sorted.
    on(1, ['MSET', 'c', '1', 'a', '2', 'b', '3'], { 1: 1, 0: 1 }),
    on(0, ['CLIENT', 'TRACKING', 'off']),
    on(0, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a:', 'PREFIX', 'b:']),
    on(1, ['MULTI']), on(1, ['INCR', 'a:1']), on(1, ['INCR', 'b:1']), on(1, ['INCR', 'a:2']), on(1, ['INCR', 'c:1']),
    on(1, ['EXEC'], { 1: 1, 0: 2 }),
    // Adding a prefix.
    on(0, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c:']), on(1, ['SET', 'c:9', '1'], { 1: 1, 0: 1 }),
    on(0, ['CLIENT', 'TRACKINGINFO']),
    // Our own writes come too, unless NOLOOP.
    on(0, ['SET', 'a:self', '1'], { 0: 2 }),
    on(0, ['CLIENT', 'TRACKING', 'off']), on(0, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP']),
    on(0, ['SET', 'mine', '1']), on(1, ['SET', 'theirs', '1'], { 1: 1, 0: 1 }),
    on(0, ['MULTI']), on(0, ['SET', 'mine', '2']), on(0, ['EXEC']),
    on(1, ['SET', 'theirs', '2'], { 1: 1, 0: 1 }),
    // Keys tracked before switching to BCAST are not followed any more.
    on(0, ['CLIENT', 'TRACKING', 'off']), on(0, ['CLIENT', 'TRACKING', 'on']), on(0, ['GET', 'old']),
    on(0, ['CLIENT', 'TRACKING', 'off']), on(0, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x']),
    on(1, ['SET', 'old', '1']), on(1, ['SET', 'xkey', '1'], { 1: 1, 0: 1 }),
    on(0, ['CLIENT', 'TRACKING', 'off']),
  ], { resp3: [0] });
});

test('RESP2: invalidations through the __redis__:invalidate channel of the redirect client', async () => {
  await checkSession(d, [
    on(2, ['SUBSCRIBE', '__redis__:invalidate']),
    on(0, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', idOf(2)]), on(0, ['CLIENT', 'GETREDIR']),
    on(1, ['SET', 'a', '1']), on(1, ['SET', 'b', '1']), on(0, ['GET', 'a']),
    on(1, ['INCR', 'b']), on(1, ['INCR', 'a'], { 1: 1, 2: 1 }),
    on(0, ['MGET', 'a', 'b', 'c']), on(0, ['FLUSHALL'], { 0: 1, 2: 1 }),
    on(0, ['CLIENT', 'TRACKING', 'off']),
    // BCAST to a redirect client.
    on(0, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', idOf(2)]), on(1, ['MSET', 'a', '1', 'b', '2', 'c', '3'], { 1: 1, 2: 1 }),
    on(0, ['CLIENT', 'TRACKING', 'off']),
    // A redirect client that isn't subscribed gets nothing.
    on(0, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', idOf(3)]), on(0, ['GET', 'q']), on(1, ['SET', 'q', '1']),
    on(0, ['CLIENT', 'TRACKING', 'off']),
    on(0, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', idOf(2), 'NOLOOP']), on(0, ['MGET', 'other', 'loop']),
    on(1, ['SET', 'other', '1'], { 1: 1, 2: 1 }), on(0, ['SET', 'loop', '1']),
    on(0, ['CLIENT', 'TRACKINGINFO']),
    on(0, ['CLIENT', 'TRACKING', 'off']),
  ].map((s) => ({ ...s, ids: true })));
});

test('tracking-redir-broken when the redirect client is gone; several clients redirect to one', async () => {
  await checkSession(d, [
    on(2, ['SUBSCRIBE', '__redis__:invalidate']),
    on(0, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', idOf(2)]), on(3, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', idOf(2)]),
    on(1, ['MSET', 'key1', '1', 'key2', '1']), on(0, ['GET', 'key1']), on(3, ['GET', 'key2']),
    on(1, ['INCR', 'key1'], { 1: 1, 2: 1 }), on(1, ['INCR', 'key2'], { 1: 1, 2: 1 }),
    // Both track one key: two messages.
    on(0, ['GET', 'both']), on(3, ['GET', 'both']), on(1, ['SET', 'both', '1'], { 1: 1, 2: 2 }),
    on(2, ['QUIT']),
    on(0, ['GET', 'key1']), on(1, ['SET', 'key1', '2'], { 1: 1, 0: 1 }),
    on(0, ['CLIENT', 'TRACKINGINFO']),
    on(3, ['CLIENT', 'TRACKING', 'off']),
  ].map((s) => ({ ...s, ids: true })), { resp3: [0] });
});

test('a RESP3 redirect client gets push messages, subscribed or not', async () => {
  await checkSession(d, [
    on(0, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', idOf(2)]), on(0, ['GET', 'k']), on(1, ['SET', 'k', '1'], { 1: 1, 2: 1 }),
    on(2, ['SUBSCRIBE', '__redis__:invalidate']), on(0, ['GET', 'k']), on(1, ['SET', 'k', '2'], { 1: 1, 2: 1 }),
    on(0, ['FLUSHALL'], { 0: 1, 2: 1 }),
    on(0, ['CLIENT', 'TRACKING', 'off']),
  ], { resp3: [2] });
});

test('random reads and writes with tracking clients in every mode behave as in Redis', async () => {
  const rand = randomInt(4242);
  const key = () => ['a:1', 'a:2', 'b:1', 'b:2', 'c'][rand(5)];
  // 0: RESP3 tracking on its own connection; 1: RESP2 redirecting to 2 (subscribed); 3 writes.
  const modes: [string[], string[]][] = [
    [['CLIENT', 'TRACKING', 'on'], ['CLIENT', 'TRACKING', 'on', 'REDIRECT', idOf(2)]],
    [['CLIENT', 'TRACKING', 'on', 'NOLOOP'], ['CLIENT', 'TRACKING', 'on', 'REDIRECT', idOf(2), 'NOLOOP']],
    [['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a:'], ['CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', idOf(2)]],
    [['CLIENT', 'TRACKING', 'on', 'OPTIN'], ['CLIENT', 'TRACKING', 'on', 'OPTOUT', 'REDIRECT', idOf(2)]],
  ];
  const ops: (() => string[])[] = [
    () => ['GET', key()], () => ['MGET', key(), key()], () => ['SET', key(), String(rand(9))], () => ['DEL', key(), key()],
    () => ['INCR', 'c'], () => ['CLIENT', 'CACHING', rand(2) ? 'yes' : 'no'],
  ];
  for (const [mode0, mode1] of modes) {
    const steps: Step[] = [
      { c: 2, cmd: ['SUBSCRIBE', '__redis__:invalidate'] }, { c: 0, cmd: mode0 }, { c: 1, cmd: mode1 },
    ];
    for (let i = 0; i < 100; i++) {
      const c = [0, 1, 3][rand(3)];
      if (rand(8) === 0) {
        // A transaction: synced only once it is over (PING would be queued).
        steps.push({ c, cmd: ['MULTI'], noSync: true, reads: { [c]: 1 } });
        for (let j = rand(3); j >= 0; j--) steps.push({ c, cmd: ops[rand(ops.length)](), noSync: true, reads: { [c]: 1 } });
        steps.push({ c, cmd: ['EXEC'], reads: { [c]: 1 } });
      } else {
        steps.push({ c, cmd: rand(20) === 0 ? ['FLUSHALL'] : ops[rand(ops.length)](), reads: { [c]: 1 } });
      }
    }
    const transcript = await checkSession(d, steps, { sync: true, conns: 4, resp3: [0] });
    assert.ok(transcript.some((l) => l.includes('invalidate')), 'some invalidations');
  }
});
