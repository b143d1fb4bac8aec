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

/** The longest delay setTimeout honours (2^31-1 ms); longer ones fire at once. */
const MAX_TIMER_DELAY = 2147483647;

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
    if (spec.deadline > 0) this.arm(entry);
    return NO_REPLY;
  }

  /** Starts (or continues) the timeout timer; setTimeout can't wait more than ~24.8 days. */
  private arm(entry: Blocked): void {
    const delay = Math.max(0, entry.spec.deadline - Date.now());
    if (delay > MAX_TIMER_DELAY) {
      entry.timer = setTimeout(() => this.arm(entry), MAX_TIMER_DELAY);
    } else {
      entry.timer = setTimeout(() => this.unblock(entry.client, entry.spec.timeoutReply), delay);
    }
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
    // Keys are judged at the time they are served (the command before may have slept: DEBUG
    // SLEEP in a transaction), as Redis refreshes its clock here.
    if (this.ready.size !== 0) server.refreshTime();
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
      // The blocked command is about to write (snapshots save what it touches first).
      if (server.beforeWriteHooks.length !== 0 && c.lastCommand !== null && c.argv !== null) server.beforeWrite(c, c.lastCommand, c.argv);
      try {
        reply = entry.spec.tryServe(key);
      } finally {
        c.db = savedDb;
        server.callDepth--;
      }
      // Each served client's writes go out on their own, as after a command of its own.
      if (server.propagators.length !== 0) server.flushPropagationBatch();
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
 *
 * Seconds are read as Redis reads them (a long double, times 1000, rounded up, converted to a
 * long long): "inf" and values too large for a long long in ms come out negative ("timeout is
 * negative"), values below one ms round up to 1 ms, tiny negative values round to 0 (forever).
 */
export function timeoutArg(text: string, unit: 'seconds' | 'milliseconds' = 'seconds'): number {
  let ms: number;
  if (unit === 'seconds') {
    ms = secondsToMs(text);
  } else {
    const v = parseInt64(text);
    if (v === undefined) err('ERR timeout is not an integer or out of range');
    ms = Number(v);
  }
  if (ms < 0) err('ERR timeout is negative');
  return ms > 0 ? Date.now() + ms : 0;
}

const LLONG_MIN = -9223372036854775808;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * (long long)ceill(strtold(text) * 1000.0), as Redis computes a timeout in ms: the decimal is
 * rounded to a long double (64-bit significand), multiplied by 1000 and rounded again, then
 * rounded up. Out of range results (inf, huge values) become LLONG_MIN, like the C conversion
 * on x86. Hex forms and inf go through doubles.
 */
function secondsToMs(text: string): number {
  const m = text.length < 5 * 1024 ? DECIMAL.exec(text) : null;
  if (m === null || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
    const v = parseDouble(text);
    if (v === undefined) err('ERR timeout is not a float or out of range');
    const ms = Math.ceil(v * 1000);
    return Number.isFinite(ms) && Math.abs(ms) < 9223372036854775808 ? ms + 0 : LLONG_MIN;
  }
  const negative = m[1] === '-';
  const frac = m[3] ?? '';
  const digits = BigInt((m[2] + frac) || '0');
  if (digits === 0n) return 0;
  const exp10 = Number(m[4] ?? '0') - frac.length;
  // strtold's range: overflow and underflow to zero are errors for Redis (ERANGE).
  const magnitude = digits.toString().length - 1 + exp10;
  if (magnitude > 4932 || magnitude < -4951) err('ERR timeout is not a float or out of range');
  if (magnitude > 40) return LLONG_MIN;
  if (magnitude < -40) return negative ? 0 : 1;
  // value = num / den exactly.
  const num = exp10 >= 0 ? digits * 10n ** BigInt(exp10) : digits;
  const den = exp10 >= 0 ? 1n : 10n ** BigInt(-exp10);
  // Round to a 64-bit significand: s * 2^e.
  let e = bitLength(num) - bitLength(den) - 64;
  let s = roundDiv(e >= 0 ? num : num << BigInt(-e), e >= 0 ? den << BigInt(e) : den);
  if (bitLength(s) > 64) {
    s = roundShift(s, 1);
    e++;
  } else if (bitLength(s) < 64) {
    e--;
    s = roundDiv(e >= 0 ? num : num << BigInt(-e), e >= 0 ? den << BigInt(e) : den);
  }
  // Times 1000, rounded to 64 bits again.
  let p = s * 1000n;
  const extra = bitLength(p) - 64;
  if (extra > 0) {
    p = roundShift(p, extra);
    e += extra;
  }
  // ceil for positive values; ceil(-x) = -floor(x) for negative ones.
  let r: bigint;
  if (e >= 0) r = p << BigInt(e);
  else if (negative) r = p >> BigInt(-e);
  else r = (p + (1n << BigInt(-e)) - 1n) >> BigInt(-e);
  if (r >= 9223372036854775808n) return LLONG_MIN;
  return negative ? (r === 0n ? 0 : -Number(r)) : Number(r);
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** n / d rounded to nearest, ties to even. */
function roundDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function roundShift(n: bigint, k: number): bigint {
  return roundDiv(n, 1n << BigInt(k));
}
