// Every command Larder serves must appear in some test: a command without one fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandTable } from '../../src/commands/command.js';
import { allFamilies } from '../../src/commands/index.js';

const testRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function testSources(): string {
  let text = '';
  (function walk(dir: string) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.js') && !p.endsWith('coverage.test.js')) text += fs.readFileSync(p, 'utf8');
    }
  })(testRoot);
  return text.toLowerCase();
}

test('every command and subcommand is exercised by a test', () => {
  const table = new CommandTable();
  for (const f of allFamilies) table.register(f);
  const sources = testSources();
  const mentioned = (word: string) => sources.includes(`'${word}'`) || sources.includes(`"${word}"`) || sources.includes(`'${word} `) || sources.includes(`"${word} `);
  const missing: string[] = [];
  for (const cmd of table.all()) {
    if (!mentioned(cmd.name)) missing.push(cmd.name);
    for (const sub of cmd.subcommands?.values() ?? []) {
      if (!mentioned(sub.name) && !sources.includes(`${cmd.name} ${sub.name}`)) missing.push(sub.fullName);
    }
  }
  assert.deepEqual(missing, [], `commands without a test: ${missing.join(', ')}`);
});
