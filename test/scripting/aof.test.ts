// What scripts propagate, against real Redis 7.0: both servers run the same scripts with
// appendonly yes, and their AOF files must hold the same commands. Redis 7 replicates a
// script's effects: its writes as they ran, several in MULTI/EXEC, a single one alone,
// nothing for a script that only read; redis.set_repl(REPL_NONE / REPL_REPLICA) leaves the
// following writes out of the AOF; rewritten commands (SPOP, INCRBYFLOAT, EXPIRE) log their
// deterministic forms; SELECT inside a script logs under the right database.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLarder, startRedis } from '../helpers/servers.js';
import { incrCommands } from '../helpers/aof.js';

/** Absolute millisecond times differ by when each server ran. */
const normalize = (argv: string[]) => argv.map((a) => (/^1\d{12}$/.test(a) ? '<time>' : a));

const ev = (body: string, ...rest: (string | number)[]): (string | number)[] => ['EVAL', body, ...rest];

const script: (string | number)[][] = [
  ev("redis.call('set', KEYS[1], 'v'); return 1", 1, 'single'),
  ev("redis.call('set', 'a', 1); redis.call('incr', 'a'); redis.call('rpush', 'l', 'x', 'y'); return 1", 0),
  ev("return redis.call('get', 'a')", 0),
  ev("redis.call('get', 'a'); redis.call('set', 'b', 2); return 1", 0),
  ev("redis.call('sadd', 's', 'only'); return redis.call('spop', 's')", 0),
  ev("redis.call('set', 'f', '1.5'); return redis.call('incrbyfloat', 'f', '2')", 0),
  ev("redis.call('set', 'e', 'x'); return redis.call('expire', 'e', 100)", 0),
  ev("redis.call('select', 3); redis.call('set', 'in3', 'x'); return 1", 0),
  ev("redis.call('set', 'x1', 1); redis.set_repl(redis.REPL_NONE); redis.call('set', 'x2', 2); redis.set_repl(redis.REPL_ALL); redis.call('set', 'x3', 3); return 1", 0),
  ev("redis.set_repl(redis.REPL_REPLICA); redis.call('set', 'r1', 1); redis.set_repl(redis.REPL_AOF); redis.call('set', 'r2', 2); return 1", 0),
  ev("redis.set_repl(redis.REPL_NONE); redis.call('set', 'none', 1); return 1", 0),
  ev("redis.call('set', 'before_error', 1); redis.call('nosuch'); return 1", 0),
  ev("redis.pcall('incr', 'l'); redis.call('del', 'a'); return 1", 0),
  ['SCRIPT', 'LOAD', "redis.call('incr', KEYS[1]); redis.call('incr', KEYS[1]); return 1"],
  ['EVALSHA', '9eb1c8e7304bb3a595e91f9094a0ccd207e9153c', 1, 'counter'],
  ['MULTI'],
  ev("redis.call('set', 'm1', 1); return 1", 0),
  ['SET', 'm2', '2'],
  ev("redis.call('set', 'm3', 3); redis.call('set', 'm4', 4); return 1", 0),
  ['EXEC'],
  ev("#!lua flags=no-writes\nreturn redis.call('get', 'm1')", 0),
  ['EVAL_RO', "return redis.call('get', 'm1')", 0],
];

test('scripts propagate their effects to the AOF as Redis does', async () => {
  const args = ['--appendonly', 'yes', '--appendfsync', 'always'];
  const [l, r] = await Promise.all([startLarder({ args }), startRedis({ args })]);
  const [lc, rc] = await Promise.all([l.client(), r.client()]);
  try {
    for (const cmd of script) {
      const [a, b] = await Promise.all([lc.send(...cmd), rc.send(...cmd)]);
      assert.equal(a.raw.toString('latin1'), b.raw.toString('latin1'), `reply to ${cmd.map(String).join(' ').slice(0, 100)}`);
    }
    const larder = incrCommands(l.dir).map(normalize);
    const redis = incrCommands(r.dir).map(normalize);
    assert.deepEqual(larder, redis);
    // Sanity: the expected shape is there.
    assert.ok(redis.some((c) => c[0] === 'MULTI'));
  } finally {
    lc.close();
    rc.close();
    await Promise.all([l.stop(), r.stop()]);
  }
});
