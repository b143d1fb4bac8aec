// In-process checks of what the wire doesn't show yet: encodings, what is propagated (AOF and
// replicas see pops as ZPOPMIN/ZPOPMAX, GEOADD as ZADD), keyspace events, and blocking pops
// inside EXEC/scripts (clients that may not block).

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Server } from '../../src/server/server.js';
import { Client, ClientFlag } from '../../src/server/client.js';
import { allFamilies } from '../../src/commands/index.js';
import { processCommand } from '../../src/engine/dispatch.js';
import { DoubleReply, NIL_ARRAY, NO_REPLY, type Reply } from '../../src/resp/reply.js';
import { ZSet } from '../../src/types/zset.js';

const server = new Server();
server.register(...allFamilies);
server.init();
after(() => server.close());

const propagated: string[][] = [];
server.propagators.push((_db, argv) => propagated.push(argv));
const events: string[] = [];
server.publish = (channel, message) => {
  if (channel.startsWith('__keyevent@')) events.push(`${channel.slice(channel.indexOf(':') + 1)} ${message}`);
  return 0;
};

let nextId = 1000;
function client(): Client {
  return new Client(server, nextId++, null);
}
const c = client();
function run(...argv: string[]): Reply {
  return processCommand(c, argv);
}
function encoding(key: string): string {
  const v = c.db.peek(key);
  return v instanceof ZSet ? v.encoding() : String(v);
}
function setLimits(entries: number, value: number): void {
  const r = server.config.set([['zset-max-listpack-entries', String(entries)], ['zset-max-listpack-value', String(value)]]);
  assert.ok(r.ok);
}

