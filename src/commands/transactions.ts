// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// Inside MULTI the dispatcher queues commands (Server.queueMulti) after its pre-checks; a
// command rejected while queueing marks the transaction DirtyExec, so that EXEC aborts it.
// EXEC runs the queued commands through `call` with blocking denied, writing its reply array
// element by element as Redis does (so that out-of-band messages a command sends to its own
// client land where Redis puts them), and propagates the writes as one MULTI … EXEC unit.
//
// WATCH is optimistic locking: every change to a watched key (from the post-write path, which
// covers writes, expiry and eviction) and every flush or swap of its database marks the
// watching clients DirtyCas, and their EXEC then replies with a null array. A key that was
// already logically expired when watched counts as missing: its deletion is no change, and
// only an expiry that happens after WATCH fails the transaction (as in Redis 7.0).

import { Flag, type Command, type Family } from './command.js';
import { call } from '../engine/dispatch.js';
import { ClientFlag, type Client } from '../server/client.js';
import { err, Errors, NIL_ARRAY, NO_REPLY, OK, type Reply } from '../resp/reply.js';
import { encodeReply } from '../resp/encoder.js';
import type { Database } from '../engine/database.js';
import type { Server } from '../server/server.js';
import { clientReport } from '../server/client-info.js';

interface Queued {
  cmd: Command;
  argv: string[];
}

/** A client's open transaction. */
interface MultiState {
  commands: Queued[];
  /** The union of the queued commands' flags (EXEC's effective flags for pre-checks). */
  flags: number;
  /** The union of their inverted flags (a flag some queued command lacks: Redis's cmd_inv_flags). */
  invFlags: number;
}

/** One key watched by one client. */
interface WatchedKey {
  key: string;
  db: Database;
  client: Client;
  /** The key was logically expired (but still stored) when WATCH ran. */
  expired: boolean;
}

type Watchers = Map<string, Set<WatchedKey>>;

function multiOf(c: Client): MultiState | undefined {
  return c.ext.multi as MultiState | undefined;
}

function watchedOf(c: Client): WatchedKey[] | undefined {
  return c.ext.watched as WatchedKey[] | undefined;
}

/**
 * The server side of transactions, created when MULTI or WATCH first runs: it installs the
 * queueing hook, the WATCH listener on the post-write path and the flush/swap listeners.
 */
class Transactions {
  /** Keys watched by all clients together: the write path returns at once while it is 0. */
  watching = 0;

  constructor(server: Server) {
    server.queueMulti = (c, cmd, argv) => this.queue(c, cmd, argv);
    server.discardTransaction = (c) => this.discard(c);
    server.keyListeners.push((db, key) => {
      if (this.watching !== 0) this.touch(db, key);
    });
    // FLUSHDB/FLUSHALL (replacedWith null) and SWAPDB (once for each of the two databases).
    server.dbListeners.push((db, replacedWith) => {
      if (this.watching !== 0) this.touchAll(db, replacedWith);
    });
    server.closeHooks.push((c) => {
      if (c.ext.multi !== undefined || c.ext.watched !== undefined) this.discard(c);
    });
    server.resetHooks.push((c) => this.discard(c));
    const report = clientReport(server);
    report.multi = queuedCount;
    report.multiMem = multiMemory;
    // CLIENT PAUSE WRITE holds an EXEC whose transaction writes, as it holds a write.
    const pausesOnWrite = server.pausesOnWrite;
    server.pausesOnWrite = (c, cmd, argv) =>
      pausesOnWrite(c, cmd, argv) ||
      (cmd.name === 'exec' && cmd.parent === null && (transactionFlags(c) & (Flag.Write | Flag.MayReplicate)) !== 0);
  }

  queue(c: Client, cmd: Command, argv: string[]): void {
    // A transaction that will fail anyway keeps nothing.
    if ((c.flags & (ClientFlag.DirtyCas | ClientFlag.DirtyExec)) !== 0) return;
    let m = multiOf(c);
    if (m === undefined) {
      m = { commands: [], flags: 0, invFlags: 0 };
      c.ext.multi = m;
    }
    m.commands.push({ cmd, argv });
    const flags = c.server.commandFlags(cmd, argv);
    m.flags |= flags;
    m.invFlags |= ~flags;
  }

