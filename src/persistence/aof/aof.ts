// The append-only file, Redis 7.0 style: a directory (appenddirname) holding a base file (an
// RDB when aof-use-rdb-preamble is yes, else commands), incremental files of commands, and the
// manifest listing them.
//
// Writing: every write reaches `feed` (a server propagator) in its deterministic form; commands
// accumulate in a buffer written to the current incremental file once per event-loop turn and
// always before any reply is sent (server.beforeReply), so an acknowledged write is at least in
// the OS's page cache. With appendfsync always, replies are held until the turn's single
// fsync completed; with everysec, a background fsync (thread pool) runs once a second; with no,
// the OS decides. Either way a turn's writes take one write() call.
//
// Rewriting (BGREWRITEAOF, automatic growth, enabling AOF at runtime): a new incremental file
// is opened at once (and added to the manifest) while a forkless snapshot of the dataset as of
// that moment is written as the new base; when it is complete, the base replaces the old one
// and the incremental files before the new one become history (then deleted).

import fs from 'node:fs';
import path from 'node:path';
import { Target, type Server } from '../../server/server.js';
import type { Client } from '../../server/client.js';
import { Manifest, ManifestError, writeManifest, type AofInfo } from './manifest.js';
import { encodeCommand, AofEmitter } from './rewrite.js';
import { loadAofFileSteps, type AofLoadStatus } from './loader.js';
import { BackgroundJob, fsyncDir, writeAll } from '../job.js';
import { RdbEmitter, rdbHooks, runToEnd } from '../rdb/file.js';
import { Snapshot, type SnapshotEmitter } from '../snapshot.js';
import { RdbWriter } from '../rdb/writer.js';
import type { Persistence } from '../persistence.js';

export type AofState = 'off' | 'on' | 'wait_rewrite';

export class Aof {
  state: AofState = 'off';
  manifest = new Manifest();
  private fd = -1;
  /** Commands not yet written to the file (latin1). */
  private buf = '';
  private selectedDb = -1;
  private lastTimestamp = 0;
  /** Clients whose replies wait for the fsync (appendfsync always). */
  private held: Client[] = [];
  private turnScheduled = false;

  // fsync bookkeeping
  private lastFsync = Date.now();
  private fsyncInProgress = false;
  private fsyncStarted = 0;
  /** Bytes of the current incremental file written / known to be fsynced. */
  private incrSize = 0;
  private incrFsynced = 0;
  delayedFsync = 0;
  lastWriteOk = true;
  lastWriteError = '';
  bioFsyncOk = true;
  bioFsyncError = '';

  // sizes and rewrite statistics (INFO persistence)
  currentSize = 0;
  baseSize = 0;
  rewriteScheduled = false;
  rewrites = 0;
  consecutiveFailures = 0;
  lastRewriteTimeSec = -1;
  lastBgrewriteOk = true;
  private nextRewriteDelay = 0;
  private nextRewriteAt = 0;

  constructor(
    private readonly server: Server,
    private readonly p: Persistence,
  ) {
    server.targetSources.push(() => (this.state !== 'off' ? Target.Aof : 0));
  }

  private get values(): Record<string, any> {
    return this.server.config.values;
  }

  get dirName(): string {
    return this.values.appenddirname as string;
  }

  get fileName(): string {
    return this.values.appendfilename as string;
  }

  private filePath(name: string): string {
    return path.join(this.dirName, name);
  }

  // ---- Writing ----

