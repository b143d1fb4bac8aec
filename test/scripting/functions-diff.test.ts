// FUNCTION and FCALL against real Redis 7.0: loading libraries (metadata, load-time API,
// register_function's forms and errors), calling functions (arguments, flags, read-only
// calls, errors naming the function), listing, deleting, flushing, DUMP/RESTORE payloads
// (byte-identical, and each server restores the other's), and what FUNCTION commands and
// FCALL propagate to the AOF. Libraries here register one function each where their order
// would show: Redis lists a library's functions in hash-table order.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { startLarder, startRedis } from '../helpers/servers.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

const lib = (name: string, body: string) => `#!lua name=${name}\n${body}`;

test('FUNCTION LOAD: metadata, load-time API and register_function errors', async () => {
  await d.check([
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'LOAD', lib('t1', "local s = string.upper('x')\nredis.register_function('f', function() return 1 end)")],
    ['FUNCTION', 'LOAD', lib('t2', "error('boom')")],
    ['FUNCTION', 'LOAD', lib('t3', 'redis.register_function()')],
    ['FUNCTION', 'LOAD', lib('t4', 'return +')],
    ['FUNCTION', 'LOAD', lib('t5', 'local x = 1')],
    ['FUNCTION', 'LOAD', lib('t6', "redis.call('ping')")],
    ['FUNCTION', 'LOAD', lib('t7', "redis.log(redis.LOG_WARNING, 'hi'); local v = redis.REDIS_VERSION")],
    ['FUNCTION', 'LOAD', lib('t8', "error({err='X y'})")],
    ['FUNCTION', 'LOAD', lib('t9', "redis.register_function('f9', 1)")],
    ['FUNCTION', 'LOAD', lib('t10', "redis.register_function(1, function() end)")],
    ['FUNCTION', 'LOAD', lib('t11', "redis.register_function('bad-name', function() end)")],
    ['FUNCTION', 'LOAD', lib('t12', "redis.register_function('a', function() end); redis.register_function('a', function() end)")],
    ['FUNCTION', 'LOAD', lib('t13', 'redis.register_function{}')],
    ['FUNCTION', 'LOAD', lib('t14', "redis.register_function{function_name='x'}")],
    ['FUNCTION', 'LOAD', lib('t15', "redis.register_function{callback=function() end}")],
    ['FUNCTION', 'LOAD', lib('t16', "redis.register_function{function_name='x', callback=function() end, flags={'bad'}}")],
    ['FUNCTION', 'LOAD', lib('t17', "redis.register_function{function_name='x', callback=function() end, flags='no-writes'}")],
    ['FUNCTION', 'LOAD', lib('t18', "redis.register_function{function_name='x', callback=function() end, other=1}")],
    ['FUNCTION', 'LOAD', lib('t19', "redis.register_function{function_name=1, callback=function() end}")],
    ['FUNCTION', 'LOAD', lib('t20', "redis.register_function{function_name='x', callback=1}")],
    ['FUNCTION', 'LOAD', lib('t21', "redis.register_function{function_name='x', callback=function() end, description=function() end}")],
    ['FUNCTION', 'LOAD', lib('t22', "redis.register_function('a', function() end, 3)")],
    ['FUNCTION', 'LOAD', '#!lua name=t23 x=1\n'],
    ['FUNCTION', 'LOAD', '#!lua\n'],
    ['FUNCTION', 'LOAD', '#!lua name=a name=b\n'],
    ['FUNCTION', 'LOAD', '#!js name=x\n'],
    ['FUNCTION', 'LOAD', 'nothing'],
    ['FUNCTION', 'LOAD', '#!lua name=x'],
    ['FUNCTION', 'LOAD', '#!lua name=bad-name\n'],
    ['FUNCTION', 'LOAD', 'BADOPT', lib('x', "redis.register_function('x', function() end)")],
    ['FUNCTION', 'LOAD'],
    ['FUNCTION', 'LOAD', 'REPLACE'],
    ['FUNCTION', 'LOAD', '#!LUA name=up\nredis.register_function{function_name=\'up\', callback=function() return 1 end, flags={\'NO-WRITES\'}}'],
    ['FUNCTION', 'LOAD', lib('up', "redis.register_function('up2', function() end)")],
    ['FUNCTION', 'LOAD', lib('other', "redis.register_function('up', function() end)")],
    ['FUNCTION', 'LOAD', 'REPLACE', lib('up', "redis.register_function('up', function() return 2 end)")],
    ['FCALL', 'up', '0'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'up'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 't10'],
  ]);
});

