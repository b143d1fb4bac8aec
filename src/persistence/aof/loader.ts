// Loading one AOF file: an optional RDB part (a base file in RDB form, or an old-style AOF with
// an RDB preamble), then commands in RESP form, run through the dispatcher's `call` as an
// internal client. MULTI/EXEC blocks are collected and run when EXEC is read; a block left
// open at the end is dropped like a truncated tail. Annotations (lines starting with '#') are
// skipped.

import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../../server/server.js';
import { Client } from '../../server/client.js';
import { call, checkArity, lookupCommand } from '../../engine/dispatch.js';
import type { Command } from '../../commands/command.js';
import { CorruptDataError, UnsupportedValueError } from '../errors.js';
import { RdbReader } from '../rdb/reader.js';
import { describeLoadError, loadRdbSteps, RdbFatalError, RdbSignatureError, runToEnd } from '../rdb/file.js';

export type AofLoadStatus = 'ok' | 'not_exist' | 'empty' | 'open_err' | 'failed' | 'truncated';

const LINE_MAX = 1024;

class FormatError extends Error {}

/** Reads a line ending in "\n" (returned without CR/LF); null at a clean end of input. */
function readLine(r: RdbReader): string | null {
  if (r.atEnd()) return null;
  for (;;) {
    const nl = r.buf.indexOf(10, r.pos);
    if (nl >= 0 && nl < r.end) {
      let stop = nl;
      if (stop > r.pos && r.buf[stop - 1] === 13) stop--;
      const line = r.buf.latin1Slice(r.pos, stop);
      r.pos = nl + 1;
      return line;
    }
    if (r.end - r.pos >= LINE_MAX) throw new FormatError('line too long');
    r.need(r.end - r.pos + 1); // throws CorruptDataError(truncated) at EOF
  }
}

export interface LoadFileResult {
  status: AofLoadStatus;
  /** Offset of the end of the last complete command (for truncation). */
  validUpTo: number;
}

/**
 * Loads `name` from the AOF directory. Logs as Redis does and returns the status; the caller
 * decides what is fatal.
 */
export function loadAofFile(server: Server, dir: string, name: string, opts: { oldStyle: boolean }): AofLoadStatus {
  return runToEnd(loadAofFileSteps(server, dir, name, opts));
}

/** loadAofFile in steps (yielding every 1024 commands and while loading an RDB part). */
export function* loadAofFileSteps(server: Server, dir: string, name: string, opts: { oldStyle: boolean }): Generator<void, AofLoadStatus> {
  const file = path.join(dir, name);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      server.log('warning', `The append log file ${name} doesn't exist: ${err.message}`);
      return 'not_exist';
    }
    server.log('warning', `Fatal error: can't open the append log file ${name} for reading: ${err.message}`);
    return 'open_err';
  }
  try {
    if (fs.fstatSync(fd).size === 0) return 'empty';
    return yield* loadFromFd(server, fd, file, name, opts);
  } finally {
    fs.closeSync(fd);
  }
}

