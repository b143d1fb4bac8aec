// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL/HELP, on the
// Lua engine in src/scripting/. (SCRIPT DEBUG, the Lua debugger, and FUNCTION/FCALL are absent.)
//
// A script declaring flags in a `#!lua flags=...` shebang changes the effective flags of its
// command (Redis's evalGetCommandFlags): a script that may write is refused when out of memory
// or when persistence is failing, before it runs, and CLIENT PAUSE WRITE holds it; one with
// `no-writes` is none of these. The engine installs those checks when it is created (at
// start-up, see main.ts).

import { Flag, type Command, type Family } from './command.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { err, Errors, OK, type Reply } from '../resp/reply.js';
import { parseInt64 } from '../util/numbers.js';
import { helpReply } from './help.js';
import { scriptCommandFlags, scriptEngine, sha1hex, shebangFlags, ScriptEngine, ScriptFlag } from '../scripting/engine.js';
import { luaLoaded } from '../scripting/lua.js';
import { evictor, OOM_ERROR } from '../engine/eviction.js';
import { persistence } from '../persistence/persistence.js';
import { bytesToHuman } from './info.js';
import { functionsOf } from '../scripting/functions.js';

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

function engine(server: Server): ScriptEngine {
  if (!luaLoaded()) err('ERR Lua scripting engine not loaded');
  return startScripting(server);
}

/** Creates the engine (once the Lua VM is loaded) and installs the script checks. */
export function startScripting(server: Server): ScriptEngine {
  return server.state('scripting-commands', () => {
    const e = scriptEngine(server);
    installScriptChecks(server, e);
    const info = server.info;
    info.field('memory', 'used_memory_lua', () => e.memory());
    info.field('memory', 'used_memory_vm_eval', () => e.memory());
    info.field('memory', 'used_memory_lua_human', () => bytesToHuman(e.memory()));
    info.field('memory', 'used_memory_scripts_eval', () => e.scriptsMemory);
    info.field('memory', 'number_of_cached_scripts', () => e.scripts.size);
    const f = functionsOf(server);
    info.field('memory', 'number_of_functions', () => f.functions.size);
    info.field('memory', 'number_of_libraries', () => f.libraries.size);
    info.field('memory', 'used_memory_vm_functions', () => f.engine.memory());
    info.field('memory', 'used_memory_vm_total', () => e.memory() + f.engine.memory());
    info.field('memory', 'used_memory_vm_total_human', () => bytesToHuman(e.memory() + f.engine.memory()));
    info.field('memory', 'used_memory_functions', () => f.memory());
    info.field('memory', 'used_memory_scripts', () => e.scriptsMemory + f.memory());
    info.field('memory', 'used_memory_scripts_human', () => bytesToHuman(e.scriptsMemory + f.memory()));
    return e;
  });
}

/** The declared flags of the script a script command names (compat mode when unknown). */
function declaredFlags(e: ScriptEngine, argv: string[]): number {
  if (argv.length < 2) return ScriptFlag.EvalCompat;
  const name = argv[0].toLowerCase();
  if (name.startsWith('fcall')) {
    // A function not found keeps the command's own flags.
    return functionsOf(e.server).functions.get(argv[1])?.flags ?? ScriptFlag.EvalCompat;
  }
  const evalsha = name.startsWith('evalsha');
  if (evalsha) {
    if (argv[1].length !== 40) return ScriptFlag.EvalCompat;
    return e.scripts.get(argv[1].toLowerCase())?.flags ?? ScriptFlag.EvalCompat;
  }
  const cached = e.scripts.get(sha1hex(argv[1]));
  if (cached !== undefined) return cached.flags;
  const parsed = shebangFlags(argv[1]);
  return typeof parsed === 'string' ? ScriptFlag.EvalCompat : parsed[0];
}

