// Multi-client scenarios (blocking commands, mostly) run on a real Redis and on an in-process
// Larder, recording for each: the replies in the order the scenario reads them, the keyspace
// notifications, and the commands propagated to replicas. The two recordings must be equal.
//
// A scenario is a list of steps:
//   cmd(c, ...args)     client c sends a command and reads its reply
//   blocks(c, ...args)  client c sends a command that must block (Redis: waits until CLIENT
//                       LIST shows it blocked; Larder: checks that it is blocked)
//   read(c)             client c reads its next reply (a blocked command's)
//   close(c)            client c disconnects
//   send(c, ...args)    client c sends a command without reading its reply (pipelining)
//   unblock(c, t, ...)  client c runs CLIENT UNBLOCK <id of client t> [TIMEOUT|ERROR]
//   sleep(ms)           waits (for timeouts)

import assert from 'node:assert/strict';
import { InProcessLarder, type InProcessClient } from './inprocess.js';
import { ReplicationTap } from './replication-tap.js';
import { RespClient, type Reply } from './resp-client.js';
import { startRedis, type RunningServer } from './servers.js';

type Arg = string | number | Buffer;
export type Step =
  | { kind: 'cmd'; c: number; args: Arg[] }
  | { kind: 'blocks'; c: number; args: Arg[] }
  | { kind: 'send'; c: number; args: Arg[] }
  | { kind: 'read'; c: number }
  | { kind: 'unblock'; c: number; target: number; args: Arg[] }
  | { kind: 'close'; c: number }
  | { kind: 'sleep'; ms: number };

export const cmd = (c: number, ...args: Arg[]): Step => ({ kind: 'cmd', c, args });
export const blocks = (c: number, ...args: Arg[]): Step => ({ kind: 'blocks', c, args });
export const send = (c: number, ...args: Arg[]): Step => ({ kind: 'send', c, args });
export const read = (c: number): Step => ({ kind: 'read', c });
export const unblock = (c: number, target: number, ...args: Arg[]): Step => ({ kind: 'unblock', c, target, args });
export const close = (c: number): Step => ({ kind: 'close', c });
export const sleep = (ms: number): Step => ({ kind: 'sleep', ms });

export interface Recording {
  replies: string[];
  events: string[];
  propagated: string[];
}

export interface ScenarioOptions {
  /** Protocol of each client (default 2). */
  resp?: number[];
  /** Compare propagated commands too (default true). */
  propagation?: boolean;
}

interface Conn {
  write(args: Arg[]): void;
  read(): Promise<Reply>;
  close(): void;
}

function text(r: Reply): string {
  return r.raw.latin1Slice(0, r.raw.length);
}

function clientCount(steps: Step[]): number {
  let n = 0;
  for (const s of steps) {
    if ('c' in s) n = Math.max(n, s.c + 1);
    if (s.kind === 'unblock') n = Math.max(n, s.target + 1);
  }
  return n;
}

export class ScenarioRunner {
  private constructor(
    private readonly redis: RunningServer,
    private readonly admin: RespClient,
    private readonly subscriber: RespClient,
    private readonly tap: ReplicationTap,
    private readonly redisEvents: string[],
  ) {}

  static async start(): Promise<ScenarioRunner> {
    const redis = await startRedis({ args: ['--notify-keyspace-events', 'KEA'] });
    const admin = await redis.client();
    const subscriber = await redis.client();
    await subscriber.send('PSUBSCRIBE', '__key*__:*');
    const events: string[] = [];
    const pump = async () => {
      for (;;) {
        let r: Reply;
        try {
          r = await subscriber.read(24 * 3600 * 1000);
        } catch {
          return;
        }
        const d = r.decoded;
        if (d.type === 'array' && d.value && d.value.length === 4) {
          const [, , channel, message] = d.value.map((x) => (x.type === 'bulk' ? x.value : ''));
          events.push(`${channel} ${message}`);
        }
      }
    };
    void pump();
    const tap = await ReplicationTap.attach(redis.port);
    return new ScenarioRunner(redis, admin, subscriber, tap, events);
  }

  /** A plain connection to the scenario's Redis. */
  redisClient(): Promise<RespClient> {
    return this.redis.client();
  }

  async close(): Promise<void> {
    this.tap.close();
    this.subscriber.close();
    this.admin.close();
    await this.redis.stop();
  }

