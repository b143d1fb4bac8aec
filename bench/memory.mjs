// Memory side by side: loads N keys `key:<i>` with V-byte values into a fresh Larder and a
// fresh redis-server, then prints each process's RSS and the ratio.
//   node bench/memory.mjs [--keys 1000000] [--value-size 16] [--larder-only] [--heap-mb N]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
};
const N = Number(opt('--keys', '1000000'));
const SIZE = Number(opt('--value-size', '16'));
const larderOnly = argv.includes('--larder-only');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function start(cmd, args, port) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larder-mem-'));
  const child = spawn(cmd, [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 400 && !/Ready to accept/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
  return { child, dir };
}

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

/** Pipelines N SETs (batches of 10,000) and waits for every reply. */
async function load(port) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const value = 'v'.repeat(SIZE);
  let pending = 0;
  let waiter = null;
  let buffered = '';
  sock.on('data', (d) => {
    buffered += d.toString('latin1');
    let n = 0;
    let i = -1;
    while ((i = buffered.indexOf('\r\n', i + 1)) >= 0) n++;
    buffered = buffered.slice(buffered.lastIndexOf('\r\n') + 2);
    pending -= n;
    if (waiter && pending <= 0) waiter();
  });
  const started = Date.now();
  for (let i = 0; i < N; i += 10000) {
    let chunk = '';
    const end = Math.min(N, i + 10000);
    for (let j = i; j < end; j++) {
      const k = `key:${j}`;
      chunk += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${SIZE}\r\n${value}\r\n`;
    }
    pending += end - i;
    sock.write(chunk);
    if (pending > 100000) await new Promise((r) => (waiter = r));
  }
  if (pending > 0) await new Promise((r) => (waiter = r));
  sock.end();
  return (Date.now() - started) / 1000;
}

const heap = opt('--heap-mb', undefined);
const results = [];
const targets = [['larder', path.join(root, 'bin/larder-server'), []]];
if (!larderOnly) targets.push(['redis', 'redis-server', []]);
for (const [name, cmd, args] of targets) {
  const port = await freePort();
  if (heap) process.env.LARDER_HEAP_MB = heap;
  const { child, dir } = await start(cmd, args, port);
  const before = rssMb(child.pid);
  const secs = await load(port);
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssMb(child.pid);
  results.push({ name, rss: after });
  console.log(`${name}: ${N} keys loaded in ${secs.toFixed(1)} s; RSS ${before.toFixed(1)} MB empty, ${after.toFixed(1)} MB loaded (${((after - before) * 1024 * 1024 / N).toFixed(1)} bytes/key)`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}
if (results.length === 2) console.log(`RSS ratio larder/redis: ${(results[0].rss / results[1].rss).toFixed(2)}`);
