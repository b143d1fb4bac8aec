// BGSAVE under load: 1,000,000 keys (DEBUG POPULATE, 16-byte values), redis-benchmark writing
// and reading random keys (20 clients), and one more client sending PINGs one after another.
// Prints the longest PING round trip before and during the save, the RSS growth during the
// save, SAVE's time, and the time to load the dump at startup.
//   node bench/bgsave-pause.mjs [--keys 1000000]   (build first: npx tsc -p .)
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, rssMb } from './lib.mjs';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const keys = Number(argv[argv.indexOf('--keys') + 1] ?? 0) || 1000000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const port = await freePort();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larder-bgsave-'));
const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--enable-debug-command', 'yes'];

/** Starts the server; resolves once it logged that it is ready. */
async function start() {
  const srv = spawn(path.join(root, 'bin/larder-server'), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  srv.stdout.on('data', (d) => (out += d));
  while (!/Ready to accept/.test(out)) await sleep(10);
  return { srv, log: () => out };
}
// Asynchronous, so that the pinging client's replies are read while redis-cli runs.
const run = promisify(execFile);
const cli = async (...a) => (await run('redis-cli', ['-p', String(port), ...a])).stdout.trim();

const { srv } = await start();
await cli('DEBUG', 'POPULATE', String(keys), 'key', '16');
await sleep(1000);
let t = performance.now();
await cli('SAVE');
const saveMs = performance.now() - t;
const bench = spawn('redis-benchmark', ['-p', String(port), '-n', '100000000', '-t', 'set,get', '-r', String(keys), '-c', '20', '-q'], { stdio: 'ignore' });
await sleep(1000);

const pinger = net.connect(port, '127.0.0.1');
await new Promise((r) => pinger.once('connect', r));
let longest = 0;
let stop = false;
const pinging = (async () => {
  while (!stop) {
    const a = performance.now();
    pinger.write('PING\r\n');
    await new Promise((r) => pinger.once('data', r));
    longest = Math.max(longest, performance.now() - a);
  }
})();
await sleep(2000);
const longestBefore = longest;
longest = 0;
const rssBefore = rssMb(srv.pid);
let rssPeak = rssBefore;
await cli('BGSAVE');
t = performance.now();
while (!/rdb_bgsave_in_progress:0/.test(await cli('INFO', 'persistence'))) {
  rssPeak = Math.max(rssPeak, rssMb(srv.pid));
  await sleep(20);
}
const bgsaveMs = performance.now() - t;
stop = true;
await pinging;
bench.kill();
pinger.destroy();
srv.kill('SIGKILL');
await new Promise((r) => srv.once('exit', r));

t = performance.now();
const again = await start();
const loadMs = performance.now() - t;
again.srv.kill('SIGKILL');
fs.rmSync(dir, { recursive: true, force: true });

console.log(`${keys} keys: SAVE ${saveMs.toFixed(0)} ms; start + load ${loadMs.toFixed(0)} ms (${/DB loaded from disk: [\d.]+ seconds/.exec(again.log())?.[0] ?? '?'})`);
console.log(`BGSAVE under load: ${bgsaveMs.toFixed(0)} ms; longest PING round trip ${longest.toFixed(1)} ms during the save, ${longestBefore.toFixed(1)} ms in the 2 s before`);
console.log(`RSS ${rssBefore.toFixed(0)} MB before, ${rssPeak.toFixed(0)} MB at the peak of the save (+${((rssPeak / rssBefore - 1) * 100).toFixed(0)}%)`);
process.exit(0);
