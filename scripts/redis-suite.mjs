// Runs Redis's own Tcl test suite (../shared/tools/redis-suite) against a freshly built Larder
// started with the flags Redis's CI uses.
//
//   node scripts/redis-suite.mjs --ratchet        every test in test/redis-suite/passing.txt must
//                                                 pass (CI); reports newly passing ones
//   node scripts/redis-suite.mjs --write          runs the units and rewrites passing.txt
//   node scripts/redis-suite.mjs --units a,b ...  runs units; other args go to redis-suite
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// ../shared sits next to the project's root; from a git worktree, next to the main checkout.
const commonDir = spawnSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: root, encoding: 'utf8' }).stdout.trim();
const suite = [root, commonDir ? path.dirname(commonDir) : root]
  .map((r) => path.resolve(r, '../shared/tools/redis-suite'))
  .find((p) => fs.existsSync(p));
if (!suite) {
  console.error('redis-suite not found in ../shared/tools');
  process.exit(2);
}
const passing = path.join(root, 'test/redis-suite/passing.txt');
const unitsFile = path.join(root, 'test/redis-suite/units.txt');

const args = process.argv.slice(2);
const ratchet = args.includes('--ratchet');
const write = args.includes('--write');
const rest = args.filter((a) => a !== '--ratchet' && a !== '--write');
const units = rest.includes('--units') ? [] : ['--units', fs.readFileSync(unitsFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).join(',')];

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larder-suite-'));
const server = spawn(path.join(root, 'bin/larder-server'), [
  '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
  '--enable-debug-command', 'yes', '--enable-protected-configs', 'yes', '--enable-module-command', 'yes',
], { stdio: ['ignore', 'pipe', 'inherit'] });
let ready = false;
server.stdout.on('data', (d) => {
  if (/Ready to accept connections/.test(String(d))) ready = true;
});
for (let i = 0; i < 200 && !ready; i++) await new Promise((r) => setTimeout(r, 50));
if (!ready) {
  console.error('larder did not start');
  process.exit(2);
}
const out = path.join(dir, 'suite-out');
const suiteArgs = ['127.0.0.1', String(port), '--lenient-setup', '--out', out, ...units, ...rest];
if (ratchet) suiteArgs.push('--expect-pass', passing);
if (write) suiteArgs.push('--write-pass', passing);
const r = spawnSync(suite, suiteArgs, { stdio: 'inherit' });
server.kill('SIGTERM');
process.exit(r.status ?? 1);
