// Functions: FUNCTION LOAD/DELETE/LIST/DUMP/RESTORE/FLUSH/KILL/STATS/HELP, FCALL and FCALL_RO,
// on the libraries of src/scripting/functions.ts. A library's functions run like EVAL scripts
// (same checks, conversions and propagation), with their declared flags.

import type { Command, Family } from './command.js';
import type { Client } from '../server/client.js';
import { err, MapReply, OK, SetReply, SimpleString, type Reply } from '../resp/reply.js';
import { parseInt64 } from '../util/numbers.js';
import { globMatch } from '../util/glob.js';
import { helpReply, subcommandSyntaxError } from './help.js';
import { functionsOf } from '../scripting/functions.js';
import { luaLoaded } from '../scripting/lua.js';
import { ScriptFlag } from '../scripting/engine.js';
import { Crc64 } from '../persistence/crc64.js';
import { RDB_VERSION } from '../persistence/rdb/constants.js';
import { RdbReader } from '../persistence/rdb/reader.js';
import { RdbWriter } from '../persistence/rdb/writer.js';
import { verifyPayload } from './dump.js';
import { startScripting } from './scripting.js';

const FLAG_NAMES: [number, string][] = [
  [ScriptFlag.NoWrites, 'no-writes'], [ScriptFlag.AllowOom, 'allow-oom'], [ScriptFlag.AllowStale, 'allow-stale'],
  [ScriptFlag.NoCluster, 'no-cluster'], [ScriptFlag.AllowCrossSlot, 'allow-cross-slot-keys'],
];

function fns(c: Client) {
  if (!luaLoaded()) err('ERR Lua scripting engine not loaded');
  startScripting(c.server);
  return functionsOf(c.server);
}

function fcall(c: Client, argv: string[], ro: boolean): Reply {
  const server = c.server;
  const f = fns(c);
  if (server.feedMonitors !== null) server.feedMonitors(c, argv);
  const fn = f.functions.get(argv[1]);
  if (fn === undefined) err('ERR Function not found');
  const n = parseInt64(argv[2]);
  if (n === undefined) err('ERR Bad number of keys provided');
  if (n > argv.length - 3) err("ERR Number of keys can't be greater than number of args");
  if (n < 0) err("ERR Number of keys can't be negative");
  const numkeys = Number(n);
  const reply = f.engine.runFunction(c, c.lastCommand as Command, argv, fn, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys), ro);
  // The function's effects propagate, never FCALL itself.
  c.propagateAs = [];
  return reply;
}

/** The payload of FUNCTION DUMP: a FUNCTION2 record per library, RDB version, CRC-64. */
function dumpPayload(c: Client, codes: string[]): Buffer {
  const w = new RdbWriter(null, { compression: c.server.config.values.rdbcompression as boolean, checksum: false });
  for (const code of codes) {
    w.byte(245 /* RDB_OPCODE_FUNCTION2 */);
    w.string(code);
  }
  w.ensure(10);
  w.buf.writeUInt16LE(RDB_VERSION, w.pos);
  w.pos += 2;
  w.raw(new Crc64().update(w.buf, 0, w.pos).bytes());
  return Buffer.from(w.toBuffer());
}

/** The libraries' code in a FUNCTION RESTORE payload, or the error text. */
function payloadCodes(p: Buffer): string[] | string {
  const codes: string[] = [];
  const r = new RdbReader(p, 0, p.length);
  try {
    while (p.length - r.pos > 10) {
      const type = r.byte();
      if (type === 245) codes.push(r.string());
      else if (type === 246) {
        // The pre-7.0 GA format: name, engine, optional description, code.
        const name = r.string();
        const engine = r.string();
        if (r.len()) r.string();
        codes.push(`#!${engine} name=${name}\n${r.string()}`);
      } else return 'given type is not a function';
    }
  } catch {
    return 'failed loading the given functions payload';
  }
  return codes;
}

const HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

