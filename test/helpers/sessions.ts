// Differential testing with several connections per server: pub/sub, WATCH, client-side
// caching and MONITOR involve output on connections other than the one sending the command.
//
// A session is a list of steps. Each step sends a command on one connection and then reads an
// exact number of replies (or pushes) on each connection named in `reads` (default: one on the
// sender). Larder and Redis run the same steps; every value read is compared byte for byte
// (after an optional normalization, e.g. for MONITOR's timestamps). At the end each connection
// must be idle on both servers: a PING's reply must be the next thing it reads.

import assert from 'node:assert/strict';
import type { RespClient, Reply } from './resp-client.js';
import type { RunningServer } from './servers.js';
import type { Differential } from './differential.js';

export interface Step {
  /** Connection index (default 0). */
  c?: number;
  cmd: (string | number | Buffer)[];
  /** Replies to read per connection after sending; default { [c]: 1 }. */
  reads?: Record<number, number>;
  /** Milliseconds to wait after the step (before reading), e.g. for keys to expire. */
  sleep?: number;
  /**
   * Client ids appear in these replies (CLIENT GETREDIR, tracking-redir-broken…): they are
   * written as <idN> (N the connection) in the transcript, since the servers number differently.
   */
  ids?: boolean;
  /** In a synced session: no sync after this step (e.g. inside MULTI, where PING is queued). */
  noSync?: boolean;
}

const ID_TOKEN = '\u0000id:';

/** An argument standing for connection n's client id (CLIENT TRACKING … REDIRECT). */
export function idOf(n: number): string {
  return `${ID_TOKEN}${n}`;
}

export interface SessionOptions {
  /** Number of connections (default: as many as the steps use). */
  conns?: number;
  /** Protocol per connection: connections listed here switch with HELLO 3 first. */
  resp3?: number[];
  normalize?: (raw: string) => string;
  /** FLUSHALL before the session (default true). */
  flush?: boolean;
  /**
   * Instead of fixed read counts: after each step (and the reads it names, if any) every
   * connection sends PING __sync__ and everything it receives up to that PING's reply is
   * recorded (for randomized sessions).
   */
  sync?: boolean;
}

const SYNC = '__sync__';

function isSyncReply(raw: string): boolean {
  return raw === `$${SYNC.length}\r\n${SYNC}\r\n` || raw === `*2\r\n$4\r\npong\r\n$${SYNC.length}\r\n${SYNC}\r\n`;
}

async function run(server: RunningServer, steps: Step[], opts: SessionOptions, n: number): Promise<string[]> {
  const conns: RespClient[] = [];
  for (let i = 0; i < n; i++) conns.push(await server.client());
  const transcript: string[] = [];
  const text = (i: number, r: Reply) => `${i}: ${r.raw.latin1Slice(0, r.raw.length)}`;
  try {
    if (opts.flush !== false) await conns[0].send('FLUSHALL');
    const ids: number[] = [];
    if (steps.some((s) => s.ids || s.cmd.some((a) => typeof a === 'string' && a.startsWith(ID_TOKEN)))) {
      for (const c of conns) ids.push(Number((await c.call('CLIENT', 'ID')) as number));
    }
    for (const i of opts.resp3 ?? []) await conns[i].send('HELLO', '3');
    for (const step of steps) {
      const c = step.c ?? 0;
      const cmd = step.cmd.map((a) => (typeof a === 'string' && a.startsWith(ID_TOKEN) ? String(ids[Number(a.slice(ID_TOKEN.length))]) : a));
      conns[c].writeRaw(encode(cmd));
      if (step.sleep) await new Promise((r) => setTimeout(r, step.sleep));
      if (opts.sync) {
        // Replies the step names are read first (so that a PING never travels with the command).
        for (const [i, count] of Object.entries(step.reads ?? {})) {
          for (let k = 0; k < count; k++) transcript.push(text(Number(i), await conns[Number(i)].read(5000)));
        }
        if (step.noSync) continue;
        // The sender first: once its PING answered, whatever its command made the server send
        // elsewhere (even once per event-loop turn, like BCAST invalidations) has been sent.
        for (const i of [c, ...Array.from({ length: n }, (_, k) => k).filter((k) => k !== c)]) {
          if (conns[i].isClosed) continue;
          conns[i].writeRaw(encode(['PING', SYNC]));
          for (;;) {
            const r = await conns[i].read(5000);
            const t = text(i, r);
            if (isSyncReply(t.slice(t.indexOf(' ') + 1))) break;
            transcript.push(t);
          }
          transcript.push(`${i}: synced`);
        }
        continue;
      }
      const reads = step.reads ?? { [c]: 1 };
      for (const [i, count] of Object.entries(reads)) {
        for (let k = 0; k < count; k++) {
          const r = await conns[Number(i)].read(5000).catch((e: Error) => {
            throw new Error(`port ${server.port}: reading reply ${k + 1}/${count} on connection ${i} after ${JSON.stringify(step.cmd.map(String))}: ${e.message}`);
          });
          let t = text(Number(i), r);
          if (step.ids) ids.forEach((id, n) => (t = t.split(`:${id}\r\n`).join(`:<id${n}>\r\n`)));
          transcript.push(t);
        }
      }
    }
    for (let i = 0; i < n; i++) {
      if (conns[i].isClosed) {
        transcript.push(`${i}: closed`);
        continue;
      }
      const r = await conns[i].send('PING');
      transcript.push(text(i, r));
    }
  } finally {
    for (const c of conns) c.close();
  }
  return transcript.map((t) => (opts.normalize ? opts.normalize(t) : t));
}

function encode(args: (string | number | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Runs the session on both servers (one after the other) and compares the transcripts. */
export async function checkSession(d: Differential, steps: Step[], opts: SessionOptions = {}): Promise<string[]> {
  let n = opts.conns ?? 1;
  for (const s of steps) {
    n = Math.max(n, (s.c ?? 0) + 1);
    for (const i of Object.keys(s.reads ?? {})) n = Math.max(n, Number(i) + 1);
  }
  const larder = await run(d.larder, steps, opts, n);
  const redis = await run(d.redis, steps, opts, n);
  assert.deepEqual(larder, redis, 'transcripts differ (larder, then redis)');
  return larder;
}