  /** Leaves MULTI (if in it), forgets the queue and every watched key. */
  discard(c: Client): void {
    c.ext.multi = undefined;
    c.flags &= ~(ClientFlag.Multi | ClientFlag.DirtyCas | ClientFlag.DirtyExec);
    this.unwatchAll(c);
  }

  watch(c: Client, key: string): void {
    let list = watchedOf(c);
    if (list === undefined) {
      list = [];
      c.ext.watched = list;
    }
    const db = c.db;
    for (let i = 0; i < list.length; i++) if (list[i].db === db && list[i].key === key) return;
    const watchers = (db.watchers ??= new Map()) as Watchers;
    let set = watchers.get(key);
    if (set === undefined) {
      set = new Set();
      watchers.set(key, set);
    }
    const wk: WatchedKey = { key, db, client: c, expired: db.isExpired(key) };
    list.push(wk);
    set.add(wk);
    this.watching++;
  }

  unwatchAll(c: Client): void {
    const list = watchedOf(c);
    if (list === undefined) return;
    c.ext.watched = undefined;
    for (const wk of list) {
      const watchers = wk.db.watchers as Watchers;
      const set = watchers.get(wk.key);
      if (set === undefined) continue;
      set.delete(wk);
      if (set.size === 0) watchers.delete(wk.key);
      this.watching--;
    }
  }

  /** Whether a key watched while alive has logically expired since (EXEC then fails). */
  watchedKeyExpired(c: Client): boolean {
    const list = watchedOf(c);
    if (list === undefined) return false;
    for (const wk of list) {
      if (!wk.expired && wk.db.isExpired(wk.key)) return true;
    }
    return false;
  }

  /** A key changed: its watchers' transactions fail. */
  private touch(db: Database, key: string): void {
    const watchers = db.watchers as Watchers | null;
    if (watchers === null || watchers.size === 0) return;
    const set = watchers.get(key);
    if (set === undefined) return;
    for (const wk of [...set]) {
      if (wk.expired) {
        // Watched while already expired: its deletion is no logical change. (Redis 7.0 stops
        // looking at further watchers of the key when the key is still there.)
        if (db.keys.get(key) === undefined) {
          wk.expired = false;
          continue;
        }
        break;
      }
      const c = wk.client;
      c.flags |= ClientFlag.DirtyCas;
      // A dirty transaction fails whatever happens next: stop watching right away.
      this.unwatchAll(c);
    }
  }

  /**
   * A database is emptied (`replacedWith` null) or swapped with another: watched keys that exist
   * in either one are touched, except where a missing or expired key stays that way.
   */
  private touchAll(emptied: Database, replacedWith: Database | null): void {
    const watchers = emptied.watchers as Watchers | null;
    if (watchers === null || watchers.size === 0) return;
    for (const [key, set] of watchers) {
      const existsInEmptied = emptied.keys.get(key) !== undefined;
      const existsInReplacement = replacedWith !== null && replacedWith.keys.get(key) !== undefined;
      if (!existsInEmptied && !existsInReplacement) continue;
      for (const wk of set) {
        if (wk.expired) {
          if (!existsInReplacement) {
            wk.expired = false;
            continue;
          } else if (replacedWith!.isExpired(key)) {
            continue;
          }
        } else if (!existsInEmptied && replacedWith!.isExpired(key)) {
          wk.expired = true;
          continue;
        }
        wk.client.flags |= ClientFlag.DirtyCas;
      }
    }
  }
}

function transactions(server: Server): Transactions {
  return server.state('transactions', () => new Transactions(server));
}

/**
 * The union of the flags of a client's queued commands (0 outside MULTI): pre-execution checks
 * on EXEC (out of memory, read-only replica, CLIENT PAUSE WRITE) judge EXEC by them, as Redis
 * does.
 */
