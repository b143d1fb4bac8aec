// Memory side by side: loads N keys `key:<i>` with V-byte values into a fresh Larder and a
// fresh redis-server, then prints each process's RSS and the ratio.
//   node bench/memory.mjs [--keys 1000000] [--value-size 16] [--larder-only] [--heap-mb N]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, pipelined, rssMb, startServer } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
};
const N = Number(opt('--keys', '1000000'));
const SIZE = Number(opt('--value-size', '16'));
const larderOnly = argv.includes('--larder-only');

/** Pipelines N SETs (batches of 10,000) and waits for every reply; returns the seconds taken. */
async function load(port) {
  const value = 'v'.repeat(SIZE);
  function* chunks() {
    for (let i = 0; i < N; i += 10000) {
      let chunk = '';
      const end = Math.min(N, i + 10000);
      for (let j = i; j < end; j++) {
        const k = `key:${j}`;
        chunk += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${SIZE}\r\n${value}\r\n`;
      }
      yield [chunk, end - i];
    }
  }
  const started = Date.now();
  await pipelined(port, chunks(), 100000);
  return (Date.now() - started) / 1000;
}

const heap = opt('--heap-mb', undefined);
const results = [];
const targets = [['larder', path.join(root, 'bin/larder-server'), []]];
if (!larderOnly) targets.push(['redis', 'redis-server', []]);
for (const [name, cmd, args] of targets) {
  const port = await freePort();
  if (heap) process.env.LARDER_HEAP_MB = heap;
  const { child, dir } = await startServer(cmd, args, port);
  const before = rssMb(child.pid);
  const secs = await load(port);
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssMb(child.pid);
  // The data must be there and readable, or the figure means nothing.
  const cli = (...a) => execFileSync('redis-cli', ['-p', String(port), ...a], { encoding: 'latin1' }).trim();
  const size = Number(cli('DBSIZE'));
  const last = cli('GET', `key:${N - 1}`);
  if (size !== N || last !== 'v'.repeat(SIZE)) throw new Error(`${name}: DBSIZE ${size}, GET key:${N - 1} = ${JSON.stringify(last)} after loading ${N} keys`);
  results.push({ name, rss: after });
  console.log(`${name}: ${N} keys loaded in ${secs.toFixed(1)} s; RSS ${before.toFixed(1)} MB empty, ${after.toFixed(1)} MB loaded (${((after - before) * 1024 * 1024 / N).toFixed(1)} bytes/key)`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}
if (results.length === 2) console.log(`RSS ratio larder/redis: ${(results[0].rss / results[1].rss).toFixed(2)}`);
