// DEBUG RELOAD and DEBUG LOADAOF, the persistence subcommands of DEBUG.
//
// DEBUG belongs to the server/config family; persistence adds these two subcommands to it
// (addDebugSubcommand, in setupPersistence).

import { err, OK, type Reply } from '../resp/reply.js';
import { persistence } from '../persistence/persistence.js';
import type { Client } from '../server/client.js';
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
