// Persistence state and policy: SAVE/BGSAVE and save points, the MISCONF write check, loading
// at startup, saving at shutdown, DEBUG RELOAD / LOADAOF, INFO persistence fields, and the AOF
// (aof/aof.ts). One background job (BGSAVE or AOF rewrite) runs at a time, as Redis runs one
// child at a time.
//
// Wiring (see also the report): main.ts calls `setupPersistence(server)` after server.init()
// and `loadDataOnStart(server)` before listening; SHUTDOWN and signals call
// `persistence(server).prepareShutdown(...)`; DEBUG RELOAD / DEBUG LOADAOF call `debugReload`
// / `debugLoadAof`; INFO's persistence section is `persistence(server).infoFields()`; FLUSHALL
// calls `persistence(server).onFlushAll()` after emptying the databases.

import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { Flag, type Command } from '../commands/command.js';
import { BackgroundJob, fsyncDir, writeAll } from './job.js';
import { RdbEmitter, describeLoadError, loadRdbSteps, rdbHooks, RdbFatalError, RdbSignatureError, runToEnd } from './rdb/file.js';
import { RdbReader } from './rdb/reader.js';
import { RdbWriter } from './rdb/writer.js';
import { Snapshot } from './snapshot.js';
import { registerValueTypes } from './value-types.js';
import { addDebugSubcommand } from '../commands/debug.js';
import { debugLoadAof, debugReload } from '../commands/debug-persistence.js';
import { Aof } from './aof/aof.js';
import { CorruptDataError, UnsupportedValueError } from './errors.js';
import type { SavePoint } from '../config/settings.js';

const BGSAVE_RETRY_DELAY_MS = 5000;

/** The working directory for messages ("unknown" when it was removed). */
function cwd(): string {
  try {
    return process.cwd();
  } catch {
    return 'unknown';
  }
}

export const MISCONF_RDB =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

export class Persistence {
  /** Unix time (s) of the last successful save (LASTSAVE). */
  lastSave = Math.floor(Date.now() / 1000);
  lastBgsaveOk = true;
  private lastBgsaveTry = 0;
  rdbSaves = 0;
  lastBgsaveTimeSec = -1;
  private dirtyBeforeBgsave = 0;
  bgsaveScheduled = false;
  /** The running background job (BGSAVE or AOF rewrite). */
  job: BackgroundJob | null = null;
  lastLoadKeysLoaded = 0;
  /** The aux fields of the last RDB file loaded (replication reads repl-id, repl-offset…). */
  lastLoadAux: Map<string, string> | null = null;
  /**
   * Told when a BGSAVE ends (true: the file is in place) or is stopped (false): replicas
   * waiting for it are served or dropped.
   */
  readonly bgsaveListeners: ((ok: boolean) => void)[] = [];
  lastLoadKeysExpired = 0;
  readonly aof: Aof;
  private installed = false;

  constructor(readonly server: Server) {
    this.aof = new Aof(server, this);
  }

  private get values(): Record<string, any> {
    return this.server.config.values;
  }

  get rdbFile(): string {
    return this.values.dbfilename as string;
  }

