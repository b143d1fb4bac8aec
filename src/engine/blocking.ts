// Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK…), generic over what they wait for.
//
// A blocking command that finds nothing to do calls `block` with the keys it waits on and a
// `tryServe` callback, and returns NO_REPLY. Every write goes through the post-write path,
// which marks watched keys ready; after the command that made them ready completes (and after
// EXEC or a script as a whole), `serveBlockedClients` offers each ready key to the clients
// blocked on it, first come first served, until one of them declines (returns undefined).

import { err, ErrorReply, NO_REPLY, type Reply } from '../resp/reply.js';
import { parseDouble, parseInt64 } from '../util/numbers.js';
import { ClientFlag, type Client } from '../server/client.js';
import { encodeReply } from '../resp/encoder.js';
import type { Database } from './database.js';
import type { Server } from '../server/server.js';

export interface BlockSpec {
  /** Keys (in the client's database) whose changes may serve this client. */
  keys: string[];
  /** Absolute deadline in ms since the epoch; 0 waits forever. */
  deadline: number;
  /**
   * Called when `key` changed: serves the client if possible and returns its reply, or
   * undefined to keep waiting. It runs as the blocked client (c.db is its database); it must do
   * its own post-write work (wrote/propagate) like a command.
   */
  tryServe: (key: string) => Reply | undefined;
  /** The reply when the deadline passes or CLIENT UNBLOCK … TIMEOUT. */
  timeoutReply: Reply;
}

interface Blocked {
  client: Client;
  db: Database;
  spec: BlockSpec;
  timer: NodeJS.Timeout | null;
}

export class Blocking {
  /** Per database: key -> blocked clients in arrival order. */
  private readonly waiting = new Map<Database, Map<string, Blocked[]>>();
  private readonly byClient = new Map<Client, Blocked>();
  /** Ready keys per database, in the order they became ready. */
  private readonly ready = new Map<Database, Set<string>>();

  constructor(private readonly server: Server) {
    server.serveBlockedClients = () => this.serveReady();
    server.keyListeners.push((db, key) => this.signal(db, key));
    server.dbListeners.push((db, replacedWith) => this.signalDb(db, replacedWith));
    server.closeHooks.push((c) => this.remove(c));
  }

  /** Blocked clients (INFO blocked_clients), counting those held by CLIENT PAUSE as Redis does. */
  get blockedCount(): number {
    return this.byClient.size + this.server.pausedClients.size;
  }

  /** Number of distinct keys clients are blocked on (INFO total_blocking_keys). */
  get blockingKeyCount(): number {
    let n = 0;
    for (const m of this.waiting.values()) n += m.size;
    return n;
  }

  isBlocked(c: Client): boolean {
    return this.byClient.has(c);
  }

  /** Blocks the client; the handler then returns NO_REPLY. */
  block(c: Client, spec: BlockSpec): Reply {
    const entry: Blocked = { client: c, db: c.db, spec, timer: null };
    let perDb = this.waiting.get(c.db);
    if (perDb === undefined) {
      perDb = new Map();
      this.waiting.set(c.db, perDb);
    }
    for (const key of new Set(spec.keys)) {
      const list = perDb.get(key);
      if (list) list.push(entry);
      else perDb.set(key, [entry]);
    }
    this.byClient.set(c, entry);
    c.flags |= ClientFlag.Blocked;
    if (spec.deadline > 0) {
      const delay = Math.max(0, spec.deadline - Date.now());
      entry.timer = setTimeout(() => this.unblock(c, spec.timeoutReply), delay);
    }
    return NO_REPLY;
  }

  /** A key changed: if clients wait on it, serve them after the current command. */
  private signal(db: Database, key: string): void {
    const perDb = this.waiting.get(db);
    if (perDb === undefined || !perDb.has(key)) return;
    let keys = this.ready.get(db);
    if (keys === undefined) {
      keys = new Set();
      this.ready.set(db, keys);
    }
    keys.add(key);
    this.server.readyKeys.add(key);
  }