export function transactionFlags(c: Client): number {
  return multiOf(c)?.flags ?? 0;
}

/** The flags some queued command lacks (a stale replica refuses EXEC if one isn't `stale`). */
export function transactionInvFlags(c: Client): number {
  return multiOf(c)?.invFlags ?? 0;
}

/** Commands queued by a client in MULTI (CLIENT LIST's multi=), -1 when not in MULTI. */
export function queuedCount(c: Client): number {
  if ((c.flags & ClientFlag.Multi) === 0) return -1;
  return multiOf(c)?.commands.length ?? 0;
}

/**
 * Memory a client's transaction state takes, as Redis estimates it (CLIENT LIST's multi-mem):
 * the queued arguments with their pointers, the queue's slots (grown by doubling from 2) and
 * the watched-key entries.
 */
function multiMemory(c: Client): number {
  let mem = (watchedOf(c)?.length ?? 0) * (24 + 32);
  const queued = multiOf(c)?.commands;
  if (queued !== undefined && queued.length !== 0) {
    let slots = 2;
    while (slots < queued.length) slots *= 2;
    mem += slots * 24;
    for (const q of queued) {
      mem += 8 * q.argv.length;
      for (const a of q.argv) mem += a.length;
    }
  }
  return mem;
}

function exec(c: Client): Reply {
  if ((c.flags & ClientFlag.Multi) === 0) err('ERR EXEC without MULTI');
  const server = c.server;
  const t = transactions(server);
  if (t.watchedKeyExpired(c)) c.flags |= ClientFlag.DirtyCas;
  if ((c.flags & (ClientFlag.DirtyCas | ClientFlag.DirtyExec)) !== 0) {
    const aborted = (c.flags & ClientFlag.DirtyExec) !== 0;
    t.discard(c);
    if (aborted) err(Errors.execAbort);
    return NIL_ARRAY;
  }
  const queued = multiOf(c)?.commands ?? [];
  const denied = (c.flags & ClientFlag.DenyBlocking) !== 0;
  c.flags |= ClientFlag.DenyBlocking;
  // Our own writes must not fail our own transaction.
  t.unwatchAll(c);
  // Replies go out one by one as the commands run (Redis's order for anything else a command
  // sends its own client); a client without a connection gets them as an array.
  const collected: Reply[] | null = c.socket === null ? [] : null;
  if (collected === null) c.write('*' + queued.length + '\r\n');
  try {
    for (const q of queued) {
      const reply = call(c, q.cmd, q.argv);
      if (collected !== null) collected.push(reply);
      else if (reply !== NO_REPLY) c.write(encodeReply(reply, c.resp));
    }
  } finally {
    if (!denied) c.flags &= ~ClientFlag.DenyBlocking;
    t.discard(c);
  }
  return collected ?? NO_REPLY;
}

export const transactionCommands: Family = {
  multi: {
    run: (c) => {
      if ((c.flags & ClientFlag.Multi) !== 0) err('ERR MULTI calls can not be nested');
      transactions(c.server);
      c.flags |= ClientFlag.Multi;
      return OK;
    },
  },
  exec: { run: exec },
  discard: {
    run: (c) => {
      if ((c.flags & ClientFlag.Multi) === 0) err('ERR DISCARD without MULTI');
      transactions(c.server).discard(c);
      return OK;
    },
  },
  watch: {
    run: (c, argv) => {
      if ((c.flags & ClientFlag.Multi) !== 0) err('ERR WATCH inside MULTI is not allowed');
      // No point in watching more for a transaction that already failed.
      if ((c.flags & ClientFlag.DirtyCas) !== 0) return OK;
      const t = transactions(c.server);
      for (let i = 1; i < argv.length; i++) t.watch(c, argv[i]);
      return OK;
    },
  },
  unwatch: {
    run: (c) => {
      if (c.ext.watched !== undefined) transactions(c.server).unwatchAll(c);
      c.flags &= ~ClientFlag.DirtyCas;
      return OK;
    },
  },
};