  /** Installs the cron, the MISCONF check and the runtime setting hooks. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    const server = this.server;
    server.cronHooks.push(() => this.cron());
    server.checks.push(this.misconfCheck);
    const hook = (name: string, apply: (value: any, old: any) => string | void) => {
      const s = server.config.lookup(name)!;
      const prev = s.apply;
      s.apply = prev ? (value, old) => prev(value, old) ?? apply(value, old) : apply;
    };
    hook('appendonly', (on: boolean, old: boolean) => {
      if (on === old) return;
      if (on) return this.aof.enable();
      this.aof.disable();
    });
    hook('aof-disable-auto-gc', (off: boolean) => {
      if (!off && this.aof.state !== 'off') this.aof.deleteHistory();
    });
    hook('dbfilename', (name: string) => {
      if (name.includes('/')) return "dbfilename can't be a path, just a filename";
    });
  }

  // ---- MISCONF ----

  private readonly misconfCheck = (c: Client, cmd: Command): string | undefined => {
    if ((cmd.flags & Flag.Write) === 0 && cmd.name !== 'ping') return undefined;
    if ((c.flags & (1 << 8)) /* ClientFlag.Master */ !== 0) return undefined;
    return this.writeDeniedReason();
  };

  /** The MISCONF error writes get now, if any. */
  writeDeniedReason(): string | undefined {
    const v = this.values;
    if (v['stop-writes-on-bgsave-error'] && (v.save as SavePoint[]).length > 0 && !this.lastBgsaveOk) return MISCONF_RDB;
    const aofError = this.aof.writeError();
    if (aofError !== undefined) return `MISCONF Errors writing to the AOF file: ${aofError}`;
    return undefined;
  }

  // ---- SAVE ----

  /** Writes the RDB file synchronously (SAVE, shutdown, DEBUG RELOAD). */
  save(): boolean {
    const server = this.server;
    const tmp = `temp-${process.pid}.rdb`;
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w', 0o644);
    } catch (e) {
      server.log('warning', `Failed opening the temp RDB file ${tmp} (in server root dir ${cwd()}) for saving: ${(e as Error).message}`);
      return false;
    }
    let op = 'rdbSaveRio';
    try {
      const w = new RdbWriter((chunk) => writeAll(fd, chunk), {
        compression: this.values.rdbcompression as boolean,
        checksum: this.values.rdbchecksum as boolean,
        listMaxListpackSize: this.values['list-max-listpack-size'] as number,
      });
      const emitter = new RdbEmitter(w, server);
      new Snapshot(server, emitter, { needStamp: emitter.needStamp }).runToEnd();
      op = 'fsync';
      fs.fsyncSync(fd);
      op = 'fclose';
      fs.closeSync(fd);
      fd = -1;
    } catch (e) {
      server.log('warning', `Write error saving DB on disk(${op}): ${(e as Error).message}`);
      if (fd >= 0) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      return false;
    }
    try {
      fs.renameSync(tmp, this.rdbFile);
    } catch (e) {
      server.log('warning', `Error moving temp DB file ${tmp} on the final destination ${this.rdbFile} (in server root dir ${cwd()}): ${(e as Error).message}`);
      fs.rmSync(tmp, { force: true });
      return false;
    }
    fsyncDir(path.dirname(path.resolve(this.rdbFile)));
    server.log('notice', 'DB saved on disk');
    server.dirty = 0;
    this.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveOk = true;
    return true;
  }

  // ---- BGSAVE ----

  /** Starts a background save; false (logged) when it can't. The caller checked `job`. */
  bgsave(): boolean {
    const server = this.server;
    this.rdbSaves++;
    this.dirtyBeforeBgsave = server.dirty;
    this.lastBgsaveTry = Date.now();
    // Not SAVE's temp-<pid>.rdb: a SAVE (DEBUG RELOAD) may run while this file is finished.
    const tmp = `temp-${process.pid}-bg.rdb`;
    let job: BackgroundJob;
    try {
      job = new BackgroundJob(server, {
        kind: 'rdb',
        path: tmp,
        compression: this.values.rdbcompression as boolean,
        checksum: this.values.rdbchecksum as boolean,
        makeEmitter: (w) => new RdbEmitter(w, server),
        done: (err) => this.bgsaveDone(job, err),
      });
    } catch (e) {
      this.lastBgsaveOk = false;
      server.log('warning', `Failed opening the temp RDB file ${tmp} (in server root dir ${cwd()}) for saving: ${(e as Error).message}`);
      server.log('warning', `Can't save in background: ${(e as Error).message}`);
      return false;
    }
    this.job = job;
    this.bgsaveScheduled = false;
    server.log('notice', `Background saving started by pid ${process.pid}`);
    job.start();
    return true;
  }

  private bgsaveDone(job: BackgroundJob, err: Error | null): void {
    if (err !== null) {
      this.bgsaveFinished(job, err);
      return;
    }
    // The rename is synchronous (a later SAVE must not be overwritten by it); the directory
    // fsync runs off the event loop (a journal commit can take a while).
    try {
      fs.renameSync(job.path, this.rdbFile);
    } catch (e) {
      this.server.log('warning', `Error moving temp DB file ${job.path} on the final destination ${this.rdbFile} (in server root dir ${cwd()}): ${(e as Error).message}`);
      fs.rmSync(job.path, { force: true });
      this.bgsaveFinished(job, e as Error);
      return;
    }
    fs.open(path.dirname(path.resolve(this.rdbFile)), 'r', (oe, dfd) => {
      if (oe) {
        this.bgsaveFinished(job, null);
        return;
      }
      fs.fsync(dfd, () => fs.close(dfd, () => this.bgsaveFinished(job, null)));
    });
  }

  private bgsaveFinished(job: BackgroundJob, err: Error | null): void {
    const server = this.server;
    if (this.job !== job) return; // stopped meanwhile (FLUSHALL, shutdown)
    this.job = null;
    this.lastBgsaveTimeSec = Math.round((Date.now() - job.startedAt) / 1000);
    if (err === null) {
      server.log('notice', 'DB saved on disk');
      server.log('notice', 'Background saving terminated with success');
      server.dirty -= this.dirtyBeforeBgsave;
      if (server.dirty < 0) server.dirty = 0;
      this.lastSave = Math.floor(Date.now() / 1000);
      this.lastBgsaveOk = true;
    } else {
      server.log('warning', `Write error saving DB on disk: ${err.message}`);
      server.log('warning', 'Background saving error');
      this.lastBgsaveOk = false;
    }
    for (const l of this.bgsaveListeners) l(err === null);
    this.afterJob();
  }

  /** Stops a running BGSAVE (FLUSHALL, shutdown), removing its temporary file. */
  killBgsave(): void {
    const job = this.job;
    if (job === null || job.kind !== 'rdb') return;
    job.abort();
    this.job = null;
    this.server.log('warning', 'Background saving terminated by signal 10');
    for (const l of this.bgsaveListeners) l(false);
  }

  /** A job ended: start what was scheduled. */
  afterJob(): void {
    setImmediate(() => this.startScheduled());
  }

  private startScheduled(): void {
    if (this.job !== null) return;
    if (this.aof.rewriteScheduled && !this.aof.rewriteLimited()) {
      this.aof.startRewrite();
      return;
    }
    if (this.bgsaveScheduled && (Date.now() - this.lastBgsaveTry > BGSAVE_RETRY_DELAY_MS || this.lastBgsaveOk)) {
      this.bgsave();
    }
  }

  // ---- Cron ----

  cron(): void {
    const server = this.server;
    if (server.loading) return;
    this.aof.cron();
    if (this.job !== null) return;
    this.startScheduled();
    if (this.job !== null) return;
    const now = Date.now();
    const nowSec = Math.floor(now / 1000);
    for (const sp of this.values.save as SavePoint[]) {
      if (server.dirty >= sp.changes && nowSec - this.lastSave > sp.seconds && (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY_MS || this.lastBgsaveOk)) {
        server.log('notice', `${sp.changes} changes in ${sp.seconds} seconds. Saving...`);
        this.bgsave();
        return;
      }
    }
    if (this.aof.shouldAutoRewrite()) this.aof.startRewrite();
  }

  // ---- FLUSHALL, shutdown, DEBUG ----

  /**
   * FLUSHALL (after emptying the databases): a running BGSAVE is stopped and, with save points
   * configured, an RDB of the empty dataset is written at once, as Redis does.
   */
  onFlushAll(): void {
    this.killBgsave();
    if ((this.values.save as SavePoint[]).length > 0) {
      const dirty = this.server.dirty;
      this.save();
      this.server.dirty = dirty;
    }
  }

  /**
   * Before the process exits (SHUTDOWN, SIGTERM/SIGINT): stops background jobs, fsyncs the AOF
   * and, when save points are configured (or `save` is forced) and not `nosave`, writes the
   * RDB. Returns false when the save failed (the server must not exit).
   */
  prepareShutdown(opts: { save?: boolean; nosave?: boolean } = {}): boolean {
    const server = this.server;
    if (this.job !== null) {
      if (this.job.kind === 'rdb') {
        server.log('warning', 'There is a child saving an .rdb. Killing it!');
        this.killBgsave();
      } else {
        this.aof.killRewrite();
      }
    }
    this.aof.close();
    // Never save a half-loaded dataset.
    const wantSave = !opts.nosave && !server.loading && (opts.save || (this.values.save as SavePoint[]).length > 0);
    if (wantSave) {
      server.log('notice', 'Saving the final RDB snapshot before exiting.');
      if (!this.save()) {
        server.log('warning', "Error trying to save the DB, can't exit.");
        return false;
      }
    }
    return true;
  }

  /**
   * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves (unless nosave), empties the databases
   * (unless noflush) and loads the RDB file (merge: existing keys are replaced). Returns the
   * error message for the client, or undefined on success.
   */
  debugReload(opts: { merge?: boolean; noflush?: boolean; nosave?: boolean } = {}): string | undefined {
    if (this.job !== null) this.job.finishNow();
    if (!opts.nosave && !this.save()) return 'ERR';
    if (!opts.noflush) {
      for (const db of this.server.dbs) db.clear();
      rdbHooks.functions?.clear?.();
    }
    const ok = this.loadRdbFile({ allowDuplicates: opts.merge ?? false });
    if (ok !== true) return 'ERR Error trying to load the RDB dump, check server logs.';
    this.server.log('warning', 'DB reloaded by DEBUG RELOAD');
    return undefined;
  }

  /**
   * DEBUG LOADAOF: flushes the AOF, empties the databases and loads them from the AOF files (of
   * the directory, whether AOF is on or not). Exits when loading fails, as Redis does.
   */
  debugLoadAof(): string | undefined {
    if (this.job !== null) this.job.finishNow();
    const status = this.aof.reload();
    if (status !== 'ok' && status !== 'empty') {
      this.server.log('warning', 'Fatal error loading the AOF by DEBUG LOADAOF. Exiting.');
      process.exit(1);
    }
    this.server.dirty = 0;
    this.server.log('warning', 'Append Only File loaded by DEBUG LOADAOF');
    return undefined;
  }

  // ---- Loading ----

  /**
   * Loads the RDB file into the databases. true on success, 'missing' when there is no file,
   * false on error (logged as Redis logs it).
   */
  loadRdbFile(opts: { allowDuplicates?: boolean } = {}): true | false | 'missing' | 'unreadable' {
    return runToEnd(this.loadRdbFileSteps(opts));
  }

  /** loadRdbFile in steps (see loadRdbSteps). */
  *loadRdbFileSteps(opts: { allowDuplicates?: boolean } = {}): Generator<void, true | false | 'missing' | 'unreadable'> {
    const server = this.server;
    let fd: number;
    try {
      fd = fs.openSync(this.rdbFile, 'r');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') return 'missing';
      server.log('warning', `Fatal error loading the DB: ${err.message}. Exiting.`);
      return 'unreadable';
    }
    const r = RdbReader.fromFile(fd);
    const wasLoading = server.loading;
    server.loading = true;
    this.loadingProgress = { start: Date.now(), total: safeSize(fd), reader: r };
    try {
      const result = yield* loadRdbSteps(server, r, { allowDuplicates: opts.allowDuplicates });
      this.lastLoadAux = result.aux;
      this.lastLoadKeysLoaded = result.keysLoaded;
      this.lastLoadKeysExpired = result.keysExpired;
      return true;
    } catch (e) {
      if (e instanceof CorruptDataError || e instanceof RdbFatalError || e instanceof RdbSignatureError || e instanceof UnsupportedValueError) {
        for (const line of describeLoadError(e, r)) server.log('warning', line);
        return false;
      }
      if ((e as NodeJS.ErrnoException).code !== undefined) {
        server.log('warning', `Fatal error loading the DB: ${(e as Error).message}. Exiting.`);
        return 'unreadable';
      }
      throw e;
    } finally {
      server.loading = wasLoading;
      this.loadingProgress = null;
      fs.closeSync(fd);
    }
  }

  /** While loading a file: when it started, its size and the reader (INFO loading_* fields). */
  loadingProgress: { start: number; total: number; reader: RdbReader } | null = null;

  // ---- INFO ----

  /** INFO persistence fields, in Redis's order. */
  infoFields(): [string, string | number][] {
    const server = this.server;
    const job = this.job;
    const saving = job !== null && job.kind === 'rdb';
    const perc = job !== null && job.snapshot.keysTotal > 0 ? (job.snapshot.keysProcessed * 100) / job.snapshot.keysTotal : 0;
    return [
      ['loading', server.loading ? 1 : 0],
      ['async_loading', 0],
      ['current_cow_peak', 0],
      ['current_cow_size', 0],
      ['current_cow_size_age', 0],
      ['current_fork_perc', perc.toFixed(2)],
      ['current_save_keys_processed', job !== null ? job.snapshot.keysProcessed : 0],
      ['current_save_keys_total', job !== null ? job.snapshot.keysTotal : 0],
      ['rdb_changes_since_last_save', server.dirty],
      ['rdb_bgsave_in_progress', saving ? 1 : 0],
      ['rdb_last_save_time', this.lastSave],
      ['rdb_last_bgsave_status', this.lastBgsaveOk ? 'ok' : 'err'],
      ['rdb_last_bgsave_time_sec', this.lastBgsaveTimeSec],
      ['rdb_current_bgsave_time_sec', saving ? Math.round((Date.now() - job.startedAt) / 1000) : -1],
      ['rdb_saves', this.rdbSaves],
      ['rdb_last_cow_size', 0],
      ['rdb_last_load_keys_expired', this.lastLoadKeysExpired],
      ['rdb_last_load_keys_loaded', this.lastLoadKeysLoaded],
      ...this.aof.infoFields(),
      ...this.loadingFields(),
    ];
  }

  private loadingFields(): [string, string | number][] {
    const lp = this.loadingProgress;
    if (!this.server.loading || lp === null) return [];
    const loaded = Math.min(lp.reader.offset, lp.total);
    const perc = lp.total > 0 ? (loaded * 100) / lp.total : 0;
    const elapsed = (Date.now() - lp.start) / 1000;
    const eta = loaded > 0 ? Math.round(((lp.total - loaded) * elapsed) / loaded) : 1;
    return [
      ['loading_start_time', Math.floor(lp.start / 1000)],
      ['loading_total_bytes', lp.total],
      ['loading_rdb_used_mem', 0],
      ['loading_loaded_bytes', loaded],
      ['loading_loaded_perc', perc.toFixed(2)],
      ['loading_eta_seconds', eta],
    ];
  }
}