test('FCALL and FCALL_RO', async () => {
  await d.check([
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'LOAD', lib('a', "redis.register_function('echo', function(keys, args) return {keys[1], args[1], #keys, #args} end)")],
    ['FUNCTION', 'LOAD', lib('b', "redis.register_function{function_name='ro', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}")],
    ['FUNCTION', 'LOAD', lib('c', "redis.register_function('wr', function(keys, args) return redis.call('set', keys[1], args[1]) end)")],
    ['FUNCTION', 'LOAD', lib('e', "redis.register_function('err', function() return a end)")],
    ['FUNCTION', 'LOAD', lib('g', "redis.register_function('globals', function() return {type(KEYS), type(redis.breakpoint), type(redis.replicate_commands), type(__redis__err__handler)} end)")],
    ['FUNCTION', 'LOAD', lib('h', "redis.register_function('bad', function() return redis.call('nosuch') end)")],
    ['FUNCTION', 'LOAD', lib('i', "redis.register_function{function_name='rw', callback=function(keys) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}")],
    ['FUNCTION', 'LOAD', lib('j', "redis.register_function('resp3', function() redis.setresp(3); return redis.call('hgetall', 'h') end)")],
    ['HSET', 'h', 'f', 'v'],
    ['FCALL', 'echo', '1', 'k', 'a'],
    ['FCALL', 'echo', '0'],
    ['FCALL', 'wr', '1', 'key', 'val'],
    ['FCALL', 'ro', '1', 'key'],
    ['FCALL_RO', 'ro', '1', 'key'],
    ['FCALL_RO', 'wr', '1', 'key', 'v2'],
    ['FCALL', 'rw', '1', 'key'],
    ['FCALL', 'err', '0'],
    ['FCALL', 'globals', '0'],
    ['FCALL', 'bad', '0'],
    ['FCALL', 'resp3', '0'],
    ['FCALL', 'nosuch', '0'],
    ['FCALL', 'echo', 'x'],
    ['FCALL', 'echo', '-1'],
    ['FCALL', 'echo', '3', 'a'],
    ['FCALL', 'nosuch', 'x'],
    ['FUNCTION', 'STATS'],
    ['FUNCTION', 'KILL'],
    ['MULTI'],
    ['FCALL', 'wr', '1', 'key', 'in-multi'],
    ['FCALL', 'ro', '1', 'key'],
    ['EXEC'],
  ]);
});

test('FUNCTION LIST, DELETE, FLUSH, HELP', async () => {
  await d.check([
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'LOAD', lib('l1', "redis.register_function{function_name='f1', callback=function() end, description='first', flags={'allow-oom', 'no-writes', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}")],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LIST', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'l*'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'L1', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x*'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME'],
    ['FUNCTION', 'LIST', 'BAD'],
    ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
    ['FUNCTION', 'DELETE', 'l1'],
    ['FUNCTION', 'DELETE', 'l1'],
    ['FCALL', 'f1', '0'],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'FLUSH', 'ASYNC'],
    ['FUNCTION', 'FLUSH', 'SYNC'],
    ['FUNCTION', 'FLUSH', 'BAD'],
    ['FUNCTION', 'FLUSH', 'SYNC', 'x'],
    ['FUNCTION', 'HELP'],
    ['FUNCTION', 'NOSUCH'],
  ]);
  await d.check([
    ['FUNCTION', 'LOAD', lib('l2', "redis.register_function('f2', function() end)")],
    ['FUNCTION', 'LIST'],
  ], { resp: 3 });
});

