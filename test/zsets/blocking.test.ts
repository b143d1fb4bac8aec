// Blocking pops with several clients, against a real Redis: the same scenario runs on both
// servers and every reply (blocked ones included) is compared byte for byte.
//
// A client is known to be blocked without sleeping: it sends `ECHO sync` and the blocking
// command in one write; both servers run every complete request of a read before anything
// else, so once the ECHO reply is back the blocking command has run.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { encodeCommand, type RespClient, type Reply } from '../helpers/resp-client.js';
import type { RunningServer } from '../helpers/servers.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

type Log = (r: Reply) => void;

/**
 * Sends a blocking command; resolves once it is blocked (or answered), with its reply's promise
 * (wrapped: an async function returning a promise would wait for it).
 */
async function block(c: RespClient, ...cmd: string[]): Promise<{ reply: Promise<Reply> }> {
  c.writeRaw(Buffer.concat([encodeCommand(['ECHO', 'sync']), encodeCommand(cmd)]));
  const echo = await c.read();
  assert.equal(echo.decoded.type, 'bulk');
  return { reply: c.read() };
}

/** Runs a scenario on each server (fresh FLUSHALL) and compares the logged replies. */
async function compare(scenario: (open: () => Promise<RespClient>, log: Log) => Promise<void>): Promise<void> {
  const run = async (server: RunningServer): Promise<string[]> => {
    const clients: RespClient[] = [];
    const open = async () => {
      const c = await server.client();
      clients.push(c);
      return c;
    };
    const out: string[] = [];
    const first = await open();
    await first.send('FLUSHALL');
    try {
      await scenario(open, (r) => out.push(r.raw.latin1Slice(0, r.raw.length)));
    } finally {
      for (const c of clients) c.close();
    }
    return out;
  };
  const [a, b] = await Promise.all([run(d.larder), run(d.redis)]);
  assert.deepEqual(a, b);
  assert.ok(a.length > 0);
}

test('BZPOPMIN is served by a later ZADD on any of its keys', async () => {
  await compare(async (open, log) => {
    const [a, b] = [await open(), await open()];
    const { reply } = await block(a, 'BZPOPMIN', 'k1', 'k2', '0');
    log(await b.send('ZADD', 'k2', '1', 'a', '2', 'b'));
    log(await reply);
    log(await b.send('ZRANGE', 'k2', '0', '-1', 'WITHSCORES'));
    log(await a.send('PING'));
  });
});

test('several clients blocked on one key are served in arrival order', async () => {
  await compare(async (open, log) => {
    const [a, c, e, b] = [await open(), await open(), await open(), await open()];
    const { reply: ra } = await block(a, 'BZPOPMAX', 'k', '0');
    const { reply: rc } = await block(c, 'BZPOPMAX', 'k', '0');
    const { reply: re } = await block(e, 'BZPOPMIN', 'k', 'other', '0');
    log(await b.send('ZADD', 'k', '1', 'x', '2', 'y'));
    log(await ra);
    log(await rc);
    log(await b.send('EXISTS', 'k'));
    log(await b.send('ZADD', 'k', '3', 'z'));
    log(await re);
  });
});

test('BZMPOP takes up to COUNT members, nested', async () => {
  await compare(async (open, log) => {
    const [a, b] = [await open(), await open()];
    const { reply: r1 } = await block(a, 'BZMPOP', '0', '2', 'k1', 'k2', 'MAX', 'COUNT', '5');
    log(await b.send('ZADD', 'k2', '1', 'a', '2', 'b', '3', 'c'));
    log(await r1);
    const { reply: r2 } = await block(a, 'BZMPOP', '0', '1', 'k3', 'MIN');
    log(await b.send('ZADD', 'k3', '1', 'a', '2', 'b'));
    log(await r2);
    log(await b.send('ZRANGE', 'k3', '0', '-1'));
  });
});

test('timeouts reply with a null array', async () => {
  await compare(async (open, log) => {
    const a = await open();
    log(await a.send('BZPOPMIN', 'nokey', '0.02'));
    log(await a.send('BZPOPMAX', 'nokey', 'other', '0.02'));
    log(await a.send('BZMPOP', '0.02', '1', 'nokey', 'MIN'));
  });
});

test('a key of another type, or in another database, does not serve the client', async () => {
  await compare(async (open, log) => {
    const [a, b] = [await open(), await open()];
    const { reply: r } = await block(a, 'BZPOPMIN', 'k', '0');
    log(await b.send('SET', 'k', 'str'));
    log(await b.send('DEL', 'k'));
    log(await b.send('SELECT', '1'));
    log(await b.send('ZADD', 'k', '1', 'other-db'));
    log(await b.send('SELECT', '0'));
    log(await b.send('ZADD', 'k', '5', 'v'));
    log(await r);
  });
});

test('the same key twice, a STORE destination and GEOADD all serve blocked clients', async () => {
  await compare(async (open, log) => {
    const [a, b] = [await open(), await open()];
    const { reply: r1 } = await block(a, 'BZPOPMIN', 'k', 'k', '0');
    log(await b.send('ZADD', 'k', '1', 'a'));
    log(await r1);
    log(await b.send('ZADD', 'src', '1', 'x', '2', 'y'));
    const { reply: r2 } = await block(a, 'BZPOPMAX', 'dst', '0');
    log(await b.send('ZUNIONSTORE', 'dst', '1', 'src', 'WEIGHTS', '10'));
    log(await r2);
    const { reply: r3 } = await block(a, 'BZPOPMIN', 'geo', '0');
    log(await b.send('GEOADD', 'geo', '13.361389', '38.115556', 'Palermo'));
    log(await r3);
    const { reply: r4 } = await block(a, 'BZPOPMIN', 'rs', '0');
    log(await b.send('ZRANGESTORE', 'rs', 'src', '0', '0'));
    log(await r4);
  });
});

test('a client that disconnects while blocked takes nothing', async () => {
  await compare(async (open, log) => {
    const [a, b, c] = [await open(), await open(), await open()];
    const { reply: gone } = await block(a, 'BZPOPMIN', 'k', '0');
    gone.catch(() => undefined);
    a.close();
    // The server sees the close after the PING round trip below at the latest.
    log(await c.send('PING'));
    const { reply: rc } = await block(c, 'BZPOPMIN', 'k', '0');
    log(await b.send('ZADD', 'k', '1', 'a', '2', 'b'));
    log(await rc);
    log(await b.send('ZCARD', 'k'));
  });
});

test('inside MULTI, blocking pops do not block', async () => {
  await compare(async (open, log) => {
    const [a, b] = [await open(), await open()];
    for (const cmd of [['MULTI'], ['BZPOPMIN', 'k', '0'], ['BZMPOP', '0', '1', 'k', 'MIN'], ['ZADD', 'k', '1', 'a'], ['BZPOPMIN', 'k', '0'], ['EXEC']]) {
      log(await a.send(...cmd));
    }
    // ZADD then DEL in one transaction must not wake a blocked client.
    const { reply: r } = await block(a, 'BZPOPMIN', 'k', '0');
    for (const cmd of [['MULTI'], ['ZADD', 'k', '1', 'x'], ['DEL', 'k'], ['EXEC'], ['ZADD', 'k', '2', 'y']]) log(await b.send(...cmd));
    log(await r);
  });
});
