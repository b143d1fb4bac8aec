// Shared pieces of the replication tests: polling, INFO fields, a raw reader of a master's
// replication stream (as Redis's own test helper reads it), and a seeded workload that touches
// every command family that propagates.

import assert from 'node:assert/strict';
import net from 'node:net';
import { rng } from '../helpers/random.js';
import { parseReply, type RespClient } from '../helpers/resp-client.js';
import type { RunningServer } from '../helpers/servers.js';

export async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** INFO fields of a section as a map. */
export async function info(c: RespClient, section = 'replication'): Promise<Map<string, string>> {
  const text = String(await c.call('INFO', section));
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

export async function field(c: RespClient, name: string, section = 'replication'): Promise<string | undefined> {
  return (await info(c, section)).get(name);
}

/** Waits until `replica` is connected to its master and has applied everything it sent. */
export async function waitInSync(master: RespClient, replica: RespClient): Promise<void> {
  await waitFor('the link to come up', async () => (await field(replica, 'master_link_status')) === 'up');
  await waitFor('the replica to catch up', async () => {
    const m = await field(master, 'master_repl_offset');
    const r = await field(replica, 'slave_repl_offset');
    return m !== undefined && m === r;
  });
}

export async function digest(c: RespClient): Promise<string> {
  return String(await c.call('DEBUG', 'DIGEST'));
}

/**
 * Reads a master's replication stream the way Redis's attach_to_replication_stream does: SYNC
 * (or PSYNC), the RDB payload skipped, then every command as an argument list.
 */
export class StreamReader {
  private buf = Buffer.alloc(0);
  private rdbLeft = -1;
  private eofMark: string | null = null;
  /** The reply to PSYNC (+FULLRESYNC … or +CONTINUE …), when PSYNC was sent. */
  psyncReply: string | null = null;
  readonly commands: string[][] = [];
  rdb: Buffer[] = [];
  private synced!: () => void;
  private readonly ready: Promise<void>;
  closed = false;

  private constructor(private readonly socket: net.Socket, private readonly psync: boolean) {
    let fail!: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      this.synced = resolve;
      fail = reject;
    });
    // A failed test must not leave the next ones waiting on a synchronization that never comes.
    const timer = setTimeout(() => fail(new Error('no synchronization within 20s')), 20000);
    void this.ready.then(() => clearTimeout(timer), () => clearTimeout(timer));
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      fail(new Error('the master closed the connection before the synchronization'));
    });
  }

  static async attach(port: number, handshake: string[][] = [], psync: string[] | null = null): Promise<StreamReader> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const r = new StreamReader(socket, psync !== null);
    // One at a time, as a replica does: (P)SYNC is refused while replies are pending.
    for (const cmd of handshake) {
      const replied = new Promise<void>((resolve) => (r.replied = resolve));
      r.skipReplies = 1;
      socket.write(encode(cmd));
      await Promise.race([replied, r.ready]);
    }
    socket.write(psync !== null ? encode(psync) : 'SYNC\r\n');
    await r.ready;
    return r;
  }

  private skipReplies = 0;
  private replied: () => void = () => {};

  private line(): string | null {
    const eol = this.buf.indexOf('\n');
    if (eol < 0) return null;
    const text = this.buf.latin1Slice(0, eol).replace(/\r$/, '');
    this.buf = this.buf.subarray(eol + 1);
    return text;
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.skipReplies > 0) {
      const l = this.line();
      if (l === null) return;
      this.skipReplies--;
      this.replied();
    }
    if (this.psync && this.psyncReply === null) {
      for (;;) {
        const l = this.line();
        if (l === null) return;
        if (l === '') continue;
        this.psyncReply = l;
        break;
      }
      if (this.psyncReply.startsWith('+CONTINUE')) {
        this.rdbLeft = 0;
        this.synced();
      }
    }
    if (this.rdbLeft < 0) {
      for (;;) {
        const l = this.line();
        if (l === null) return;
        if (l === '') continue; // keepalive newlines
        assert.equal(l[0], '$', `expected the RDB bulk, got ${JSON.stringify(l)}`);
        if (l.startsWith('$EOF:')) this.eofMark = l.slice(5);
        else this.rdbLeft = Number(l.slice(1));
        break;
      }
    }
    if (this.eofMark !== null) {
      const at = this.buf.indexOf(this.eofMark, 0, 'latin1');
      if (at < 0) return;
      this.rdb.push(this.buf.subarray(0, at));
      this.buf = this.buf.subarray(at + this.eofMark.length);
      this.eofMark = null;
      this.rdbLeft = 0;
      this.synced();
    }
    if (this.rdbLeft > 0) {
      const take = Math.min(this.rdbLeft, this.buf.length);
      this.rdb.push(this.buf.subarray(0, take));
      this.rdbLeft -= take;
      this.buf = this.buf.subarray(take);
      if (this.rdbLeft > 0) return;
      this.synced();
    } else if (this.rdbLeft === 0) {
      this.synced();
    }
    for (;;) {
      if (this.buf.length === 0) return;
      const r = parseReply(this.buf, 0);
      if (r === null) return;
      this.buf = this.buf.subarray(r.end);
      if (r.decoded.type === 'array' && r.decoded.value !== null) {
        this.commands.push(r.decoded.value.map((x) => (x.type === 'bulk' ? (x.value ?? '') : '')));
      }
    }
  }

  /** Waits until `count` commands arrived (or fails), and returns them all (taking them). */
  async take(count: number, timeoutMs = 10000): Promise<string[][]> {
    await waitFor(`${count} commands in the replication stream (have ${this.commands.length})`, () => this.commands.length >= count, timeoutMs);
    return this.commands.splice(0);
  }

  /** Like take, for commands other than PING (the cron's keepalives come when they come). */
  async takeCommands(count: number, timeoutMs = 10000): Promise<string[][]> {
    const real = () => this.commands.filter((c) => c[0].toUpperCase() !== 'PING');
    await waitFor(`${count} commands in the replication stream`, () => real().length >= count, timeoutMs);
    const out = real();
    this.commands.length = 0;
    return out;
  }

  write(cmd: string[]): void {
    this.socket.write(encode(cmd));
  }

  close(): void {
    this.socket.destroy();
  }
}