  /** The propagator: appends a write in RESP form. */
  readonly feed = (dbIndex: number, argv: string[], target: Target = Target.All): void => {
    // Writes for replicas only (PUBLISH) stay out of the AOF.
    if ((target & Target.Aof) === 0) return;
    // Waiting for the first rewrite but not started yet: the base will contain these writes.
    if (this.state === 'off' || (this.state === 'wait_rewrite' && this.fd < 0)) return;
    if (this.values['aof-timestamp-enabled']) {
      const sec = Math.floor(this.server.now / 1000);
      if (sec !== this.lastTimestamp) {
        this.lastTimestamp = sec;
        this.buf += `#TS:${sec}\r\n`;
      }
    }
    if (dbIndex !== this.selectedDb) {
      this.buf += encodeCommand(['SELECT', String(dbIndex)]);
      this.selectedDb = dbIndex;
    }
    this.buf += encodeCommand(argv);
    if (!this.turnScheduled) {
      this.turnScheduled = true;
      this.server.beforeReply = this.holdReply;
      setImmediate(this.endOfTurn);
    }
  };

  /**
   * Replies wait for the end of the event-loop turn, where the turn's writes go to the file in
   * one write (and, with appendfsync always, one fsync) before any of them is sent.
   */
  private readonly holdReply = (c: Client): boolean => {
    this.held.push(c);
    return true;
  };

  /** Once per event-loop turn with writes: write (and fsync with always), release replies. */
  private readonly endOfTurn = (): void => {
    this.turnScheduled = false;
    this.server.beforeReply = null;
    const always = this.values.appendfsync === 'always';
    this.write();
    if (always && this.fd >= 0 && this.incrFsynced < this.incrSize) {
      try {
        fs.fsyncSync(this.fd);
        this.incrFsynced = this.incrSize;
        this.lastFsync = Date.now();
      } catch (e) {
        this.server.log('warning', `Can't persist the AOF with fsync: ${(e as Error).message}. Exiting...`);
        process.exit(1);
      }
    }
    if (always && !this.lastWriteOk) {
      this.server.log('warning', "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      process.exit(1);
    }
    const held = this.held;
    if (held.length !== 0) {
      this.held = [];
      for (let i = 0; i < held.length; i++) this.server.flushClient(held[i]);
    }
  };

  /** Writes the buffer to the current incremental file. */
  write(): void {
    if (this.buf.length === 0 || this.fd < 0) return;
    const data = Buffer.from(this.buf, 'latin1');
    try {
      writeAll(this.fd, data);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (this.lastWriteOk) this.server.log('warning', `Error writing to the AOF file: ${err.message}`);
      this.lastWriteOk = false;
      this.lastWriteError = err.message;
      // Drop a partial write so the file keeps whole commands, and retry later.
      try {
        fs.ftruncateSync(this.fd, this.incrSize);
      } catch {
        // the next write retries from the same size
      }
      return;
    }
    if (!this.lastWriteOk) this.server.log('warning', 'AOF write error looks solved, Redis can write again.');
    this.lastWriteOk = true;
    this.buf = '';
    this.incrSize += data.length;
    this.currentSize += data.length;
  }

  /** Cron (every tick): everysec fsync, retry of failed writes, automatic rewrites. */
  cron(): void {
    if (this.state === 'off') return;
    if (!this.lastWriteOk) this.write();
    if (this.values.appendfsync === 'everysec' && this.incrFsynced < this.incrSize && !this.fsyncInProgress && Date.now() - this.lastFsync >= 1000) {
      if (this.values['no-appendfsync-on-rewrite'] && this.p.job !== null) return;
      this.backgroundFsync();
    } else if (this.fsyncInProgress && Date.now() - this.fsyncStarted > 2000) {
      this.delayedFsync++;
    }
  }

  private backgroundFsync(): void {
    const fd = this.fd;
    const upTo = this.incrSize;
    this.fsyncInProgress = true;
    this.fsyncStarted = Date.now();
    fs.fsync(fd, (err) => {
      this.fsyncInProgress = false;
      if (err) {
        if (fd !== this.fd) return;
        this.bioFsyncOk = false;
        this.bioFsyncError = err.message;
        this.server.log('warning', `Fail to fsync the AOF file: ${err.message}`);
        return;
      }
      this.bioFsyncOk = true;
      this.lastFsync = Date.now();
      if (fd === this.fd && upTo > this.incrFsynced) this.incrFsynced = upTo;
    });
  }

  /** Writes and fsyncs everything now (shutdown, turning AOF off, DEBUG LOADAOF). */
  flushAndSync(): void {
    this.write();
    if (this.fd >= 0) {
      try {
        fs.fsyncSync(this.fd);
        this.incrFsynced = this.incrSize;
        this.lastFsync = Date.now();
      } catch (e) {
        this.server.log('warning', `Fail to fsync the AOF file: ${(e as Error).message}`);
      }
    }
  }

  /** Whether writes must be refused (MISCONF): the last write or background fsync failed. */
  writeError(): string | undefined {
    if (this.state === 'off') return undefined;
    if (!this.lastWriteOk) return this.lastWriteError;
    if (!this.bioFsyncOk) return this.bioFsyncError;
    return undefined;
  }

  // ---- Startup ----

  /** Reads the manifest (if the directory and the file exist); exits on a bad manifest. */
  loadManifest(): void {
    this.manifest = new Manifest();
    const dir = this.dirName;
    if (!isDir(dir)) return;
    const file = path.join(dir, `${this.fileName}.manifest`);
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.server.log('warning', `Fatal error: can't open the AOF manifest file ${file} for reading: ${(e as Error).message}`);
      process.exit(1);
    }
    try {
      this.manifest = Manifest.parse(text);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      this.server.log('warning', '\n*** FATAL AOF MANIFEST FILE ERROR ***\n');
      if (e.line !== null) {
        this.server.log('warning', `Reading the manifest file, at line ${e.lineNumber}\n`);
        this.server.log('warning', `>>> '${e.line}'\n`);
      }
      this.server.log('warning', `${e.message}\n`);
      process.exit(1);
    }
  }

