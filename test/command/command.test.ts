// COMMAND against real Redis. Larder lists only the commands it implements (and, of container
// commands, only the subcommands it implements), and Redis lists commands in hash-table order,
// so replies are compared per command: COMMAND INFO and DOCS of each command byte for byte,
// container commands without their subcommand lists (each subcommand is compared on its own).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Differential } from '../helpers/differential.js';
import { elements } from '../helpers/raw.js';
import type { RespClient } from '../helpers/resp-client.js';

/** Subcommands from Redis 7.2 that Larder also has: not in 7.0.15, compared elsewhere. */
const AFTER_7_0 = new Set(['client|no-touch', 'client|setinfo']);

let d: Differential;
/** Every command and subcommand Larder lists (except the 7.2 additions). */
let names: string[] = [];
before(async () => {
  d = await Differential.start();
  const c = await d.larder.client();
  names = ((await c.call('COMMAND', 'LIST')) as string[]).filter((n) => !AFTER_7_0.has(n));
  c.close();
});
after(() => d.close());

async function rawOf(c: RespClient, ...args: string[]): Promise<string> {
  return (await c.send(...args)).raw.toString('latin1');
}

async function connections(resp: 2 | 3): Promise<[RespClient, RespClient]> {
  const [a, b] = await d.clients();
  if (resp === 3) await Promise.all([a.send('HELLO', '3'), b.send('HELLO', '3')]);
  return [a, b];
}

/** A COMMAND INFO entry without its subcommand list (for container commands). */
function infoHead(raw: string): string[] {
  return elements(raw).slice(0, 9);
}

/** A COMMAND DOCS map's entries, without the subcommands entry. */
function docsEntries(raw: string): string[] {
  const kv = elements(raw);
  const out: string[] = [];
  for (let i = 0; i < kv.length; i += 2) if (!kv[i].endsWith('subcommands\r\n')) out.push(kv[i], kv[i + 1]);
  return out;
}

function isContainer(name: string): boolean {
  return names.some((n) => n.startsWith(name + '|'));
}

for (const resp of [2, 3] as const) {
  test(`COMMAND INFO of every command and subcommand matches Redis (RESP${resp})`, async () => {
    const [a, b] = await connections(resp);
    try {
      assert.ok(names.length > 20);
      for (const name of names) {
        const [ra, rb] = await Promise.all([rawOf(a, 'COMMAND', 'INFO', name), rawOf(b, 'COMMAND', 'INFO', name)]);
        const [ea, eb] = [elements(ra)[0], elements(rb)[0]];
        if (isContainer(name)) {
          assert.deepEqual(infoHead(ea), infoHead(eb), `COMMAND INFO ${name}`);
          // Every subcommand listed is one Redis lists, and is listed as COMMAND INFO lists it alone.
          const subsA = elements(elements(ea)[9]);
          const subsB = elements(elements(eb)[9]);
          for (const sub of subsA) {
            if (!AFTER_7_0.has(elements(sub)[0].split('\r\n')[1])) assert.ok(subsB.includes(sub), `subcommand entry of ${name}`);
          }
        } else {
          assert.equal(ea, eb, `COMMAND INFO ${name}`);
        }
      }
    } finally {
      a.close();
      b.close();
    }
  });

  test(`COMMAND DOCS of every command and subcommand matches Redis (RESP${resp})`, async () => {
    const [a, b] = await connections(resp);
    try {
      for (const name of names) {
        const [ra, rb] = await Promise.all([rawOf(a, 'COMMAND', 'DOCS', name), rawOf(b, 'COMMAND', 'DOCS', name)]);
        const [ka, va] = elements(ra);
        const [kb, vb] = elements(rb);
        assert.equal(ka, kb);
        if (isContainer(name)) {
          assert.deepEqual(docsEntries(va), docsEntries(vb), `COMMAND DOCS ${name}`);
        } else {
          assert.equal(va, vb, `COMMAND DOCS ${name}`);
        }
      }
    } finally {
      a.close();
      b.close();
    }
  });

  test(`COMMAND, COMMAND INFO and COMMAND DOCS without names list each command as Redis does (RESP${resp})`, async () => {
    const [a, b] = await connections(resp);
    try {
      for (const args of [['COMMAND'], ['COMMAND', 'INFO']]) {
        const [ra, rb] = await Promise.all([rawOf(a, ...args), rawOf(b, ...args)]);
        const byName = (raw: string) => new Map(elements(raw).map((e) => [elements(e)[0], e]));
        const [ma, mb] = [byName(ra), byName(rb)];
        assert.equal(ma.size, names.filter((n) => !n.includes('|')).length);
        for (const [name, entry] of ma) {
          const other = mb.get(name);
          assert.ok(other !== undefined, `${name} listed by Redis`);
          if (isContainer(name.slice(name.indexOf('\n') + 1, -2))) assert.deepEqual(infoHead(entry), infoHead(other));
          else assert.equal(entry, other, `${args.join(' ')}: ${name}`);
        }
      }
      const [ra, rb] = await Promise.all([rawOf(a, 'COMMAND', 'DOCS'), rawOf(b, 'COMMAND', 'DOCS')]);
      const toMap = (raw: string) => {
        const kv = elements(raw);
        const m = new Map<string, string>();
        for (let i = 0; i < kv.length; i += 2) m.set(kv[i], kv[i + 1]);
        return m;
      };
      const [ma, mb] = [toMap(ra), toMap(rb)];
      for (const [name, docs] of ma) {
        assert.ok(mb.has(name));
        assert.deepEqual(docsEntries(docs), docsEntries(mb.get(name)!), `COMMAND DOCS: ${name}`);
      }
    } finally {
      a.close();
      b.close();
    }
  });

  test(`COMMAND INFO and DOCS of several, unknown and malformed names (RESP${resp})`, async () => {
    await d.check([
      ['COMMAND', 'INFO', 'get', 'nosuch', 'GET', 'set'], ['COMMAND', 'INFO', ''], ['COMMAND', 'INFO', '|'],
      ['COMMAND', 'INFO', 'get|key'], ['COMMAND', 'INFO', 'config|get|key'], ['COMMAND', 'INFO', 'client|'],
      ['COMMAND', 'INFO', 'CLIENT|LIST', 'client|nosuch'], ['COMMAND', 'DOCS', 'nosuch'], ['COMMAND', 'DOCS', 'get', 'nosuch', 'PING'],
      ['COMMAND', 'DOCS', 'client|kill', 'Client|List', 'get|x', ''],
    ], { resp });
  });

  test(`COMMAND HELP, COUNT, errors (RESP${resp})`, async () => {
    await d.check([
      ['COMMAND', 'HELP'], ['command', 'help'], ['COMMAND', 'HELP', 'x'], ['COMMAND', 'NOSUCH'], ['COMMAND', 'COUNT', 'x'],
      ['COMMAND', 'GETKEYS'], ['COMMAND', 'GETKEYS', 'GET'], ['COMMAND', 'GETKEYSANDFLAGS', 'GET'],
    ], { resp });
  });

  test(`COMMAND GETKEYS and GETKEYSANDFLAGS (RESP${resp})`, async () => {
    const calls: string[][] = [
      ['GET', 'key'], ['get', 'key'], ['SET', 'k1', 'v1'], ['SET', 'k1', 'v1', 'GET'], ['SET', 'k1', 'v1', 'get', 'EX', '1'],
      ['SET', 'k', 'v', 'getx'], ['MSET', 'k1', 'v1', 'k2', 'v2'], ['MSET', 'a', 'b', 'c'], ['MGET', 'a', 'b', 'c'],
      ['DEL', 'a', 'b'], ['EXISTS', 'x'], ['INCRBY', 'n', '5'], ['GET'], ['GET', 'a', 'b'], ['MSET', 'a'], ['PING', 'x'],
      ['CLIENT', 'LIST'], ['CLIENT', 'NOSUCH', 'x'], ['NOSUCH', 'x'], ['COMMAND', 'GETKEYS', 'GET', 'k'], ['CLIENT', 'x'],
    ];
    const script: string[][] = [];
    for (const call of calls) script.push(['COMMAND', 'GETKEYS', ...call], ['COMMAND', 'GETKEYSANDFLAGS', ...call]);
    await d.check(script, { resp });
  });
}

