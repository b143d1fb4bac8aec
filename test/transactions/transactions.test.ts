import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { checkSession, type Step } from '../helpers/sessions.js';
import { randomInt } from '../helpers/random.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

for (const resp of [2, 3] as const) {
  test(`MULTI/EXEC/DISCARD basics and errors match Redis (RESP${resp})`, async () => {
    await d.check([
      ['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['INCR', 'a'], ['EXEC'],
      ['MULTI'], ['EXEC'],
      ['EXEC'], ['DISCARD'], ['EXEC', 'x'], ['DISCARD', 'x'],
      ['MULTI'], ['MULTI'], ['WATCH', 'a'], ['PING'], ['EXEC'],
      ['MULTI'], ['SET', 'a', '2'], ['DISCARD'], ['GET', 'a'],
      ['MULTI', 'x'], ['MULTI'], ['MULTI', 'x'], ['EXEC'],
      ['WATCH'], ['UNWATCH', 'x'], ['UNWATCH'],
    ], { resp });
  });

  test(`queue-time errors abort EXEC, run-time errors don't (RESP${resp})`, async () => {
    await d.check([
      ['SET', 's', 'text'],
      ['MULTI'], ['SET', 'x', '1'], ['NOSUCHCOMMAND', 'a'], ['SET', 'y', '2'], ['EXEC'],
      ['EXISTS', 'x', 'y'], ['PING'],
      ['MULTI'], ['SET', 'x'], ['GET', 'x'], ['EXEC'],
      ['MULTI'], ['SET', 'x', '1'], ['DISCARD', 'x'], ['SET', 'z', '3'], ['EXEC'], ['EXISTS', 'x', 'z'],
      ['MULTI'], ['SET', 'x', '1'], ['EXEC', 'now'], ['EXISTS', 'x'], ['PING'],
      ['MULTI'], ['SET', 'x', '1'], ['INCR', 's'], ['INCRBY', 'x', 'notanumber'], ['GET', 'x'], ['INCR', 'x'], ['EXEC'],
      ['MULTI'], ['GET', 'x'], ['UNWATCH'], ['EXEC'],
    ], { resp });
  });

  test(`WATCH on one connection (RESP${resp})`, async () => {
    await d.check([
      // Untouched keys: EXEC runs.
      ['WATCH', 'x', 'y', 'z'], ['WATCH', 'k'], ['MULTI'], ['PING'], ['EXEC'],
      // Our own write before MULTI fails our transaction too.
      ['SET', 'x', '30'], ['WATCH', 'x'], ['SET', 'x', '40'], ['MULTI'], ['PING'], ['EXEC'],
      // Keys are no longer watched after EXEC, failed or not.
      ['SET', 'x', '40'], ['MULTI'], ['PING'], ['EXEC'],
      // Reads don't touch; writes queued inside the transaction don't either.
      ['WATCH', 'x'], ['GET', 'x'], ['EXISTS', 'x'], ['MULTI'], ['SET', 'x', '1'], ['EXEC'],
      // Creating or deleting a watched key touches it; deleting a missing key doesn't.
      ['WATCH', 'new'], ['SET', 'new', 'v'], ['MULTI'], ['PING'], ['EXEC'],
      ['WATCH', 'new'], ['DEL', 'new'], ['MULTI'], ['PING'], ['EXEC'],
      ['WATCH', 'new'], ['DEL', 'new'], ['MULTI'], ['PING'], ['EXEC'],
      // UNWATCH, DISCARD forget the watched keys and the dirty state.
      ['WATCH', 'x'], ['SET', 'x', '1'], ['UNWATCH'], ['MULTI'], ['PING'], ['EXEC'],
      ['WATCH', 'x'], ['SET', 'x', '10'], ['MULTI'], ['DISCARD'], ['MULTI'], ['INCR', 'x'], ['EXEC'],
      ['WATCH', 'x'], ['SET', 'x', '10'], ['MULTI'], ['DISCARD'], ['SET', 'x', '10'], ['MULTI'], ['INCR', 'x'], ['EXEC'],
      // A dirty client ignores further WATCHes.
      ['WATCH', 'x'], ['SET', 'x', '1'], ['WATCH', 'y'], ['MULTI'], ['PING'], ['EXEC'],
      // MSET touches every key it writes.
      ['WATCH', 'm2'], ['MSET', 'm1', 'a', 'm2', 'b'], ['MULTI'], ['PING'], ['EXEC'],
    ], { resp });
  });
}

test('WATCH remembers the database of a key; SELECT inside a transaction', async () => {
  await d.check([
    ['SELECT', '5'], ['SET', 'x', '30'], ['WATCH', 'x'], ['SELECT', '1'], ['SET', 'x', '10'], ['SELECT', '5'],
    ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'x'], ['SELECT', '1'], ['SET', 'x', '11'], ['SELECT', '5'], ['SET', 'x', '31'], ['MULTI'], ['PING'], ['EXEC'],
    ['MULTI'], ['SELECT', '2'], ['SET', 'k', 'in2'], ['SELECT', '3'], ['SET', 'k', 'in3'], ['EXEC'],
    ['GET', 'k'], ['SELECT', '2'], ['GET', 'k'], ['SELECT', '0'],
  ]);
});

