// Helpers for the keyspace tests: reply normalization for replies whose order is unspecified
// (KEYS, SCAN), and an in-process Larder whose clock the test controls.

import assert from 'node:assert/strict';
import { parseReply, type Decoded } from '../helpers/resp-client.js';
import type { Differential } from '../helpers/differential.js';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { allFamilies } from '../../src/commands/index.js';
import { processCommand } from '../../src/engine/dispatch.js';
import { encodeReply } from '../../src/resp/encoder.js';

function render(d: Decoded): string {
  switch (d.type) {
    case 'bulk': return d.value === null ? '$-1\r\n' : `$${d.value.length}\r\n${d.value}\r\n`;
    case 'array': return d.value === null ? '*-1\r\n' : `*${d.value.length}\r\n${d.value.map(render).join('')}`;
    case 'set': return `~${d.value.length}\r\n${d.value.map(render).join('')}`;
    case 'integer': return `:${d.value}\r\n`;
    case 'simple': return `+${d.value}\r\n`;
    case 'error': return `-${d.value}\r\n`;
    case 'null': return '_\r\n';
    default: throw new Error(`render: unsupported ${d.type}`);
  }
}

function sortItems(items: Decoded[]): Decoded[] {
  return [...items].sort((a, b) => {
    const x = render(a);
    const y = render(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * Normalizes replies whose element order is unspecified: KEYS arrays are sorted, and so is the
 * key list of a SCAN reply (the cursor is kept as is).
 */
export function unordered(command: string[], raw: string): string {
  const name = command[0].toLowerCase();
  if (name !== 'keys' && name !== 'scan') return raw;
  const r = parseReply(Buffer.from(raw, 'latin1'), 0);
  if (r === null) return raw;
  const d = r.decoded;
  if (d.type !== 'array' || d.value === null) return raw;
  if (name === 'keys') return render({ type: 'array', value: sortItems(d.value) });
  const [cursor, keys] = d.value;
  if (keys.type !== 'array' || keys.value === null) return raw;
  return render({ type: 'array', value: [cursor, { type: 'array', value: sortItems(keys.value) }] });
}

/** A Larder server in this process, without listeners or cron: the test sets `server.now`. */
export class LocalLarder {
  readonly server: Server;
  readonly client: Client;
  /** Keyspace notifications published, as [channel, message]. */
  readonly published: [string, string][] = [];
  /** Writes propagated, as [db, ...argv]. */
  readonly propagated: string[][] = [];
  /** Keys signalled as modified (WATCH), as `db:key`. */
  readonly modified: string[] = [];

  constructor(args: [string, string][] = []) {
    const server = new Server();
    const r = server.config.set(args, { startup: true });
    if (!r.ok) throw new Error(r.message);
    server.register(...allFamilies);
    server.init();
    void server.close(); // stops the cron: the test drives time and expiry
    server.publish = (channel, message) => {
      this.published.push([channel, message]);
      return 0;
    };
    server.propagators.push((db, argv) => this.propagated.push([String(db), ...argv]));
    server.keyListeners.push((db, key) => this.modified.push(`${db.id}:${key}`));
    this.server = server;
    this.client = new Client(server, server.nextClientId++, null);
  }

  /** Runs a command as a client would; returns the RESP2 encoding of the reply. */
  run(...argv: (string | number)[]): string {
    const reply = processCommand(this.client, argv.map(String));
    return encodeReply(reply, this.client.resp);
  }

  clearRecords(): void {
    this.published.length = 0;
    this.propagated.length = 0;
    this.modified.length = 0;
  }
}

/**
 * Runs a script in RESP3 on an in-process Larder and on the real Redis of `d` (after FLUSHALL on
 * both) and compares the replies byte for byte. In process, so it does not need HELLO.
 */
export async function checkResp3(d: Differential, script: (string | number)[][], normalize = (_c: string[], raw: string) => raw): Promise<void> {
  const local = new LocalLarder();
  local.client.resp = 3;
  const redis = await d.redis.client();
  try {
    await redis.send('FLUSHALL');
    await redis.send('HELLO', '3');
    for (const command of script) {
      const argv = command.map(String);
      const mine = normalize(argv, local.run(...argv));
      const r = await redis.send(...argv);
      const theirs = normalize(argv, r.raw.latin1Slice(0, r.raw.length));
      assert.equal(mine, theirs, `RESP3 reply to ${JSON.stringify(argv)} differs (larder, then redis)`);
    }
  } finally {
    redis.close();
  }
}