  /**
   * Loads every file of the manifest (after upgrading an old single-file AOF). Returns the
   * combined status; 'failed'/'open_err' are fatal for the caller.
   */
  loadAll(): AofLoadStatus {
    return runToEnd(this.loadAllSteps());
  }

  /** loadAll in steps (see loadRdbSteps). */
  *loadAllSteps(): Generator<void, AofLoadStatus> {
    const single = this.fileName;
    if (isFile(single)) {
      const m = this.manifest;
      if (!isDir(this.dirName) || m.isEmpty || (m.base !== null && m.incr.length === 0 && m.base.name === single && !isFile(this.filePath(single)))) {
        this.upgrade();
      }
    }
    const man = this.manifest;
    if (man.isEmpty) return 'not_exist';
    const files: AofInfo[] = [...(man.base ? [man.base] : []), ...man.incr];
    let total = 0;
    for (const f of files) {
      try {
        total += fs.statSync(this.filePath(f.name)).size;
      } catch (e) {
        this.server.log('warning', `Unable to obtain the AOF file ${f.name} length. stat: ${(e as Error).message}`);
        return 'failed';
      }
    }
    if (total === 0) return 'empty';
    const wasLoading = this.server.loading;
    this.server.loading = true;
    // The commands replayed must not be logged or propagated again (DEBUG LOADAOF).
    const state = this.state;
    this.state = 'off';
    const propagators = this.server.propagators.splice(0);
    let status: AofLoadStatus = 'ok';
    try {
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        const last = i === files.length - 1;
        const start = performance.now();
        let ret = yield* loadAofFileSteps(this.server, this.dirName, f.name, { oldStyle: f.name === single });
        if (ret === 'ok' || (ret === 'truncated' && last)) {
          this.server.log('notice', `DB loaded from ${f.type === 'b' ? 'base' : 'incr'} file ${f.name}: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
        }
        if (ret === 'empty' && f.type === 'i') ret = 'ok';
        if (ret === 'truncated' && !last) {
          ret = 'failed';
          this.server.log('warning', 'Fatal error: the truncated file is not the last file');
        }
        if (ret === 'open_err' || ret === 'failed' || ret === 'not_exist') return ret === 'not_exist' ? 'failed' : ret;
        if (ret === 'truncated') status = 'truncated';
      }
    } finally {
      this.server.loading = wasLoading;
      this.state = state;
      this.server.propagators.push(...propagators);
    }
    this.currentSize = total;
    this.baseSize = total;
    return status;
  }

  /** The AOF directory, created if missing; exits when it can't be, as Redis does. */
  private createDir(): string {
    const dir = this.dirName;
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      this.server.log('warning', `Can't open or create append-only dir ${dir}: ${(e as Error).message}`);
      process.exit(1);
    }
    return dir;
  }

  /** Moves an old-style single AOF file into the directory as the base. */
  private upgrade(): void {
    const dir = this.createDir();
    const m = new Manifest();
    m.base = { name: this.fileName, seq: 1, type: 'b' };
    m.baseSeq = 1;
    m.dirty = true;
    try {
      writeManifest(dir, this.fileName, m);
      fs.renameSync(this.fileName, this.filePath(this.fileName));
    } catch (e) {
      this.server.log('warning', `Error trying to move the old AOF file ${this.fileName} into dir ${dir}: ${(e as Error).message}`);
      process.exit(1);
    }
    this.manifest = m;
    this.server.log('notice', `Successfully migrated an old-style AOF file (${this.fileName}) into the AOF directory (${dir}).`);
  }

  /**
   * After loading at startup with appendonly yes: creates a base if there is none (from the
   * current dataset), opens the last incremental file for appending (or creates one) and
   * persists the manifest. Exits on failure, as Redis does.
   */
  openOnStart(): void {
    const dir = this.createDir();
    const m = this.manifest;
    const hadIncr = m.incr.length > 0;
    if (m.base === null && !hadIncr) {
      const base = m.newBase(this.fileName, this.values['aof-use-rdb-preamble'] as boolean);
      try {
        this.rewriteSync(this.filePath(base.name));
      } catch (e) {
        this.server.log('warning', `Write error writing append only file on disk: ${(e as Error).message}`);
        process.exit(1);
      }
      this.server.log('notice', `Creating AOF base file ${base.name} on server start`);
    }
    const incr = m.lastIncr(this.fileName);
    try {
      this.fd = fs.openSync(this.filePath(incr.name), 'a', 0o644);
    } catch (e) {
      this.server.log('warning', `Can't open the append-only file ${incr.name}: ${(e as Error).message}`);
      process.exit(1);
    }
    try {
      if (m.dirty) writeManifest(dir, this.fileName, m);
    } catch (e) {
      this.server.log('warning', `Can't persist the AOF manifest: ${(e as Error).message}`);
      process.exit(1);
    }
    this.incrSize = fs.fstatSync(this.fd).size;
    this.incrFsynced = this.incrSize;
    this.currentSize = this.totalSize();
    if (this.baseSize === 0) this.baseSize = this.currentSize;
    this.state = 'on';
    this.selectedDb = -1;
    this.server.log('notice', hadIncr ? `Opening AOF incr file ${incr.name} on server start` : `Creating AOF incr file ${incr.name} on server start`);
    this.deleteHistory();
  }

  private totalSize(): number {
    let total = 0;
    const m = this.manifest;
    for (const f of [...(m.base ? [m.base] : []), ...m.incr]) {
      try {
        total += fs.statSync(this.filePath(f.name)).size;
      } catch {
        // missing file: counted as empty
      }
    }
    return total;
  }

  /** Deletes history files and drops them from the manifest (unless aof-disable-auto-gc). */
  deleteHistory(): void {
    const m = this.manifest;
    if (this.values['aof-disable-auto-gc'] || m.history.length === 0) return;
    for (const h of m.history) {
      this.server.log('notice', `Removing the history file ${h.name} in the background`);
      fs.unlink(this.filePath(h.name), () => {});
    }
    m.history = [];
    m.dirty = true;
    try {
      writeManifest(this.dirName, this.fileName, m);
    } catch (e) {
      this.server.log('warning', `Can't persist the AOF manifest: ${(e as Error).message}`);
    }
  }

  // ---- Rewriting ----

  private emitterFor(w: RdbWriter, preamble: boolean): SnapshotEmitter & { needStamp: boolean } {
    return preamble ? new RdbEmitter(w, this.server, { aofBase: true }) : new AofEmitter(w, this.server);
  }

  /** Writes the whole dataset as a base file, synchronously (startup with no AOF yet). */
  rewriteSync(target: string): void {
    const tmp = `temp-rewriteaof-${process.pid}.aof`;
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      const w = new RdbWriter((chunk) => writeAll(fd, chunk), {
        compression: this.values.rdbcompression as boolean,
        checksum: this.values.rdbchecksum as boolean,
        listMaxListpackSize: this.values['list-max-listpack-size'] as number,
      });
      const emitter = this.emitterFor(w, this.values['aof-use-rdb-preamble'] as boolean);
      new Snapshot(this.server, emitter, { needStamp: emitter.needStamp }).runToEnd();
      w.flush();
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, target);
    fsyncDir(path.dirname(target));
  }

  /** Whether an automatic rewrite is paused after repeated failures. */
  rewriteLimited(): boolean {
    if (this.consecutiveFailures < 3) {
      this.nextRewriteDelay = 0;
      this.nextRewriteAt = 0;
      return false;
    }
    const now = Date.now();
    if (this.nextRewriteAt !== 0) {
      if (now < this.nextRewriteAt) return true;
      this.nextRewriteAt = 0;
      return false;
    }
    this.nextRewriteDelay = Math.min(this.nextRewriteDelay === 0 ? 1 : this.nextRewriteDelay * 2, 60);
    this.nextRewriteAt = now + this.nextRewriteDelay * 60000;
    this.server.log('warning', `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.nextRewriteDelay} minutes`);
    return true;
  }

  /**
   * Starts a background rewrite (the caller checked that no other job runs). Returns false
   * (and logs) when it can't start.
   */
  startRewrite(): boolean {
    const server = this.server;
    this.write();
    // Without a file (AOF off, or on but not started), anything buffered is in the snapshot.
    if (this.fd < 0) this.buf = '';
    const dir = this.dirName;
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      server.log('warning', `Can't open or create append-only dir ${dir}: ${(e as Error).message}`);
      this.rewriteFailed();
      return false;
    }
    // Open the new incremental file first: writes from now on go there (with AOF off, there
    // is none: only a new base is written).
    if (this.state !== 'off') {
      let newManifest: Manifest | null = null;
      let newFd = -1;
      let incrName: string;
      if (this.state === 'on') {
        newManifest = this.manifest.clone();
        incrName = newManifest.newIncr(this.fileName).name;
      } else {
        incrName = `temp-${this.fileName}.incr`;
      }
      try {
        newFd = fs.openSync(this.filePath(incrName), 'w', 0o644);
        if (newManifest !== null) writeManifest(dir, this.fileName, newManifest);
      } catch (e) {
        server.log('warning', `Can't open the append-only file ${incrName}: ${(e as Error).message}`);
        if (newFd >= 0) fs.closeSync(newFd);
        this.rewriteFailed();
        return false;
      }
      server.log('notice', `Creating AOF incr file ${incrName} on background rewrite`);
      if (this.fd >= 0) {
        const old = this.fd;
        fs.fsync(old, () => fs.close(old, () => {}));
      }
      this.fd = newFd;
      this.incrSize = 0;
      this.incrFsynced = 0;
      this.selectedDb = -1;
      if (newManifest !== null) this.manifest = newManifest;
    }

    const preamble = this.values['aof-use-rdb-preamble'] as boolean;
    const tmp = `temp-rewriteaof-bg-${process.pid}.aof`;
    let job: BackgroundJob;
    try {
      job = new BackgroundJob(server, {
        kind: 'aof',
        path: tmp,
        compression: this.values.rdbcompression as boolean,
        checksum: this.values.rdbchecksum as boolean,
        makeEmitter: (w) => this.emitterFor(w, preamble),
        done: (err) => this.rewriteDone(job, err, preamble),
      });
    } catch (e) {
      server.log('warning', `Can't rewrite append only file in background: ${(e as Error).message}`);
      this.rewriteFailed();
      return false;
    }
    this.p.job = job;
    this.rewriteScheduled = false;
    server.log('notice', `Background append only file rewriting started by pid ${process.pid}`);
    job.start();
    return true;
  }

