// DEBUG RELOAD and DEBUG LOADAOF, the persistence subcommands of DEBUG.
//
// DEBUG belongs to the server/config family (one handler switching on argv[1], as in Redis);
// its implementation calls `debugReload(c, argv)` and `debugLoadAof(c)` for these two
// subcommands. Until that DEBUG exists, `debugFallback` provides a minimal DEBUG (RELOAD,
// LOADAOF, SLEEP) that src/commands/index.ts registers only when no other family defines it.

import { err, OK, type Reply } from '../resp/reply.js';
import { persistence } from '../persistence/persistence.js';
import { parseDouble } from '../util/numbers.js';
import type { Client } from '../server/client.js';
import type { Family } from './command.js';
import { isToken } from './args.js';

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]. */
export function debugReload(c: Client, argv: string[]): Reply {
  const opts = { merge: false, noflush: false, nosave: false };
  for (let j = 2; j < argv.length; j++) {
    if (isToken(argv[j], 'MERGE')) opts.merge = true;
    else if (isToken(argv[j], 'NOFLUSH')) opts.noflush = true;
    else if (isToken(argv[j], 'NOSAVE')) opts.nosave = true;
    else err('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const e = persistence(c.server).debugReload(opts);
  if (e !== undefined) err(e);
  return OK;
}

/** DEBUG LOADAOF. */
export function debugLoadAof(c: Client): Reply {
  const e = persistence(c.server).debugLoadAof();
  if (e !== undefined) err(e);
  return OK;
}

export const debugFallback: Family = {
  debug: {
    run: (c, argv): Reply => {
      const sub = argv[1].toLowerCase();
      if (sub === 'reload') return debugReload(c, argv);
      if (sub === 'loadaof') return debugLoadAof(c);
      if (sub === 'sleep' && argv.length === 3) {
        const secs = parseDouble(argv[2]) ?? 0;
        const until = Date.now() + secs * 1000;
        while (Date.now() < until) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(1, until - Date.now()));
        }
        return OK;
      }
      return err(`ERR unknown subcommand '${argv[1]}'. Try DEBUG HELP.`);
    },
  },
};
