// MONITOR: streams every command the server runs to the monitoring clients, one line each:
//
//   +1700000000.123456 [0 127.0.0.1:50000] "set" "key" "value"
//
// As in Redis 7.0, a command is fed after it ran (through `call`, so EXEC's commands appear
// between MULTI and EXEC, and a script's commands with `lua` as the address), rejected commands
// are not fed (except EXEC, whose rejection closes the transaction), and neither are admin
// commands or those flagged skip_monitor. Passwords (AUTH, HELLO … AUTH…) show as "(redacted)":
// their handlers redact argv as they parse it. A monitoring client is treated like a replica: it can't touch the
// keyspace any more, and a second MONITOR is ignored.

import { Flag, type Command, type Family } from './command.js';
import { ClientFlag, type Client } from '../server/client.js';
import { err, NO_REPLY, OK } from '../resp/reply.js';
import { transactionFlags } from './transactions.js';
import type { Server } from '../server/server.js';
import { repr } from '../util/repr.js';

class Monitors {
  readonly clients = new Set<Client>();
  private readonly feed = (c: Client, argv: string[]): void => this.send(c, argv);
  /** While monitors exist, they can't touch the keyspace (they are replicas to Redis). */
  private readonly keyspaceCheck = (c: Client, cmd: Command): string | undefined => {
    if ((c.flags & ClientFlag.Monitor) === 0) return undefined;
    const flags = cmd.flags | (cmd.name === 'exec' ? transactionFlags(c) : 0);
    if ((flags & (Flag.Write | Flag.ReadOnly | Flag.MayReplicate)) !== 0) return "ERR Replica can't interact with the keyspace";
    return undefined;
  };

  /** Lines for a monitor about its own request: they follow its reply, as in Redis. */
  private ownLines = '';

  constructor(private readonly server: Server) {
    server.closeHooks.push((c) => this.remove(c));
    server.resetHooks.push((c) => this.remove(c));
    server.afterReplyHooks.push((c) => {
      if (this.ownLines === '') return;
      const lines = this.ownLines;
      this.ownLines = '';
      // Nothing more reaches a client that is closing (its own QUIT).
      if ((c.flags & ClientFlag.CloseAfterReply) === 0) c.write(lines);
    });
  }

  add(c: Client): void {
    c.flags |= ClientFlag.Monitor;
    this.clients.add(c);
    if (this.clients.size === 1) {
      this.server.feedMonitors = this.feed;
      this.server.checks.push(this.keyspaceCheck);
    }
  }

  remove(c: Client): void {
    if (!this.clients.delete(c)) return;
    c.flags &= ~ClientFlag.Monitor;
    if (this.clients.size === 0) {
      this.server.feedMonitors = null;
      const i = this.server.checks.indexOf(this.keyspaceCheck);
      if (i >= 0) this.server.checks.splice(i, 1);
    }
  }

  private send(c: Client, argv: string[]): void {
    const t = performance.timeOrigin + performance.now();
    const sec = Math.floor(t / 1000);
    const usec = Math.min(999999, Math.floor((t - sec * 1000) * 1000));
    let line = '+' + sec + '.' + String(usec).padStart(6, '0') + ' [' + c.db.id + ' ' + source(c) + '] ';
    // Handlers have already replaced passwords in argv by "(redacted)" (see redactArgument).
    for (let i = 0; i < argv.length; i++) {
      if (i > 0) line += ' ';
      line += repr(argv[i]);
    }
    line += '\r\n';
    const current = this.server.currentClient;
    for (const m of this.clients) {
      if (m === current) this.ownLines += line;
      else m.write(line);
    }
  }
}

/** Where a command came from, as MONITOR shows it. */
function source(c: Client): string {
  if ((c.flags & ClientFlag.Internal) !== 0) return 'lua';
  const s = c.socket;
  if (s !== null && s.remoteAddress === undefined) return 'unix:' + (c.server.config.values.unixsocket ?? '');
  return c.addr;
}

function monitors(server: Server): Monitors {
  return server.state('monitor', () => new Monitors(server));
}

export const monitorCommands: Family = {
  monitor: {
    run: (c) => {
      if ((c.flags & ClientFlag.DenyBlocking) !== 0) err("ERR MONITOR isn't allowed for DENY BLOCKING client");
      // Already a monitor (or a replica): ignored, without a reply.
      if ((c.flags & (ClientFlag.Monitor | ClientFlag.Replica)) !== 0) return NO_REPLY;
      monitors(c.server).add(c);
      return OK;
    },
  },
};