function* loadFromFd(server: Server, fd: number, file: string, fileName: string, opts: { oldStyle: boolean }): Generator<void, AofLoadStatus> {
  const r = RdbReader.fromFile(fd);
  const c = new Client(server, 0, null);
  const truncatedOk = server.config.values['aof-load-truncated'] as boolean;
  let validUpTo = 0;
  let validBeforeMulti = 0;
  let multi: [Command, string[]][] | null = null;
  let loops = 0;
  try {
    // An RDB part?
    let isRdb = false;
    try {
      r.need(5);
      isRdb = r.buf.latin1Slice(r.pos, r.pos + 5) === 'REDIS';
    } catch {
      isRdb = false;
    }
    if (isRdb) {
      server.log('notice', opts.oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
      try {
        yield* loadRdbSteps(server, r, { aofBase: true });
      } catch (e) {
        if (e instanceof CorruptDataError || e instanceof RdbSignatureError || e instanceof RdbFatalError || e instanceof UnsupportedValueError) {
          for (const line of describeLoadError(e, r)) server.log('warning', line);
          server.log('warning', opts.oldStyle
            ? `Error reading the RDB preamble of the AOF file ${fileName}, AOF loading aborted`
            : `Error reading the RDB base file ${fileName}, AOF loading aborted`);
          // Even when truncated: cutting the file back to its last complete command would
          // throw the whole base away (Redis would); a damaged base is always fatal.
          return 'failed';
        }
        throw e;
      }
      validUpTo = r.offset;
      if (opts.oldStyle) server.log('notice', 'Reading the remaining AOF tail...');
    }
    for (;;) {
      if ((loops++ & 1023) === 0) {
        server.refreshTime();
        if (loops > 1) yield;
      }
      const head = readLine(r);
      if (head === null) break;
      if (head.startsWith('#')) continue;
      if (head.charCodeAt(0) !== 42 /* '*' */) throw new FormatError('expected *');
      if (head.length === 1) throw new CorruptDataError('short read', true);
      const argc = parseInt(head.slice(1), 10);
      if (!(argc >= 1)) throw new FormatError('bad argument count');
      const argv: string[] = new Array(argc);
      for (let j = 0; j < argc; j++) {
        const lenLine = readLine(r);
        if (lenLine === null) throw new CorruptDataError('short read', true);
        if (lenLine.charCodeAt(0) !== 36 /* '$' */) throw new FormatError('expected $');
        const len = parseInt(lenLine.slice(1), 10) || 0;
        r.need(len + 2);
        argv[j] = r.buf.latin1Slice(r.pos, r.pos + len);
        r.pos += len + 2;
      }
      const name = argv[0].toLowerCase();
      if (name === 'multi') {
        validBeforeMulti = validUpTo;
        multi = [];
      } else if (name === 'exec' && multi !== null) {
        const queued = multi;
        multi = null;
        for (const [qc, qa] of queued) run(server, c, qc, qa, fileName);
      } else if (name === 'discard' && multi !== null) {
        multi = null;
      } else {
        const cmd = lookupCommand(c, argv);
        if (cmd === undefined || cmd.run === undefined) {
          server.log('warning', `Unknown command '${argv[0]}' reading the append only file ${fileName}`);
          return 'failed';
        }
        if (multi !== null) multi.push([cmd, argv]);
        else run(server, c, cmd, argv, fileName);
      }
      if (truncatedOk) validUpTo = r.offset;
    }
    if (multi !== null) {
      server.log('warning', `Revert incomplete MULTI/EXEC transaction in AOF file ${fileName}`);
      validUpTo = validBeforeMulti;
      throw new CorruptDataError('incomplete MULTI', true);
    }
    return 'ok';
  } catch (e) {
    if (e instanceof FormatError) {
      server.log('warning', `Bad file format reading the append only file ${fileName}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
      return 'failed';
    }
    if (!(e instanceof CorruptDataError) || !e.truncated) throw e;
    // Unexpected end of file.
    if (truncatedOk) {
      server.log('warning', `!!! Warning: short read while loading the AOF file ${fileName}!!!`);
      server.log('warning', `!!! Truncating the AOF ${fileName} at offset ${validUpTo} !!!`);
      try {
        fs.truncateSync(file, validUpTo);
        server.log('warning', `AOF ${fileName} loaded anyway because aof-load-truncated is enabled`);
        return 'truncated';
      } catch (te) {
        server.log('warning', `Error truncating the AOF file ${fileName}: ${(te as Error).message}`);
      }
    }
    server.log('warning', `Unexpected end of file reading the append only file ${fileName}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`);
    return 'failed';
  }
}

function run(server: Server, c: Client, cmd: Command, argv: string[], name: string): void {
  if (!checkArity(cmd, argv.length)) {
    server.log('warning', `Skipping command '${argv[0]}' with a wrong number of arguments in the append only file ${name}`);
    return;
  }
  call(c, cmd, argv);
}
