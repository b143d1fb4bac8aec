// AOF in command form: the RESP encoding of logged commands, and the commands that rebuild a
// value (the AOF base when aof-use-rdb-preamble is off, as Redis's rewriteAppendOnlyFileRio
// writes it: SET, RPUSH/SADD/ZADD/HMSET in batches of 64 items, XADD/XSETID/XGROUP/XCLAIM for
// streams, then PEXPIREAT for keys with a TTL).

import type { Server } from '../../server/server.js';
import { MutableString, type RObject, type Value } from '../../types/value.js';
import { formatDouble } from '../../util/numbers.js';
import { encodeBulk } from '../../resp/encoder.js';
import type { SnapshotEmitter } from '../snapshot.js';
import { rdbHooks } from '../rdb/file.js';
import { codecs, type StreamId } from '../rdb/types.js';
import type { RdbWriter } from '../rdb/writer.js';

const ITEMS_PER_CMD = 64;

/** One command in RESP form (latin1). */
export function encodeCommand(argv: readonly string[]): string {
  let out = '*' + argv.length + '\r\n';
  for (let i = 0; i < argv.length; i++) out += encodeBulk(argv[i]);
  return out;
}

function idText(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** The commands that recreate `key` holding `value` (without its TTL). */
export function rebuildCommands(key: string, value: Value, emit: (argv: string[]) => void): void {
  if (typeof value === 'string') {
    emit(['SET', key, value]);
    return;
  }
  if (value instanceof MutableString) {
    emit(['SET', key, value.toString()]);
    return;
  }
  const v = value as RObject;
  switch (v.type) {
    case 'string':
      emit(['SET', key, String(v)]);
      return;
    case 'list':
      batches(key, 'RPUSH', codecs.list!.items(v), codecs.list!.length(v), 1, emit);
      return;
    case 'set':
      batches(key, 'SADD', codecs.set!.members(v), codecs.set!.size(v), 1, emit);
      return;
    case 'zset': {
      const flat = (function* () {
        for (const [m, s] of codecs.zset!.entries(v)) {
          yield formatDouble(s);
          yield m;
        }
      })();
      batches(key, 'ZADD', flat, codecs.zset!.size(v), 2, emit);
      return;
    }
    case 'hash': {
      const flat = (function* () {
        for (const [f, val] of codecs.hash!.entries(v)) {
          yield f;
          yield val;
        }
      })();
      batches(key, 'HMSET', flat, codecs.hash!.size(v), 2, emit);
      return;
    }
    case 'stream': {
      const s = codecs.stream!.toData(v);
      if (s.entries.length > 0) {
        for (const e of s.entries) emit(['XADD', key, idText(e.id), ...e.fields]);
      } else {
        emit(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']);
      }
      emit(['XSETID', key, idText(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', idText(s.maxDeletedId)]);
      for (const g of s.groups) {
        emit(['XGROUP', 'CREATE', key, g.name, idText(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
        const nacks = new Map(g.pel.map((n) => [idText(n.id), n]));
        for (const c of g.consumers) {
          if (c.pending.length === 0) {
            emit(['XGROUP', 'CREATECONSUMER', key, g.name, c.name]);
            continue;
          }
          for (const id of c.pending) {
            const n = nacks.get(idText(id))!;
            emit(['XCLAIM', key, g.name, c.name, '0', idText(id), 'TIME', String(n.deliveryTime), 'RETRYCOUNT', String(n.deliveryCount), 'JUSTID', 'FORCE']);
          }
        }
      }
      return;
    }
  }
}

function batches(key: string, command: string, items: Iterable<string>, count: number, width: number, emit: (argv: string[]) => void): void {
  let remaining = count;
  let argv: string[] | null = null;
  let target = 0;
  for (const item of items) {
    if (argv === null) {
      target = Math.max(1, Math.min(ITEMS_PER_CMD, remaining)) * width;
      argv = [command, key];
    }
    argv.push(item);
    if (argv.length - 2 >= target) {
      emit(argv);
      remaining -= target / width;
      argv = null;
    }
  }
  if (argv !== null) emit(argv);
}

/** Writes a snapshot as AOF commands (the base file when aof-use-rdb-preamble is no). */
export class AofEmitter implements SnapshotEmitter {
  readonly needStamp = false;
  private readonly out: (argv: string[]) => void;

  constructor(
    private readonly w: RdbWriter,
    private readonly server: Server,
  ) {
    this.out = (argv) => this.w.rawString(encodeCommand(argv));
  }

  header(): void {
    if (this.server.config.values['aof-timestamp-enabled']) this.w.rawString(`#TS:${Math.floor(Date.now() / 1000)}\r\n`);
    const fns = rdbHooks.functions;
    if (fns !== null) for (const code of fns.dump()) this.out(['FUNCTION', 'LOAD', code]);
  }

  selectDb(index: number): void {
    this.out(['SELECT', String(index)]);
  }

  key(key: string, value: Value, expireAt: number | bigint | undefined): void {
    rebuildCommands(key, value, this.out);
    if (expireAt !== undefined) this.out(['PEXPIREAT', key, String(expireAt)]);
  }

  trailer(): void {
    this.w.flush();
  }
}