test('COMMAND COUNT counts the commands COMMAND LIST lists', async () => {
  const c = await d.larder.client();
  try {
    assert.equal(await c.call('COMMAND', 'COUNT'), names.filter((n) => !n.includes('|')).length);
  } finally {
    c.close();
  }
});

test('COMMAND LIST (with filters) lists what Redis lists, among the commands Larder has', async () => {
  const [a, b] = await d.clients();
  try {
    const mine = new Set(names);
    for (const n of names) assert.ok(n === n.toLowerCase());
    const filters: string[][] = [
      [], ['FILTERBY', 'ACLCAT', 'connection'], ['filterby', 'aclcat', 'WRITE'], ['FILTERBY', 'ACLCAT', 'nosuchcat'],
      ['FILTERBY', 'ACLCAT', '@read'], ['FILTERBY', 'PATTERN', 'client*'], ['FILTERBY', 'PATTERN', 'cl*help'],
      ['FILTERBY', 'PATTERN', 'GET'], ['FILTERBY', 'PATTERN', '*|*'], ['FILTERBY', 'PATTERN', 'nosuch*'],
      ['FILTERBY', 'MODULE', 'nosuchmodule'],
    ];
    for (const f of filters) {
      const [la, lb] = await Promise.all([a.call('COMMAND', 'LIST', ...f), b.call('COMMAND', 'LIST', ...f)]);
      const expected = (lb as string[]).filter((n) => mine.has(n)).sort();
      assert.deepEqual((la as string[]).filter((n) => !AFTER_7_0.has(n)).sort(), expected, `COMMAND LIST ${f.join(' ')}`);
    }
    for (const bad of [['bad_arg'], ['FILTERBY', 'bad_arg'], ['FILTERBY', 'bad_arg', 'bad_arg2'], ['FILTERBY', 'PATTERN', 'a', 'b'],
      ['FILTERBY', 'PATTERN', 'a', 'FILTERBY', 'PATTERN', 'b']]) {
      const [ra, rb] = await Promise.all([rawOf(a, 'COMMAND', 'LIST', ...bad), rawOf(b, 'COMMAND', 'LIST', ...bad)]);
      assert.equal(ra, rb);
    }
  } finally {
    a.close();
    b.close();
  }
});