  private rewriteFailed(): void {
    this.lastBgrewriteOk = false;
    this.consecutiveFailures++;
  }

  private rewriteDone(job: BackgroundJob, err: Error | null, preamble: boolean): void {
    const server = this.server;
    if (this.p.job === job) this.p.job = null;
    this.lastRewriteTimeSec = Math.round((Date.now() - job.startedAt) / 1000);
    if (err !== null) {
      server.log('warning', `Background AOF rewrite terminated with error: ${err.message}`);
      this.rewriteFailed();
      this.p.afterJob();
      return;
    }
    server.log('notice', `Successfully created the temporary AOF base file ${job.path}`);
    server.log('notice', 'Background AOF rewrite terminated with success');
    // Write what accumulated to the new incremental file before switching the manifest.
    this.write();
    const m = this.manifest.clone();
    const base = m.newBase(this.fileName, preamble);
    let tempIncr: string | null = null;
    let newIncr: AofInfo | null = null;
    if (this.state === 'wait_rewrite') {
      tempIncr = `temp-${this.fileName}.incr`;
      newIncr = m.newIncr(this.fileName);
    }
    m.markRewrittenIncrAsHistory(this.fd >= 0);
    try {
      fs.renameSync(job.path, this.filePath(base.name));
      server.log('notice', `Successfully renamed the temporary AOF base file ${job.path} into ${base.name}`);
      if (tempIncr !== null && newIncr !== null) {
        fs.renameSync(this.filePath(tempIncr), this.filePath(newIncr.name));
        server.log('notice', `Successfully renamed the temporary AOF incr file ${tempIncr} into ${newIncr.name}`);
      }
      writeManifest(this.dirName, this.fileName, m);
    } catch (e) {
      server.log('warning', `Error trying to finish the AOF rewrite: ${(e as Error).message}`);
      fs.rmSync(job.path, { force: true });
      this.rewriteFailed();
      this.p.afterJob();
      return;
    }
    this.manifest = m;
    if (this.state === 'wait_rewrite') {
      this.state = 'on';
      server.log('notice', 'Background AOF rewrite finished successfully');
    } else {
      server.log('notice', 'Background AOF rewrite finished successfully');
    }
    this.deleteHistory();
    this.currentSize = this.totalSize();
    this.baseSize = this.currentSize;
    this.lastBgrewriteOk = true;
    this.consecutiveFailures = 0;
    this.rewrites++;
    this.p.afterJob();
  }