  /** Runs the scenario on both servers and asserts equal recordings. */
  async check(steps: Step[], opts: ScenarioOptions = {}): Promise<Recording> {
    const expected = await this.runRedis(steps, opts);
    const actual = await runLarder(steps, opts);
    assert.deepEqual(actual.replies, expected.replies, 'replies differ (larder, then redis)');
    assert.deepEqual(actual.events, expected.events, 'keyspace events differ (larder, then redis)');
    if (opts.propagation !== false) assert.deepEqual(actual.propagated, expected.propagated, 'propagation differs (larder, then redis)');
    return actual;
  }

  private async runRedis(steps: Step[], opts: ScenarioOptions): Promise<Recording> {
    const admin = this.admin;
    await admin.send('FLUSHALL');
    await this.marker();
    this.redisEvents.length = 0;
    await this.tap.take((m) => this.flush(m));
    const n = clientCount(steps);
    const raw: RespClient[] = [];
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const c = await this.redis.client();
      if ((opts.resp?.[i] ?? 2) === 3) await c.send('HELLO', '3');
      ids.push(String((await c.call('CLIENT', 'ID')) as number));
      raw.push(c);
    }
    const conns: Conn[] = raw.map((c) => ({
      write: (args) => c.writeRaw(encode(args)),
      read: () => c.read(),
      close: () => c.close(),
    }));
    const replies = await runSteps(steps, conns, ids, async (i) => {
      for (let tries = 0; tries < 500; tries++) {
        const list = (await admin.call('CLIENT', 'LIST', 'ID', ids[i])) as string;
        if (/ flags=\S*b/.test(list)) return true;
        await new Promise((r) => setTimeout(r, 5));
      }
      return false;
    });
    for (const c of raw) c.close();
    await this.marker();
    const events = this.redisEvents.splice(0).filter((e) => !e.includes('tap-'));
    const propagated = (await this.tap.take((m) => this.flush(m))).map((c) => c.join(' '));
    return { replies, events, propagated };
  }

  private async flush(marker: string): Promise<void> {
    await this.admin.send('SET', marker, '1');
  }

  /** Waits until every keyspace event published so far has reached the subscriber. */
  private async marker(): Promise<void> {
    const key = `tap-${Math.random()}`;
    await this.admin.send('SET', key, '1');
    for (let i = 0; i < 500 && !this.redisEvents.some((e) => e.includes(key)); i++) await new Promise((r) => setTimeout(r, 5));
  }
}

function encode(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : typeof a === 'number' ? Buffer.from(String(a)) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

async function runSteps(steps: Step[], conns: Conn[], ids: string[], isBlocked: (c: number) => Promise<boolean>): Promise<string[]> {
  const out: string[] = [];
  for (const s of steps) {
    switch (s.kind) {
      case 'cmd':
        conns[s.c].write(s.args);
        out.push(`${s.c}: ${text(await conns[s.c].read())}`);
        break;
      case 'blocks':
        conns[s.c].write(s.args);
        out.push(`${s.c}: ${(await isBlocked(s.c)) ? 'blocked' : 'NOT blocked'}`);
        break;
      case 'send':
        conns[s.c].write(s.args);
        break;
      case 'read':
        out.push(`${s.c}: ${text(await conns[s.c].read())}`);
        break;
      case 'unblock':
        conns[s.c].write(['CLIENT', 'UNBLOCK', ids[s.target], ...s.args]);
        out.push(`${s.c}: ${text(await conns[s.c].read())}`);
        break;
      case 'close':
        conns[s.c].close();
        break;
      case 'sleep':
        await new Promise((r) => setTimeout(r, s.ms));
        break;
    }
  }
  return out;
}

async function runLarder(steps: Step[], opts: ScenarioOptions): Promise<Recording> {
  const larder = new InProcessLarder([['notify-keyspace-events', 'KEA']]);
  try {
    const n = clientCount(steps);
    const clients: InProcessClient[] = [];
    for (let i = 0; i < n; i++) clients.push(larder.client(opts.resp?.[i] ?? 2));
    const conns: Conn[] = clients.map((c) => ({
      write: (args) => c.write(...args),
      read: () => c.read(),
      close: () => c.close(),
    }));
    const ids = clients.map((c) => String(c.client.id));
    const replies = await runSteps(steps, conns, ids, async (i) => clients[i].blocked);
    const events = larder.published.map(([ch, msg]) => `${ch} ${msg}`);
    const propagated = larder.propagated.map((p) => p.slice(1).join(' '));
    return { replies, events, propagated };
  } finally {
    await larder.close();
  }
}
