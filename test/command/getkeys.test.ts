// Key extraction (COMMAND GETKEYS / GETKEYSANDFLAGS) for every kind of key spec and every
// command-specific key finder, checked against real Redis. The replies are computed over a
// command table holding every command of the reference (not only those Larder implements yet).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandTable, type Family } from '../../src/commands/command.js';
import { getKeys } from '../../src/commands/introspection.js';
import reference from '../../src/commands/reference.json' with { type: 'json' };
import { encodeReply } from '../../src/resp/encoder.js';
import { CommandError, type Reply } from '../../src/resp/reply.js';
import { startRedis, type RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';

const table = new CommandTable();
{
  const family: Family = {};
  const run = () => null;
  for (const [name, meta] of Object.entries((reference as { commands: Record<string, { subcommands?: Record<string, unknown> }> }).commands)) {
    family[name] = meta.subcommands ? { run, subcommands: Object.fromEntries(Object.keys(meta.subcommands).map((s) => [s, { run }])) } : { run };
  }
  table.register(family);
}

function mine(argv: string[], resp: number): string {
  let reply: Reply;
  try {
    reply = getKeys(table, argv, argv[1].toLowerCase() === 'getkeysandflags');
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    reply = e.reply;
  }
  return encodeReply(reply, resp);
}

let redis: RunningServer;
let c2: RespClient;
let c3: RespClient;
before(async () => {
  redis = await startRedis();
  c2 = await redis.client();
  c3 = await redis.client();
  await c3.send('HELLO', '3');
});
after(async () => {
  c2.close();
  c3.close();
  await redis.stop();
});

const CALLS: string[][] = [
  // Plain key specs: index/range, keyword/range, keynum.
  ['GET', 'k'], ['MGET', 'a', 'b', 'c'], ['MSET', 'a', '1', 'b', '2'], ['MSETNX', 'a', '1', 'b'], ['DEL', 'a', 'b', 'c'],
  ['LMOVE', 'k1', 'k2', 'left', 'right'], ['RENAME', 'a', 'b'], ['BLPOP', 'a', 'b', '0'], ['BRPOPLPUSH', 'a', 'b', '0'],
  ['ZUNIONSTORE', 'dst', '2', 'a', 'b', 'WEIGHTS', '1', '2'], ['ZUNIONSTORE', 'dst', '0', 'a'], ['ZUNIONSTORE', 'dst', 'x', 'a'],
  ['ZUNIONSTORE', 'dst', '5', 'a'], ['ZINTER', '2', 'a', 'b'], ['ZDIFF', '3', 'a', 'b'], ['ZINTERCARD', '1', 'a', 'LIMIT', '3'],
  ['SINTERCARD', '2', 'a', 'b'], ['SINTERCARD', '-1', 'a'], ['LMPOP', '2', 'a', 'b', 'LEFT'], ['BLMPOP', '0', '2', 'a', 'b', 'LEFT'],
  ['ZMPOP', '1', 'a', 'MIN'], ['BZMPOP', '1.5', '1', 'a', 'MAX'], ['BZMPOP', '0', '3', 'a', 'MAX'],
  ['EVAL', 'return 1', '2', 'a', 'b', 'c'], ['EVAL', 'return 1', '0'], ['EVAL', 'return 1', 'x'], ['EVAL', 'return 1', '3', 'a'],
  ['EVAL_RO', 's', '1', 'k'], ['EVALSHA', 'sha', '1', 'k'], ['EVALSHA_RO', 'sha', '0'], ['FCALL', 'f', '2', 'a', 'b'], ['FCALL_RO', 'f', '0'],
  ['XREAD', 'COUNT', '2', 'STREAMS', 's1', 's2', '0', '0'], ['XREAD', 'STREAMS', 's1'], ['XREAD', 'BLOCK', '0', 'STREAMS', 'STREAMS', '1'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'NOACK', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'b', '>'],
  ['XGROUP', 'CREATE', 'key', 'groupname', '$'], ['MEMORY', 'USAGE', 'key'], ['OBJECT', 'ENCODING', 'k'],
  ['LCS', 'key1', 'key2'], ['MIGRATE', 'h', '1', 'key', '0', '5000'], ['MIGRATE', 'h', '1', '', '0', '5000', 'KEYS', 'a', 'b'],
  ['MIGRATE', 'h', '1', 'k', '0', '5000', 'KEYS', 'a'], ['MIGRATE', 'h', '1', '', '0', '5000', 'AUTH', 'keys', 'KEYS', 'a'],
  ['MIGRATE', 'h', '1', '', '0', '5000', 'AUTH2', 'u', 'keys', 'COPY', 'KEYS', 'x'],
  // Command-specific finders and their flags.
  ['SET', 'k1', 'v1'], ['SET', 'k1', 'v1', 'GET'], ['SET', 'k', 'v', 'EX', '10', 'get'], ['SET', 'k', 'v', 'GETS'],
  ['BITFIELD', 'k', 'GET', 'u8', '0'], ['BITFIELD', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'], ['BITFIELD', 'k', 'OVERFLOW', 'WRAP'],
  ['BITFIELD', 'k', 'INCRBY', 'u8'], ['BITFIELD', 'k', 'BOGUS'], ['BITFIELD_RO', 'k', 'GET', 'u8', '0'],
  ['SORT', 'k1'], ['SORT', 'k1', 'STORE', 'k2'], ['SORT', 'k', 'BY', 'store', 'STORE', 'dst'], ['SORT', 'k', 'LIMIT', '0', '1', 'STORE', 'a', 'STORE', 'b'],
  ['SORT', 'k', 'GET', '#', 'store'], ['SORT_RO', 'k', 'BY', 'x'],
  ['GEORADIUS', 'k', '0', '0', '1', 'km'], ['GEORADIUS', 'k', '0', '0', '1', 'km', 'STORE', 'd'], ['GEORADIUS', 'k', '0', '0', '1', 'km', 'STOREDIST', 'd', 'STORE', 'e'],
  ['GEORADIUSBYMEMBER', 'k', 'm', '1', 'km', 'STORE', 'd'], ['GEOSEARCHSTORE', 'd', 's', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
  // Errors.
  ['NOSUCH', 'k'], ['PING', 'x'], ['CLIENT', 'LIST'], ['CLIENT', 'NOSUCH', 'x'], ['CONFIG', 'GET', 'x'], ['MEMORY', 'DOCTOR'],
  ['GET', 'a', 'b'], ['MSET', 'a'], ['LMOVE', 'a'], ['PUBLISH', 'c', 'm'], ['XINFO', 'STREAM', 'k'],
];

for (const resp of [2, 3] as const) {
  test(`GETKEYS and GETKEYSANDFLAGS of every kind of command match Redis (RESP${resp})`, async () => {
    const c = resp === 2 ? c2 : c3;
    for (const call of CALLS) {
      for (const sub of ['GETKEYS', 'GETKEYSANDFLAGS']) {
        const argv = ['COMMAND', sub, ...call];
        const expected = (await c.send(...argv)).raw.toString('latin1');
        assert.equal(mine(argv, resp), expected, `COMMAND ${sub} ${call.join(' ')}`);
      }
    }
  });
}

test('more than 256 keys', async () => {
  const keys = Array.from({ length: 260 }, (_, i) => `key${i + 1}`);
  const argv = ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'target', '260', ...keys];
  assert.equal(mine(argv, 2), (await c2.send(...argv)).raw.toString('latin1'));
});
