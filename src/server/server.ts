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
import { activeExpireCycle } from '../engine/expire.js';
import { ScanCursors } from '../engine/scan.js';

export const LARDER_VERSION = '0.1.0';
/** The Redis version Larder implements; clients choose features from it. */
export const REDIS_VERSION = '7.0.15';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
const LOG_LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const LOG_MARK: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };

/** A pre-execution check: returns an error message to reject the command. */
export type CommandCheck = (c: Client, cmd: Command, argv: string[]) => string | undefined;
/** Receives every write, in a deterministic form, for AOF and replicas. */
export type Propagator = (dbIndex: number, argv: string[]) => void;
/**
 * Told of every modified key. `by` is the client whose command changed it, null for changes no
 * client made (expiry, eviction); client-side caching's NOLOOP option needs it.
 */
export type KeyListener = (db: Database, key: string, by: Client | null) => void;

export class Server implements DatabaseOwner {
  readonly config: Config;
  dbs: Database[] = [];
  readonly commands = new CommandTable();
  readonly clients = new Map<number, Client>();
  nextClientId = 1;
  now = Date.now();
  /** Changes since the last save (Redis's server.dirty). */
  dirty = 0;
  /** Nesting depth of `call` (0 between commands). */
  callDepth = 0;
  /** Error replies counted when the latest `call` began or ended (failed_calls accounting). */
  errorMark = 0;
  readonly startTime = Date.now();
  readonly runId = crypto.randomBytes(20).toString('hex');
  readonly pid = process.pid;
  keepExpiredKeys = false;
  readonly scanCursors = new ScanCursors();

