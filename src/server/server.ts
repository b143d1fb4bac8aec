// The server: settings, databases, the command table, clients, listeners, the periodic cron,
// and the post-write path that every change to a key goes through.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Config } from '../config/config.js';
import { defaultSettings, Notify, type BufferLimits } from '../config/settings.js';
import { Database, type DatabaseOwner } from '../engine/database.js';
import { CommandTable, type Command, type Family } from '../commands/command.js';
import { ErrorReply } from '../resp/reply.js';
import { Client, ClientFlag } from './client.js';
import { acceptConnection, processInput } from './connection.js';
import { clientInfoString } from './client-info.js';
import { queuedBytes, writeLatin1 } from './socket-io.js';
import { activeExpireCycle } from '../engine/expire.js';
import { ScanCursors } from '../engine/scan.js';
import { UntimedCalls } from '../engine/call-timing.js';
import { lfuAccess, lfuInitial, lruClock } from '../engine/lru.js';
import { InfoRegistry } from './info-registry.js';
import { wireSettings } from '../config/wiring.js';

export const LARDER_VERSION = '0.1.0';
/** Output Redis keeps in a client's static reply buffer, not counted against output limits. */
const STATIC_REPLY_BUFFER = 16 * 1024;
/** The Redis version Larder implements; clients choose features from it. */
export const REDIS_VERSION = '7.0.15';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
const LOG_LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const LOG_MARK: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };

/** A pre-execution check: returns an error message to reject the command. */
export type CommandCheck = (c: Client, cmd: Command, argv: string[]) => string | undefined;
/**
 * Where a propagated command goes (Redis's PROPAGATE_AOF / PROPAGATE_REPL): most go to both;
 * PUBLISH goes to replicas only.
 */
export const enum Target {
  Aof = 1,
  Repl = 2,
  All = 3,
}
/** Receives every write, in a deterministic form, for AOF and replicas (see Target). */
export type Propagator = (dbIndex: number, argv: string[], target: Target) => void;
/**
 * Told of every modified key. `by` is the client whose command changed it, null for changes no
 * client made (expiry, eviction); client-side caching's NOLOOP option needs it.
 */
export type KeyListener = (db: Database, key: string, by: Client | null) => void;
/**
 * Told before a whole database's contents go away, while its keys are still there: emptied by
 * FLUSHDB/FLUSHALL (`replacedWith` null) or swapped by SWAPDB (`replacedWith` is the database
 * whose contents it receives). Redis's touchAllWatchedKeysInDb runs here.
 */
export type DbListener = (db: Database, replacedWith: Database | null) => void;

/** Commands Redis flags touches-arbitrary-keys: their propagated writes are not wrapped. */
const TOUCHES_ARBITRARY_KEYS = new Set(['scan', 'randomkey']);

export class Server implements DatabaseOwner {
  readonly config: Config;
  dbs: Database[] = [];
  readonly commands = new CommandTable();
  readonly clients = new Map<number, Client>();
  nextClientId = 1;
  now = Date.now();
  /** Changes since the last save (Redis's server.dirty). */
  dirty = 0;
  /**
   * Counts key changes and database swaps and flushes (it never goes back, unlike `dirty`): a
   * view computed from the data stays valid while it is unchanged.
   */
  keyChanges = 0;
  /** Nesting depth of `call` (0 between commands). */
  callDepth = 0;
  /** Error replies counted when the latest `call` began or ended (failed_calls accounting). */
  errorMark = 0;
  readonly startTime = Date.now();
  readonly runId = crypto.randomBytes(20).toString('hex');
  readonly pid = process.pid;
  keepExpiredKeys = false;
  /** Loading data from disk (RDB or AOF at startup, DEBUG RELOAD/LOADAOF): INFO's `loading`. */
  loading = false;
  readonly scanCursors = new ScanCursors();

  readonly stats = {
    commands: 0,
    connectionsReceived: 0,
    rejectedConnections: 0,
    expiredKeys: 0,
    expiredStalePerc: 0,
    expiredTimeCapReachedCount: 0,
    /** Time spent in active expiry (INFO expire_cycle_cpu_milliseconds). */
    expireCycleCpuMs: 0,
    evictedKeys: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    errorReplies: 0,
    unexpectedErrorReplies: 0,
    totalReadsProcessed: 0,
    totalWritesProcessed: 0,
    clientQueryBufferLimitDisconnections: 0,
    clientOutputBufferLimitDisconnections: 0,
  };
  readonly errorStats = new Map<string, number>();
  /** What INFO reports: families add fields and sections here (see info-registry.ts). */
  readonly info = new InfoRegistry();