test('FLUSHALL touches watched keys that exist, and only those', async () => {
  await d.check([
    ['SET', 'x', '30'], ['WATCH', 'x'], ['FLUSHALL'], ['MULTI'], ['PING'], ['EXEC'],
    ['DEL', 'x'], ['WATCH', 'x'], ['FLUSHALL'], ['MULTI'], ['PING'], ['EXEC'],
    ['MSET', 'a', 'a', 'b', 'b'], ['WATCH', 'b', 'a'], ['FLUSHALL'], ['PING'], ['MULTI'], ['PING'], ['EXEC'],
  ]);
});

test('FLUSHDB and SWAPDB touch watched keys as Redis 7.0 does', async () => {
  await d.check([
    ['SET', 'x', '30'], ['WATCH', 'x'], ['FLUSHDB'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'x'], ['FLUSHDB'], ['MULTI'], ['PING'], ['EXEC'],
    // The key exists in the database being watched: SWAPDB "deletes" it.
    ['SET', 'x', '30'], ['WATCH', 'x'], ['SWAPDB', '0', '1'], ['MULTI'], ['PING'], ['EXEC'],
    // Missing here, present in the other database: SWAPDB "creates" it.
    ['FLUSHALL'], ['SELECT', '1'], ['SET', 'x', '30'], ['SELECT', '0'], ['WATCH', 'x'], ['SWAPDB', '0', '1'],
    ['MULTI'], ['PING'], ['EXEC'],
    // Missing in both: untouched.
    ['FLUSHALL'], ['WATCH', 'nothing'], ['SWAPDB', '0', '1'], ['MULTI'], ['PING'], ['EXEC'],
  ]);
});

test('watched keys that expire fail EXEC; keys already expired when watched do not', async () => {
  await checkSession(d, [
    // Expires after WATCH (lazily or actively): EXEC fails.
    { cmd: ['SET', 'k', 'v', 'PX', '30'] }, { cmd: ['WATCH', 'k'] }, { cmd: ['MULTI'], sleep: 80 }, { cmd: ['INCR', 'k'] },
    { cmd: ['EXEC'] },
    // Logically expired before WATCH: deleting it is no change.
    { cmd: ['SET', 'x', 'foo', 'PX', '1'] }, { cmd: ['PING'], sleep: 10 }, { cmd: ['WATCH', 'x'] }, { cmd: ['MULTI'] }, { cmd: ['PING'] },
    { cmd: ['EXEC'] },
    { cmd: ['SET', 'x', 'foo', 'PX', '1'] }, { cmd: ['PING'], sleep: 10 }, { cmd: ['WATCH', 'x'] }, { cmd: ['EXISTS', 'x'] }, { cmd: ['MULTI'] },
    { cmd: ['PING'] }, { cmd: ['EXEC'] },
    // … but writing it again is.
    { cmd: ['SET', 'x', 'foo', 'PX', '1'] }, { cmd: ['PING'], sleep: 10 }, { cmd: ['WATCH', 'x'] }, { c: 1, cmd: ['SET', 'x', 'bar'] },
    { cmd: ['MULTI'] }, { cmd: ['PING'] }, { cmd: ['EXEC'] },
    // FLUSHALL while watching a stale key: no change either.
    { cmd: ['SET', 'x', 'foo', 'PX', '1'] }, { cmd: ['PING'], sleep: 10 }, { cmd: ['WATCH', 'x'] }, { cmd: ['FLUSHALL'] }, { cmd: ['MULTI'] },
    { cmd: ['PING'] }, { cmd: ['EXEC'] },
  ]);
});

