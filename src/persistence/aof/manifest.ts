// The multi-part AOF manifest (Redis 7.0): `<appendfilename>.manifest` in the AOF directory,
// one line per file: `file <name> seq <n> type <b|h|i>`. The base file comes first, then
// history files (awaiting deletion), then incremental files in order. Names needing it are
// written quoted with escapes (as sdscatrepr does) and read back with config-file splitting.

import fs from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../../resp/split-args.js';
import { fsyncDir } from '../job.js';
import { repr } from '../../util/repr.js';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export class ManifestError extends Error {
  constructor(message: string, readonly line: string | null = null, readonly lineNumber = 0) {
    super(message);
  }
}

export class Manifest {
  base: AofInfo | null = null;
  history: AofInfo[] = [];
  incr: AofInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;
  dirty = false;

  clone(): Manifest {
    const m = new Manifest();
    m.base = this.base ? { ...this.base } : null;
    m.history = this.history.map((a) => ({ ...a }));
    m.incr = this.incr.map((a) => ({ ...a }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    m.dirty = this.dirty;
    return m;
  }

  get isEmpty(): boolean {
    return this.base === null && this.incr.length === 0;
  }

  format(): string {
    let out = '';
    const line = (a: AofInfo) => `file ${needsRepr(a.name) ? repr(a.name) : a.name} seq ${a.seq} type ${a.type}\n`;
    if (this.base) out += line(this.base);
    for (const a of this.history) out += line(a);
    for (const a of this.incr) out += line(a);
    return out;
  }

  static parse(text: string): Manifest {
    const m = new Manifest();
    let maxSeq = 0;
    const lines = text.split('\n');
    if (text.length === 0) throw new ManifestError('Found an empty AOF manifest');
    let lineNumber = 0;
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i];
      if (i === lines.length - 1 && raw === '') break;
      lineNumber++;
      if (raw.startsWith('#')) continue;
      if (raw.length > 1024) throw new ManifestError('The AOF manifest file contains too long line', raw, lineNumber);
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line.length === 0) throw new ManifestError('Invalid AOF manifest file format', line, lineNumber);
      if (i === lines.length - 1) throw new ManifestError('The AOF manifest file contains too long line', line, lineNumber);
      const argv = splitArgs(line);
      if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new ManifestError('Invalid AOF manifest file format', line, lineNumber);
      let name: string | undefined;
      let seq = 0;
      let type = '';
      for (let j = 0; j < argv.length; j += 2) {
        const k = argv[j].toLowerCase();
        if (k === 'file') {
          name = argv[j + 1];
          if (name.includes('/')) throw new ManifestError("File can't be a path, just a filename", line, lineNumber);
        } else if (k === 'seq') {
          seq = parseInt(argv[j + 1], 10) || 0;
        } else if (k === 'type') {
          type = argv[j + 1].charAt(0);
        }
      }
      if (!name || !seq || !type) throw new ManifestError('Invalid AOF manifest file format', line, lineNumber);
      const info = { name, seq, type: type as AofFileType };
      if (type === 'b') {
        if (m.base) throw new ManifestError('Found duplicate base file information', line, lineNumber);
        m.base = info;
        m.baseSeq = seq;
      } else if (type === 'h') {
        m.history.push(info);
      } else if (type === 'i') {
        if (seq <= maxSeq) throw new ManifestError('Found a non-monotonic sequence number', line, lineNumber);
        m.incr.push(info);
        m.incrSeq = seq;
        maxSeq = seq;
      } else {
        throw new ManifestError('Unknown AOF file type', line, lineNumber);
      }
    }
    return m;
  }

  /** Makes `name.<seq+1>.base.(rdb|aof)` the base, moving the old base to history. */
  newBase(filename: string, rdb: boolean): AofInfo {
    if (this.base) {
      this.base.type = 'h';
      this.history.unshift(this.base);
    }
    this.baseSeq++;
    this.base = { name: `${filename}.${this.baseSeq}.base.${rdb ? 'rdb' : 'aof'}`, seq: this.baseSeq, type: 'b' };
    this.dirty = true;
    return this.base;
  }

  /** Adds `name.<seq+1>.incr.aof` as the newest incremental file. */
  newIncr(filename: string): AofInfo {
    this.incrSeq++;
    const info: AofInfo = { name: `${filename}.${this.incrSeq}.incr.aof`, seq: this.incrSeq, type: 'i' };
    this.incr.push(info);
    this.dirty = true;
    return info;
  }

  /** The newest incremental file, created if there is none. */
  lastIncr(filename: string): AofInfo {
    if (this.incr.length === 0) return this.newIncr(filename);
    return this.incr[this.incr.length - 1];
  }

  /** After a rewrite: every incremental file but the one being written (if any) becomes history. */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    const keep = keepLast && this.incr.length > 0 ? this.incr.slice(-1) : [];
    const old = keepLast ? this.incr.slice(0, -1) : this.incr;
    // History lists the newest first, as Redis adds them at the head.
    for (let i = old.length - 1; i >= 0; i--) {
      this.history.unshift({ ...old[i], type: 'h' });
    }
    this.incr = keep;
    this.dirty = true;
  }
}

function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 34 || c <= 32 || c >= 127) return true;
  }
  return false;
}

/** Writes the manifest atomically (temp file, fsync, rename, directory fsync). */
export function writeManifest(dir: string, filename: string, m: Manifest): void {
  const target = path.join(dir, `${filename}.manifest`);
  const tmp = path.join(dir, `temp-${filename}.manifest`);
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, m.format());
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
  fsyncDir(dir);
  m.dirty = false;
}
