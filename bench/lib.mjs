// What the benchmarks share: free ports, starting a server (Larder or redis-server, same flags),
// RSS, and pipelining many commands over one connection.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Starts `cmd` without persistence on `port` in a fresh directory; resolves once it is ready.
 * With `cpus` (a taskset CPU list) the server and all its threads run only there.
 */
export async function startServer(cmd, args, port, cpus = null) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larder-bench-'));
  const argv = [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const child = cpus === null
    ? spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn('taskset', ['-c', cpus, cmd, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 400 && !/Ready to accept/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
  return { child, dir, ready: /Ready to accept/.test(out) };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

/**
 * Sends `chunks` ([RESP text, number of one-line replies it gets]) over one connection, with at
 * most `window` replies outstanding, and waits for every reply.
 */
export async function pipelined(port, chunks, window) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
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
  for (const [text, replies] of chunks) {
    sock.write(text);
    pending += replies;
    if (pending > window) await new Promise((r) => (waiter = r));
  }
  if (pending > 0) await new Promise((r) => (waiter = r));
  sock.end();
}