test('FUNCTION DUMP and RESTORE: identical payloads, and each server restores the other\'s', async () => {
  const [l, r] = await d.clients();
  try {
    for (const c of [l, r]) {
      await c.send('FUNCTION', 'FLUSH');
      await c.send('FUNCTION', 'LOAD', lib('d1', "redis.register_function('df1', function() return 'long enough text to be compressed compressed compressed compressed' end)"));
    }
    const [ld, rd] = await Promise.all([l.send('FUNCTION', 'DUMP'), r.send('FUNCTION', 'DUMP')]);
    assert.equal(ld.raw.toString('latin1'), rd.raw.toString('latin1'));
    const payload = (rd.decoded as unknown as { value: Buffer }).value;
    const steps: (string | Buffer)[][] = [
      ['FUNCTION', 'RESTORE', payload],
      ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
      ['FUNCTION', 'RESTORE', payload, 'BAD'],
      ['FUNCTION', 'RESTORE', payload, 'FLUSH', 'x'],
      ['FUNCTION', 'RESTORE', Buffer.from('bad payload')],
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'RESTORE', payload],
      ['FCALL', 'df1', '0'],
      ['FUNCTION', 'LOAD', lib('other', "redis.register_function('df1', function() end)")],
      ['FUNCTION', 'DELETE', 'd1'],
      ['FUNCTION', 'LOAD', lib('other', "redis.register_function('df1', function() end)")],
      ['FUNCTION', 'RESTORE', payload],
      ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
      ['FUNCTION', 'RESTORE', payload, 'FLUSH'],
      ['FCALL', 'df1', '0'],
    ];
    for (const cmd of steps) {
      const [a, b] = await Promise.all([l.send(...cmd), r.send(...cmd)]);
      assert.equal(a.raw.toString('latin1'), b.raw.toString('latin1'), `reply to ${cmd.slice(0, 2).join(' ')} ${cmd.length > 3 ? cmd[3] : ''}`);
    }
    // Larder's payload restored on Redis.
    const ldump = (ld.decoded as unknown as { value: Buffer }).value;
    assert.equal((await r.send('FUNCTION', 'RESTORE', ldump, 'FLUSH')).raw.toString(), '+OK\r\n');
  } finally {
    l.close();
    r.close();
  }
});

test('function libraries survive a restart (RDB and AOF), and FUNCTION commands go to the AOF as in Redis', async () => {
  const args = ['--appendonly', 'yes', '--appendfsync', 'always'];
  const [l, r] = await Promise.all([startLarder({ args }), startRedis({ args })]);
  const [lc, rc] = await Promise.all([l.client(), r.client()]);
  const script: string[][] = [
    ['FUNCTION', 'LOAD', lib('p1', "redis.register_function('pf', function(keys, args) redis.call('set', keys[1], args[1]); redis.call('incr', 'n'); return 1 end)")],
    ['FCALL', 'pf', '1', 'k', 'v'],
    ['FUNCTION', 'LOAD', lib('p2', "redis.register_function('pg', function() return 2 end)")],
    ['FUNCTION', 'DELETE', 'p2'],
    ['FCALL_RO', 'pf', '1', 'k', 'v'],
  ];
  try {
    for (const cmd of script) {
      const [a, b] = await Promise.all([lc.send(...cmd), rc.send(...cmd)]);
      assert.equal(a.raw.toString('latin1'), b.raw.toString('latin1'), `reply to ${cmd.join(' ').slice(0, 80)}`);
    }
    const aof = (dir: string) => {
      const aofDir = path.join(dir, 'appendonlydir');
      const manifest = fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1');
      const incr = [...manifest.matchAll(/^file (\S+) seq \d+ type i$/gm)].map((m) => m[1]);
      return incr.map((f) => fs.readFileSync(path.join(aofDir, f), 'latin1')).join('');
    };
    assert.equal(aof(l.dir), aof(r.dir));
    // DEBUG RELOAD keeps the libraries (saved in the RDB, flushed, loaded back).
    await lc.send('DEBUG', 'RELOAD');
    assert.equal((await lc.send('FCALL', 'pf', '1', 'k2', 'v2')).raw.toString(), ':1\r\n');
    // BGREWRITEAOF writes them into the new base; a restart loads them.
    await lc.send('BGREWRITEAOF');
    for (let i = 0; i < 100; i++) {
      const info = (await lc.send('INFO', 'persistence')).raw.toString();
      if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    lc.close();
    await l.stop();
    const l2 = await startLarder({ args, dir: l.dir });
    const c2 = await l2.client();
    try {
      assert.equal((await c2.send('FCALL', 'pf', '1', 'k3', 'v3')).raw.toString(), ':1\r\n');
      assert.match((await c2.send('FUNCTION', 'LIST')).raw.toString(), /library_name\r\n\$2\r\np1\r\n/);
    } finally {
      c2.close();
      await l2.stop();
    }
  } finally {
    rc.close();
    await r.stop();
  }
});