/** The server's persistence state. */
export function persistence(server: Server): Persistence {
  return server.state('persistence', () => new Persistence(server));
}

/** Installs persistence (cron, checks, setting hooks); call after server.init(). */
export function setupPersistence(server: Server): Persistence {
  registerValueTypes();
  const p = persistence(server);
  p.install();
  addDebugSubcommand(server, 'reload', debugReload);
  addDebugSubcommand(server, 'loadaof', (c) => debugLoadAof(c));
  server.info.section('persistence', () => p.infoFields());
  return p;
}

/**
 * Loads the dataset at startup: from the AOF when appendonly is yes (then opens it for
 * writing), else from the RDB file. Exits the process (code 1) on a bad file, as Redis does.
 */
export function loadDataOnStart(server: Server): void {
  runToEnd(loadSteps(server));
}

export const LOADING_ERROR = 'LOADING Redis is loading the dataset in memory';

/**
 * The pause between two steps of a load served from the event loop: the next turn, or, with
 * key-load-delay (µs per key, a test knob), timers for the delay added up so far.
 */
export class LoadPacer {
  private debtUs = 0;

  constructor(private readonly server: Server) {}

  pause(): Promise<void> {
    const delay = this.server.config.values['key-load-delay'] as number;
    if (delay > 0) this.debtUs += delay;
    if (this.debtUs < 1000) return new Promise((r) => setImmediate(r));
    const ms = Math.floor(this.debtUs / 1000);
    this.debtUs -= ms * 1000;
    return new Promise((r) => setTimeout(r, ms));
  }
}