  /** Kills a running rewrite (turning AOF off, FLUSHALL doesn't). */
  killRewrite(): void {
    const job = this.p.job;
    if (job === null || job.kind !== 'aof') return;
    this.server.log('notice', `Killing running AOF rewrite child: ${process.pid}`);
    job.abort();
    this.p.job = null;
    if (this.state === 'wait_rewrite') fs.rmSync(this.filePath(`temp-${this.fileName}.incr`), { force: true });
  }

  // ---- Turning AOF on and off at runtime ----

  /** CONFIG SET appendonly yes. Returns an error message on failure. */
  enable(): string | undefined {
    if (this.state !== 'off') return undefined;
    this.state = 'wait_rewrite';
    if (this.p.job !== null && this.p.job.kind !== 'aof') {
      this.rewriteScheduled = true;
      this.server.log('warning', 'AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
    } else if (this.server.callDepth > 1) {
      this.rewriteScheduled = true;
      this.server.log('warning', 'AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
    } else {
      if (this.p.job !== null) {
        this.server.log('warning', 'AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
        this.killRewrite();
      }
      if (!this.startRewrite()) {
        this.state = 'off';
        this.server.log('warning', "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
        return 'Failed to enable AOF';
      }
    }
    this.lastFsync = Date.now();
    this.server.propagators.includes(this.feed) || this.server.propagators.push(this.feed);
    return undefined;
  }

  /** CONFIG SET appendonly no. */
  disable(): void {
    if (this.state === 'off') return;
    this.killRewrite();
    this.flushAndSync();
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    this.selectedDb = -1;
    this.state = 'off';
    this.rewriteScheduled = false;
    this.incrSize = 0;
    this.incrFsynced = 0;
    this.buf = '';
    const i = this.server.propagators.indexOf(this.feed);
    if (i >= 0) this.server.propagators.splice(i, 1);
    if (this.turnScheduled) {
      this.server.beforeReply = null;
      const held = this.held;
      this.held = [];
      for (const c of held) this.server.flushClient(c);
    }
  }

  /** Closes the file at shutdown after writing and fsyncing everything. */
  close(): void {
    if (this.state === 'off') return;
    this.server.log('notice', 'Calling fsync() on the AOF file.');
    this.flushAndSync();
  }

  /** The AOF fields of INFO persistence. */
  infoFields(): [string, string | number][] {
    const job = this.p.job;
    const rewriting = job !== null && job.kind === 'aof';
    const fields: [string, string | number][] = [
      ['aof_enabled', this.state !== 'off' ? 1 : 0],
      ['aof_rewrite_in_progress', rewriting ? 1 : 0],
      ['aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.lastRewriteTimeSec],
      ['aof_current_rewrite_time_sec', rewriting ? Math.round((Date.now() - job.startedAt) / 1000) : -1],
      ['aof_last_bgrewrite_status', this.lastBgrewriteOk ? 'ok' : 'err'],
      ['aof_rewrites', this.rewrites],
      ['aof_rewrites_consecutive_failures', this.consecutiveFailures],
      ['aof_last_write_status', this.lastWriteOk && this.bioFsyncOk ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
    ];
    if (this.state !== 'off') {
      fields.push(
        ['aof_current_size', this.currentSize],
        ['aof_base_size', this.baseSize],
        ['aof_pending_rewrite', this.rewriteScheduled ? 1 : 0],
        ['aof_buffer_length', this.buf.length],
        ['aof_pending_bio_fsync', this.fsyncInProgress ? 1 : 0],
        ['aof_delayed_fsync', this.delayedFsync],
      );
    }
    return fields;
  }

  /** Reloads everything from the AOF files (DEBUG LOADAOF); returns false when loading failed. */
  reload(): AofLoadStatus {
    if (this.state !== 'off') this.flushAndSync();
    for (const db of this.server.dbs) db.clear();
    rdbHooks.functions?.clear?.();
    this.loadManifest();
    this.deleteHistory();
    return this.loadAll();
  }

  /** Growth-triggered rewrite check (cron). */
  shouldAutoRewrite(): boolean {
    if (this.state !== 'on') return false;
    const perc = this.values['auto-aof-rewrite-percentage'] as number;
    const min = this.values['auto-aof-rewrite-min-size'] as number;
    if (!perc || this.currentSize <= min) return false;
    const base = this.baseSize || 1;
    const growth = Math.floor((this.currentSize * 100) / base) - 100;
    if (growth < perc || this.rewriteLimited()) return false;
    this.server.log('notice', `Starting automatic rewriting of AOF on ${growth}% growth`);
    return true;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
