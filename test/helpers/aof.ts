// Reading what a server wrote to its append-only files, for tests that compare AOF contents.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/** The commands of an AOF file in RESP form (annotations skipped). */
export function parseAof(buf: Buffer): string[][] {
  const out: string[][] = [];
  const s = buf.toString('latin1');
  let p = 0;
  while (p < s.length) {
    if (s[p] === '#') {
      p = s.indexOf('\n', p) + 1;
      continue;
    }
    assert.equal(s[p], '*', `AOF format at offset ${p}`);
    const e = s.indexOf('\r\n', p);
    const n = Number(s.slice(p + 1, e));
    p = e + 2;
    const argv: string[] = [];
    for (let i = 0; i < n; i++) {
      const e2 = s.indexOf('\r\n', p);
      const len = Number(s.slice(p + 1, e2));
      p = e2 + 2;
      argv.push(s.slice(p, p + len));
      p += len + 2;
    }
    out.push(argv);
  }
  return out;
}

/** The commands of the incremental AOF files a server's manifest (under `dir`) lists. */
export function incrCommands(dir: string): string[][] {
  const aofDir = path.join(dir, 'appendonlydir');
  const manifest = fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1');
  const incr = [...manifest.matchAll(/^file (\S+) seq \d+ type i$/gm)].map((m) => m[1]);
  return incr.flatMap((f) => parseAof(fs.readFileSync(path.join(aofDir, f))));
}