export const functionCommands: Family = {
  fcall: { run: (c, argv) => fcall(c, argv, false) },
  fcall_ro: { run: (c, argv) => fcall(c, argv, true) },
  function: {
    subcommands: {
      help: { run: () => helpReply('function', HELP) },
      load: {
        run: (c, argv) => {
          let replace = false;
          let i = 2;
          while (i < argv.length - 1) {
            const a = argv[i++];
            if (a.toLowerCase() === 'replace') {
              replace = true;
              continue;
            }
            err(`ERR Unknown option given: ${a}`);
          }
          if (i >= argv.length) err('ERR Function code is missing');
          const r = fns(c).create(argv[i], replace, (c.flags & (1 << 8)) /* Master */ !== 0 ? 0 : undefined);
          if (typeof r === 'string') err(`ERR ${r}`);
          c.server.dirty++;
          return r.name;
        },
      },
      delete: {
        run: (c, argv) => {
          if (!fns(c).delete(argv[2])) err('ERR Library not found');
          c.server.dirty++;
          return OK;
        },
      },
      list: {
        run: (c, argv) => {
          let withCode = false;
          let pattern: string | null = null;
          for (let i = 2; i < argv.length; i++) {
            const a = argv[i].toLowerCase();
            if (!withCode && a === 'withcode') {
              withCode = true;
              continue;
            }
            if (pattern === null && a === 'libraryname') {
              if (i >= argv.length - 1) err('ERR library name argument was not given');
              pattern = argv[++i];
              continue;
            }
            err(`ERR Unknown argument ${argv[i]}`);
          }
          const out: Reply[] = [];
          for (const lib of fns(c).libraries.values()) {
            if (pattern !== null && !globMatch(pattern, lib.name, true)) continue;
            const functions: Reply[] = [];
            for (const f of lib.functions.values()) {
              const flags: Reply[] = [];
              for (const [bit, name] of FLAG_NAMES) if ((f.flags & bit) !== 0) flags.push(new SimpleString(name));
              functions.push(new MapReply(['name', f.name, 'description', f.desc, 'flags', new SetReply(flags)]));
            }
            const entry: Reply[] = ['library_name', lib.name, 'engine', 'LUA', 'functions', functions];
            if (withCode) entry.push('library_code', lib.code);
            out.push(new MapReply(entry));
          }
          return out;
        },
      },
      dump: { run: (c) => dumpPayload(c, [...fns(c).libraries.values()].map((l) => l.code)) },
      restore: {
        run: (c, argv) => {
          if (argv.length > 4) err(subcommandSyntaxError(argv));
          let policy: 'append' | 'replace' | 'flush' = 'append';
          if (argv.length === 4) {
            const p = argv[3].toLowerCase();
            if (p !== 'append' && p !== 'replace' && p !== 'flush') {
              err('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
            }
            policy = p;
          }
          const payload = Buffer.from(argv[2], 'latin1');
          if (!verifyPayload(payload)) err('ERR DUMP payload version or checksum are wrong');
          const codes = payloadCodes(payload);
          if (typeof codes === 'string') err(`ERR ${codes}`);
          const e = fns(c).restore(codes, policy);
          if (e !== undefined) err(`ERR ${e}`);
          c.server.dirty++;
          return OK;
        },
      },
      flush: {
        run: (c, argv) => {
          if (argv.length > 3) err(subcommandSyntaxError(argv));
          if (argv.length === 3 && !/^(sync|async)$/i.test(argv[2])) err('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
          fns(c).flush();
          c.server.dirty++;
          return OK;
        },
      },
      kill: {
        // Functions run to their end before another command is read (see src/scripting/engine.ts).
        run: () => err('NOTBUSY No scripts in execution right now.'),
      },
      stats: {
        run: (c) => {
          const f = fns(c);
          return new MapReply([
            'running_script', null,
            'engines', new MapReply(['LUA', new MapReply(['libraries_count', f.libraries.size, 'functions_count', f.functions.size])]),
          ]);
        },
      },
    },
  },
};