  /** Extra pre-execution checks (out of memory, read-only replica, …). */
  readonly checks: CommandCheck[] = [];
  /** Where writes go after they ran (AOF, replicas). */
  readonly propagators: Propagator[] = [];
  /** Told of every modified key (WATCH, client-side caching). */
  readonly keyListeners: KeyListener[] = [];
  /** Told of databases about to be flushed or swapped (WATCH, client-side caching, blocking). */
  readonly dbListeners: DbListener[] = [];
  /** Keys that became ready for clients blocked on them, served after the current command. */
  readonly readyKeys = new Set<string>();
  /**
   * Hooks run before a write command touches its keys (a point-in-time snapshot saves the old
   * values first).
   */
  readonly beforeWriteHooks: ((c: Client, cmd: Command, argv: string[]) => void)[] = [];
  /**
   * Hooks run before a key changes outside a write command's own keys: expiry deletions,
   * serving blocked clients, eviction (call `guardKey` first). Used by point-in-time snapshots.
   */
  readonly keyGuards: ((db: Database, key: string) => void)[] = [];
  /**
   * Set while replies must wait for data to reach the AOF (installed by the AOF): called by
   * flushClient before a client's output is written; returns true when it holds the output
   * back (it flushes the client later), false to let it go now.
   */
  beforeReply: ((c: Client) => boolean) | null = null;
  /** Hooks run after each command (slowlog, latency monitor). */
  readonly afterCallHooks: ((c: Client, cmd: Command, argv: string[], usec: number) => void)[] = [];
  /**
   * Hooks run when a blocked client's command completes (served or unblocked, or timed out):
   * the slowlog records a blocking command then, as Redis does.
   */
  readonly unblockHooks: ((c: Client, timedOut: boolean) => void)[] = [];
  /** Serves clients blocked on ready keys; installed by the blocking machinery. */
  serveBlockedClients: () => void = () => this.readyKeys.clear();
  /** Queues a command inside MULTI; installed by the transactions family. */
  queueMulti: (c: Client, cmd: Command, argv: string[]) => void = () => {
    throw new Error('MULTI is not available');
  };
  /** Publishes a message (keyspace notifications); installed by the pub/sub family. */
  publish: (channel: string, message: string) => number = () => 0;
  /** Ends a client's transaction (rejected EXEC, RESET, disconnect); installed by transactions. */
  discardTransaction: (c: Client) => void = () => {};
  /**
   * Output a replication link produced (Client.write on the master's client or on a replica's
   * connection, which get no replies): installed by replication, which logs and drops it.
   */
  linkOutput: (c: Client, text: string) => void = () => {};
  /** Feeds a command to MONITOR clients: set while there are any, null otherwise. */
  feedMonitors: ((c: Client, argv: string[]) => void) | null = null;
  /** Remembers the keys a read-only command read (client-side caching); installed by tracking. */
  trackReads: (c: Client, cmd: Command, argv: string[]) => void = () => {};
  /**
   * The client whose request is being served (Redis's current_client), null between requests:
   * NOLOOP tracking skips its own changes, and messages its own command causes it to receive
   * wait until its reply is out.
   */
  currentClient: Client | null = null;
  /**
   * Run after each request's reply was written (and after a blocked client's reply): work that
   * must follow the reply, such as invalidations a client's own command caused. Families add
   * themselves on first use, so the list is empty unless needed.
   */
  readonly afterReplyHooks: ((c: Client) => void)[] = [];
  /** Runs the after-reply hooks for a client whose reply was just written. */
  afterReply(c: Client): void {
    const hooks = this.afterReplyHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i](c);
  }

  /** Clients whose command waits for the end of a CLIENT PAUSE, in arrival order. */
  readonly pausedClients = new Set<Client>();
  /** CLIENT PAUSE state: `until` is the end time (ms since the epoch), inclusive. */
  pause: { all: boolean; write: boolean; until: number } = { all: false, write: false, until: 0 };
  /**
   * Output bytes beyond which a client's output buffer limits are checked as replies are queued
   * (the smallest configured limit, plus the part Redis keeps in its static reply buffer).
   */
  outputCheckFrom = Infinity;

  private readonly listeners: net.Server[] = [];
  private flushQueue: Client[] = [];
  private flushScheduled = false;
  private cronTimer: NodeJS.Timeout | null = null;
  private readonly family = new Map<string, unknown>();
  /** Cached copies of hot settings. */
  notifyFlags = 0;
  protoMaxBulkLen = 512 * 1024 * 1024;
  queryBufferLimit = 1024 * 1024 * 1024;
  requirePass = '';
  outputLimits!: BufferLimits;
  /** latency-tracking: per-command latency histograms (INFO latencystats). */
  latencyTracking = true;
  /** DEBUG PAUSE-CRON: the periodic tasks are skipped. */
  cronPaused = false;
  /** The role letter of log lines: C while starting up (as Redis before it is a master), M after. */
  logRole = 'M';
  /** End time of the last timed top-level command (performance.now()), the next one's start. */
  lastCallEnd = 0;
  /** Quick calls of the current client batch that share the next clock read (call-timing.ts). */
  readonly untimedCalls = new UntimedCalls();
  private logLevel = LOG_LEVELS.notice;
  readonly boundPorts: number[] = [];
  /** Set once `listen` ran: from then on port and bind changes reopen the listeners. */
  listening = false;
  shuttingDown = false;

  constructor(config?: Config) {
    this.config = config ?? new Config(defaultSettings());
  }

  /** Per-family server state, created on first use. */
  state<T>(name: string, create: () => T): T {
    let s = this.family.get(name) as T | undefined;
    if (s === undefined) {
      s = create();
      this.family.set(name, s);
    }
    return s;
  }

  register(...families: Family[]): void {
    for (const f of families) this.commands.register(f);
  }

  /** Wires settings to the server and creates the databases; call once before serving. */
  init(): void {
    const v = this.config.values;
    const hook = (name: string, apply: (value: any, old: any) => string | void) => {
      const s = this.config.lookup(name)!;
      const prev = s.apply;
      s.apply = prev ? (value, old) => prev(value, old) ?? apply(value, old) : apply;
    };
    hook('maxmemory-policy', (policy: string) => {
      this.lfu = policy.endsWith('-lfu');
    });
    hook('lfu-log-factor', (n: number) => {
      this.lfuLogFactor = n;
    });
    hook('lfu-decay-time', (n: number) => {
      this.lfuDecayTime = n;
    });
    hook('notify-keyspace-events', (flags: number) => {
      this.notifyFlags = flags;
    });
    hook('proto-max-bulk-len', (n: number) => {
      this.protoMaxBulkLen = n;
    });
    hook('client-query-buffer-limit', (n: number) => {
      this.queryBufferLimit = n;
    });
    hook('client-output-buffer-limit', (limits: BufferLimits) => {
      this.outputLimits = limits;
      let min = Infinity;
      for (const cls of [limits.normal, limits.replica, limits.pubsub]) {
        if (cls.hard > 0 && cls.hard < min) min = cls.hard;
        if (cls.soft > 0 && cls.soft < min) min = cls.soft;
      }
      this.outputCheckFrom = min + STATIC_REPLY_BUFFER;
    });
    hook('requirepass', (p: string) => {
      this.requirePass = p;
    });
    hook('loglevel', (level: LogLevel) => {
      this.logLevel = LOG_LEVELS[level];
    });
    hook('hz', () => this.startCron());
    hook('latency-tracking', (on: boolean) => {
      this.latencyTracking = on;
    });
    wireSettings(this);
    hook('dir', (dir: string) => {
      try {
        process.chdir(dir);
      } catch (e) {
        return (e as Error).message;
      }
    });
    this.dbs = [];
    for (let i = 0; i < v.databases; i++) this.dbs.push(new Database(i, this));
    const e = this.config.startApplying();
    if (e) throw new Error(e);
  }

  /** Whether the running command may record key accesses (not for CLIENT NO-TOUCH clients). */
  touching = true;
  /** Whether access stamps are LFU counters (maxmemory-policy *-lfu) rather than LRU clocks. */
  lfu = false;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  /** Whether the cron expires keys actively (DEBUG SET-ACTIVE-EXPIRE). */
  activeExpireEnabled = true;

  /** The access stamp for a key lookup (see src/engine/lru.ts); undefined when not touching. */
  accessStamp(previous: number | undefined): number | undefined {
    if (!this.touching) return undefined;
    if (!this.lfu) return lruClock(this.now);
    return lfuAccess(previous, this.lfuLogFactor, this.lfuDecayTime, this.now);
  }

  /** The stamp of a stored value: new (LRU clock, LFU initial), or an LFU overwrite's access. */
  storeStamp(previous: number | undefined): number {
    if (!this.lfu) return lruClock(this.now);
    if (previous === undefined) return lfuInitial(this.now);
    return this.touching ? lfuAccess(previous, this.lfuLogFactor, this.lfuDecayTime, this.now) : previous;
  }

  /** While clients are paused, expired keys are hidden but not deleted (Redis 7.0). */
  expiryPaused(): boolean {
    return this.clientsPaused();
  }

  /** Tells the db listeners that `db` is about to be emptied or swapped with `replacedWith`. */
  replacingDb(db: Database, replacedWith: Database | null): void {
    this.keyChanges++;
    const listeners = this.dbListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i](db, replacedWith);
  }

  // ---- Time ----

  refreshTime(): void {
    this.now = Date.now();
  }

  // ---- The post-write path ----

  /**
   * A key's value changed (or the key appeared or went away): WATCH, client-side caching,
   * blocked clients. `by` defaults to the client being served.
   */
  modified(db: Database, key: string, by: Client | null = this.currentClient): void {
    this.keyChanges++;
    const listeners = this.keyListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i](db, key, by);
  }

  /** A key was added to a database (Database.set/replace): the `new` keyspace event. */
  keyCreated(db: Database, key: string): void {
    this.notify(Notify.New, 'new', key, db.id);
  }


  /** Emits a keyspace notification if its class is enabled. */
  notify(cls: number, event: string, key: string, dbIndex: number): void {
    const flags = this.notifyFlags;
    if ((flags & cls) === 0) return;
    if (flags & Notify.Keyspace) this.publish(`__keyspace@${dbIndex}__:${key}`, event);
    if (flags & Notify.Keyevent) this.publish(`__keyevent@${dbIndex}__:${event}`, key);
  }

  /** The usual tail of a write to one key: WATCH/tracking, notification, dirty count. */
  wrote(db: Database, key: string, cls: number, event: string): void {
    this.modified(db, key);
    this.notify(cls, event, key, db.id);
    this.dirty++;
  }

  /**
   * Deletes an expired key, as lazy and active expiry do. While clients are paused the data set
   * stays as it is: the key is reported missing but kept until the pause ends.
   */
  expireKey(db: Database, key: string): void {
    if (this.expiryPaused()) return;
    if (this.keyGuards.length !== 0) this.guardKey(db, key);
    db.delete(key);
    this.stats.expiredKeys++;
    this.notify(Notify.Expired, 'expired', key, db.id);
    this.modified(db, key, null);
    this.propagate(db.id, [this.config.values['lazyfree-lazy-expire'] ? 'UNLINK' : 'DEL', key]);
  }

  /** A key is about to change outside a write command's keys (see keyGuards). */
  guardKey(db: Database, key: string): void {
    const guards = this.keyGuards;
    for (let i = 0; i < guards.length; i++) guards[i](db, key);
  }

  /** Deletes a key to free memory (maxmemory eviction), with Redis's events in Redis's order. */
  evictKey(db: Database, key: string): void {
    if (this.keyGuards.length !== 0) this.guardKey(db, key);
    db.delete(key);
    this.stats.evictedKeys++;
    this.modified(db, key, null);
    this.notify(Notify.Evicted, 'evicted', key, db.id);
    this.propagate(db.id, [this.config.values['lazyfree-lazy-eviction'] ? 'UNLINK' : 'DEL', key]);
  }

  /**
   * Sends a write to AOF and replicas (or only to one of them). While a command runs
   * (callDepth > 0) writes are collected and sent when it ends (see propagationBatch): an
   * expired key deleted by a command goes with the command's own write, as Redis's
   * also_propagate does.
   */
  propagate(dbIndex: number, argv: string[], target: Target = Target.All): void {
    const ps = this.propagators;
    if (ps.length === 0 || (target !== Target.All && !this.propagatesTo(target))) return;
    if (this.propagationBatch !== null || this.callDepth > 0) {
      (this.propagationBatch ??= []).push([dbIndex, argv, target]);
      return;
    }
    for (let i = 0; i < ps.length; i++) ps[i](dbIndex, argv, target);
  }

  /**
   * Set by a command that must reach replicas even though it changed no data (PUBLISH, Redis's
   * forceCommandPropagation with PROPAGATE_REPL); `call` propagates it and clears the flag.
   * Only set while there are propagators.
   */
  forceReplication = false;

  /**
   * The writes of the running top-level command: what it propagates (or what it asked to
   * propagate instead, e.g. one SREM per member SPOP removed), the writes of the commands it
   * ran (EXEC, scripts; the outer command itself is then not propagated) and the deletions of
   * expired keys it caused, in order. Sent when the command ends as one MULTI/EXEC block when
   * there is more than one write (a single write goes alone), as Redis 7.0 does.
   */
  private propagationBatch: [number, string[], Target][] | null = null;
  /** Commands nested in the running one (EXEC, scripts) wrote: the outer one is not propagated. */
  private nestedWrites = false;
  /** Where the writes of nested commands go: All, unless a script narrowed it (redis.set_repl). */
  nestedTargets: number = Target.All;

  /**
   * Where writes go now, for each target: the AOF and replication register theirs (AOF on;
   * a backlog or replicas). With none registered (in-process servers), everywhere.
   */
  readonly targetSources: (() => Target | 0)[] = [];

  /**
   * Whether a write for this target goes anywhere now (Redis's shouldPropagate): one that does
   * not is not collected either, so it does not make a command's writes a MULTI/EXEC block.
   */
  private propagatesTo(target: Target): boolean {
    const sources = this.targetSources;
    if (sources.length === 0) return true;
    for (let i = 0; i < sources.length; i++) if ((sources[i]() & target) !== 0) return true;
    return false;
  }

  /** After a command that changed data: propagate it (or what it asked to propagate instead). */
  propagateCall(c: Client, argv: string[], target: Target = Target.All): void {
    if (this.propagators.length === 0) {
      c.propagateAs = undefined;
      return;
    }
    const rewritten = c.propagateAs;
    if (rewritten !== undefined) c.propagateAs = undefined;
    if (this.callDepth > 0) {
      this.nestedWrites = true;
      const narrowed = target & this.nestedTargets;
      if (narrowed === 0) return;
      target = narrowed as Target;
    } else if (this.nestedWrites) {
      // EXEC or a script: what ran inside it was collected, not the command itself.
      this.nestedWrites = false;
      return;
    }
    if (target !== Target.All && !this.propagatesTo(target)) return;
    const batch = (this.propagationBatch ??= []);
    if (rewritten !== undefined) for (const a of rewritten) batch.push([c.db.id, a, target]);
    else batch.push([c.db.id, argv, target]);
  }

  /**
   * Emits the writes collected while the command ran (see propagationBatch). `cmd` is the
   * top-level command that ran: SCAN and RANDOMKEY (which may expire any keys) send their
   * deletions without MULTI/EXEC, as Redis does for commands that touch arbitrary keys.
   */
  flushPropagationBatch(cmd?: Command): void {
    const batch = this.propagationBatch;
    this.propagationBatch = null;
    this.nestedWrites = false;
    if (batch === null || batch.length === 0) return;
    if (batch.length === 1 || (cmd !== undefined && TOUCHES_ARBITRARY_KEYS.has(cmd.name))) {
      for (const [db, argv, target] of batch) this.propagate(db, argv, target);
      return;
    }
    this.propagate(batch[0][0], ['MULTI']);
    for (const [db, argv, target] of batch) this.propagate(db, argv, target);
    this.propagate(batch[batch.length - 1][0], ['EXEC']);
  }

  beforeWrite(c: Client, cmd: Command, argv: string[]): void {
    for (const h of this.beforeWriteHooks) h(c, cmd, argv);
  }

  afterCall(c: Client, cmd: Command, argv: string[], usec: number): void {
    const hooks = this.afterCallHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i](c, cmd, argv, usec);
  }

  countError(reply: ErrorReply): void {
    this.stats.errorReplies++;
    const code = reply.code;
    const n = this.errorStats.get(code);
    if (n !== undefined) this.errorStats.set(code, n + 1);
    else if (this.errorStats.size < 128) this.errorStats.set(code, 1);
  }

  // ---- Clients ----

  requiresAuth(): boolean {
    return this.requirePass !== '';
  }


  /** Whether a protected action (DEBUG, MODULE, protected settings) is allowed for this client. */
  allowProtected(option: string, c: Client): boolean {
    const v = this.config.values[option] as string;
    if (v === 'yes') return true;
    if (v === 'local') return c.socket === null || isLoopback(c.socket.remoteAddress);
    return false;
  }

  scheduleFlush(c: Client): void {
    c.flags |= ClientFlag.FlushDue;
    this.flushQueue.push(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes every pending output, one socket write per client. */
  readonly flush = (): void => {
    this.flushScheduled = false;
    const queue = this.flushQueue;
    this.flushQueue = [];
    for (let i = 0; i < queue.length; i++) this.flushClient(queue[i]);
  };

  flushClient(c: Client): void {
    const flags = c.flags;
    c.flags = flags & ~ClientFlag.FlushDue;
    if ((flags & ClientFlag.Closed) !== 0) return;
    if ((flags & ClientFlag.CloseAsap) !== 0) {
      this.closeClient(c);
      return;
    }
    const out = c.out;
    if (out.length === 0) return;
    // appendfsync always: replies wait until the fsync of their writes.
    if (this.beforeReply !== null && this.beforeReply(c)) return;
    c.out = '';
    this.stats.netOutputBytes += out.length;
    const socket = c.socket!;
    this.stats.totalWritesProcessed++;
    writeLatin1(socket, out);
    c.lastInteraction = this.now;
    if ((flags & ClientFlag.CloseAfterReply) !== 0) this.closeClient(c);
    else if (queuedBytes(socket) > 0 && this.checkOutputLimits(c)) {
      this.outputLimitReached(c, false);
      this.dropClient(c);
    }
  }

  /**
   * Output queued for a client, as Redis counts it for limits and CLIENT LIST's omem: what
   * overflows the static 16 KB reply buffer.
   */
  outputUsage(c: Client): number {
    const pending = c.outputLength();
    return pending > STATIC_REPLY_BUFFER ? pending - STATIC_REPLY_BUFFER : 0;
  }

  /** client-output-buffer-limit: true when the client must be disconnected. */
  checkOutputLimits(c: Client): boolean {
    const limits = this.outputLimits;
    const cls = c.has(ClientFlag.Master) ? limits.normal
      : c.has(ClientFlag.Replica) && !c.has(ClientFlag.Monitor) ? limits.replica
        : c.has(ClientFlag.PubSub) ? limits.pubsub : limits.normal;
    if (cls.hard === 0 && cls.soft === 0) return false;
    const used = this.outputUsage(c);
    if (used === 0) {
      c.softLimitSince = 0;
      return false;
    }
    const hard = cls.hard > 0 && used >= cls.hard;
    let soft = cls.soft > 0 && used >= cls.soft;
    // The soft limit counts only when it stays reached for more than soft-seconds (in whole
    // seconds, as Redis's clock).
    const seconds = Math.floor(this.now / 1000);
    if (soft) {
      if (c.softLimitSince === 0) {
        c.softLimitSince = seconds;
        soft = false;
      } else if (seconds - c.softLimitSince <= cls.softSeconds) {
        soft = false;
      }
    } else {
      c.softLimitSince = 0;
    }
    return soft || hard;
  }

  /** A client's output grew past `outputCheckFrom`: close it (without its output) if over limits. */
  outputGrew(c: Client): void {
    if ((c.flags & (ClientFlag.CloseAsap | ClientFlag.Closed)) !== 0 || c.socket === null) return;
    if (!this.checkOutputLimits(c)) return;
    this.outputLimitReached(c, true);
    c.flags |= ClientFlag.CloseAsap;
    c.out = '';
    this.scheduleFlush(c);
  }

  private outputLimitReached(c: Client, async: boolean): void {
    this.stats.clientOutputBufferLimitDisconnections++;
    const info = clientInfoString(c);
    this.log('warning', async
      ? `Client ${info} scheduled to be closed ASAP for overcoming of output buffer limits.`
      : `Client ${info} closed for overcoming of output buffer limits.`);
  }

  /**
   * Closes a client over its output limits at once, without the output it didn't read (a
   * graceful close would keep that in memory for as long as the client doesn't read).
   */
  private dropClient(c: Client): void {
    c.flags |= ClientFlag.CloseAsap;
    this.closeClient(c);
  }

  /** Hooks run when a client goes away (subscriptions, blocking, WATCH…). */
  readonly closeHooks: ((c: Client) => void)[] = [];

  closeClient(c: Client): void {
    if ((c.flags & ClientFlag.Closed) !== 0) return;
    const socket = c.socket;
    // A client closed for its output buffer limits gets none of its pending output.
    const discard = (c.flags & ClientFlag.CloseAsap) !== 0;
    if (!discard && c.out.length > 0 && socket && !socket.destroyed) {
      writeLatin1(socket, c.out);
    }
    c.out = '';
    c.flags |= ClientFlag.Closed;
    this.clients.delete(c.id);
    this.pausedClients.delete(c);
    for (const h of this.closeHooks) h(c);
    if (socket) {
      if (!discard && queuedBytes(socket) > 0) socket.end();
      else socket.destroy();
    }
  }

  // ---- CLIENT PAUSE ----

  /** Pauses clients until `until` (ms since the epoch): the most restrictive type and latest end win. */
  pauseClients(until: number, all: boolean): void {
    const p = this.pause;
    const active = (p.all || p.write) && p.until >= Date.now();
    this.pause = {
      all: all || (active && p.all),
      write: !all && !(active && p.all),
      until: active ? Math.max(p.until, until) : until,
    };
    // End the pause on time (the cron would notice it only at its next tick).
    if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
    const delay = this.pause.until - Date.now() + 1;
    this.pauseTimer = delay < 2 ** 31 - 1 ? setTimeout(() => this.clientsPaused(), Math.max(delay, 0)) : null;
    this.pauseTimer?.unref();
  }

  private pauseTimer: NodeJS.Timeout | null = null;

  /** Whether a CLIENT PAUSE is in effect; ends it when its time is up. */
  clientsPaused(): boolean {
    const p = this.pause;
    if (!p.all && !p.write) return false;
    if (p.until < Date.now()) {
      this.unpause();
      return false;
    }
    return true;
  }

  /**
   * Whether the command must wait for the end of a CLIENT PAUSE (the dispatcher checks this
   * after all its other checks, when a pause is on). Replicas (and MONITOR clients) never wait.
   */
  shouldPause(c: Client, cmd: Command, argv: string[]): boolean {
    if (!this.clientsPaused()) return false;
    if ((c.flags & (ClientFlag.Replica | ClientFlag.Monitor)) !== 0) return false;
    if (this.pause.all) return true;
    return this.pausesOnWrite(c, cmd, argv);
  }

  /**
   * With CLIENT PAUSE WRITE: whether this command must wait (writes and may-replicate commands;
   * the transactions and scripting families extend it for EXEC and EVAL/FCALL).
   */
  pausesOnWrite: (c: Client, cmd: Command, argv: string[]) => boolean = (_c, cmd) =>
    cmd.is(1 /* Flag.Write */) || cmd.is(1 << 14 /* Flag.MayReplicate */);

  /**
   * A command's flags for this call (Redis's getCommandFlags): the table's flags, except for
   * script commands whose script declares flags (the scripting family replaces this).
   */
  commandFlags: (cmd: Command, argv: string[]) => number = (cmd) => cmd.flags;

  /** Holds the client's current command until the pause ends. */
  postpone(c: Client): void {
    c.flags |= ClientFlag.Paused;
    this.pausedClients.add(c);
  }

  unpause(): void {
    this.pause = { all: false, write: false, until: 0 };
    if (this.pauseTimer !== null) {
      clearTimeout(this.pauseTimer);
      this.pauseTimer = null;
    }
    if (this.pausedClients.size === 0) return;
    const waiting = [...this.pausedClients];
    this.pausedClients.clear();
    for (const c of waiting) c.flags &= ~ClientFlag.Paused;
    // Paused clients run their held commands in the order they were paused.
    setImmediate(() => {
      for (const c of waiting) {
        if ((c.flags & (ClientFlag.Closed | ClientFlag.Paused)) === 0) processInput(c);
      }
    });
  }

  /** Hooks run by RESET to return a connection to its initial state (each family its own). */
  readonly resetHooks: ((c: Client) => void)[] = [];

  /** Resumes reading requests of a client that was blocked. */
  resume(c: Client): void {
    setImmediate(() => {
      if ((c.flags & ClientFlag.Closed) === 0) processInput(c);
    });
  }

  // ---- Lifecycle ----

  /** Opens the TCP listeners (see openListeners) and starts the cron. */
  async listen(): Promise<void> {
    await this.openListeners();
    this.listening = true;
    this.startCron();
  }

  /**
   * Listens on the configured port at each bind address (none when the port is 0), replacing
   * the current listeners (CONFIG SET port/bind). An address marked optional ("-::*") may be
   * missing. Throws Redis's "Could not create server TCP listening socket" error; listeners on
   * another port then stay, listeners on the same port are gone (the caller reopens them).
   */
  async openListeners(): Promise<void> {
    const v = this.config.values;
    const port = v.port as number;
    const binds = (v.bind as string[]).length ? (v.bind as string[]) : ['*', '-::*'];
    const opened: net.Server[] = [];
    const ports: number[] = [];
    const previous = this.listeners.splice(0);
    // The old sockets go first when they would be in the way (same port, other addresses).
    const samePort = previous.length > 0 && this.boundPorts.includes(port);
    if (samePort) await Promise.all(previous.map((l) => new Promise<void>((r) => l.close(() => r()))));
    for (const b of port === 0 ? [] : [...new Set(binds)]) {
      const optional = b.startsWith('-');
      const addr = optional ? b.slice(1) : b;
      const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
      const srv = net.createServer({ noDelay: true }, (s) => acceptConnection(this, s));
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen({ port, host, backlog: v['tcp-backlog'], ipv6Only: host.includes(':') }, () => resolve());
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT' || err.code === 'EPROTONOSUPPORT')) continue;
        for (const o of opened) o.close();
        // On another port the old listeners still serve; on the same one they were closed.
        if (!samePort) this.listeners.push(...previous);
        throw new Error(`Could not create server TCP listening socket ${addr}:${port}: ${listenErrorText(err)}`);
      }
      const a = srv.address();
      if (a && typeof a === 'object' && !ports.includes(a.port)) ports.push(a.port);
      opened.push(srv);
    }
    if (!samePort) for (const l of previous) l.close();
    this.listeners.push(...opened);
    if (!this.listening && v.unixsocket) await this.listenUnix(v.unixsocket as string, v.unixsocketperm as number);
    this.boundPorts.length = 0;
    this.boundPorts.push(...ports);
  }

  /** The Unix socket listener (unixsocket, unixsocketperm): a stale socket file is replaced. */
  private async listenUnix(file: string, perm: number): Promise<void> {
    fs.rmSync(file, { force: true });
    const srv = net.createServer((s) => acceptConnection(this, s));
    await new Promise<void>((resolve, reject) => {
      srv.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`Failed opening Unix socket: ${e.message}`)));
      srv.listen({ path: file, backlog: this.config.values['tcp-backlog'] }, () => resolve());
    });
    if (perm) fs.chmodSync(file, perm);
    this.listeners.push(srv);
  }

  private startCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer);
    if (this.listeners.length === 0 && this.dbs.length === 0) return;
    const hz = Math.min(Math.max(this.config.values.hz as number, 1), 500);
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
  }

  /** Hooks run on every cron tick (saves, stats…). */
  readonly cronHooks: (() => void)[] = [];

  cron(): void {
    if (this.cronPaused) return;
    this.refreshTime();
    if (this.pause.all || this.pause.write) this.clientsPaused();
    activeExpireCycle(this);
    this.clientsCron();
    for (const h of this.cronHooks) h();
  }

  private clientsCron(): void {
    const timeout = (this.config.values.timeout as number) * 1000;
    const exempt = ClientFlag.Replica | ClientFlag.Master | ClientFlag.Blocked | ClientFlag.Paused | ClientFlag.PubSub;
    for (const c of this.clients.values()) {
      // `timeout`: idle clients go (Redis counts whole seconds of idleness).
      if (timeout > 0 && (c.flags & exempt) === 0 &&
        Math.floor(this.now / 1000) - Math.floor(c.lastInteraction / 1000) > timeout / 1000) {
        this.log('verbose', 'Closing idle client');
        this.closeClient(c);
        continue;
      }
      if (c.softLimitSince !== 0 && this.checkOutputLimits(c)) {
        this.outputLimitReached(c, false);
        this.dropClient(c);
      }
    }
  }

  /** Stops listening and closes every client. */
  async close(): Promise<void> {
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.cronTimer = null;
    // Stop accepting, then close the clients: net.Server.close() completes only when every
    // connection has ended, so waiting for it first would wait for idle clients to leave.
    const closed = Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    for (const c of [...this.clients.values()]) this.closeClient(c);
    await closed;
    this.listeners.length = 0;
  }

  // ---- Logging ----

  /** Whether messages of this level are logged (to skip building costly ones). */
  logs(level: LogLevel): boolean {
    return LOG_LEVELS[level] >= this.logLevel;
  }

  log(level: LogLevel, message: string): void {
    if (LOG_LEVELS[level] < this.logLevel) return;
    const d = new Date();
    const stamp = `${String(d.getDate()).padStart(2, '0')} ${d.toLocaleString('en-US', { month: 'short' })} ${d.getFullYear()} ${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
    const line = `${this.pid}:${this.logRole} ${stamp} ${LOG_MARK[level]} ${message}\n`;
    const file = this.config.values.logfile as string;
    if (file) {
      try {
        fs.appendFileSync(path.resolve(file), line);
      } catch {
        process.stdout.write(line);
      }
    } else {
      process.stdout.write(line);
    }
  }

  hostname(): string {
    return os.hostname();
  }
}

/** A listen error as Redis words it ("bind: Address already in use"). */
function listenErrorText(err: NodeJS.ErrnoException): string {
  const texts: Record<string, string> = {
    EADDRINUSE: 'bind: Address already in use',
    EADDRNOTAVAIL: 'bind: Cannot assign requested address',
    EACCES: 'bind: Permission denied',
    EAFNOSUPPORT: 'socket: Address family not supported by protocol',
  };
  return (err.code && texts[err.code]) || err.message;
}

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || addr === undefined;
}
