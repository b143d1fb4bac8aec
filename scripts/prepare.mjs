// Makes a checkout runnable: installs dependencies when missing and compiles the TypeScript
// (incrementally, so it is quick when nothing changed).
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });
if (!fs.existsSync(path.join(root, 'node_modules/typescript'))) run('npm ci --no-audit --no-fund');
run('npx tsc -p .');