  readonly stats = {
    commands: 0,
    connectionsReceived: 0,
    rejectedConnections: 0,
    expiredKeys: 0,
    expiredStalePerc: 0,
    expiredTimeCapReachedCount: 0,
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

  /** Extra pre-execution checks (out of memory, read-only replica, …). */
  readonly checks: CommandCheck[] = [];
  /** Where writes go after they ran (AOF, replicas). */
  readonly propagators: Propagator[] = [];
  /** Told of every modified key (WATCH, client-side caching). */
  readonly keyListeners: KeyListener[] = [];
  /** Keys that became ready for clients blocked on them, served after the current command. */
  readonly readyKeys = new Set<string>();
  /**
   * Hooks run before a write command touches its keys (a point-in-time snapshot saves the old
   * values first).
   */
  readonly beforeWriteHooks: ((c: Client, cmd: Command, argv: string[]) => void)[] = [];
  /** Hooks run after each command (slowlog, latency monitor). */
  readonly afterCallHooks: ((c: Client, cmd: Command, argv: string[], usec: number) => void)[] = [];
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
  /** Hooks run by RESET to return a client to its initial state (subscriptions, tracking…). */
  readonly resetHooks: ((c: Client) => void)[] = [];
  /** Told before a database is emptied (FLUSHDB, FLUSHALL: Database.clear). */
  readonly flushListeners: ((db: Database) => void)[] = [];
  /** Told before two databases swap contents (SWAPDB: Database.swapWith). */
  readonly swapListeners: ((a: Database, b: Database) => void)[] = [];

  readonly pausedClients = new Set<Client>();
  pause: { all: boolean; write: boolean; until: number } = { all: false, write: false, until: 0 };

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
  /** End time of the last top-level command (performance.now()), the next one's start. */
  lastCallEnd = 0;
  private logLevel = LOG_LEVELS.notice;
  readonly boundPorts: number[] = [];
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
    });
    hook('requirepass', (p: string) => {
      this.requirePass = p;
    });
    hook('loglevel', (level: LogLevel) => {
      this.logLevel = LOG_LEVELS[level];
    });
    hook('hz', () => this.startCron());
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

  /**
   * The access stamp for a key lookup. Larder keeps an LRU clock (seconds, as Redis's 24-bit
   * clock) unless an LFU policy asks for counters; the keys family refines this.
   */
  accessStamp(previous: number | undefined): number | undefined {
    if (!this.touching) return undefined;
    void previous;
    return Math.floor(this.now / 1000) & 0xffffff;
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
    const listeners = this.keyListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i](db, key, by);
  }

  /** A key was added to a database (Database.set/replace): the `new` keyspace event. */
  keyCreated(db: Database, key: string): void {
    this.notify(Notify.New, 'new', key, db.id);
  }

  /** A database is about to be emptied (called by Database.clear). */
  dbFlushing(db: Database): void {
    const ls = this.flushListeners;
    for (let i = 0; i < ls.length; i++) ls[i](db);
  }

  /** Two databases are about to swap contents (called by Database.swapWith). */
  dbsSwapping(a: Database, b: Database): void {
    const ls = this.swapListeners;
    for (let i = 0; i < ls.length; i++) ls[i](a, b);
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

  /** Deletes an expired key, as lazy and active expiry do. */
  expireKey(db: Database, key: string): void {
    db.delete(key);
    this.stats.expiredKeys++;
    this.notify(Notify.Expired, 'expired', key, db.id);
    this.modified(db, key, null);
    this.propagate(db.id, ['DEL', key]);
  }

  /** Deletes a key to free memory (maxmemory eviction), with Redis's events in Redis's order. */
  evictKey(db: Database, key: string): void {
    db.delete(key);
    this.stats.evictedKeys++;
    this.modified(db, key, null);
    this.notify(Notify.Evicted, 'evicted', key, db.id);
    this.propagate(db.id, ['DEL', key]);
  }

  /** Writes collected by an open propagation batch (EXEC), or null. */
  private propagationBatch: [number, string[]][] | null = null;

  /** Sends a write to AOF and replicas. */
  propagate(dbIndex: number, argv: string[]): void {
    const ps = this.propagators;
    if (ps.length === 0) return;
    if (this.propagationBatch !== null) {
      this.propagationBatch.push([dbIndex, argv]);
      return;
    }
    for (let i = 0; i < ps.length; i++) ps[i](dbIndex, argv);
  }

  /**
   * Starts collecting propagated writes (EXEC, scripts) so that they go out as one unit; false
   * when a batch is already open (nested), whose opener then ends it.
   */
  beginPropagationBatch(): boolean {
    if (this.propagationBatch !== null) return false;
    this.propagationBatch = [];
    return true;
  }

  /** Sends the collected writes: several are wrapped in MULTI … EXEC, as Redis 7.0 does. */
  endPropagationBatch(): void {
    const ops = this.propagationBatch;
    this.propagationBatch = null;
    if (ops === null || ops.length === 0) return;
    const wrap = ops.length > 1;
    if (wrap) this.propagate(ops[0][0], ['MULTI']);
    for (const [dbIndex, argv] of ops) this.propagate(dbIndex, argv);
    if (wrap) this.propagate(ops[ops.length - 1][0], ['EXEC']);
  }

  /** After a command that changed data: propagate it (or what it asked to propagate instead). */
  propagateCall(c: Client, cmd: Command, argv: string[]): void {
    if (this.propagators.length === 0) return;
    const rewritten = c.ext.propagateAs as string[][] | undefined;
    if (rewritten !== undefined) {
      c.ext.propagateAs = undefined;
      for (const a of rewritten) this.propagate(c.db.id, a);
      return;
    }
    void cmd;
    this.propagate(c.db.id, argv);
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
    const out = c.out;
    if (out.length === 0 || (c.flags & ClientFlag.Closed) !== 0) return;
    c.out = '';
    this.stats.netOutputBytes += out.length;
    c.socket!.write(out, 'latin1');
    if ((c.flags & ClientFlag.CloseAfterReply) !== 0) this.closeClient(c);
    else if (this.checkOutputLimits(c)) this.dropClient(c);
  }

  /** client-output-buffer-limit: true when the client must be disconnected. */
  checkOutputLimits(c: Client): boolean {
    const limits = this.outputLimits;
    const cls = c.has(ClientFlag.Replica) ? limits.replica : c.has(ClientFlag.PubSub) ? limits.pubsub : limits.normal;
    if (cls.hard === 0 && cls.soft === 0) return false;
    const used = c.outputLength();
    if (cls.hard > 0 && used >= cls.hard) return this.outputLimitReached(c, used);
    if (cls.soft > 0 && used >= cls.soft) {
      if (c.softLimitSince === 0) c.softLimitSince = this.now;
      else if (this.now - c.softLimitSince > cls.softSeconds * 1000) return this.outputLimitReached(c, used);
    } else {
      c.softLimitSince = 0;
    }
    return false;
  }

  private outputLimitReached(c: Client, used: number): boolean {
    this.stats.clientOutputBufferLimitDisconnections++;
    this.log('warning', `Client ${c.addr} scheduled to be closed ASAP for overcoming of output buffer limits (${used} bytes).`);
    return true;
  }

  /**
   * Closes a client over its output limit at once: the output it didn't read is dropped (a
   * graceful close would keep it in memory for as long as the client doesn't read).
   */
  dropClient(c: Client): void {
    c.out = '';
    this.closeClient(c);
    c.socket?.destroy();
  }

  onDrain(c: Client): void {
    void c;
  }

  /** Hooks run when a client goes away (subscriptions, blocking, WATCH…). */
  readonly closeHooks: ((c: Client) => void)[] = [];

  closeClient(c: Client): void {
    if ((c.flags & ClientFlag.Closed) !== 0) return;
    if (c.out.length > 0 && c.socket && !c.socket.destroyed) {
      c.socket.write(c.out, 'latin1');
      c.out = '';
    }
    c.flags |= ClientFlag.Closed;
    this.clients.delete(c.id);
    this.pausedClients.delete(c);
    for (const h of this.closeHooks) h(c);
    if (c.socket) {
      if (c.socket.writableLength > 0) c.socket.end();
      else c.socket.destroy();
    }
  }

  // ---- CLIENT PAUSE ----

  shouldPause(c: Client, argv: string[]): boolean {
    const p = this.pause;
    if (!p.all && !p.write) return false;
    if (p.until <= Date.now()) {
      this.unpause();
      return false;
    }
    if (c.has(ClientFlag.Replica) || c.has(ClientFlag.Master)) return false;
    if (p.all) return true;
    const cmd = this.commands.get(argv[0]);
    if (cmd === undefined) return false;
    return this.pausesOnWrite(c, cmd, argv);
  }

  /** With CLIENT PAUSE WRITE: whether this command must wait (writes, may-replicate, EXEC of writes). */
  pausesOnWrite: (c: Client, cmd: Command, argv: string[]) => boolean = (_c, cmd) =>
    cmd.is(1 /* Flag.Write */) || cmd.is(1 << 14 /* Flag.MayReplicate */);

  unpause(): void {
    this.pause = { all: false, write: false, until: 0 };
    const waiting = [...this.pausedClients];
    this.pausedClients.clear();
    for (const c of waiting) {
      c.flags &= ~ClientFlag.Paused;
      setImmediate(() => processInput(c));
    }
  }

  /** Resumes reading requests of a client that was blocked. */
  resume(c: Client): void {
    setImmediate(() => {
      if ((c.flags & ClientFlag.Closed) === 0) processInput(c);
    });
  }

  // ---- Lifecycle ----

  async listen(): Promise<void> {
    const v = this.config.values;
    const port = v.port as number;
    const binds = (v.bind as string[]).length ? (v.bind as string[]) : ['*'];
    const hosts: string[] = [];
    for (const b of binds) {
      const optional = b.startsWith('-');
      const host = optional ? b.slice(1) : b;
      if (host === '*') hosts.push('0.0.0.0');
      else if (host === '::*') hosts.push('::');
      else hosts.push(host);
    }
    const unique = [...new Set(hosts)];
    for (const host of unique) {
      const srv = net.createServer({ noDelay: true }, (s) => acceptConnection(this, s));
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen({ port, host, backlog: v['tcp-backlog'], ipv6Only: host === '::' }, () => resolve());
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const optional = binds.some((b) => b.startsWith('-') && (b.slice(1) === host || (b === '-::*' && host === '::')));
        if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT')) continue;
        throw new Error(`Could not create server TCP listening socket ${host}:${port}: ${err.message}`);
      }
      const addr = srv.address();
      if (addr && typeof addr === 'object' && !this.boundPorts.includes(addr.port)) this.boundPorts.push(addr.port);
      this.listeners.push(srv);
    }
    this.startCron();
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
    this.refreshTime();
    if (this.pause.until && this.pause.until <= this.now) this.unpause();
    activeExpireCycle(this);
    this.clientsCron();
    for (const h of this.cronHooks) h();
  }

  private clientsCron(): void {
    const timeout = (this.config.values.timeout as number) * 1000;
    for (const c of this.clients.values()) {
      if (timeout > 0 && !c.has(ClientFlag.Replica) && !c.has(ClientFlag.Master) && !c.has(ClientFlag.Blocked) && !c.has(ClientFlag.PubSub) &&
        this.now - c.lastInteraction > timeout) {
        this.log('verbose', 'Closing idle client');
        this.closeClient(c);
        continue;
      }
      if (c.softLimitSince !== 0 && this.checkOutputLimits(c)) this.dropClient(c);
    }
  }

  /** Stops listening and closes every client. */
  async close(): Promise<void> {
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.cronTimer = null;
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
    for (const c of [...this.clients.values()]) this.closeClient(c);
  }

  // ---- Logging ----

  log(level: LogLevel, message: string): void {
    if (LOG_LEVELS[level] < this.logLevel) return;
    const d = new Date();
    const stamp = `${String(d.getDate()).padStart(2, '0')} ${d.toLocaleString('en-US', { month: 'short' })} ${d.getFullYear()} ${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
    const line = `${this.pid}:M ${stamp} ${LOG_MARK[level]} ${message}\n`;
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

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || addr === undefined;
}
