// Persistence commands: SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF (the machinery is in
// src/persistence).

import { err, Errors, OK, SimpleString, type Reply } from '../resp/reply.js';
import { persistence } from '../persistence/persistence.js';
import type { Client } from '../server/client.js';
import type { Family } from './command.js';
import { isToken } from './args.js';

/** Inside EXEC (a nested call): background work is scheduled rather than started. */
function inExec(c: Client): boolean {
  return c.server.callDepth > 1;
}

function save(c: Client): Reply {
  const p = persistence(c.server);
  if (p.job !== null && p.job.kind === 'rdb') err('ERR Background save already in progress');
  p.rdbSaves++;
  if (!p.save()) err('ERR');
  return OK;
}

function bgsave(c: Client, argv: string[]): Reply {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && isToken(argv[1], 'SCHEDULE')) schedule = true;
    else err(Errors.syntax);
  }
  const p = persistence(c.server);
  if (p.job !== null && p.job.kind === 'rdb') err('ERR Background save already in progress');
  if (p.job !== null || inExec(c)) {
    if (schedule || inExec(c)) {
      p.bgsaveScheduled = true;
      return new SimpleString('Background saving scheduled');
    }
    err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
  }
  if (!p.bgsave()) err('ERR');
  return new SimpleString('Background saving started');
}

function bgrewriteaof(c: Client): Reply {
  const p = persistence(c.server);
  if (p.job !== null && p.job.kind === 'aof') err('ERR Background append only file rewriting already in progress');
  if (p.job !== null || inExec(c)) {
    p.aof.rewriteScheduled = true;
    p.aof.consecutiveFailures = 0;
    return new SimpleString('Background append only file rewriting scheduled');
  }
  if (!p.aof.startRewrite()) err("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  return new SimpleString('Background append only file rewriting started');
}

export const persistenceCommands: Family = {
  save: { run: save },
  bgsave: { run: bgsave },
  lastsave: { run: (c) => persistence(c.server).lastSave },
  bgrewriteaof: { run: bgrewriteaof },
};
