// Memory of big collections side by side: one list of N short items (RPUSH), one hash of N
// fields (HSET) and one set of N members (SADD), each loaded into a fresh Larder and a fresh
// redis-server; prints each process's RSS empty and loaded, and the ratios.
//   node bench/collections-memory.mjs [--items 1000000] [--kinds list,hash,set] [--larder-only]
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
const N = Number(opt('--items', '1000000'));
const kinds = opt('--kinds', 'list,hash,set').split(',');
const larderOnly = argv.includes('--larder-only');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function start(cmd, port) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larder-mem-'));
  const child = spawn(cmd, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 400 && !/Ready to accept/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
  return { child, dir };
}

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

function bulk(s) {
  return `$${s.length}\r\n${s}\r\n`;
}

/** Pipelines commands adding N items (100 per command) and waits for every reply. */
async function load(port, kind) {
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
  for (let i = 0; i < N; i += 100) {
    const end = Math.min(N, i + 100);
    const args = kind === 'list' ? ['RPUSH', 'biglist'] : kind === 'hash' ? ['HSET', 'bighash'] : ['SADD', 'bigset'];
    for (let j = i; j < end; j++) {
      if (kind === 'list') args.push(`item:${j}`);
      else if (kind === 'hash') args.push(`field:${j}`, `value:${j}`);
      else args.push(`member:${j}`);
    }
    sock.write(`*${args.length}\r\n${args.map(bulk).join('')}`);
    pending++;
    if (pending > 1000) await new Promise((r) => (waiter = r));
  }
  if (pending > 0) await new Promise((r) => (waiter = r));
  sock.end();
}

const targets = [['larder', path.join(root, 'bin/larder-server')]];
if (!larderOnly) targets.push(['redis', 'redis-server']);
for (const kind of kinds) {
  const loaded = {};
  for (const [name, cmd] of targets) {
    const port = await freePort();
    const { child, dir } = await start(cmd, port);
    const before = rssMb(child.pid);
    await load(port, kind);
    await new Promise((r) => setTimeout(r, 3000));
    const after = rssMb(child.pid);
    loaded[name] = { before, after };
    console.log(`${kind} of ${N}: ${name} RSS ${before.toFixed(1)} MB empty, ${after.toFixed(1)} MB loaded (+${(after - before).toFixed(1)} MB)`);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (loaded.redis) {
    const l = loaded.larder;
    const r = loaded.redis;
    console.log(`${kind}: RSS ratio larder/redis ${(l.after / r.after).toFixed(2)}, growth ratio ${((l.after - l.before) / (r.after - r.before)).toFixed(2)}`);
  }
}