/** Installs the pre-execution checks and the CLIENT PAUSE rule for scripts with flags. */
export function installScriptChecks(server: Server, e: ScriptEngine): void {
  server.checks.push((c, cmd, argv) => {
    if (cmd.parent !== null || !SCRIPT_COMMANDS.has(cmd.name)) return undefined;
    const sflags = declaredFlags(e, argv);
    if ((sflags & ScriptFlag.EvalCompat) !== 0) return undefined;
    const flags = scriptCommandFlags(cmd.flags, sflags);
    if ((flags & Flag.DenyOom) !== 0 && (server.config.values.maxmemory as number) > 0 && evictor(server).preCommandOom) return OOM_ERROR;
    if ((flags & Flag.Write) !== 0 && (c.flags & (1 << 8)) /* ClientFlag.Master */ === 0) return persistence(server).writeDeniedReason();
    return undefined;
  });
  const commandFlags = server.commandFlags;
  server.commandFlags = (cmd, argv) =>
    cmd.parent === null && SCRIPT_COMMANDS.has(cmd.name) ? scriptCommandFlags(cmd.flags, declaredFlags(e, argv)) : commandFlags(cmd, argv);
  const pausesOnWrite = server.pausesOnWrite;
  server.pausesOnWrite = (c, cmd, argv) => {
    if (cmd.parent === null && SCRIPT_COMMANDS.has(cmd.name)) {
      const flags = scriptCommandFlags(cmd.flags, declaredFlags(e, argv));
      return (flags & (Flag.Write | Flag.MayReplicate)) !== 0;
    }
    return pausesOnWrite(c, cmd, argv);
  };
}

function evalGeneric(c: Client, argv: string[], evalsha: boolean): Reply {
  const server = c.server;
  const e = engine(server);
  // Script commands appear in MONITOR before the commands they run.
  if (server.feedMonitors !== null) server.feedMonitors(c, argv);
  const n = parseInt64(argv[2]);
  if (n === undefined) err(Errors.notInteger);
  if (n > argv.length - 3) err('ERR Number of keys can\'t be greater than number of args');
  if (n < 0) err('ERR Number of keys can\'t be negative');
  const numkeys = Number(n);
  let sha: string;
  if (evalsha) {
    if (argv[1].length !== 40) err(NOSCRIPT);
    sha = argv[1].toLowerCase();
    if (!e.scripts.has(sha)) err(NOSCRIPT);
  } else {
    sha = e.createFunction(argv[1]);
  }
  const cmd = c.lastCommand as Command;
  const ro = cmd.name.endsWith('_ro');
  const reply = e.runScript(c, cmd, argv, sha, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys), ro);
  // The script's effects propagate (the commands it ran), never the script itself.
  c.propagateAs = [];
  return reply;
}

const HELP = [
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

export const scripting: Family = {
  eval: { run: (c, argv) => evalGeneric(c, argv, false) },
  evalsha: { run: (c, argv) => evalGeneric(c, argv, true) },
  eval_ro: { run: (c, argv) => evalGeneric(c, argv, false) },
  evalsha_ro: { run: (c, argv) => evalGeneric(c, argv, true) },
  script: {
    subcommands: {
      help: { run: () => helpReply('script', HELP) },
      load: { run: (c, argv) => engine(c.server).createFunction(argv[2]) },
      exists: {
        run: (c, argv) => {
          const e = engine(c.server);
          const out: Reply[] = [];
          for (let j = 2; j < argv.length; j++) out.push(e.scripts.has(argv[j].toLowerCase()) ? 1 : 0);
          return out;
        },
      },
      flush: {
        run: (c, argv) => {
          if (argv.length > 3 || (argv.length === 3 && !/^(sync|async)$/i.test(argv[2]))) {
            err('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
          }
          engine(c.server).reset();
          return OK;
        },
      },
      kill: {
        // A script runs to its end before anything else is read: none is ever running when
        // another client's command arrives (see src/scripting/engine.ts).
        run: () => {
          err('NOTBUSY No scripts in execution right now.');
        },
      },
    },
  },
};