test('encodings follow the listpack limits (ziplist aliases too)', () => {
  run('FLUSHALL');
  setLimits(128, 64);
  for (let i = 0; i < 128; i++) run('ZADD', 'z', String(i), 'm' + i);
  assert.equal(encoding('z'), 'listpack');
  run('ZADD', 'z', '999', 'one-more');
  assert.equal(encoding('z'), 'skiplist');
  run('ZPOPMIN', 'z', '100');
  assert.equal(encoding('z'), 'skiplist');
  assert.ok(server.config.set([['zset-max-ziplist-entries', '2']]).ok);
  run('ZADD', 'y', '1', 'a', '2', 'b');
  assert.equal(encoding('y'), 'listpack');
  run('ZADD', 'y', '3', 'c');
  assert.equal(encoding('y'), 'skiplist');
  run('ZUNIONSTORE', 'u', '1', 'z', 'WEIGHTS', '0');
  assert.equal(encoding('u'), 'skiplist');
  run('ZRANGESTORE', 'r', 'z', '0', '1');
  assert.equal(encoding('r'), 'listpack');
  run('ZRANGESTORE', 'r', 'z', '0', '2');
  assert.equal(encoding('r'), 'skiplist');
  run('ZINTERSTORE', 'i', '1', 'y', 'WEIGHTS', '2');
  assert.equal(encoding('i'), 'skiplist');
  run('ZREM', 'y', 'c');
  run('ZDIFFSTORE', 'i', '1', 'y');
  assert.equal(encoding('i'), 'listpack');
  setLimits(0, 64);
  run('ZADD', 'zero', '1', 'a');
  assert.equal(encoding('zero'), 'skiplist');
  setLimits(128, 64);
  run('GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
  run('GEOSEARCHSTORE', 'gs', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km');
  assert.equal(encoding('gs'), 'listpack');
  setLimits(1, 64);
  run('GEOSEARCHSTORE', 'gs', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km');
  assert.equal(encoding('gs'), 'skiplist');
  setLimits(128, 64);
});

test('COPY-style copies keep the encoding and the contents', () => {
  run('FLUSHALL');
  run('ZADD', 'a', '1', 'x', '2', 'y');
  const z = c.db.peek('a') as ZSet;
  const copy = z.copy();
  assert.equal(copy.encoding(), 'listpack');
  copy.add(5, 'w', 0, 128, 64);
  assert.equal(z.size, 2);
  z.toSkiplist();
  assert.equal(z.copy().encoding(), 'skiplist');
  assert.deepEqual([z.copy().score('y'), z.copy().rank('y')], [2, 1]);
});

test('pops propagate as ZPOPMIN/ZPOPMAX, GEOADD as ZADD', () => {
  run('FLUSHALL');
  propagated.length = 0;
  run('ZADD', 'k', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
  run('ZPOPMIN', 'k', '0');
  run('ZMPOP', '1', 'k', 'MAX', 'COUNT', '1');
  run('BZPOPMIN', 'k', '0');
  run('BZMPOP', '0', '1', 'k', 'MIN', 'COUNT', '10');
  run('ZMPOP', '1', 'k', 'MIN');
  run('GEOADD', 'g', 'CH', '13.361389', '38.115556', 'Palermo');
  assert.deepEqual(propagated, [
    ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
    ['ZPOPMAX', 'k', '1'],
    ['ZPOPMIN', 'k'],
    ['ZPOPMIN', 'k', '2'],
    ['zadd', 'g', 'CH', '3479099956230698', 'Palermo'],
  ]);
});

test('a served blocked client propagates its pop after the write that served it', () => {
  run('FLUSHALL');
  propagated.length = 0;
  const waiter = client();
  assert.equal(processCommand(waiter, ['BZPOPMAX', 'q', '0']), NO_REPLY);
  const other = client();
  assert.equal(processCommand(other, ['BZMPOP', '0', '1', 'q', 'MIN', 'COUNT', '2']), NO_REPLY);
  run('ZADD', 'q', '1', 'a', '2', 'b', '3', 'c');
  assert.deepEqual(propagated, [['ZADD', 'q', '1', 'a', '2', 'b', '3', 'c'], ['ZPOPMAX', 'q'], ['ZPOPMIN', 'q', '2']]);
  assert.equal(c.db.peek('q'), undefined);
});

test('clients that may not block (EXEC, scripts) get a null array at once', () => {
  run('FLUSHALL');
  const denied = client();
  denied.flags |= ClientFlag.DenyBlocking;
  assert.equal(processCommand(denied, ['BZPOPMIN', 'nokey', '0']), NIL_ARRAY);
  assert.equal(processCommand(denied, ['BZMPOP', '0', '1', 'nokey', 'MAX']), NIL_ARRAY);
  run('ZADD', 'k', '1', 'a');
  const r = processCommand(denied, ['BZPOPMIN', 'nokey', 'k', '0']) as Reply[];
  assert.deepEqual([r[0], r[1], (r[2] as DoubleReply).value], ['k', 'a', 1]);
});

test('keyspace events are Redis\'s', () => {
  run('FLUSHALL');
  assert.ok(server.config.set([['notify-keyspace-events', 'KEA']]).ok);
  events.length = 0;
  run('ZADD', 'k', '1', 'a', '2', 'b');
  run('ZADD', 'k', '1', 'a');
  run('ZINCRBY', 'k', '1', 'a');
  run('ZREM', 'k', 'nope');
  run('ZREMRANGEBYSCORE', 'k', '2', '2');
  run('ZPOPMAX', 'k');
  run('ZADD', 'k', '1', 'a', '2', 'b', '3', 'c');
  run('ZREMRANGEBYRANK', 'k', '0', '0');
  run('ZREMRANGEBYLEX', 'k', '-', '[b');
  run('ZREM', 'k', 'c');
  run('ZADD', 's', '1', 'a');
  run('ZUNIONSTORE', 'd', '1', 's');
  run('ZINTERSTORE', 'd', '2', 's', 'nokey');
  run('ZRANGESTORE', 'd', 's', '0', '-1');
  run('GEOADD', 'g', '13.361389', '38.115556', 'Palermo');
  run('GEOSEARCHSTORE', 'gd', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km');
  run('GEORADIUS', 'g', '13.361389', '38.115556', '1', 'km', 'STORE', 'gd');
  assert.ok(server.config.set([['notify-keyspace-events', '']]).ok);
  assert.deepEqual(events, [
    'zadd k', 'zincr k', 'zremrangebyscore k', 'del k', 'zadd k', 'zremrangebyrank k', 'zremrangebylex k', 'zrem k', 'del k',
    'zadd s', 'zunionstore d', 'del d', 'zrangestore d', 'zadd g', 'geosearchstore gd', 'georadiusstore gd',
  ]);
});