/**
 * loadDataOnStart while serving clients, as Redis does: the caller listens first; between
 * steps (every loading-process-events-interval-bytes of input, every 1024 AOF commands) the
 * event loop runs, and commands without the `loading` flag are refused with LOADING. Expired
 * keys are hidden but not deleted meanwhile, and no save starts.
 */
export async function loadDataOnStartAsync(server: Server): Promise<void> {
  const steps = loadSteps(server);
  const check = (_c: Client, cmd: Command): string | undefined => (server.loading && (cmd.flags & Flag.Loading) === 0 ? LOADING_ERROR : undefined);
  server.checks.unshift(check);
  const keep = server.keepExpiredKeys;
  server.keepExpiredKeys = true;
  const pacer = new LoadPacer(server);
  try {
    for (;;) {
      const x = steps.next();
      if (x.done) break;
      await pacer.pause();
    }
  } finally {
    server.keepExpiredKeys = keep;
    const i = server.checks.indexOf(check);
    if (i >= 0) server.checks.splice(i, 1);
  }
}

function* loadSteps(server: Server): Generator<void, void> {
  const p = persistence(server);
  const start = performance.now();
  const seconds = () => ((performance.now() - start) / 1000).toFixed(3);
  server.loading = true;
  try {
    if (server.config.values.appendonly) {
      p.aof.loadManifest();
      const status = yield* p.aof.loadAllSteps();
      if (status === 'failed' || status === 'open_err') process.exit(1);
      if (status !== 'not_exist') {
        server.log('notice', `DB loaded from append only file: ${seconds()} seconds`);
      } else {
        // No AOF yet. Redis 7.0 would start empty here even if an RDB file exists (and then
        // overwrite it at the next save); Larder loads the RDB so that turning appendonly on
        // in the configuration never loses the data: the new AOF base is written from it.
        const r = yield* p.loadRdbFileSteps();
        if (r === false || r === 'unreadable') {
          if (r === false) server.log('warning', 'Terminating server after rdb file reading failure.');
          process.exit(1);
        }
        if (r === true) server.log('notice', `DB loaded from disk: ${seconds()} seconds`);
      }
    } else {
      const r = yield* p.loadRdbFileSteps();
      if (r === false) {
        server.log('warning', 'Terminating server after rdb file reading failure.');
        process.exit(1);
      }
      if (r === 'unreadable') process.exit(1);
      if (r === true) server.log('notice', `DB loaded from disk: ${seconds()} seconds`);
    }
  } finally {
    server.loading = false;
  }
  if (server.config.values.appendonly) {
    p.aof.openOnStart();
    server.propagators.push(p.aof.feed);
  }
  server.dirty = 0;
}

function safeSize(fd: number): number {
  try {
    return fs.fstatSync(fd).size;
  } catch {
    return 0;
  }
}
