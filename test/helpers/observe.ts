// Observing what a write does besides its reply — keyspace notifications, propagation to
// replicas/AOF, OBJECT ENCODING — on both sides: real Redis over the network (a pattern
// subscriber, a replication stream from SYNC, OBJECT ENCODING) and Larder in-process (the
// server's publish hook, its propagators, encodingOf), so that the families can be checked
// before pub/sub, replication or OBJECT exist in the same branch.

import assert from 'node:assert/strict';
import net from 'node:net';
import { allFamilies } from '../../src/commands/index.js';
import { processCommand } from '../../src/engine/dispatch.js';
import { encodeReply } from '../../src/resp/encoder.js';
import { Client } from '../../src/server/client.js';
import { Server } from '../../src/server/server.js';
import { encodingOf } from '../../src/types/value.js';
import { parseReply, RespClient, type Decoded } from './resp-client.js';
import { startRedis, type RunningServer } from './servers.js';

/** A Larder server in this process, driven command by command. */
export class EmbeddedLarder {
  readonly server: Server;
  readonly client: Client;
  /** Published keyspace notifications: [channel, message]. */
  readonly events: [string, string][] = [];
  /** Propagated commands (SELECT not included). */
  readonly propagated: string[][] = [];

  constructor(settings: [string, string][] = []) {
    this.server = new Server();
    const r = this.server.config.set(settings, { startup: true });
    if (!r.ok) throw new Error(r.message);
    this.server.register(...allFamilies);
    this.server.init();
    this.server.publish = (channel, message) => {
      this.events.push([channel, message]);
      return 0;
    };
    this.server.propagators.push((_db, argv) => this.propagated.push([...argv]));
    this.client = new Client(this.server, this.server.nextClientId++, null);
  }

  /** Runs a command; returns its reply as RESP text. */
  run(...args: (string | number | Buffer)[]): string {
    this.server.refreshTime();
    const reply = processCommand(this.client, args.map((a) => (Buffer.isBuffer(a) ? a.latin1Slice() : String(a))));
    return encodeReply(reply, this.client.resp);
  }

  /** Stops the server's timers. */
  close(): Promise<void> {
    return this.server.close();
  }

  /** OBJECT ENCODING's answer for a key, or null when missing. */
  encoding(key: string): string | null {
    const v = this.server.dbs[this.client.db.id].peek(key);
    return v === undefined ? null : encodingOf(v);
  }
}

function decodedToStrings(d: Decoded): string[] {
  if (d.type !== 'array' || d.value === null) throw new Error(`not an array: ${JSON.stringify(d)}`);
  return d.value.map((x) => (x.type === 'bulk' ? x.value ?? '' : x.type === 'integer' ? String(x.value) : JSON.stringify(x)));
}

/** Keyspace notifications of a real Redis, collected with a pattern subscription. */
export class RedisEvents {
  private constructor(private readonly sub: RespClient) {}

  static async attach(port: number): Promise<RedisEvents> {
    const sub = await RespClient.connect(port);
    await sub.send('PSUBSCRIBE', '__key*__:*');
    await sub.send('SUBSCRIBE', 'observe-marker');
    return new RedisEvents(sub);
  }

  /** Everything published up to now (needs a connection to publish a marker). */
  async drain(other: RespClient): Promise<[string, string][]> {
    await other.send('PUBLISH', 'observe-marker', 'x');
    const out: [string, string][] = [];
    for (;;) {
      const r = await this.sub.read();
      const parts = decodedToStrings(r.decoded);
      if (parts[0] === 'message' && parts[1] === 'observe-marker') return out;
      if (parts[0] === 'pmessage' && !parts[2].endsWith(':observe-marker') && parts[3] !== 'observe-marker') out.push([parts[2], parts[3]]);
    }
  }

  close(): void {
    this.sub.close();
  }
}

