// Sorted set scaling: time per ZRANK / ZRANGE (10 members at a random rank) / ZADD (update)
// at 10^4, 10^5 and 10^6 members, on Larder and (when redis-server is on the PATH) a real
// Redis, plus both servers' RSS with the 10^6-member set loaded.
//
//   node bench/zset-scaling.mjs [--sizes 10000,100000,1000000] [--ops 20000] [--no-redis]
//
// Builds nothing: run `npx tsc -p .` first. Requests are pipelined in batches of 100, so times
// are server time per request plus a share of protocol overhead; what matters is that they stay
// flat (logarithmic) as the set grows.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const sizes = opt('--sizes', '10000,100000,1000000').split(',').map(Number);
const OPS = Number(opt('--ops', '20000'));
const withRedis = !args.includes('--no-redis');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function startServer(command, argv, ready) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  for (let i = 0; i < 400 && !ready.test(out); i++) await new Promise((r) => setTimeout(r, 25));
  if (!ready.test(out)) throw new Error(`${command} did not start: ${out}`);
  return child;
}

/** A minimal pipelining client: sends many commands, waits for as many replies. */
class Client {
  constructor(socket) {
    this.socket = socket;
    this.pending = 0;
    this.buf = '';
    this.resolve = null;
    socket.setEncoding('latin1');
    socket.on('data', (d) => {
      this.buf += d;
      this.consume();
    });
  }
  static connect(port) {
    return new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Client(s)));
    });
  }
  /** Counts complete top-level replies in the buffer (enough for the replies used here). */
  consume() {
    let pos = 0;
    const b = this.buf;
    const skip = (p) => {
      const eol = b.indexOf('\r\n', p);
      if (eol < 0) return -1;
      const t = b[p];
      if (t === '$') {
        const len = Number(b.slice(p + 1, eol));
        if (len < 0) return eol + 2;
        return b.length >= eol + 2 + len + 2 ? eol + 2 + len + 2 : -1;
      }
      if (t === '*') {
        const n = Number(b.slice(p + 1, eol));
        let q = eol + 2;
        for (let i = 0; i < n; i++) {
          q = skip(q);
          if (q < 0) return -1;
        }
        return q;
      }
      if (t === '-') throw new Error(b.slice(p, eol));
      return eol + 2;
    };
    for (;;) {
      if (this.pending === 0 || pos >= b.length) break;
      const next = skip(pos);
      if (next < 0) break;
      pos = next;
      this.pending--;
    }
    this.buf = b.slice(pos);
    if (this.pending === 0 && this.resolve) {
      const r = this.resolve;
      this.resolve = null;
      r();
    }
  }
  send(commands) {
    let text = '';
    for (const argv of commands) {
      text += `*${argv.length}\r\n`;
      for (const a of argv) text += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
    }
    this.pending += commands.length;
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.socket.write(text, 'latin1');
      this.consume();
    });
  }
  close() {
    this.socket.destroy();
  }
}

const member = (i) => `member:${i}`;

async function fill(c, from, to) {
  const batch = [];
  for (let i = from; i < to; i += 500) {
    const cmd = ['ZADD', 'z'];
    for (let j = i; j < Math.min(to, i + 500); j++) cmd.push(String((j * 7919) % 1000003 / 7), member(j));
    batch.push(cmd);
    if (batch.length === 20) await c.send(batch.splice(0));
  }
  if (batch.length) await c.send(batch);
}

/** Best of 3 runs of OPS requests (after one warm-up run): µs per request. */
async function timeOps(c, n, make) {
  let best = Infinity;
  for (let run = 0; run < 4; run++) {
    const t0 = process.hrtime.bigint();
    for (let done = 0; done < OPS; ) {
      const batch = [];
      for (let k = 0; k < 100 && done < OPS; k++, done++) batch.push(make(n));
      await c.send(batch);
    }
    const us = Number(process.hrtime.bigint() - t0) / 1000 / OPS;
    if (run > 0) best = Math.min(best, us);
  }
  return best;
}

function rssMB(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(s)[1]) / 1024;
}

async function run(name, child, port) {
  const c = await Client.connect(port);
  const rows = [];
  let have = 0;
  const rand = (n) => Math.floor(Math.random() * n);
  for (const n of sizes) {
    await fill(c, have, n);
    have = n;
    const zrank = await timeOps(c, n, (k) => ['ZRANK', 'z', member(rand(k))]);
    const zrange = await timeOps(c, n, (k) => {
      const r = rand(k - 10);
      return ['ZRANGE', 'z', String(r), String(r + 9)];
    });
    const zscore = await timeOps(c, n, (k) => ['ZRANGEBYSCORE', 'z', String(rand(142857)), '+inf', 'LIMIT', '0', '5']);
    const zadd = await timeOps(c, n, (k) => ['ZADD', 'z', String(rand(142857)), member(rand(k))]);
    rows.push({ n, zrank, zrange, zscore, zadd });
  }
  const rss = rssMB(child.pid);
  c.close();
  console.log(`\n${name}`);
  console.log('members     ZRANK us/op  ZRANGE(10) us/op  ZRANGEBYSCORE LIMIT 5 us/op  ZADD(update) us/op');
  for (const r of rows) {
    console.log(`${String(r.n).padEnd(12)}${r.zrank.toFixed(2).padStart(11)}${r.zrange.toFixed(2).padStart(18)}${r.zscore.toFixed(2).padStart(29)}${r.zadd.toFixed(2).padStart(20)}`);
  }
  console.log(`RSS with ${sizes[sizes.length - 1]} members: ${rss.toFixed(1)} MB`);
  return rss;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zset-bench-'));
const lport = await freePort();
const larder = await startServer(path.join(root, 'bin/larder-server'), ['--port', String(lport), '--bind', '127.0.0.1', '--save', '', '--dir', dir], /Ready to accept/);
let larderRss;
try {
  larderRss = await run('Larder', larder, lport);
} finally {
  larder.kill('SIGTERM');
}
if (withRedis) {
  const rport = await freePort();
  const redis = await startServer('redis-server', ['--port', String(rport), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], /Ready to accept/);
  try {
    const redisRss = await run('Redis', redis, rport);
    console.log(`\nRSS ratio Larder/Redis: ${(larderRss / redisRss).toFixed(2)}`);
  } finally {
    redis.kill('SIGTERM');
  }
}