function encode(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

export type Cmd = (string | number)[];

/**
 * A seeded random workload over every family that writes: strings, bitmaps, HyperLogLog, lists,
 * hashes, sets, sorted sets, geo, keys (TTLs far in the future, RENAME, COPY, MOVE, SWAPDB),
 * DUMP/RESTORE, transactions and PUBLISH, over databases 0-2. Random choices a server makes
 * (SPOP, SRANDMEMBER…) are in: replicas must follow the master's outcome.
 */
export function workload(seed: number, count: number): Cmd[][] {
  const rand = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const int = (n: number): number => Math.floor(rand() * n);
  const str = (k: number) => `s${int(k)}`;
  const list = () => `l${int(4)}`;
  const hash = () => `h${int(4)}`;
  const set = () => `t${int(4)}`;
  const zset = () => `z${int(4)}`;
  const member = () => pick(['a', 'b', 'c', 'd', 'e', '1', '2', '300', 'x'.repeat(int(80)), 'bin\x00\xff']);
  const ttl = () => 1000 + int(100000);
  const gens: (() => Cmd[])[] = [
    () => [['SET', str(10), member(), ...(rand() < 0.3 ? ['EX', ttl()] : [])]],
    () => [['SETEX', str(10), ttl(), member()]],
    () => [['PSETEX', str(10), ttl() * 1000, member()]],
    () => [['APPEND', str(10), member()]],
    () => [['INCRBY', `n${int(3)}`, int(100) - 50]],
    () => [['INCRBYFLOAT', `f${int(3)}`, (rand() * 10).toFixed(3)]],
    () => [['GETSET', str(10), member()]],
    () => [['GETDEL', str(10)]],
    () => [rand() < 0.5 ? ['GETEX', str(10), 'PERSIST'] : ['GETEX', str(10), 'EX', ttl()]],
    () => [['SETRANGE', str(10), int(20), member()]],
    () => [['MSET', str(10), member(), str(10), member()]],
    () => [['SETBIT', `b${int(2)}`, int(200), int(2)]],
    () => [['BITOP', pick(['AND', 'OR', 'XOR']), `b${int(2)}`, `b${int(2)}`, `b${int(2)}`]],
    () => [['PFADD', `p${int(2)}`, member(), member()]],
    () => [['PFMERGE', `p${int(2)}`, `p${int(2)}`]],
    () => [[pick(['LPUSH', 'RPUSH']), list(), member(), member()]],
    () => [[pick(['LPOP', 'RPOP']), list(), ...(rand() < 0.5 ? [1 + int(3)] : [])]],
    () => [['LINSERT', list(), pick(['BEFORE', 'AFTER']), member(), member()]],
    () => [['LREM', list(), int(3) - 1, member()]],
    () => [['LTRIM', list(), int(3), int(10) - 3]],
    () => [['LMOVE', list(), list(), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])]],
    () => [['LMPOP', 2, list(), list(), pick(['LEFT', 'RIGHT']), 'COUNT', 1 + int(3)]],
    () => [['BLPOP', list(), list(), 0.01]],
    () => [['HSET', hash(), member(), member(), member(), member()]],
    () => [['HSETNX', hash(), member(), member()]],
    () => [['HDEL', hash(), member()]],
    () => [['HINCRBY', `hn${int(2)}`, member(), int(10)]],
    () => [['HINCRBYFLOAT', `hn${int(2)}`, `fl${int(3)}`, (rand() * 3).toFixed(2)]],
    () => [['SADD', set(), member(), member(), member()]],
    () => [['SREM', set(), member()]],
    () => [['SPOP', set(), ...(rand() < 0.5 ? [1 + int(3)] : [])]],
    () => [['SMOVE', set(), set(), member()]],
    () => [[pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), set(), set(), set()]],
    () => [['ZADD', zset(), ...(rand() < 0.3 ? [pick(['NX', 'XX', 'GT', 'LT'])] : []), int(100) / 4, member(), int(20), member()]],
    () => [['ZINCRBY', zset(), (rand() * 5).toFixed(2), member()]],
    () => [['ZREM', zset(), member()]],
    () => [[pick(['ZPOPMIN', 'ZPOPMAX']), zset(), ...(rand() < 0.5 ? [1 + int(2)] : [])]],
    () => [['ZMPOP', 2, zset(), zset(), pick(['MIN', 'MAX']), 'COUNT', 1 + int(2)]],
    () => [['ZRANGESTORE', zset(), zset(), 0, -1]],
    () => [[pick(['ZUNIONSTORE', 'ZINTERSTORE']), zset(), 2, zset(), zset()]],
    () => [['ZREMRANGEBYSCORE', zset(), 0, int(30)]],
    () => [['GEOADD', `g${int(2)}`, (rand() * 360 - 180).toFixed(5), (rand() * 170 - 85).toFixed(5), member()]],
    () => [['DEL', pick([str(10), list(), hash(), set(), zset()])]],
    () => [['UNLINK', str(10)]],
    () => [[pick(['EXPIRE', 'PEXPIRE']), pick([str(10), list(), hash()]), ttl()]],
    () => [['PERSIST', str(10)]],
    () => [['RENAME', str(10), str(10)]],
    () => [['COPY', pick([list(), hash(), set(), zset()]), `copy${int(3)}`, 'REPLACE']],
    () => [['MOVE', str(10), 1 + int(2)]],
    () => [['SELECT', int(3)]],
    () => [['SWAPDB', int(3), int(3)]],
    () => [['PUBLISH', 'chan', member()]],
    () => [['MULTI'], ['INCR', `n${int(3)}`], ['LPUSH', list(), member()], ['SADD', set(), member()], ['EXEC']],
    () => [['MULTI'], ['SET', str(10), member()], ['EXEC']],
    () => (rand() < 0.05 ? [['FLUSHDB']] : [['SET', str(10), member()]]),
  ];
  const out: Cmd[][] = [];
  for (let i = 0; i < count; i++) out.push(pick(gens)());
  return out;
}

/** Runs a workload on a client, ignoring error replies (wrong types, missing keys…). */
export async function runWorkload(c: RespClient, w: Cmd[][]): Promise<void> {
  for (const group of w) for (const cmd of group) await c.send(...cmd);
  await c.send('SELECT', 0);
}

export async function stopAll(...servers: (RunningServer | undefined)[]): Promise<void> {
  await Promise.all(servers.map((s) => s?.stop()));
}