/** The replication stream of a real Redis (what it propagates), read after SYNC. */
export class RedisReplicationStream {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      const w = this.waiting;
      this.waiting = null;
      w?.();
    });
  }

  static async attach(port: number): Promise<RedisReplicationStream> {
    const admin = await RespClient.connect(port);
    await admin.send('CONFIG', 'SET', 'repl-ping-replica-period', '3600');
    admin.close();
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const s = new RedisReplicationStream(socket);
    socket.write('SYNC\r\n');
    // Newlines (keepalives) may come first, then "$<len>\r\n" and the RDB payload.
    for (;;) {
      while (s.buf.length > 0 && s.buf[0] === 0x0a) s.buf = s.buf.subarray(1);
      const eol = s.buf.indexOf('\r\n');
      if (eol > 0) {
        const len = Number(s.buf.latin1Slice(1, eol));
        if (s.buf.length >= eol + 2 + len) {
          s.buf = s.buf.subarray(eol + 2 + len);
          break;
        }
      }
      await s.more();
    }
    return s;
  }

  private more(): Promise<void> {
    return new Promise((r) => (this.waiting = r));
  }

  /** Commands propagated up to now, without SELECT and PING (needs a marker write). */
  async drain(other: RespClient): Promise<string[][]> {
    await other.send('SET', 'observe-marker', 'x');
    const out: string[][] = [];
    for (;;) {
      const r = parseReply(this.buf, 0);
      if (r === null) {
        await this.more();
        continue;
      }
      this.buf = this.buf.subarray(r.end);
      const argv = decodedToStrings(r.decoded);
      if (argv[1] === 'observe-marker') {
        if (argv[0] === 'SET') {
          await other.send('DEL', 'observe-marker');
          return out;
        }
        continue;
      }
      const name = argv[0].toUpperCase();
      if (name === 'SELECT' || name === 'PING') continue;
      out.push(argv);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}


function describe(script: (string | number | Buffer)[][]): string {
  const text = JSON.stringify(script.map((c) => c.map((a) => (Buffer.isBuffer(a) ? a.latin1Slice() : String(a)))));
  return text.length > 600 ? text.slice(0, 600) + '...' : text;
}

export interface EffectsOptions {
  /** Keys whose OBJECT ENCODING is compared after the script. */
  encodings?: string[];
  /** RESP version of the script's connection. */
  resp?: 2 | 3;
}

/**
 * Runs scripts on a real Redis and on an embedded Larder, and compares replies, keyspace
 * notifications (all classes enabled), propagated commands and encodings.
 */
export class SideEffects {
  private constructor(
    private readonly redis: RunningServer,
    private readonly conn: RespClient,
    private readonly events: RedisEvents,
    private readonly stream: RedisReplicationStream,
  ) {}

  static async start(): Promise<SideEffects> {
    const redis = await startRedis({ args: ['--notify-keyspace-events', 'KEA'] });
    const conn = await redis.client();
    const events = await RedisEvents.attach(redis.port);
    const stream = await RedisReplicationStream.attach(redis.port);
    return new SideEffects(redis, conn, events, stream);
  }

  async check(script: (string | number | Buffer)[][], opts: EffectsOptions = {}): Promise<void> {
    const larder = new EmbeddedLarder([['notify-keyspace-events', 'KEA']]);
    try {
      await this.compare(larder, script, opts);
    } finally {
      await larder.close();
    }
  }

  private async compare(larder: EmbeddedLarder, script: (string | number | Buffer)[][], opts: EffectsOptions): Promise<void> {
    await this.conn.send('FLUSHALL');
    await this.conn.send('HELLO', String(opts.resp ?? 2));
    if (opts.resp === 3) larder.client.resp = 3;
    await this.events.drain(this.conn);
    await this.stream.drain(this.conn);
    for (const command of script) {
      const expected = (await this.conn.send(...command)).raw.latin1Slice();
      assert.equal(larder.run(...command), expected, `reply to ${describe([command])}`);
    }
    assert.deepEqual(larder.events, await this.events.drain(this.conn), `keyspace events of ${describe(script)}`);
    const now = Date.now();
    const times = (argv: string[]) => argv.map((a) => (/^\d{13}$/.test(a) && Math.abs(Number(a) - now) < 1e11 ? `~${Math.round((Number(a) - now) / 60000)}min` : a));
    assert.deepEqual(larder.propagated.map(times), (await this.stream.drain(this.conn)).map(times), `propagation of ${describe(script)}`);
    for (const key of opts.encodings ?? []) {
      const r = (await this.conn.send('OBJECT', 'ENCODING', key)).decoded;
      const expected = r.type === 'bulk' ? r.value : null;
      assert.equal(larder.encoding(key), expected, `encoding of ${key} after ${describe(script)}`);
    }
  }

  async close(): Promise<void> {
    this.events.close();
    this.stream.close();
    this.conn.close();
    await this.redis.stop();
  }
}
