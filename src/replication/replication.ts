// Replication, Redis 7.0 style, both sides.
//
// MASTER SIDE. Every write reaches `feed` (a server propagator, registered only while a backlog
// exists: a server that never had a replica pays nothing) in its deterministic form; it is
// encoded as RESP (with a SELECT whenever the database changes), appended to the backlog (a
// ring buffer of repl-backlog-size bytes) and to each replica's output. master_repl_offset
// counts the stream's bytes. SYNC/PSYNC make a connection a replica: PSYNC with a known
// replication id (or the previous one, up to where it ended) and an offset still in the backlog
// continues (+CONTINUE and the backlog from that offset); otherwise a full resynchronization
// sends an RDB of the dataset (+FULLRESYNC <replid> <offset>, then the RDB as a bulk: a BGSAVE
// file, or diskless straight to the sockets for replicas announcing `capa eof`) and the stream
// accumulated since the snapshot's point in time. A replica that is not online yet collects its
// stream aside (counted against its output buffer limits). Replicas report their offset with
// REPLCONF ACK (WAIT, lag, min-replicas-to-write); the cron pings them and drops silent ones.
//
// REPLICA SIDE. REPLICAOF (or the replicaof setting) makes this server a replica: the
// handshake and the transfer are in master-link.ts; the received RDB replaces the dataset
// (loaded in steps, LOADING meanwhile), then the master's connection becomes the master client,
// whose commands run through the dispatcher without replies. Its input is cut into whole
// commands before parsing, so the offset of what was applied is exact: it is what REPLCONF ACK
// reports (every second and on GETACK), and what is passed on, byte for byte, to this server's
// own replicas and backlog (a replica shares its master's replication id and offsets). A lost
// link is retried at once and continued with PSYNC from the offset reached. A replica never
// expires keys itself (server.keepExpiredKeys: expired keys are hidden, the master's DEL
// removes them), and the master's commands see keys as the master does (no expiry at all).

import fs from 'node:fs';
import crypto from 'node:crypto';
import type net from 'node:net';
import { Database } from '../engine/database.js';
import { Target, type Server } from '../server/server.js';
import { Client, ClientFlag } from '../server/client.js';
import { processInput } from '../server/connection.js';
import { clientInfoString } from '../server/client-info.js';
import { Flag, type Command } from '../commands/command.js';
import { ErrorReply, NO_REPLY, OK, type Reply } from '../resp/reply.js';
import { encodeError } from '../resp/encoder.js';
import { encodeCommand } from '../persistence/aof/rewrite.js';
import { persistence, LoadPacer, LOADING_ERROR } from '../persistence/persistence.js';
import type { BackgroundJob } from '../persistence/job.js';
import { describeLoadError, loadRdbSteps, rdbHooks, RdbFatalError, RdbSignatureError } from '../persistence/rdb/file.js';
import { RdbReader } from '../persistence/rdb/reader.js';
import { CorruptDataError, UnsupportedValueError } from '../persistence/errors.js';
import { infoState } from '../commands/info.js';
import { transactionFlags, transactionInvFlags } from '../commands/transactions.js';
import { emptyDatabases } from '../commands/keys.js';
import { blocking } from '../engine/blocking.js';
import { Backlog, BACKLOG_MIN_SIZE } from './backlog.js';
import { DisklessTransfer } from './diskless.js';
import { isHandshake, MasterHandshake, type LinkOwner, type LinkPhase } from './master-link.js';

/** A replica's state as its master sees it (Redis's SLAVE_STATE_*). */
export const enum ReplicaState {
  /** Waiting for a snapshot to start (no stream collected yet). */
  WaitBgsaveStart,
  /** The snapshot runs: the stream is collected aside. */
  WaitBgsaveEnd,
  /** Sending the RDB file. */
  SendBulk,
  Online,
  /** An rdb-only replica got its RDB. */
  RdbTransmitted,
}

const CAPA_EOF = 1;
const CAPA_PSYNC2 = 2;

/** The master's view of a connection that is (or is about to become) a replica. */
export interface ReplicaLink {
  client: Client;
  socket: net.Socket;
  state: ReplicaState;
  /** A replica in server.replicas (after SYNC/PSYNC). */
  attached: boolean;
  capa: number;
  listeningPort: number;
  announcedIp: string | null;
  ackOffset: number;
  /** Last REPLCONF ACK (Unix seconds). */
  ackTime: number;
  /** Came with SYNC (no FULLRESYNC line, no ACKs expected). */
  preSync: boolean;
  rdbOnly: boolean;
  /** The offset of the snapshot it is getting. */
  initialOffset: number;
  /** Stream collected while it isn't online yet. */
  pending: string[];
  pendingBytes: number;
  /** Diskless: the stream starts with its first ACK. */
  startOnAck: boolean;
  /** Diskless: when a write could not complete at once (Unix seconds), 0 otherwise. */
  lastPartialWrite: number;
  /** When its collected output first went over the soft limit (seconds), 0 when under it. */
  softSince: number;
  /** The RDB file being sent. */
  bulk: fs.ReadStream | null;
}

/** What the replica keeps of its master to continue after a disconnection. */
interface CachedMaster {
  replId: string;
  offset: number;
  dbId: number;
}

/** The connected master: its client and the stream's offsets. */
interface MasterStream {
  client: Client;
  socket: net.Socket;
  replId: string;
  /** Bytes received and not yet handed to the parser (an incomplete command). */
  raw: Buffer;
  /** Offset of the last byte handed to the parser. */
  fedOffset: number;
  /** Offset of the last byte applied (whole commands run). */
  offset: number;
  /** Bytes handed to the parser and not yet passed on to our replicas and backlog. */
  unproxied: Buffer;
  /** Came without PSYNC offsets: no ACKs. */
  preSync: boolean;
}

const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
const READONLY = "READONLY You can't write against a read only replica.";
const MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
const REPLICA_KEYSPACE = "ERR Replica can't interact with the keyspace";
const UNBLOCKED = 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';

const SELECTS: string[] = [];
function selectCommand(db: number): string {
  if (db < 16) return (SELECTS[db] ??= encodeCommand(['SELECT', String(db)]));
  return encodeCommand(['SELECT', String(db)]);
}

const replications = new WeakMap<Server, Replication>();
const NO_ID = '0'.repeat(40);

export class Replication implements LinkOwner {
  // ---- Identity and the stream ----
  private secondOffset = -1;
  masterReplOffset = 0;
  backlog: Backlog | null = null;
  /** The database the stream last selected (-1: the next write emits a SELECT). */
  selectedDb = -1;

  // ---- Master side ----
  readonly replicas: ReplicaLink[] = [];
  noReplicasSince = Math.floor(Date.now() / 1000);
  goodReplicas = 0;
  private cronLoops = 0;
  private lastCron = 0;
  private diskless: DisklessTransfer<ReplicaLink> | null = null;
  /** Clients blocked in WAIT. */
  private readonly waiting = new Set<Client>();
  private ackRequested = false;
  private waitScheduled = false;
  private checkInstalled = false;