test('writes from other clients break WATCH, reads do not; every watcher fails', async () => {
  await checkSession(d, [
    { cmd: ['SET', 'x', '1'] },
    { cmd: ['WATCH', 'x'] }, { c: 1, cmd: ['WATCH', 'x', 'y'] }, { c: 2, cmd: ['GET', 'x'] },
    { cmd: ['MULTI'] }, { cmd: ['INCR', 'x'] }, { cmd: ['EXEC'] },
    // Our EXEC changed x: connection 1's transaction fails.
    { c: 1, cmd: ['MULTI'] }, { c: 1, cmd: ['INCR', 'x'] }, { c: 1, cmd: ['EXEC'] },
    { cmd: ['WATCH', 'x'] }, { c: 1, cmd: ['WATCH', 'x'] }, { c: 2, cmd: ['INCRBY', 'x', '5'] },
    { cmd: ['MULTI'] }, { cmd: ['GET', 'x'] }, { cmd: ['EXEC'] },
    { c: 1, cmd: ['MULTI'] }, { c: 1, cmd: ['GET', 'x'] }, { c: 1, cmd: ['EXEC'] },
    // A transaction that fails still lets the others through.
    { cmd: ['WATCH', 'x'] }, { c: 1, cmd: ['WATCH', 'y'] }, { c: 2, cmd: ['MSET', 'x', '0', 'z', '0'] },
    { cmd: ['MULTI'] }, { cmd: ['PING'] }, { cmd: ['EXEC'] },
    { c: 1, cmd: ['MULTI'] }, { c: 1, cmd: ['PING'] }, { c: 1, cmd: ['EXEC'] },
  ]);
});

test('a rejected EXEC ends the transaction with the reason', async () => {
  await checkSession(d, [
    { cmd: ['MULTI'] }, { cmd: ['SET', 'a', '1'] }, { cmd: ['EXEC', 'extra'] }, { cmd: ['GET', 'a'] }, { cmd: ['EXEC'] },
    // In RESP2 subscribed mode EXEC is not allowed: EXECABORT with that reason.
    { cmd: ['SUBSCRIBE', 'ch'] }, { cmd: ['EXEC'] }, { cmd: ['UNSUBSCRIBE'] },
  ]);
});

test('SUBSCRIBE inside a transaction writes its confirmations into the EXEC reply', async () => {
  await checkSession(d, [
    { cmd: ['MULTI'] }, { cmd: ['SUBSCRIBE', 'a'] }, { cmd: ['PSUBSCRIBE', 'p*'] }, { cmd: ['SSUBSCRIBE', 's'] }, { cmd: ['EXEC'] },
    { cmd: ['UNSUBSCRIBE', 'a'] }, { cmd: ['PUNSUBSCRIBE', 'p*'] },
  ]);
});

test('random transactions over three connections behave as in Redis', async () => {
  // A seeded mix of WATCH/MULTI/EXEC/DISCARD and writes, reads, flushes and swaps on a few keys.
  const rand = randomInt(12345);
  const key = () => `k${rand(4)}`;
  const commands: (() => string[])[] = [
    () => ['WATCH', key(), key()], () => ['UNWATCH'], () => ['MULTI'], () => ['EXEC'], () => ['EXEC'], () => ['DISCARD'],
    () => ['SET', key(), String(rand(100))], () => ['DEL', key()], () => ['GET', key()], () => ['INCR', key()],
    () => ['MSET', key(), 'a', key(), 'b'], () => ['EXISTS', key()], () => ['SELECT', String(rand(2))],
    () => ['FLUSHDB'], () => ['SWAPDB', '0', '1'], () => ['RENAME', key(), key()], () => ['NOSUCHCOMMAND'], () => ['SET', key()],
  ];
  for (let round = 0; round < 4; round++) {
    const steps: Step[] = [];
    for (let i = 0; i < 150; i++) steps.push({ c: rand(3), cmd: commands[rand(commands.length)]() });
    await checkSession(d, steps);
  }
});
