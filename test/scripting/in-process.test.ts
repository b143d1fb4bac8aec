// Scripting seen from inside the server: the propagation of a script's effects, the
// slow-script hook (a script can't be killed from outside while Node runs it, so one that
// hasn't written is stopped at busy-reply-threshold, one that has runs on), client-side
// caching of a script's declared keys, MONITOR order, error statistics and INFO fields.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InProcessLarder } from '../helpers/inprocess.js';
import { loadLua } from '../../src/scripting/lua.js';

let larder: InProcessLarder;
before(async () => {
  await loadLua();
  larder = new InProcessLarder();
});
after(() => larder.close());

function text(raw: Buffer): string {
  return raw.toString('latin1');
}

test('a script propagates its writes as MULTI/EXEC (one write alone, reads nothing)', async () => {
  const c = larder.client();
  larder.propagated.length = 0;
  await c.send('EVAL', "redis.call('set', 'a', 1); redis.call('incr', 'a'); return 1", '0');
  await c.send('EVAL', "return redis.call('get', 'a')", '0');
  await c.send('EVAL', "redis.call('set', 'b', 1); return 1", '0');
  await c.send('EVAL', "redis.set_repl(redis.REPL_NONE); redis.call('set', 'c', 1); return 1", '0');
  assert.deepEqual(larder.propagated, [
    ['0', 'MULTI'], ['0', 'set', 'a', '1'], ['0', 'incr', 'a'], ['0', 'EXEC'],
    ['0', 'set', 'b', '1'],
  ]);
  c.close();
});

test('a slow script that has not written is stopped at busy-reply-threshold; the server serves again', async () => {
  const c = larder.client();
  larder.configure([['busy-reply-threshold', '50']]);
  try {
    const r = await c.send('EVAL', 'local i = 0; while true do i = i + 1 end', '0');
    assert.match(text(r.raw), /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    // pcall can't keep it alive.
    const r2 = await c.send('EVAL', 'while true do pcall(function() while true do end end) end', '0');
    assert.match(text(r2.raw), /^-ERR Script killed by user with SCRIPT KILL/);
    assert.equal(text((await c.send('PING')).raw), '+PONG\r\n');
    assert.equal(text((await c.send('SCRIPT', 'KILL')).raw), '-NOTBUSY No scripts in execution right now.\r\n');
    // A slow script that wrote runs to its end (it can't be killed in Redis either).
    const r3 = await c.send('EVAL', "redis.call('set', 'w', 1); local n = 0; while n < 3e6 do n = n + 1 end; return n", '0');
    assert.equal(text(r3.raw), ':3000000\r\n');
  } finally {
    larder.configure([['busy-reply-threshold', '5000']]);
    c.close();
  }
});

test('client-side caching remembers the keys a script declares when it reads', async () => {
  const reader = larder.client(3);
  const writer = larder.client();
  await reader.send('CLIENT', 'TRACKING', 'on');
  await reader.send('EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'tk');
  await writer.send('SET', 'tk', 'changed');
  const push = await reader.read();
  assert.match(text(push.raw), /^>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$2\r\ntk\r\n$/);
  reader.close();
  writer.close();
});

test('MONITOR sees the script command before the commands it runs', async () => {
  const m = larder.client();
  const c = larder.client();
  await m.send('MONITOR');
  await c.send('EVAL', "return redis.call('set', 'mk', 'v')", '0');
  const first = text((await m.read()).raw);
  const second = text((await m.read()).raw);
  assert.match(first, /"EVAL" "return redis.call\('set', 'mk', 'v'\)" "0"/);
  assert.match(second, /\[0 lua\] "set" "mk" "v"/);
  m.close();
  c.close();
});

test('INFO memory reports the Lua VM and the script cache', async () => {
  const c = larder.client();
  await c.send('SCRIPT', 'FLUSH');
  await c.send('SCRIPT', 'LOAD', 'return 1');
  await c.send('SCRIPT', 'LOAD', 'return 2');
  const info = text((await c.send('INFO', 'memory')).raw);
  assert.match(info, /number_of_cached_scripts:2\r\n/);
  const lua = Number(/used_memory_lua:(\d+)/.exec(info)![1]);
  assert.ok(lua > 10000, `used_memory_lua ${lua}`);
  assert.ok(Number(/used_memory_scripts_eval:(\d+)/.exec(info)![1]) > 0);
  c.close();
});
