// Client-side caching (CLIENT TRACKING): the server remembers which clients read which keys
// and tells them when those keys change, so they can drop their cached copies.
//
// Default mode: after a read-only command, a tracking client's keys (found with the command's
// key specs) go into the tracking table, key -> client ids. A change to a key (the post-write
// path: writes, expiry, eviction) sends each of those clients one invalidation and forgets the
// key. The table is global (not per database) and bounded by tracking-table-max-keys: beyond
// it, keys are invalidated until it fits again, with growing effort while it doesn't.
// BCAST mode: nothing is remembered per client; every changed key matching a prefix a client
// registered is collected, and once per event-loop turn each such client gets the keys of its
// prefixes in one message. FLUSHDB/FLUSHALL send every tracking client a null invalidation.
//
// Messages are RESP3 push replies (`invalidate`, array of keys or null), or, for a client that
// redirects to a RESP2 connection in subscribed mode, a message on `__redis__:invalidate`.
// Invalidations caused by a client's own command reach it after that command's reply (after
// the whole transaction for EXEC); NOLOOP skips them altogether.

import { Flag, type Command } from '../commands/command.js';
import { ClientFlag, type Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { clientReport } from '../server/client-info.js';
import { encodeBulk } from '../resp/encoder.js';

/** A client's tracking options (present while tracking is on, and its prefixes while BCAST). */
export interface ClientTracking {
  /** Client id invalidations go to, 0 for the client itself. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING yes/no given for the next command. */
  caching: boolean;
  /** The redirect client went away. */
  brokenRedirect: boolean;
  prefixes: Set<string>;
}

interface Broadcast {
  /** Keys changed since the last broadcast -> the client that changed them (null: no client). */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

export function trackingOf(c: Client): ClientTracking | undefined {
  return c.ext.tracking as ClientTracking | undefined;
}

const INVALIDATE_RESP3 = '>2\r\n$10\r\ninvalidate\r\n';
const INVALIDATE_RESP2 = '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n';

function keyPayload(key: string): string {
  return '*1\r\n$' + key.length + '\r\n' + key + '\r\n';
}

function nullPayload(c: Client): string {
  return c.resp === 2 ? '$-1\r\n' : '_\r\n';
}

/** Orders client ids as Redis's radix tree of 8-byte little-endian ids does. */
function compareIdBytes(a: number, b: number): number {
  for (let i = 0; i < 8; i++) {
    const x = Math.floor(a / 2 ** (8 * i)) % 256;
    const y = Math.floor(b / 2 ** (8 * i)) % 256;
    if (x !== y) return x - y;
  }
  return 0;
}

const SCRIPTS_RO = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);

export class Tracking {
  /** Key -> ids of the clients that may have it cached. */
  readonly table = new Map<string, Set<number>>();
  /** Ids across the whole table (INFO tracking_total_items). */
  totalItems = 0;
  /** BCAST prefix -> state. */
  readonly prefixes = new Map<string, Broadcast>();
  /** Clients with tracking on (INFO tracking_clients). */
  readonly clients = new Set<Client>();
  /** Invalidations for the client being served, sent after its reply (null: flush). */
  private pending: (string | null)[] = [];
  private limitEffort = 0;
  private broadcastScheduled = false;
  /** `stats.commands` when the last flush invalidation went out: one per command (FLUSHALL). */
  private lastFlush = -1;

  constructor(private readonly server: Server) {
    server.keyListeners.push((_db, key, by) => {
      if (this.prefixes.size !== 0) this.rememberForBroadcast(key, by);
      if (this.table.size !== 0) this.invalidateKey(key);
    });
    // FLUSHDB/FLUSHALL (SWAPDB invalidates nothing in Redis 7.0).
    server.dbListeners.push((_db, replacedWith) => {
      if (replacedWith === null) this.flushed();
    });
    // A read-only script command remembers nothing by itself: its declared keys are remembered
    // when the script runs a read command (the scripting engine calls rememberKeys then).
    server.trackReads = (c, cmd, argv) => {
      if (!SCRIPTS_RO.has(cmd.name)) this.rememberKeys(c, cmd, argv);
    };
    server.afterReplyHooks.push((c) => this.afterReply(c));
    server.closeHooks.push((c) => {
      if (c.ext.tracking !== undefined) this.disable(c);
    });
    server.resetHooks.push((c) => {
      if (c.ext.tracking !== undefined) this.disable(c);
    });
    // Keep the table within tracking-table-max-keys before each command and on each cron tick
    // (so that a lowered limit applies even when the server is idle).
    server.checks.push(() => {
      if (this.clients.size !== 0) this.limitTable();
      return undefined;
    });
    server.cronHooks.push(() => {
      if (this.clients.size !== 0) this.limitTable();
    });
    server.info.field('stats', 'tracking_total_keys', () => this.table.size);
    server.info.field('stats', 'tracking_total_items', () => this.totalItems);
    server.info.field('stats', 'tracking_total_prefixes', () => this.prefixes.size);
    const report = clientReport(server);
    report.trackingFlags = (c) => {
      const t = trackingOf(c);
      return t === undefined ? '' : (t.brokenRedirect ? 'R' : '') + (t.bcast ? 'B' : '');
    };
    report.redirect = (c) => trackingOf(c)?.redirect ?? -1;
  }

  enable(c: Client, redirect: number, opts: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean }, prefixes: string[]): void {
    let t = trackingOf(c);
    if (t === undefined) {
      t = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedirect: false, prefixes: new Set() };
      c.ext.tracking = t;
      c.flags |= ClientFlag.Tracking;
      this.clients.add(c);
    }
    // Turning tracking on again replaces the options (CACHING stays) and adds prefixes.
    t.brokenRedirect = false;
    t.redirect = redirect;
    t.bcast = opts.bcast;
    t.optin = opts.optin;
    t.optout = opts.optout;
    t.noloop = opts.noloop;
    if (opts.bcast) {
      if (prefixes.length === 0) this.addPrefix(c, t, '');
      for (const p of prefixes) this.addPrefix(c, t, p);
    }
  }

  private addPrefix(c: Client, t: ClientTracking, prefix: string): void {
    let bs = this.prefixes.get(prefix);
    if (bs === undefined) {
      bs = { keys: new Map(), clients: new Set() };
      this.prefixes.set(prefix, bs);
    }
    bs.clients.add(c);
    t.prefixes.add(prefix);
  }

  disable(c: Client): void {
    const t = trackingOf(c);
    if (t === undefined) return;
    if (t.bcast) {
      for (const prefix of t.prefixes) {
        const bs = this.prefixes.get(prefix);
        if (bs === undefined) continue;
        bs.clients.delete(c);
        if (bs.clients.size === 0) this.prefixes.delete(prefix);
      }
    }
    c.ext.tracking = undefined;
    c.flags &= ~ClientFlag.Tracking;
    this.clients.delete(c);
  }

  /**
   * After a read-only command: the keys it read are now cached by the client. For a script
   * that ran a read command, the scripting engine passes the calling client and the script's
   * own command (EVAL … numkeys key…), whose declared keys are then remembered, as in Redis.
   */
  rememberKeys(c: Client, cmd: Command, argv: string[]): void {
    const t = trackingOf(c);
    if (t === undefined || t.bcast) return;
    if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
    // Shard channels are keys to the key specs, not to caching.
    if ((cmd.flags & Flag.PubSub) !== 0) return;
    const positions = cmd.keyPositions(argv);
    if (positions === null) return;
    const table = this.table;
    for (const i of positions) {
      const key = argv[i];
      let ids = table.get(key);
      if (ids === undefined) {
        ids = new Set();
        table.set(key, ids);
      }
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
  }

  /** A key changed: the clients that may cache it are told, and it is forgotten. */
  invalidateKey(key: string): void {
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const server = this.server;
    const current = server.currentClient;
    const order = ids.size > 1 ? [...ids].sort(compareIdBytes) : ids;
    for (const id of order) {
      const target = server.clients.get(id);
      if (target === undefined || (target.flags & ClientFlag.Tracking) === 0) continue;
      const t = trackingOf(target)!;
      // Keys cached before switching to BCAST are not followed any more.
      if (t.bcast) continue;
      if (target === current) {
        if (t.noloop) continue;
        if (server.callDepth > 0) {
          this.pending.push(key);
          continue;
        }
      }
      this.send(target, keyPayload(key));
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  /** FLUSHDB/FLUSHALL: every tracking client drops everything; the table starts over. */
  private flushed(): void {
    const server = this.server;
    const mark = server.stats.commands;
    if (server.callDepth === 0 || mark !== this.lastFlush) {
      this.lastFlush = mark;
      const current = server.currentClient;
      for (const c of this.clients) {
        if (c === current && server.callDepth > 0) this.pending.push(null);
        else this.send(c, nullPayload(c));
      }
    }
    this.table.clear();
    this.totalItems = 0;
  }

  /** Sends invalidations the client's own command caused, once its reply is out. */
  private afterReply(c: Client): void {
    if (this.pending.length !== 0) {
      const keys = this.pending;
      this.pending = [];
      if (c.ext.tracking !== undefined) for (const key of keys) this.send(c, key === null ? nullPayload(c) : keyPayload(key));
    }
    // CLIENT CACHING applies to the next command (or transaction) only.
    if ((c.flags & ClientFlag.Tracking) === 0) return;
    const t = trackingOf(c);
    if (t !== undefined && t.caching && (c.flags & ClientFlag.Multi) === 0) {
      const last = c.lastCommand;
      if ((last?.parent ?? last)?.name !== 'client') t.caching = false;
    }
  }

  /**
   * Sends an invalidation (`payload` is its second element, already encoded) to a tracking
   * client, or where it redirects; a vanished redirect client is reported to RESP3 clients.
   */
  send(c: Client, payload: string): void {
    const t = trackingOf(c)!;
    let target = c;
    const redirected = t.redirect !== 0;
    if (redirected) {
      const r = this.server.clients.get(t.redirect);
      if (r === undefined || (r.flags & ClientFlag.Closed) !== 0) {
        t.brokenRedirect = true;
        if (c.resp > 2) c.writePush('>2\r\n$21\r\ntracking-redir-broken\r\n:' + t.redirect + '\r\n');
        return;
      }
      target = r;
    }
    if (target.resp > 2) target.writePush(INVALIDATE_RESP3 + payload);
    else if (redirected && (target.flags & ClientFlag.PubSub) !== 0) target.writePush(INVALIDATE_RESP2 + payload);
    // A RESP2 client without redirection can't receive anything.
  }

  private rememberForBroadcast(key: string, by: Client | null): void {
    for (const [prefix, bs] of this.prefixes) {
      if (prefix.length > key.length || !key.startsWith(prefix)) continue;
      bs.keys.set(key, by);
      if (!this.broadcastScheduled) {
        this.broadcastScheduled = true;
        setImmediate(this.broadcast);
      }
    }
  }

  /** Once per event-loop turn: each BCAST client gets the changed keys of its prefixes. */
  private readonly broadcast = (): void => {
    this.broadcastScheduled = false;
    const prefixes = [...this.prefixes.keys()].sort();
    for (const prefix of prefixes) {
      const bs = this.prefixes.get(prefix)!;
      if (bs.keys.size === 0) continue;
      const keys = [...bs.keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      bs.keys = new Map();
      let all: string | undefined;
      for (const c of bs.clients) {
        if ((c.flags & ClientFlag.Closed) !== 0) continue;
        if (trackingOf(c)?.noloop) {
          const mine = keys.filter(([, by]) => by !== c);
          if (mine.length !== 0) this.send(c, encodeKeys(mine));
        } else {
          this.send(c, (all ??= encodeKeys(keys)));
        }
      }
    }
  };

  /** tracking-table-max-keys: invalidates keys until the table fits, trying harder each time it doesn't. */
  limitTable(): void {
    const max = this.server.config.values['tracking-table-max-keys'] as number;
    if (max === 0) return;
    if (this.table.size <= max) {
      this.limitEffort = 0;
      return;
    }
    let effort = 100 * (this.limitEffort + 1);
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateKey(key);
      if (this.table.size <= max) {
        this.limitEffort = 0;
        return;
      }
    }
    this.limitEffort++;
  }
}

function encodeKeys(keys: [string, Client | null][]): string {
  let out = '*' + keys.length + '\r\n';
  for (const [key] of keys) out += encodeBulk(key);
  return out;
}

/** The server's client-side caching state, created when a client first enables tracking. */
export function tracking(server: Server): Tracking {
  return server.state('tracking', () => new Tracking(server));
}

/** INFO's tracking fields (zero until a client enables tracking). */
export function trackingInfo(server: Server): { clients: number; totalItems: number; totalKeys: number; totalPrefixes: number } {
  const t = server.state<Tracking | undefined>('tracking', () => undefined);
  return { clients: t?.clients.size ?? 0, totalItems: t?.totalItems ?? 0, totalKeys: t?.table.size ?? 0, totalPrefixes: t?.prefixes.size ?? 0 };
}