  /**
   * A database is about to be flushed or swapped: the keys clients wait on in it that exist
   * before or after become ready (they are offered after the command, once the change is done).
   */
  private signalDb(db: Database, replacedWith: Database | null): void {
    const perDb = this.waiting.get(db);
    if (perDb === undefined) return;
    for (const key of perDb.keys()) {
      if (db.keys.has(key) || (replacedWith !== null && replacedWith.keys.has(key))) this.signal(db, key);
    }
  }

  /** Offers each ready key to the clients blocked on it, until none is left to serve. */
  private serveReady(): void {
    const server = this.server;
    while (this.ready.size !== 0) {
      const batch = [...this.ready];
      this.ready.clear();
      server.readyKeys.clear();
      for (const [db, keys] of batch) {
        for (const key of keys) this.serveKey(db, key);
      }
    }
    server.readyKeys.clear();
  }

  private serveKey(db: Database, key: string): void {
    const list = this.waiting.get(db)?.get(key);
    if (list === undefined) return;
    for (const entry of [...list]) {
      if (!this.byClient.has(entry.client)) continue;
      const c = entry.client;
      const server = this.server;
      const savedDb = c.db;
      // Served as if it were running its command (Redis sets current_client to the receiver):
      // what its own write causes it to receive (invalidations) follows its reply.
      const savedCurrent = server.currentClient;
      server.currentClient = c;
      server.callDepth++;
      c.db = entry.db;
      let reply: Reply | undefined;
      try {
        reply = entry.spec.tryServe(key);
      } finally {
        c.db = savedDb;
        server.callDepth--;
      }
      if (reply !== undefined) this.unblock(c, reply);
      if (server.afterReplyHooks.length !== 0) server.afterReply(c);
      server.currentClient = savedCurrent;
    }
  }

  /** Ends a client's block with `reply` and lets it read its next request. */
  unblock(c: Client, reply: Reply): boolean {
    const entry = this.byClient.get(c);
    if (entry === undefined) return false;
    this.remove(c);
    if (reply instanceof ErrorReply) this.server.countError(reply);
    c.write(encodeReply(reply, c.resp));
    const hooks = this.server.unblockHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i](c, reply === entry.spec.timeoutReply);
    this.server.resume(c);
    return true;
  }

  /** CLIENT UNBLOCK: ends a block as its timeout would, or with `error`. */
  unblockWithTimeout(c: Client, error?: ErrorReply): boolean {
    const entry = this.byClient.get(c);
    if (entry === undefined) return false;
    return this.unblock(c, error ?? entry.spec.timeoutReply);
  }

  /** Forgets a client's block (disconnects, unblocking). */
  private remove(c: Client): void {
    const entry = this.byClient.get(c);
    if (entry === undefined) return;
    this.byClient.delete(c);
    c.flags &= ~ClientFlag.Blocked;
    if (entry.timer) clearTimeout(entry.timer);
    const perDb = this.waiting.get(entry.db);
    if (perDb === undefined) return;
    for (const key of new Set(entry.spec.keys)) {
      const list = perDb.get(key);
      if (!list) continue;
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) perDb.delete(key);
    }
    if (perDb.size === 0) this.waiting.delete(entry.db);
  }
}

/** The server's blocking machinery, created on first use. */
export function blocking(server: Server): Blocking {
  return server.state('blocking', () => new Blocking(server));
}

/** Whether the client may block now (not inside EXEC or a script, which deny blocking). */
export function canBlock(c: Client): boolean {
  return (c.flags & ClientFlag.DenyBlocking) === 0;
}

/**
 * A blocking timeout argument as an absolute deadline in ms (0 = forever), with Redis's
 * errors: seconds with fractions (BLPOP…), or whole milliseconds (XREAD BLOCK).
 */
export function timeoutArg(c: Client, text: string, unit: 'seconds' | 'milliseconds' = 'seconds'): number {
  let ms: number;
  if (unit === 'seconds') {
    const v = parseDouble(text);
    if (v === undefined || !Number.isFinite(v)) err('ERR timeout is not a float or out of range');
    ms = Math.ceil(v * 1000);
  } else {
    const v = parseInt64(text);
    if (v === undefined) err('ERR timeout is not an integer or out of range');
    ms = Number(v);
  }
  if (ms < 0) err('ERR timeout is negative');
  return ms > 0 ? Date.now() + ms : 0;
}