  readonly stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0, netReplInput: 0, netReplOutput: 0 };

  // ---- Replica side ----
  masterHost: string | null = null;
  masterPort = 0;
  private linkPhase: LinkPhase = 'none';
  private handshake: MasterHandshake | null = null;

  /** Where the link with the master stands (the handshake's own phase while it runs). */
  get phase(): LinkPhase {
    return this.handshake !== null ? this.handshake.phase : this.linkPhase;
  }

  set phase(p: LinkPhase) {
    this.linkPhase = p;
  }
  master: MasterStream | null = null;
  private cachedMaster: CachedMaster | null = null;
  private downSince = 0;
  /**
   * Keys clients wrote on a writable replica (replica-read-only no): the replica expires those
   * itself, since its master knows nothing of them (Redis's slaveKeysWithExpire).
   */
  private readonly localKeys = new Map<Database, Set<string>>();
  private readonly localWrites = (db: Database, key: string, by: Client | null): void => {
    if (by === null || (by.flags & ClientFlag.Master) !== 0 || this.values['replica-read-only']) return;
    let keys = this.localKeys.get(db);
    if (keys === undefined) this.localKeys.set(db, (keys = new Set()));
    keys.add(key);
  };
  /** The stream is being loaded (full sync): master_sync_in_progress, LOADING. */
  private loadingSync = false;
  /** A swapdb diskless load with the master's own history: clients are served meanwhile. */
  private asyncLoading = false;
  private loadingFrom: MasterHandshake | null = null;

  constructor(readonly server: Server) {
    replications.set(server, this);
    server.linkOutput = (c, text) => this.linkOutput(c, text);
    server.closeHooks.push((c) => this.clientClosed(c));
    server.cronHooks.push(() => this.cron());
    server.targetSources.push(() => (this.masterHost === null && (this.backlog !== null || this.replicas.length !== 0) ? Target.Repl : 0));
    server.info.section('replication', () => this.infoFields());
    server.info.field('stats', 'sync_full', () => this.stats.syncFull);
    server.info.field('stats', 'sync_partial_ok', () => this.stats.syncPartialOk);
    server.info.field('stats', 'sync_partial_err', () => this.stats.syncPartialErr);
    server.info.field('stats', 'total_net_repl_input_bytes', () => this.stats.netReplInput);
    server.info.field('stats', 'total_net_repl_output_bytes', () => this.stats.netReplOutput + (this.diskless?.sent ?? 0));
    server.info.field('memory', 'mem_replication_backlog', () => this.backlog?.size ?? 0);
    server.info.field('persistence', 'loading', () => (this.loadingSync && !this.asyncLoading ? 1 : undefined));
    server.info.field('persistence', 'async_loading', () => (this.asyncLoading ? 1 : undefined));
    server.info.onReset(() => {
      this.stats.syncFull = 0;
      this.stats.syncPartialOk = 0;
      this.stats.syncPartialErr = 0;
      this.stats.netReplInput = 0;
      this.stats.netReplOutput = 0;
    });
    rdbHooks.replication = (s) => replications.get(s)?.saveInfo() ?? null;
    persistence(server).bgsaveListeners.push((ok) => this.bgsaveDone(ok));
    const hook = (name: string, apply: (value: any) => void) => {
      const s = server.config.lookup(name)!;
      const prev = s.apply;
      s.apply = prev ? (value, old) => prev(value, old) ?? apply(value) : (value) => apply(value);
    };
    hook('repl-backlog-size', (n: number) => this.backlog?.resize(Number(n)));
    hook('min-replicas-to-write', () => this.refreshGoodReplicas());
    hook('min-replicas-max-lag', () => this.refreshGoodReplicas());
  }

  // The replication ids live in INFO's state (DEBUG CHANGE-REPL-ID changes them there).
  get replId(): string {
    return infoState(this.server).replId;
  }

  set replId(id: string) {
    infoState(this.server).replId = id;
  }

  get replId2(): string {
    return infoState(this.server).replId2;
  }

  set replId2(id: string) {
    infoState(this.server).replId2 = id;
  }

  /** Up to where the secondary id is valid (-1 without one). */
  get secondReplOffset(): number {
    return this.replId2 === NO_ID ? -1 : this.secondOffset;
  }

  set secondReplOffset(n: number) {
    this.secondOffset = n;
  }

  private get values(): Record<string, any> {
    return this.server.config.values;
  }

  private get unixtime(): number {
    return Math.floor(Date.now() / 1000);
  }

  // =====================================================================================
  // The stream (master side)
  // =====================================================================================

  /** The propagator (registered while a backlog exists). */
  readonly feed = (dbIndex: number, argv: string[], target: Target): void => {
    if ((target & Target.Repl) === 0 || this.masterHost !== null || this.backlog === null) return;
    let s = '';
    if (dbIndex !== this.selectedDb) {
      s = selectCommand(dbIndex);
      this.selectedDb = dbIndex;
    }
    this.writeStream(s + encodeCommand(argv));
    // WAIT waits for the offset of its client's last write.
    const c = this.server.currentClient;
    if (c !== null) c.ext.woff = this.masterReplOffset;
  };

  /** Appends stream bytes to the backlog and every replica registering them. */
  private writeStream(s: string): void {
    this.masterReplOffset += s.length;
    this.backlog!.appendString(s);
    const replicas = this.replicas;
    for (let i = 0; i < replicas.length; i++) this.feedReplica(replicas[i], s);
  }

  /** A command outside any database (PING, REPLCONF GETACK): no SELECT. */
  private writeCommand(argv: string[]): void {
    if (this.backlog === null || this.masterHost !== null) return;
    this.writeStream(encodeCommand(argv));
  }

  private feedReplica(link: ReplicaLink, s: string): void {
    if (link.state === ReplicaState.WaitBgsaveStart || link.rdbOnly || link.state === ReplicaState.RdbTransmitted) return;
    if (link.state === ReplicaState.Online && !link.startOnAck) {
      this.stats.netReplOutput += s.length;
      link.client.writePush(s);
      return;
    }
    link.pending.push(s);
    link.pendingBytes += s.length;
    if (this.overLimits(link)) this.dropOverLimits(link);
  }

  /** Bytes passed on from our master (a replica's own replicas get the very same stream). */
  private feedFromMaster(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.masterReplOffset += bytes.length;
    if (this.backlog !== null) this.backlog.append(bytes);
    if (this.replicas.length === 0) return;
    const s = bytes.latin1Slice(0, bytes.length);
    for (const link of this.replicas) this.feedReplica(link, s);
  }

  /** The output buffer limits (replica class) applied to what a replica hasn't been sent yet. */
  private overLimits(link: ReplicaLink): boolean {
    const limits = this.server.outputLimits.replica;
    if (limits.hard === 0 && limits.soft === 0) return false;
    const used = link.pendingBytes + this.server.outputUsage(link.client);
    if (limits.hard > 0 && used >= limits.hard) return true;
    if (limits.soft > 0 && used >= limits.soft) {
      const now = this.unixtime;
      if (link.softSince === 0) link.softSince = now;
      else if (now - link.softSince > limits.softSeconds) return true;
    } else {
      link.softSince = 0;
    }
    return false;
  }

  private dropOverLimits(link: ReplicaLink): void {
    const c = link.client;
    if ((c.flags & (ClientFlag.CloseAsap | ClientFlag.Closed)) !== 0) return;
    this.server.stats.clientOutputBufferLimitDisconnections++;
    this.server.log('warning', `Client ${clientInfoString(c)} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    link.pending = [];
    link.pendingBytes = 0;
    c.flags |= ClientFlag.CloseAsap;
    setImmediate(() => this.server.closeClient(c));
  }

  // ---- Backlog and replication ids ----

  createBacklog(): void {
    if (this.backlog !== null) return;
    this.backlog = new Backlog(Number(this.values['repl-backlog-size']), this.masterReplOffset);
    if (!this.server.propagators.includes(this.feed)) this.server.propagators.push(this.feed);
  }

  freeBacklog(): void {
    if (this.backlog === null) return;
    this.backlog = null;
    const i = this.server.propagators.indexOf(this.feed);
    if (i >= 0) this.server.propagators.splice(i, 1);
  }

  changeReplicationId(): void {
    this.replId = crypto.randomBytes(20).toString('hex');
  }

  clearReplicationId2(): void {
    this.replId2 = NO_ID;
    this.secondReplOffset = -1;
  }

  /** Keeps the current id as the secondary one (valid up to here) and starts a new history. */
  shiftReplicationId(): void {
    this.replId2 = this.replId;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.changeReplicationId();
    this.server.log('warning', `Setting secondary replication ID to ${this.replId2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replId}`);
  }

  /** The replication aux fields of an RDB saved now (Redis's rdbPopulateSaveInfo). */
  saveInfo(): { streamDb: number; replId: string; offset: number } | null {
    let db: number;
    if (this.masterHost === null && this.backlog !== null) db = this.selectedDb === -1 ? 0 : this.selectedDb;
    else if (this.master !== null) db = this.master.client.db.id;
    else if (this.cachedMaster !== null) db = this.cachedMaster.dbId;
    else return null;
    return { streamDb: db, replId: this.replId, offset: this.masterReplOffset };
  }

  // =====================================================================================
  // SYNC / PSYNC (master side)
  // =====================================================================================

  /** The replication state of a connection (REPLCONF before SYNC fills it in). */
  linkOf(c: Client): ReplicaLink {
    let link = c.ext.replica as ReplicaLink | undefined;
    if (link === undefined) {
      link = {
        client: c, socket: c.socket!, state: ReplicaState.WaitBgsaveStart, attached: false, capa: 0, listeningPort: 0,
        announcedIp: null, ackOffset: 0, ackTime: 0, preSync: false, rdbOnly: false, initialOffset: 0, pending: [],
        pendingBytes: 0, startOnAck: false, lastPartialWrite: 0, softSince: 0, bulk: null,
      };
      c.ext.replica = link;
    }
    return link;
  }

  /** Redis's replicationGetSlaveName: announced or peer address and listening port. */
  replicaName(c: Client): string {
    const link = c.ext.replica as ReplicaLink | undefined;
    const ip = link?.announcedIp ?? peerIp(c);
    if (ip === '') return `client id #${c.id}`;
    const port = link?.listeningPort ?? 0;
    if (port === 0) return `${ip}:<unknown-replica-port>`;
    return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  }

  sync(c: Client, argv: string[]): Reply {
    const server = this.server;
    // Already a replica, or a MONITOR: ignored.
    if ((c.flags & (ClientFlag.Replica | ClientFlag.Monitor)) !== 0 || c.socket === null) return NO_REPLY;
    const psync = argv[0].toLowerCase() === 'psync';
    if (psync && argv.length > 3 && argv[3].toLowerCase() === 'failover') {
      server.log('warning', `Failover request received for replid ${argv[1]}.`);
      if (this.masterHost === null) return new ErrorReply("ERR PSYNC FAILOVER can't be sent to a master.");
      if (argv[1].toLowerCase() !== this.replId) return new ErrorReply('ERR PSYNC FAILOVER replid must match my replid.');
      this.unsetMaster();
      server.log('notice', `MASTER MODE enabled (failover request from '${clientInfoString(c)}')`);
    }
    if (this.masterHost !== null && this.phase !== 'connected') {
      return new ErrorReply("NOMASTERLINK Can't SYNC while not connected with my master");
    }
    if (c.outputLength() !== 0) return new ErrorReply('ERR SYNC and PSYNC are invalid with pending output');
    const link = this.linkOf(c);
    server.log('notice', `Replica ${this.replicaName(c)} asks for synchronization`);
    if (psync) {
      const offset = parseOffset(argv[2]);
      if (offset === undefined) {
        server.log('warning', `Replica ${this.replicaName(c)} asks for synchronization but with a wrong offset`);
        return new ErrorReply('ERR value is not an integer or out of range');
      }
      if (this.tryPartialResync(link, argv[1], offset)) {
        this.stats.syncPartialOk++;
        return NO_REPLY;
      }
      if (argv[1][0] !== '?') this.stats.syncPartialErr++;
    } else {
      link.preSync = true;
    }
    this.stats.syncFull++;
    link.state = ReplicaState.WaitBgsaveStart;
    if (this.values['repl-disable-tcp-nodelay']) c.socket.setNoDelay(false);
    this.attach(link);
    if (this.replicas.length === 1 && this.backlog === null) {
      this.changeReplicationId();
      this.clearReplicationId2();
      this.createBacklog();
      server.log('notice', `Replication backlog created, my new replication IDs are '${this.replId}' and '${this.replId2}'`);
    }
    const job = persistence(server).job;
    if (job !== null && job.kind === 'rdb' && this.diskless === null) {
      // A BGSAVE to disk runs: usable if another replica already collects the stream since it began.
      const other = this.replicas.find((r) => r !== link && r.state === ReplicaState.WaitBgsaveEnd && this.diskless === null && (!r.rdbOnly || link.rdbOnly));
      if (other !== undefined && (link.capa & other.capa) === other.capa) {
        if (!link.rdbOnly) {
          link.pending = other.pending.slice();
          link.pendingBytes = other.pendingBytes;
        }
        this.setupFullResync(link, other.initialOffset);
        server.log('notice', 'Waiting for end of BGSAVE for SYNC');
      } else {
        server.log('notice', "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      }
    } else if (this.diskless !== null) {
      server.log('notice', 'Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC');
    } else if (this.values['repl-diskless-sync'] && (link.capa & CAPA_EOF) !== 0 && (this.values['repl-diskless-sync-delay'] as number) > 0) {
      server.log('notice', 'Delay next BGSAVE for diskless SYNC');
    } else if (job === null) {
      this.startSyncSnapshot(link.capa);
    } else {
      server.log('notice', 'No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed');
    }
    return NO_REPLY;
  }

  private attach(link: ReplicaLink): void {
    const c = link.client;
    c.flags |= ClientFlag.Replica;
    link.attached = true;
    this.replicas.push(link);
    this.updateCheck();
  }

  /** PSYNC <replid> <offset>: +CONTINUE and the backlog from `offset`, when possible. */
  private tryPartialResync(link: ReplicaLink, replId: string, offset: number): boolean {
    const server = this.server;
    const c = link.client;
    const id = replId.toLowerCase();
    if (id !== this.replId && (id !== this.replId2 || offset > this.secondReplOffset)) {
      if (replId[0] !== '?') {
        if (id !== this.replId && id !== this.replId2) {
          server.log('notice', `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replId}', my replication IDs are '${this.replId}' and '${this.replId2}')`);
        } else {
          server.log('notice', `Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${this.secondReplOffset}`);
        }
      } else {
        server.log('notice', `Full resync requested by replica ${this.replicaName(c)}`);
      }
      return false;
    }
    const backlog = this.backlog;
    if (backlog === null || !backlog.covers(offset)) {
      server.log('notice', `Unable to partial resync with replica ${this.replicaName(c)} for lack of backlog (Replica request was: ${offset}).`);
      if (offset > this.masterReplOffset) {
        server.log('warning', `Warning: replica ${this.replicaName(c)} tried to PSYNC with an offset that is greater than the master replication offset.`);
      }
      return false;
    }
    link.state = ReplicaState.Online;
    link.ackTime = this.unixtime;
    link.startOnAck = false;
    this.attach(link);
    const line = (link.capa & CAPA_PSYNC2) !== 0 ? `+CONTINUE ${this.replId}\r\n` : '+CONTINUE\r\n';
    link.socket.write(line, 'latin1');
    const data = backlog.readFrom(offset);
    if (data.length > 0) link.socket.write(data);
    this.stats.netReplOutput += data.length;
    server.log('notice', `Partial resynchronization request from ${this.replicaName(c)} accepted. Sending ${data.length} bytes of backlog starting from offset ${offset}.`);
    this.refreshGoodReplicas();
    return true;
  }

  /** The replica gets the snapshot starting at `offset`: +FULLRESYNC, and the stream from now on. */
  private setupFullResync(link: ReplicaLink, offset: number): void {
    link.initialOffset = offset;
    link.state = ReplicaState.WaitBgsaveEnd;
    // The replica's stream must start with a SELECT.
    this.selectedDb = -1;
    if (!link.preSync) link.socket.write(`+FULLRESYNC ${this.replId} ${offset}\r\n`, 'latin1');
  }

  /**
   * Starts the snapshot for the replicas waiting for one: diskless when they all take the EOF
   * framing and repl-diskless-sync is on, else a BGSAVE whose file is then sent.
   */
  private startSyncSnapshot(mincapa: number): void {
    const server = this.server;
    const socketTarget = this.values['repl-diskless-sync'] && (mincapa & CAPA_EOF) !== 0;
    server.log('notice', `Starting BGSAVE for SYNC with target: ${socketTarget ? 'replicas sockets' : 'disk'}`);
    const waiting = this.replicas.filter((r) => r.state === ReplicaState.WaitBgsaveStart);
    let ok: boolean;
    if (socketTarget) {
      for (const link of waiting) this.setupFullResync(link, this.masterReplOffset);
      const p = persistence(server);
      const transfer = new DisklessTransfer<ReplicaLink>(server, waiting, (done, targets) => this.disklessDone(transfer, done, targets));
      this.diskless = transfer;
      p.job = transfer as unknown as BackgroundJob;
      server.log('notice', `Background RDB transfer started by pid ${process.pid}`);
      transfer.start();
      ok = true;
    } else {
      ok = persistence(server).bgsave();
      if (ok) for (const link of waiting) this.setupFullResync(link, this.masterReplOffset);
    }
    if (ok) return;
    server.log('warning', 'BGSAVE for replication failed');
    for (const link of waiting) {
      this.detach(link);
      const c = link.client;
      c.flags &= ~ClientFlag.Replica;
      c.write(encodeError("ERR BGSAVE failed, replication can't continue"));
      c.flags |= ClientFlag.CloseAfterReply;
    }
  }

  /** A BGSAVE ended: its replicas get the file, or are dropped when it failed. */
  private bgsaveDone(ok: boolean): void {
    if (this.diskless !== null) return;
    for (const link of [...this.replicas]) {
      if (link.state !== ReplicaState.WaitBgsaveEnd) continue;
      if (!ok) {
        this.server.log('warning', 'SYNC failed. BGSAVE child returned an error');
        this.closeLink(link);
        continue;
      }
      this.sendRdbFile(link);
    }
    // Replicas that arrived during someone else's BGSAVE get theirs now.
    setImmediate(() => this.startPendingSync());
  }

  private sendRdbFile(link: ReplicaLink): void {
    const file = this.values.dbfilename as string;
    let size: number;
    let stream: fs.ReadStream;
    try {
      const fd = fs.openSync(file, 'r');
      size = fs.fstatSync(fd).size;
      stream = fs.createReadStream('', { fd, highWaterMark: 256 * 1024 });
    } catch (e) {
      this.server.log('warning', `SYNC failed. Can't open/stat DB after BGSAVE: ${(e as Error).message}`);
      this.closeLink(link);
      return;
    }
    link.state = ReplicaState.SendBulk;
    link.bulk = stream;
    const socket = link.socket;
    socket.write(`$${size}\r\n`, 'latin1');
    stream.on('data', (chunk) => {
      this.stats.netReplOutput += chunk.length;
      if (!socket.write(chunk)) {
        stream.pause();
        socket.once('drain', () => stream.resume());
      }
    });
    stream.on('error', (e) => {
      this.server.log('warning', `Read error sending DB to replica: ${e.message}`);
      this.closeLink(link);
    });
    stream.on('end', () => {
      link.bulk = null;
      if (link.client.has(ClientFlag.Closed)) return;
      if (this.putOnline(link)) this.startStream(link);
    });
  }

  private disklessDone(transfer: DisklessTransfer<ReplicaLink>, ok: boolean, targets: ReplicaLink[]): void {
    const server = this.server;
    if (this.diskless === transfer) this.diskless = null;
    const p = persistence(server);
    if (p.job === (transfer as unknown as BackgroundJob)) {
      p.job = null;
      p.afterJob();
    }
    this.stats.netReplOutput += transfer.sent;
    if (ok) server.log('notice', 'Background RDB transfer terminated with success');
    else server.log('warning', 'Background transfer error');
    for (const link of targets) {
      if (link.client.has(ClientFlag.Closed) || link.state !== ReplicaState.WaitBgsaveEnd) continue;
      if (!ok) {
        this.closeLink(link);
        continue;
      }
      server.log('notice', `Streamed RDB transfer with replica ${this.replicaName(link.client)} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`);
      if (this.putOnline(link)) link.startOnAck = true;
    }
    setImmediate(() => this.startPendingSync());
  }

  /** The RDB went out: the replica is online (an rdb-only one is closed). */
  private putOnline(link: ReplicaLink): boolean {
    if (link.rdbOnly) {
      link.state = ReplicaState.RdbTransmitted;
      this.server.log('notice', `RDB transfer completed, rdb only replica (${this.replicaName(link.client)}) should be disconnected asap`);
      this.closeLink(link);
      return false;
    }
    link.state = ReplicaState.Online;
    link.ackTime = this.unixtime;
    this.refreshGoodReplicas();
    this.server.log('notice', `Synchronization with replica ${this.replicaName(link.client)} succeeded`);
    return true;
  }

  /** Sends what was collected for the replica; from now on it gets the stream directly. */
  private startStream(link: ReplicaLink): void {
    link.startOnAck = false;
    if (link.pendingBytes !== 0) {
      const s = link.pending.length === 1 ? link.pending[0] : link.pending.join('');
      this.stats.netReplOutput += s.length;
      link.client.writePush(s);
    }
    link.pending = [];
    link.pendingBytes = 0;
    link.softSince = 0;
  }

  /** Replicas waiting for a snapshot get one when nothing else runs (and the diskless delay passed). */
  startPendingSync(): void {
    if (persistence(this.server).job !== null || this.diskless !== null) return;
    let waiting = 0;
    let maxIdle = 0;
    let mincapa = -1;
    const now = this.unixtime;
    for (const link of this.replicas) {
      if (link.state !== ReplicaState.WaitBgsaveStart) continue;
      waiting++;
      maxIdle = Math.max(maxIdle, now - Math.floor(link.client.lastInteraction / 1000));
      mincapa = mincapa === -1 ? link.capa : mincapa & link.capa;
    }
    if (waiting === 0) return;
    const v = this.values;
    const maxReplicas = v['repl-diskless-sync-max-replicas'] as number;
    if (!v['repl-diskless-sync'] || (maxReplicas > 0 && waiting >= maxReplicas) || maxIdle >= (v['repl-diskless-sync-delay'] as number)) {
      this.startSyncSnapshot(mincapa);
    }
  }

  /** Closes a replica's connection (after the current command). */
  private closeLink(link: ReplicaLink): void {
    const c = link.client;
    if (c.has(ClientFlag.Closed)) return;
    c.flags |= ClientFlag.CloseAsap;
    setImmediate(() => this.server.closeClient(c));
  }

  private detach(link: ReplicaLink): void {
    const i = this.replicas.indexOf(link);
    if (i >= 0) this.replicas.splice(i, 1);
    link.attached = false;
    if (this.replicas.length === 0) this.noReplicasSince = this.unixtime;
    this.refreshGoodReplicas();
    this.updateCheck();
  }

  /** Disconnects every replica (a new history: they must resync). */
  disconnectReplicas(): void {
    for (const link of [...this.replicas]) this.server.closeClient(link.client);
  }

  // =====================================================================================
  // REPLCONF, WAIT, ROLE
  // =====================================================================================

  replconf(c: Client, argv: string[]): Reply {
    if (argv.length % 2 === 0) return new ErrorReply('ERR syntax error');
    const link = c.socket !== null ? this.linkOf(c) : null;
    for (let j = 1; j < argv.length; j += 2) {
      const option = argv[j].toLowerCase();
      const value = argv[j + 1];
      if (option === 'listening-port') {
        const port = parseOffset(value);
        if (port === undefined) return new ErrorReply('ERR value is not an integer or out of range');
        if (link) link.listeningPort = port;
      } else if (option === 'ip-address') {
        if (value.length >= 256) return new ErrorReply(`ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes`);
        if (link) link.announcedIp = value;
      } else if (option === 'capa') {
        if (link && value.toLowerCase() === 'eof') link.capa |= CAPA_EOF;
        else if (link && value.toLowerCase() === 'psync2') link.capa |= CAPA_PSYNC2;
      } else if (option === 'ack') {
        // From a replica: the offset it processed. Never answered.
        if (link === null || !link.attached) return NO_REPLY;
        const offset = parseOffset(value);
        if (offset === undefined) return NO_REPLY;
        if (offset > link.ackOffset) link.ackOffset = offset;
        link.ackTime = this.unixtime;
        if (link.startOnAck && link.state === ReplicaState.Online) this.startStream(link);
        if (this.waiting.size !== 0) this.scheduleWaitCheck();
        return NO_REPLY;
      } else if (option === 'getack') {
        // From our master: report our offset now.
        if (this.masterHost !== null && this.master !== null) this.sendAck(true);
        return NO_REPLY;
      } else if (option === 'rdb-only') {
        const n = parseOffset(value);
        if (n === undefined) return new ErrorReply('ERR value is not an integer or out of range');
        if (n < 0 || n > 1) return new ErrorReply('ERR value is out of range, value must between 0 and 1');
        if (link) link.rdbOnly = n === 1;
      } else {
        return new ErrorReply(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
      }
    }
    return OK;
  }

  /** Replicas online that acknowledged `offset`. */
  countAcks(offset: number): number {
    let n = 0;
    for (const link of this.replicas) if (link.state === ReplicaState.Online && link.ackOffset >= offset) n++;
    return n;
  }

  wait(c: Client, numReplicas: number, deadline: number, blockAllowed: boolean): Reply {
    const offset = (c.ext.woff as number | undefined) ?? 0;
    const acked = this.countAcks(offset);
    if (acked >= numReplicas || !blockAllowed) return acked;
    const self = this;
    const spec = {
      keys: [] as string[],
      deadline,
      tryServe: () => undefined,
      // The count at the time of the timeout (or CLIENT UNBLOCK).
      get timeoutReply(): Reply {
        return self.countAcks(offset);
      },
    };
    c.ext.wait = { offset, numReplicas };
    this.waiting.add(c);
    blocking(this.server).block(c, spec);
    this.requestAcks();
    return NO_REPLY;
  }

  /** Asks every replica for an ACK, once per event-loop turn. */
  private requestAcks(): void {
    if (this.ackRequested) return;
    this.ackRequested = true;
    setImmediate(() => {
      this.ackRequested = false;
      this.writeCommand(['REPLCONF', 'GETACK', '*']);
    });
  }

  private scheduleWaitCheck(): void {
    if (this.waitScheduled) return;
    this.waitScheduled = true;
    setImmediate(() => {
      this.waitScheduled = false;
      this.processWaiting();
    });
  }

  private processWaiting(): void {
    const b = blocking(this.server);
    for (const c of [...this.waiting]) {
      if (!b.isBlocked(c)) {
        this.waiting.delete(c);
        continue;
      }
      const w = c.ext.wait as { offset: number; numReplicas: number };
      const n = this.countAcks(w.offset);
      if (n >= w.numReplicas) {
        this.waiting.delete(c);
        b.unblock(c, n);
      }
    }
  }

  role(): Reply {
    if (this.masterHost === null) {
      const list: Reply[] = [];
      for (const link of this.replicas) {
        if (link.state !== ReplicaState.Online) continue;
        const ip = link.announcedIp ?? peerIp(link.client);
        if (ip === '') continue;
        list.push([ip, String(link.listeningPort), String(link.ackOffset)]);
      }
      return ['master', this.masterReplOffset, list];
    }
    const state = isHandshake(this.phase) ? 'handshake' : this.phase === 'transfer' ? 'sync' : this.phase;
    return ['slave', this.masterHost, this.masterPort, state, this.master !== null ? this.appliedOffset() : -1];
  }

  // =====================================================================================
  // Pre-execution checks (installed only while they can apply)
  // =====================================================================================

  private readonly check = (c: Client, cmd: Command, argv: string[]): string | undefined => {
    // A script's declared flags count as its command's (Redis's getCommandFlags).
    const flags = this.server.commandFlags(cmd, argv) | (cmd.name === 'exec' && cmd.parent === null ? transactionFlags(c) : 0);
    const write = (flags & Flag.Write) !== 0;
    if (write && !this.goodReplicasOk()) return NOREPLICAS;
    if (this.masterHost !== null) {
      if (write && this.readOnlyError(c) !== undefined) return READONLY;
      if (this.phase !== 'connected' && !this.values['replica-serve-stale-data'] &&
        ((flags & Flag.Stale) === 0 || (cmd.name === 'exec' && cmd.parent === null && (transactionInvFlags(c) & Flag.Stale) !== 0))) {
        return MASTERDOWN;
      }
    }
    if ((c.flags & (ClientFlag.Replica | ClientFlag.Monitor)) === ClientFlag.Replica && (flags & (Flag.Write | Flag.ReadOnly | Flag.MayReplicate)) !== 0) {
      return REPLICA_KEYSPACE;
    }
    return undefined;
  };

  /** READONLY's text when `c` may not write here (a read-only replica; `c` is not its master). */
  readOnlyError(c: Client): string | undefined {
    return this.masterHost !== null && this.values['replica-read-only'] && (c.flags & ClientFlag.Master) === 0 ? READONLY : undefined;
  }

  /** NOREPLICAS's text while min-replicas-to-write is not met. */
  replicasError(): string | undefined {
    return this.goodReplicasOk() ? undefined : NOREPLICAS;
  }

  private minReplicasActive(): boolean {
    return (this.values['min-replicas-to-write'] as number) > 0 && (this.values['min-replicas-max-lag'] as number) > 0;
  }

  private goodReplicasOk(): boolean {
    return this.masterHost !== null || !this.minReplicasActive() || this.goodReplicas >= (this.values['min-replicas-to-write'] as number);
  }

  /** Installs the check while it can refuse something, and only then (no cost otherwise). */
  updateCheck(): void {
    const listeners = this.server.keyListeners;
    const tracking = listeners.indexOf(this.localWrites);
    if (this.masterHost !== null && tracking < 0) listeners.push(this.localWrites);
    else if (this.masterHost === null && tracking >= 0) {
      listeners.splice(tracking, 1);
      this.localKeys.clear();
    }
    const needed = this.masterHost !== null || this.minReplicasActive() || this.replicas.length !== 0;
    if (needed === this.checkInstalled) return;
    this.checkInstalled = needed;
    const checks = this.server.checks;
    if (needed) checks.push(this.check);
    else checks.splice(checks.indexOf(this.check), 1);
  }

  /** Replicas online whose last ACK is at most min-replicas-max-lag old. */
  refreshGoodReplicas(): void {
    this.updateCheck();
    if (!this.minReplicasActive()) return;
    const now = this.unixtime;
    const maxLag = this.values['min-replicas-max-lag'] as number;
    let good = 0;
    for (const link of this.replicas) if (link.state === ReplicaState.Online && now - link.ackTime <= maxLag) good++;
    this.goodReplicas = good;
  }

  // =====================================================================================
  // Output on replication links, disconnections
  // =====================================================================================

  /** A command produced output for a replica connection or for our master: never sent. */
  private linkOutput(c: Client, text: string): void {
    const server = this.server;
    const name = c.lastCommand?.fullName ?? '<unknown>';
    if ((c.flags & ClientFlag.Master) !== 0) {
      if (text[0] === '-') {
        server.log('warning', `== CRITICAL == This replica is sending an error to its master: '${errorText(text)}' after processing the command '${name}'`);
        server.stats.unexpectedErrorReplies++;
      }
      return;
    }
    // A replica connection: a rogue command's reply would corrupt the stream; it goes.
    if ((c.flags & (ClientFlag.CloseAsap | ClientFlag.Closed)) !== 0) return;
    server.log('warning', `Replica generated a reply to command '${name}', disconnecting it: ${clientInfoString(c)}`);
    if (text[0] === '-') {
      server.log('warning', `== CRITICAL == This master is sending an error to its replica: '${errorText(text)}' after processing the command '${name}'`);
      server.stats.unexpectedErrorReplies++;
    }
    c.flags |= ClientFlag.CloseAsap;
    setImmediate(() => server.closeClient(c));
  }

  private clientClosed(c: Client): void {
    this.waiting.delete(c);
    const link = c.ext.replica as ReplicaLink | undefined;
    if (link !== undefined && link.attached) {
      this.server.log('warning', `Connection with replica ${this.replicaName(c)} lost.`);
      if (link.bulk !== null) link.bulk.destroy();
      link.bulk = null;
      link.pending = [];
      link.pendingBytes = 0;
      this.diskless?.removeTarget(link);
      this.detach(link);
    }
    if (this.master !== null && c === this.master.client) this.masterLost();
  }

  // =====================================================================================
  // Cron (once a second)
  // =====================================================================================

  private cron(): void {
    const now = Date.now();
    if (now - this.lastCron < 1000) return;
    this.lastCron = now;
    const server = this.server;
    const v = this.values;
    const unixtime = Math.floor(now / 1000);
    const timeout = v['repl-timeout'] as number;

    // Replica side: timeouts, connecting, ACKs.
    if (this.masterHost !== null) {
      const hs = this.handshake;
      if (hs !== null && (hs.phase === 'connecting' || isHandshake(hs.phase)) && unixtime - hs.lastio > timeout) {
        server.log('warning', 'Timeout connecting to the MASTER...');
        this.cancelHandshake(true);
      } else if (hs !== null && hs.phase === 'transfer' && unixtime - hs.lastio > timeout) {
        server.log('warning', "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
        this.cancelHandshake(true);
      }
      if (this.master !== null && unixtime - Math.floor(this.master.client.lastInteraction / 1000) > timeout) {
        server.log('warning', 'MASTER timeout: no data nor PING received...');
        server.closeClient(this.master.client);
      }
      if (this.phase === 'connect') {
        server.log('notice', `Connecting to MASTER ${this.masterHost}:${this.masterPort}`);
        this.connect();
      }
      if (this.master !== null && !this.master.preSync) this.sendAck(false);
      if (this.loadingFrom !== null) this.loadingFrom.keepalive();
      if (server.activeExpireEnabled) this.expireLocalKeys();
    }

    // Master side: pings, keepalives, timeouts.
    if (this.replicas.length !== 0 && this.cronLoops % (v['repl-ping-replica-period'] as number) === 0) {
      this.writeCommand(['PING']);
    }
    for (const link of this.replicas) {
      const presync = link.state === ReplicaState.WaitBgsaveStart || (link.state === ReplicaState.WaitBgsaveEnd && this.diskless === null);
      if (presync) link.socket.write('\n');
    }
    for (const link of [...this.replicas]) {
      if (link.state === ReplicaState.Online && !link.preSync && unixtime - link.ackTime > timeout) {
        server.log('warning', `Disconnecting timedout replica (streaming sync): ${this.replicaName(link.client)}`);
        server.closeClient(link.client);
        continue;
      }
      if (link.state === ReplicaState.WaitBgsaveEnd && this.diskless !== null && link.lastPartialWrite !== 0 && unixtime - link.lastPartialWrite > timeout) {
        server.log('warning', `Disconnecting timedout replica (full sync): ${this.replicaName(link.client)}`);
        server.closeClient(link.client);
      }
      if (link.softSince !== 0 && this.overLimits(link)) this.dropOverLimits(link);
    }
    // A master without replicas frees its backlog after repl-backlog-ttl.
    const ttl = Number(v['repl-backlog-ttl']);
    if (this.replicas.length === 0 && ttl > 0 && this.backlog !== null && this.masterHost === null && unixtime - this.noReplicasSince > ttl) {
      this.changeReplicationId();
      this.clearReplicationId2();
      this.freeBacklog();
      server.log('notice', `Replication backlog freed after ${ttl} seconds without connected replicas.`);
    }
    this.startPendingSync();
    this.refreshGoodReplicas();
    this.cronLoops++;
  }

  // =====================================================================================
  // Replica side
  // =====================================================================================

  /** Expires the keys clients wrote on this (writable) replica once their time has come. */
  private expireLocalKeys(): void {
    if (this.localKeys.size === 0) return;
    const server = this.server;
    server.refreshTime();
    for (const [db, keys] of this.localKeys) {
      for (const key of keys) {
        const when = db.expireAt(key);
        if (when === undefined) {
          keys.delete(key);
        } else if (when < server.now) {
          keys.delete(key);
          server.expireKey(db, key);
        }
      }
      if (keys.size === 0) this.localKeys.delete(db);
    }
  }

  cached(): { replId: string; offset: number } | null {
    return this.cachedMaster === null ? null : { replId: this.cachedMaster.replId, offset: this.cachedMaster.offset };
  }

  countInput(n: number): void {
    this.stats.netReplInput += n;
  }

  /** REPLICAOF host port. */
  setMaster(host: string, port: number): void {
    const server = this.server;
    const wasMaster = this.masterHost === null;
    this.masterHost = null;
    // The current master is cached (a new master may continue its history).
    if (this.master !== null) server.closeClient(this.master.client);
    this.disconnectBlockedClients();
    this.masterHost = host;
    this.masterPort = port;
    server.keepExpiredKeys = true;
    server.logRole = 'S';
    this.cancelHandshake(false);
    if (wasMaster) {
      this.discardCachedMaster();
      this.cacheMasterUsingMyself();
    }
    this.values.replicaof = { host, port };
    this.phase = 'connect';
    this.updateCheck();
    server.log('notice', `Connecting to MASTER ${host}:${port}`);
    this.connect();
  }

  /** REPLICAOF NO ONE: this server becomes a master, continuing its history under a new id. */
  unsetMaster(): void {
    if (this.masterHost === null) return;
    const server = this.server;
    this.masterHost = null;
    if (this.master !== null) server.closeClient(this.master.client);
    this.discardCachedMaster();
    this.cancelHandshake(false);
    this.shiftReplicationId();
    // Our replicas must learn the new id (they can continue with PSYNC).
    this.disconnectReplicas();
    this.phase = 'none';
    this.selectedDb = -1;
    this.noReplicasSince = this.unixtime;
    this.downSince = 0;
    server.keepExpiredKeys = false;
    server.logRole = 'M';
    this.values.replicaof = null;
    this.updateCheck();
    if (this.backlog !== null && !server.propagators.includes(this.feed)) server.propagators.push(this.feed);
    const p = persistence(server);
    if (this.values.appendonly && p.aof.state === 'off') p.aof.enable();
  }

  private disconnectBlockedClients(): void {
    const b = blocking(this.server);
    for (const c of [...this.server.clients.values()]) {
      if (!b.isBlocked(c)) continue;
      b.unblockWithTimeout(c, new ErrorReply(UNBLOCKED));
      c.flags |= ClientFlag.CloseAfterReply;
    }
  }

  private connect(): void {
    if (this.masterHost === null || this.handshake !== null) return;
    this.handshake = new MasterHandshake(this);
    this.phase = 'connecting';
  }

  /** Stops a handshake or transfer in progress; `reconnect` starts over at once. */
  private cancelHandshake(reconnect: boolean): void {
    const hs = this.handshake;
    if (hs === null) return;
    hs.cancel();
    this.handshake = null;
    // A diskless load that was receiving the RDB is over.
    if (this.loadingSync && this.loadingFrom === null) this.endLoading();
    this.phase = 'connect';
    if (!reconnect || this.masterHost === null) return;
    this.server.log('notice', `Reconnecting to MASTER ${this.masterHost}:${this.masterPort} after failure`);
    this.connect();
  }

  failed(retryNow: boolean): void {
    this.handshake = null;
    if (this.loadingSync && this.loadingFrom === null) this.endLoading();
    if (this.masterHost === null) return;
    this.phase = 'connect';
    if (retryNow) {
      this.server.log('notice', `Reconnecting to MASTER ${this.masterHost}:${this.masterPort} after failure`);
      this.connect();
    }
  }

  private cacheMasterUsingMyself(): void {
    this.server.log('notice', 'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.');
    this.cachedMaster = { replId: this.replId, offset: this.masterReplOffset, dbId: 0 };
  }

  private discardCachedMaster(): void {
    if (this.cachedMaster === null) return;
    this.server.log('notice', 'Discarding previously cached master state.');
    this.cachedMaster = null;
  }

  /** +CONTINUE: the cached master comes back on the new connection. */
  continued(socket: net.Socket, leftover: Buffer, newReplId: string | null): void {
    this.handshake = null;
    const cached = this.cachedMaster!;
    this.cachedMaster = null;
    if (newReplId !== null && newReplId !== cached.replId) {
      this.server.log('warning', `Master replication ID changed to ${newReplId}`);
      this.replId2 = cached.replId;
      this.secondReplOffset = this.masterReplOffset + 1;
      this.replId = newReplId;
      cached.replId = newReplId;
      this.disconnectReplicas();
    }
    this.startMasterStream(socket, cached.replId, cached.offset, cached.dbId, false);
    if (this.backlog === null) this.createBacklog();
    this.masterInput(leftover);
  }

  /** Whether the RDB is loaded from memory rather than a file (repl-diskless-load). */
  disklessLoad(): boolean {
    const mode = this.values['repl-diskless-load'] as string;
    if (mode === 'swapdb') return true;
    return mode === 'on-empty-db' && this.server.dbs.every((db) => db.size === 0);
  }

  /**
   * A diskless load starts with the transfer: the replica is loading from now on. With swapdb
   * and the same history as the master (async loading), clients keep being served the old data.
   */
  disklessLoadStarted(replId: string): void {
    this.server.log('notice', 'MASTER <-> REPLICA sync: Loading DB in memory');
    this.loadingSync = true;
    this.asyncLoading = this.values['repl-diskless-load'] === 'swapdb' && replId === this.replId;
    if (!this.asyncLoading) this.installLoadingCheck();
  }

  private readonly loadingCheck = (_c: Client, cmd: Command): string | undefined =>
    (cmd.flags & Flag.Loading) === 0 ? LOADING_ERROR : undefined;

  private installLoadingCheck(): void {
    if (!this.server.checks.includes(this.loadingCheck)) this.server.checks.unshift(this.loadingCheck);
  }

  /** Loading (of a full synchronization) is over, whatever its outcome. */
  private endLoading(): void {
    this.loadingSync = false;
    this.asyncLoading = false;
    this.loadingFrom = null;
    const i = this.server.checks.indexOf(this.loadingCheck);
    if (i >= 0) this.server.checks.splice(i, 1);
  }

  /** A new master's history: our replicas, backlog and cached master belong to the old one. */
  private attachToNewMaster(): void {
    this.discardCachedMaster();
    this.disconnectReplicas();
    this.freeBacklog();
  }

  /**
   * A full transfer is complete: the RDB (a file, or in memory for a diskless load) replaces the
   * dataset, then the stream is followed. With swapdb the old dataset stays until the new one
   * loaded successfully.
   */
  transferred(socket: net.Socket, leftover: Buffer, rdb: string | Buffer, usedMark: boolean, replId: string, offset: number): void {
    const server = this.server;
    const v = this.values;
    this.loadingFrom = this.handshake;
    this.handshake = null;
    this.phase = 'transfer';
    socket.pause();
    const p = persistence(server);
    // The AOF restarts (with a rewrite) after the load; a running BGSAVE would save stale data.
    const aofWasOn = p.aof.state !== 'off';
    if (aofWasOn) p.aof.disable();
    if (p.job !== null && p.job.kind === 'rdb') {
      if (typeof rdb === 'string') {
        server.log('notice', `Replica is about to load the RDB file received from the master, but there is a pending RDB child running. Killing process ${process.pid} and removing its temp file to avoid any race`);
      }
      p.killBgsave();
    }
    const swap = typeof rdb !== 'string' && v['repl-diskless-load'] === 'swapdb';
    let target: Database[] = server.dbs;
    if (swap) {
      target = server.dbs.map((db) => new Database(db.id, server));
    } else {
      this.attachToNewMaster();
      server.log('notice', 'MASTER <-> REPLICA sync: Flushing old data');
      emptyDatabases(server, server.dbs);
    }
    if (typeof rdb === 'string') {
      try {
        fs.renameSync(rdb, v.dbfilename as string);
      } catch (e) {
        server.log('warning', `Failed trying to rename the temp DB into ${v.dbfilename} in MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
        fs.rmSync(rdb, { force: true });
        socket.destroy();
        this.endLoading();
        this.failed(true);
        return;
      }
      server.log('notice', 'MASTER <-> REPLICA sync: Loading DB in memory');
    }
    this.loadingSync = true;
    void this.loadSynced(rdb, target).then((aux) => {
      this.endLoading();
      if (aux === null || this.masterHost === null || socket.destroyed) {
        if (aux === null) {
          server.log('warning', `Failed trying to load the MASTER synchronization DB from ${typeof rdb === 'string' ? 'disk' : 'socket'}`);
          if (swap) server.log('notice', 'MASTER <-> REPLICA sync: Discarding temporary DB in background');
          else if (typeof rdb !== 'string') emptyDatabases(server, server.dbs);
        }
        socket.destroy();
        if (this.masterHost !== null) this.failed(true);
        return;
      }
      if (swap) {
        this.attachToNewMaster();
        server.log('notice', 'MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
        for (let i = 0; i < server.dbs.length; i++) {
          server.replacingDb(server.dbs[i], target[i]);
          server.dbs[i].swapWith(target[i]);
        }
        server.log('notice', 'MASTER <-> REPLICA sync: Discarding old DB in background');
      }
      const streamDb = aux.has('repl-stream-db') ? parseInt(aux.get('repl-stream-db')!, 10) : -1;
      this.startMasterStream(socket, replId, offset, streamDb, offset === -1);
      this.replId = replId || this.replId;
      this.masterReplOffset = Math.max(offset, 0);
      this.clearReplicationId2();
      this.createBacklog();
      server.log('notice', 'MASTER <-> REPLICA sync: Finished with success');
      if (usedMark) this.sendAck(true);
      server.dirty++;
      if (v.appendonly && p.aof.state === 'off') p.aof.enable();
      else if (aofWasOn) p.aof.enable();
      this.masterInput(leftover);
      socket.resume();
    });
  }

  /**
   * Loads the received RDB into `target` in steps, answering LOADING meanwhile (as at startup;
   * not while async loading). Resolves with its aux fields, or null when it failed (logged).
   */
  private async loadSynced(rdb: string | Buffer, target: Database[]): Promise<Map<string, string> | null> {
    const server = this.server;
    const p = persistence(server);
    if (!this.asyncLoading) this.installLoadingCheck();
    const pacer = new LoadPacer(server);
    let reader: RdbReader | null = null;
    let steps: Generator<void, unknown>;
    if (typeof rdb === 'string') {
      steps = p.loadRdbFileSteps();
    } else {
      reader = new RdbReader(rdb);
      // The loader fills the databases it finds on the server it is given.
      const into = target === server.dbs ? server : (Object.create(server, { dbs: { value: target } }) as Server);
      steps = loadRdbSteps(into, reader);
    }
    try {
      for (;;) {
        const x = steps.next();
        if (x.done) {
          if (typeof rdb === 'string') return x.value === true ? p.lastLoadAux ?? new Map() : null;
          return (x.value as { aux: Map<string, string> }).aux;
        }
        await pacer.pause();
      }
    } catch (e) {
      if (e instanceof CorruptDataError || e instanceof RdbFatalError || e instanceof RdbSignatureError || e instanceof UnsupportedValueError) {
        for (const line of describeLoadError(e, reader)) server.log('warning', line);
      } else {
        server.log('warning', `Internal error loading the MASTER synchronization DB: ${(e as Error)?.stack ?? String(e)}`);
      }
      return null;
    }
  }

  /** The master's connection becomes the master client. */
  private startMasterStream(socket: net.Socket, replId: string, offset: number, dbId: number, preSync: boolean): void {
    const server = this.server;
    const c = new Client(server, server.nextClientId++, socket);
    c.flags |= ClientFlag.Master;
    c.authenticated = true;
    if (dbId >= 0 && dbId < server.dbs.length) c.selectDb(dbId);
    server.clients.set(c.id, c);
    this.master = { client: c, socket, replId, raw: Buffer.alloc(0), fedOffset: offset, offset, unproxied: Buffer.alloc(0), preSync };
    this.phase = 'connected';
    this.downSince = 0;
    socket.on('data', (chunk: Buffer) => this.masterInput(chunk));
    socket.on('error', () => server.closeClient(c));
    socket.on('close', () => server.closeClient(c));
    this.updateCheck();
  }

  /** Bytes from the master: whole commands are run, then passed on. */
  private masterInput(chunk: Buffer): void {
    const m = this.master;
    if (m === null || chunk.length === 0) return;
    const server = this.server;
    const c = m.client;
    if (c.has(ClientFlag.Closed)) return;
    this.stats.netReplInput += chunk.length;
    server.refreshTime();
    c.lastInteraction = server.now;
    m.raw = m.raw.length === 0 ? chunk : Buffer.concat([m.raw, chunk]);
    const end = completeCommands(m.raw);
    if (end === 0) return;
    const whole = m.raw.subarray(0, end);
    m.raw = m.raw.subarray(end);
    m.fedOffset += end;
    m.unproxied = m.unproxied.length === 0 ? whole : Buffer.concat([m.unproxied, whole]);
    c.parser.feed(whole);
    // The master's commands see keys as the master does: nothing expires under them (the
    // master sends the DELs), like commands replayed from the AOF.
    const wasLoading = server.loading;
    server.loading = true;
    try {
      processInput(c);
    } catch (e) {
      server.log('warning', `Internal error while applying the master's stream: ${(e as Error)?.stack ?? String(e)}`);
    } finally {
      server.loading = wasLoading;
    }
    c.parser.release();
    this.syncApplied();
    if (c.has(ClientFlag.CloseAfterReply) && !c.has(ClientFlag.Closed)) server.closeClient(c);
  }

  /** The offset of the master's stream applied so far (commands run). */
  private appliedOffset(excludeCurrent = false): number {
    const m = this.master;
    if (m === null) return this.cachedMaster?.offset ?? 0;
    const c = m.client;
    let off = m.fedOffset - c.parser.pendingBytes();
    if (c.pending !== null) off -= encodedLength(c.pending);
    if (excludeCurrent && c.argv !== null && c.has(ClientFlag.InCall)) off -= encodedLength(c.argv);
    return off;
  }

  /** Passes what was applied since last time on to our backlog and replicas. */
  private syncApplied(): void {
    const m = this.master;
    if (m === null) return;
    const applied = this.appliedOffset();
    const delta = applied - m.offset;
    if (delta <= 0) return;
    const bytes = m.unproxied.subarray(0, delta);
    m.unproxied = m.unproxied.subarray(delta);
    m.offset = applied;
    this.feedFromMaster(bytes);
  }

  /** REPLCONF ACK <offset> to the master (every second, and when it asks). */
  private sendAck(duringCommand: boolean): void {
    const m = this.master;
    if (m === null) return;
    if (!duringCommand) this.syncApplied();
    const offset = duringCommand ? this.appliedOffset(true) : m.offset;
    m.socket.write(encodeCommand(['REPLCONF', 'ACK', String(offset)]), 'latin1');
  }

  /** The master's connection went away: remember where we were, and reconnect at once. */
  private masterLost(): void {
    const m = this.master!;
    const server = this.server;
    this.syncApplied();
    this.master = null;
    server.log('warning', 'Connection with master lost.');
    if ((m.client.flags & (ClientFlag.ProtocolError | ClientFlag.Blocked)) === 0 && !m.preSync) {
      server.log('notice', 'Caching the disconnected master state.');
      this.cachedMaster = { replId: m.replId, offset: m.offset, dbId: m.client.db.id };
    }
    m.socket.destroy();
    if (this.masterHost === null) return;
    this.phase = 'connect';
    this.downSince = this.unixtime;
    server.log('notice', `Reconnecting to MASTER ${this.masterHost}:${this.masterPort}`);
    this.connect();
  }

  /** After loading the dataset at startup: the replication state it recorded, and replicaof. */
  afterStartupLoad(): void {
    const server = this.server;
    const v = this.values;
    const replicaOf = v.replicaof as { host: string; port: number } | null;
    const aux = persistence(server).lastLoadAux;
    const id = aux?.get('repl-id');
    const offset = aux?.has('repl-offset') ? Number(aux.get('repl-offset')) : NaN;
    const streamDb = aux?.has('repl-stream-db') ? Number(aux.get('repl-stream-db')) : -1;
    const valid = id !== undefined && id.length === 40 && Number.isFinite(offset) && offset >= 0 && streamDb >= 0;
    if (replicaOf !== null) {
      this.masterHost = replicaOf.host;
      this.masterPort = replicaOf.port;
      server.keepExpiredKeys = true;
      server.logRole = 'S';
      if (valid) {
        // A restarted replica continues from where its RDB says it was.
        this.replId = id!;
        this.masterReplOffset = offset;
        this.cacheMasterUsingMyself();
        this.cachedMaster!.dbId = streamDb;
      }
      this.phase = 'connect';
      this.updateCheck();
      return;
    }
    if (valid) {
      // A restarted master lets its old replicas continue: its previous id is kept as the
      // secondary one.
      this.replId2 = id!;
      this.secondReplOffset = offset + 1;
      this.masterReplOffset = offset;
      this.createBacklog();
      this.noReplicasSince = this.unixtime;
    }
  }

  /** Before the process exits (nothing to do but stop the link cleanly). */
  shutdown(): void {
    this.handshake?.cancel();
  }

  // =====================================================================================
  // INFO
  // =====================================================================================

  private infoFields(): [string, string | number][] {
    const v = this.values;
    const now = this.unixtime;
    const out: [string, string | number][] = [['role', this.masterHost === null ? 'master' : 'slave']];
    if (this.masterHost !== null) {
      const m = this.master;
      const offset = m !== null ? this.appliedOffset() : this.cachedMaster?.offset ?? 1;
      const readOffset = m !== null ? m.fedOffset + m.raw.length : offset;
      const hs = this.handshake;
      out.push(
        ['master_host', this.masterHost],
        ['master_port', this.masterPort],
        ['master_link_status', this.phase === 'connected' ? 'up' : 'down'],
        ['master_last_io_seconds_ago', m !== null ? now - Math.floor(m.client.lastInteraction / 1000) : -1],
        ['master_sync_in_progress', this.phase === 'transfer' ? 1 : 0],
        ['slave_read_repl_offset', readOffset],
        ['slave_repl_offset', offset],
      );
      if (this.phase === 'transfer') {
        const size = hs?.transferSize ?? 0;
        const read = hs?.transferRead ?? 0;
        out.push(
          ['master_sync_total_bytes', size],
          ['master_sync_read_bytes', read],
          ['master_sync_left_bytes', size - read],
          ['master_sync_perc', (size > 0 ? (read / size) * 100 : 0).toFixed(2)],
          ['master_sync_last_io_seconds_ago', hs !== null ? now - hs.lastio : 0],
        );
      }
      if (this.phase !== 'connected') out.push(['master_link_down_since_seconds', this.downSince ? now - this.downSince : -1]);
      out.push(
        ['slave_priority', v['replica-priority'] as number],
        ['slave_read_only', v['replica-read-only'] ? 1 : 0],
        ['replica_announced', v['replica-announced'] ? 1 : 0],
      );
    }
    out.push(['connected_slaves', this.replicas.length]);
    if (this.minReplicasActive()) out.push(['min_slaves_good_slaves', this.goodReplicas]);
    let n = 0;
    for (const link of this.replicas) {
      const ip = link.announcedIp ?? peerIp(link.client);
      if (ip === '') continue;
      const state = link.state === ReplicaState.Online ? 'online' : link.state === ReplicaState.SendBulk ? 'send_bulk'
        : link.state === ReplicaState.RdbTransmitted ? '' : 'wait_bgsave';
      if (state === '') continue;
      const lag = link.state === ReplicaState.Online ? now - link.ackTime : 0;
      out.push([`slave${n++}`, `ip=${ip},port=${link.listeningPort},state=${state},offset=${link.ackOffset},lag=${lag}`]);
    }
    const backlog = this.backlog;
    out.push(
      ['master_failover_state', 'no-failover'],
      ['master_replid', this.replId],
      ['master_replid2', this.replId2],
      ['master_repl_offset', this.masterHost !== null && this.master !== null ? this.appliedOffset() : this.masterReplOffset],
      ['second_repl_offset', this.secondReplOffset],
      ['repl_backlog_active', backlog !== null ? 1 : 0],
      ['repl_backlog_size', Math.max(Number(v['repl-backlog-size']), BACKLOG_MIN_SIZE)],
      ['repl_backlog_first_byte_offset', backlog !== null ? backlog.firstOffset : 0],
      ['repl_backlog_histlen', backlog !== null ? backlog.histlen : 0],
    );
    return out;
  }

  /** Whether a full synchronization is being loaded (INFO loading is the persistence's). */
  get syncLoading(): boolean {
    return this.loadingSync;
  }
}

/** The replication state of a server (created on first use). */
export function replication(server: Server): Replication {
  return replications.get(server) ?? new Replication(server);
}

/** The replication state if it exists (never creates it). */
export function existingReplication(server: Server): Replication | undefined {
  return replications.get(server);
}

function parseOffset(text: string): number | undefined {
  if (!/^-?\d{1,19}$/.test(text)) return undefined;
  if (text.length > 1 && (text[0] === '0' || text.startsWith('-0'))) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The IP of a client's peer ('' when unknown), without the IPv4-mapped prefix. */
function peerIp(c: Client): string {
  const a = c.socket?.remoteAddress;
  if (a === undefined) return '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** An encoded error reply's text, without the leading '-' and the CRLF. */
function errorText(text: string): string {
  const end = text.indexOf('\r\n');
  return text.slice(1, end < 0 ? Math.min(text.length, 4097) : Math.min(end, 4097));
}

/** The size of a command in RESP form. */
function encodedLength(argv: string[]): number {
  let n = 1 + String(argv.length).length + 2;
  for (const a of argv) n += 1 + String(a.length).length + 2 + a.length + 2;
  return n;
}

/**
 * The end of the last complete command in `buf` (RESP multibulk, or an inline line): what can
 * be handed to the parser without leaving part of a command behind.
 */
export function completeCommands(buf: Buffer): number {
  let pos = 0;
  let done = 0;
  const len = buf.length;
  for (;;) {
    if (pos >= len) return done;
    if (buf[pos] !== 42 /* '*' */) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) return done;
      pos = nl + 1;
      done = pos;
      continue;
    }
    const cr = buf.indexOf(13, pos);
    if (cr < 0 || cr + 1 >= len) return done;
    const count = Number(buf.latin1Slice(pos + 1, cr));
    pos = cr + 2;
    if (!Number.isFinite(count)) return len; // let the parser report the protocol error
    for (let i = 0; i < count; i++) {
      if (pos >= len) return done;
      const hcr = buf.indexOf(13, pos);
      if (hcr < 0 || hcr + 1 >= len) return done;
      const n = Number(buf.latin1Slice(pos + 1, hcr));
      if (buf[pos] !== 36 /* '$' */ || !Number.isFinite(n) || n < 0) return len;
      pos = hcr + 2 + n + 2;
      if (pos > len) return done;
    }
    done = pos;
  }
}
