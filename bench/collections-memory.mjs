// Memory of big collections side by side: one list of N short items (RPUSH), one hash of N
// fields (HSET) and one set of N members (SADD), each loaded into a fresh Larder and a fresh
// redis-server; prints each process's RSS empty and loaded, and the ratios.
//   node bench/collections-memory.mjs [--items 1000000] [--kinds list,hash,set] [--larder-only]
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
const N = Number(opt('--items', '1000000'));
const kinds = opt('--kinds', 'list,hash,set').split(',');
const larderOnly = argv.includes('--larder-only');

function bulk(s) {
  return `$${s.length}\r\n${s}\r\n`;
}

/** Pipelines commands adding N items (100 per command) and waits for every reply. */
async function load(port, kind) {
  function* chunks() {
    for (let i = 0; i < N; i += 100) {
      const end = Math.min(N, i + 100);
      const args = kind === 'list' ? ['RPUSH', 'biglist'] : kind === 'hash' ? ['HSET', 'bighash'] : ['SADD', 'bigset'];
      for (let j = i; j < end; j++) {
        if (kind === 'list') args.push(`item:${j}`);
        else if (kind === 'hash') args.push(`field:${j}`, `value:${j}`);
        else args.push(`member:${j}`);
      }
      yield [`*${args.length}\r\n${args.map(bulk).join('')}`, 1];
    }
  }
  await pipelined(port, chunks(), 1000);
}

const targets = [['larder', path.join(root, 'bin/larder-server')]];
if (!larderOnly) targets.push(['redis', 'redis-server']);
for (const kind of kinds) {
  const loaded = {};
  for (const [name, cmd] of targets) {
    const port = await freePort();
    const { child, dir } = await startServer(cmd, [], port);
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
