// Runs the test suite: every dist/test/**/*.test.js file under node:test.
// Arguments narrow it down: `npm test -- strings keys` runs test files whose path contains
// one of the words (relative to dist/test).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testRoot = path.join(root, 'dist/test');
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js') && (filters.length === 0 || filters.some((f) => path.relative(testRoot, p).includes(f)))) files.push(p);
  }
})(testRoot);
files.sort();
// A test that stalls fails after 5 minutes instead of holding CI up (the slowest take ~40 s on
// a loaded machine).
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
