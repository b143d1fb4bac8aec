// Server CPU per operation, Larder vs a real redis-server side by side, for two workloads:
//
//   publish-10   PUBLISH to a channel with 10 subscribers (the cost of delivering to all 10
//                is included: the run ends when every subscriber received every message)
//   multi-10     MULTI, 10 × SET, EXEC as one transaction
//   set-10       the same 10 SETs without MULTI/EXEC (a reference: per 10 SETs)
//
// Usage: node bench/multi-pubsub.mjs [--rounds 3] [--ops 100000] [--clients 4] [--pipeline 50]
//        (build first: npx tsc -p .)
// CPU time is user+system time of the server process from /proc/PID/stat, read before and
// after each run; rounds alternate which server goes first, and the report gives medians.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const ROUNDS = opt('rounds', 3);
const OPS = opt('ops', 100000);
const CLIENTS = opt('clients', 4);
const PIPELINE = opt('pipeline', 50);
const TICK = 100; // clock ticks per second (getconf CLK_TCK)

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function startServer(kind) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${kind}-`));
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const child = kind === 'larder'
    ? spawn(process.execPath, [path.join(root, 'dist/src/main.js'), ...common], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn('redis-server', common, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 200 && !/Ready to accept connections/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
  if (!/Ready to accept connections/.test(out)) throw new Error(`${kind} did not start: ${out}`);
  return { kind, port, pid: child.pid, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

function cmd(...a) {
  return `*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('');
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

/** Resolves once `bytes` bytes arrived on the socket (counted from now). */
function expectBytes(socket, bytes) {
  return new Promise((resolve) => {
    let got = 0;
    const onData = (d) => {
      got += d.length;
      if (got >= bytes) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
}

/** Sends `units` copies of `unit` over `clients` connections, `pipeline` at a time, each answered by `replyBytes`. */
async function drive(port, unit, replyBytes, units) {
  const conns = await Promise.all(Array.from({ length: CLIENTS }, () => connect(port)));
  const perClient = Math.ceil(units / CLIENTS);
  const batch = Buffer.from(unit.repeat(PIPELINE), 'latin1');
  await Promise.all(conns.map(async (s) => {
    for (let sent = 0; sent < perClient; sent += PIPELINE) {
      const n = Math.min(PIPELINE, perClient - sent);
      const done = expectBytes(s, n * replyBytes);
      s.write(n === PIPELINE ? batch : Buffer.from(unit.repeat(n), 'latin1'));
      await done;
    }
  }));
  for (const s of conns) s.destroy();
  return perClient * CLIENTS;
}

const workloads = {
  'publish-10': async (server) => {
    const message = 'm'.repeat(16);
    const push = `*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$16\r\n${message}\r\n`;
    const subs = await Promise.all(Array.from({ length: 10 }, () => connect(server.port)));
    await Promise.all(subs.map((s) => {
      const ok = expectBytes(s, '*3\r\n$9\r\nsubscribe\r\n$5\r\nbench\r\n:1\r\n'.length);
      s.write(cmd('SUBSCRIBE', 'bench'));
      return ok;
    }));
    const units = Math.ceil(OPS / CLIENTS) * CLIENTS;
    const delivered = Promise.all(subs.map((s) => expectBytes(s, units * push.length)));
    const before = cpuSeconds(server.pid);
    const n = await drive(server.port, cmd('PUBLISH', 'bench', message), ':10\r\n'.length, units);
    await delivered;
    const cpu = cpuSeconds(server.pid) - before;
    for (const s of subs) s.destroy();
    return { n, cpu };
  },
  'multi-10': async (server) => {
    let unit = cmd('MULTI');
    for (let i = 0; i < 10; i++) unit += cmd('SET', `key:${i}`, 'value-value');
    unit += cmd('EXEC');
    const reply = '+OK\r\n' + '+QUEUED\r\n'.repeat(10) + '*10\r\n' + '+OK\r\n'.repeat(10);
    const units = Math.ceil(OPS / 10 / CLIENTS) * CLIENTS;
    const before = cpuSeconds(server.pid);
    const n = await drive(server.port, unit, reply.length, units);
    return { n, cpu: cpuSeconds(server.pid) - before };
  },
  // Reference: the same 10 SETs without MULTI/EXEC (what the transaction adds is the difference).
  'set-10': async (server) => {
    let unit = '';
    for (let i = 0; i < 10; i++) unit += cmd('SET', `key:${i}`, 'value-value');
    const units = Math.ceil(OPS / 10 / CLIENTS) * CLIENTS;
    const before = cpuSeconds(server.pid);
    const n = await drive(server.port, unit, '+OK\r\n'.length * 10, units);
    return { n, cpu: cpuSeconds(server.pid) - before };
  },
};


const servers = { larder: await startServer('larder'), redis: await startServer('redis') };
try {
  // Warm up both (JIT, allocations).
  for (const w of Object.values(workloads)) for (const s of Object.values(servers)) await w(s);
  console.log(`workload     ops/run  larder_us/op  redis_us/op  cpu_ratio  (median of ${ROUNDS} rounds; ratio range)`);
  for (const [name, w] of Object.entries(workloads)) {
    const per = { larder: [], redis: [] };
    const ratios = [];
    let n = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['larder', 'redis'] : ['redis', 'larder'];
      const round = {};
      for (const k of order) {
        const res = await w(servers[k]);
        n = res.n;
        round[k] = (res.cpu * 1e6) / res.n;
        per[k].push(round[k]);
      }
      ratios.push(round.larder / round.redis);
    }
    const lo = Math.min(...ratios).toFixed(2);
    const hi = Math.max(...ratios).toFixed(2);
    console.log(`${name.padEnd(12)} ${String(n).padStart(7)}  ${median(per.larder).toFixed(2).padStart(12)}  ${median(per.redis).toFixed(2).padStart(11)}  ${median(ratios).toFixed(2).padStart(9)}  (${lo}..${hi})`);
  }
} finally {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
}
