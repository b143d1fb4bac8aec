// A client: connection state (database, protocol, name, flags, transaction, subscriptions…)
// and, for network clients, its socket with the request parser and the output buffer.
// Internal callers (scripts, AOF loading, the embedded API) use clients without a socket.

import type net from 'node:net';
import { RequestParser } from '../resp/parser.js';
import type { Database } from '../engine/database.js';
import type { Command } from '../commands/command.js';
import type { Server } from './server.js';
import { queuedBytes } from './socket-io.js';

export const enum ClientFlag {
  CloseAfterReply = 1 << 0,
  /** Closed (or being closed): nothing more is read or written. */
  Closed = 1 << 1,
  Multi = 1 << 2,
  /** A watched key changed: EXEC will fail. */
  DirtyCas = 1 << 3,
  /** A command failed to queue: EXEC will abort. */
  DirtyExec = 1 << 4,
  Blocked = 1 << 5,
  Monitor = 1 << 6,
  Replica = 1 << 7,
  Master = 1 << 8,
  PubSub = 1 << 9,
  Tracking = 1 << 10,
  NoEvict = 1 << 11,
  NoTouch = 1 << 12,
  ReadOnly = 1 << 13,
  /** Waiting for CLIENT UNPAUSE before running its next command. */
  Paused = 1 << 14,
  /** Being served by the dispatcher right now (no socket writes until it returns). */
  InCall = 1 << 15,
  /** Internal: Lua, AOF loading, embedded API. */
  Internal = 1 << 16,
  /** Protocol error: close after the error reply. */
  ProtocolError = 1 << 17,
  /** Running inside EXEC or a script: blocking commands behave as non-blocking. */
  DenyBlocking = 1 << 18,
  /** Over its output buffer limits: closed without its pending output, nothing more is run. */
  CloseAsap = 1 << 19,
  /** The reply-mode bookkeeping after a command waits until the blocked command has replied. */
  AfterCommandPending = 1 << 20,
  /** The client scripts and functions run their commands as (Redis's CLIENT_SCRIPT). */
  Script = 1 << 21,
  /**
   * A flush of the output is due: the client is in the server's flush queue, or its input is
   * being run and the reading callback flushes the replies when it is done.
   */
  FlushDue = 1 << 22,
}

export const enum ReplyMode {
  On,
  Off,
  /** Skip the reply of the next command only. */
  SkipNext,
  /** Skipping the reply of the current command. */
  Skip,
}

export class Client {
  flags = 0;
  db: Database;
  resp = 2;
  name = '';
  libName = '';
  libVersion = '';
  authenticated: boolean;
  user = 'default';
  readonly createdAt: number;
  lastInteraction: number;
  lastCommand: Command | null = null;
  /** The request being run, for CLIENT LIST's cmd field and the slowlog. */
  argv: string[] | null = null;
  replyMode = ReplyMode.On;

  // Network side.
  readonly parser = new RequestParser();
  /** Encoded replies not yet handed to the socket. */
  out = '';
  /** A parsed request waiting to run (while blocked or paused). */
  pending: string[] | null = null;
  addr = '';
  laddr = '';
  fd = -1;
  /** When output first exceeded the soft limit (in whole seconds, as Redis counts), 0 when under it. */
  softLimitSince = 0;

  /** Per-family state, created on demand by the families that need it. */
  readonly ext: Record<string, unknown> = Object.create(null);
  /**
   * What the running command propagates instead of its argv (AOF, replicas): its deterministic
   * form (EXPIRE as PEXPIREAT, SPOP as SREM…). Cleared after each command.
   */
  propagateAs: string[][] | undefined = undefined;

  constructor(
    readonly server: Server,
    readonly id: number,
    readonly socket: net.Socket | null,
  ) {
    this.db = server.dbs[0];
    this.authenticated = !server.requiresAuth();
    this.createdAt = server.now;
    this.lastInteraction = server.now;
    if (socket) {
      this.addr = `${socket.remoteAddress}:${socket.remotePort}`;
      this.laddr = `${socket.localAddress}:${socket.localPort}`;
      this.fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    } else {
      this.flags |= ClientFlag.Internal;
    }
  }

  has(flag: ClientFlag): boolean {
    return (this.flags & flag) !== 0;
  }

  /**
   * Queues encoded reply text for the socket (flushed once per event-loop turn). Nothing is
   * queued under CLIENT REPLY OFF/SKIP, once the client is over its output buffer limits, or
   * for a replication link (see Server.linkOutput).
   */
  write(text: string): void {
    if (this.socket === null || (this.flags & (ClientFlag.Closed | ClientFlag.CloseAsap | ClientFlag.Replica | ClientFlag.Master)) !== 0 || text.length === 0) {
      // Replication links get no replies: what a command produced for one goes to replication.
      if ((this.flags & (ClientFlag.Closed | ClientFlag.CloseAsap)) === 0 && (this.flags & (ClientFlag.Replica | ClientFlag.Master)) !== 0 &&
        this.socket !== null && text.length !== 0) this.server.linkOutput(this, text);
      return;
    }
    if (this.replyMode === ReplyMode.Off || this.replyMode === ReplyMode.Skip) return;
    if ((this.flags & ClientFlag.FlushDue) === 0) this.server.scheduleFlush(this);
    this.out += text;
    if (this.out.length > this.server.outputCheckFrom) this.server.outputGrew(this);
  }

  /** Queues an out-of-band push (pub/sub message, invalidation): sent even under CLIENT REPLY OFF. */
  writePush(text: string): void {
    if (this.socket === null || (this.flags & (ClientFlag.Closed | ClientFlag.CloseAsap)) !== 0 || text.length === 0) return;
    if ((this.flags & ClientFlag.FlushDue) === 0) this.server.scheduleFlush(this);
    this.out += text;
    if (this.out.length > this.server.outputCheckFrom) this.server.outputGrew(this);
  }

  /** Output bytes waiting: ours and the socket's. */
  outputLength(): number {
    return this.out.length + (this.socket !== null ? queuedBytes(this.socket) : 0);
  }

  selectDb(index: number): void {
    this.db = this.server.dbs[index];
  }
}
