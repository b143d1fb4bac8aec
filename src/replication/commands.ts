// Replication commands: SYNC, PSYNC, REPLCONF, REPLICAOF/SLAVEOF, ROLE, WAIT (the machinery is
// in replication.ts).

import type { Family } from '../commands/command.js';
import { isToken } from '../commands/args.js';
import { canBlock, timeoutArg } from '../engine/blocking.js';
import { ClientFlag, type Client } from '../server/client.js';
import { clientInfoString } from '../server/client-info.js';
import { err, Errors, OK, SimpleString, type Reply } from '../resp/reply.js';
import { parseInt64 } from '../util/numbers.js';
import { replication } from './replication.js';

function replicaof(c: Client, argv: string[]): Reply {
  const server = c.server;
  const r = replication(server);
  if (isToken(argv[1], 'NO') && isToken(argv[2], 'ONE')) {
    if (r.masterHost !== null) {
      r.unsetMaster();
      server.log('notice', `MASTER MODE enabled (user request from '${clientInfoString(c)}')`);
    }
    return OK;
  }
  // It would flush every replica, this connection included.
  if ((c.flags & ClientFlag.Replica) !== 0) err('ERR Command is not valid when client is a replica.');
  const port = parseInt64(argv[2]);
  if (port === undefined || port < 0 || port > 65535) err('ERR Invalid master port');
  const host = argv[1];
  if (r.masterHost !== null && r.masterHost.toLowerCase() === host.toLowerCase() && r.masterPort === Number(port)) {
    server.log('notice', 'REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    return new SimpleString('OK Already connected to specified master');
  }
  r.setMaster(host, Number(port));
  server.log('notice', `REPLICAOF ${host}:${port} enabled (user request from '${clientInfoString(c)}')`);
  return OK;
}

function wait(c: Client, argv: string[]): Reply {
  const r = replication(c.server);
  if (r.masterHost !== null) {
    err('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
  }
  const n = parseInt64(argv[1]);
  if (n === undefined) err(Errors.notInteger);
  const deadline = timeoutArg(argv[2], 'milliseconds');
  return r.wait(c, Number(n), deadline, canBlock(c));
}

export const replicationCommands: Family = {
  sync: { run: (c, argv) => replication(c.server).sync(c, argv) },
  psync: { run: (c, argv) => replication(c.server).sync(c, argv) },
  replconf: { run: (c, argv) => replication(c.server).replconf(c, argv) },
  replicaof: { run: replicaof },
  slaveof: { run: replicaof },
  role: { run: (c) => replication(c.server).role() },
  wait: { run: wait },
};
