// A background snapshot written to a temporary file: the work BGSAVE and BGREWRITEAOF do in
// a forked child in Redis, done here in slices between event-loop turns (see snapshot.ts).
// When the walk is complete the file is fsynced (in the thread pool) and closed; the owner then
// renames it into place.

import fs from 'node:fs';
import type { Server } from '../server/server.js';
import { Snapshot, type SnapshotEmitter } from './snapshot.js';
import { RdbWriter } from './rdb/writer.js';

export type JobKind = 'rdb' | 'aof';

export interface JobOptions {
  kind: JobKind;
  /** Temporary file to write (created/truncated). */
  path: string;
  /** The writer's settings and the emitter for the snapshot's records. */
  makeEmitter: (w: RdbWriter) => SnapshotEmitter & { needStamp: boolean };
  compression: boolean;
  checksum: boolean;
  /** Called once: null on success (file complete, fsynced and closed), else the error. */
  done: (err: Error | null) => void;
}

/** Bytes written but not yet on their way to the file before the walk pauses. */
const MAX_QUEUED = 8 * 1024 * 1024;

export class BackgroundJob {
  readonly kind: JobKind;
  readonly startedAt = Date.now();
  readonly snapshot: Snapshot;
  readonly path: string;
  private fd: number;
  private finished = false;
  private readonly writer: RdbWriter;
  // Chunks go to the file asynchronously (in the thread pool), in order, at known offsets, so a
  // slow disk never stalls the event loop; the walk pauses while too much is queued.
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private offset = 0;
  private waitingForQueue = false;
  /** Closing waits for a write in flight (its fd number must not be reused under it). */
  private closePending = false;

  /** Opens the file and takes the snapshot's starting point (throws when the file can't be opened). */
  constructor(private readonly server: Server, private readonly opts: JobOptions) {
    this.kind = opts.kind;
    this.path = opts.path;
    this.fd = fs.openSync(opts.path, 'w', 0o644);
    this.writer = new RdbWriter((chunk) => this.enqueue(chunk), {
      compression: opts.compression,
      checksum: opts.checksum,
      listMaxListpackSize: server.config.values['list-max-listpack-size'] as number,
      bufferSize: 256 * 1024,
      sinkKeepsChunks: true,
    });
    const emitter = opts.makeEmitter(this.writer);
    try {
      this.snapshot = new Snapshot(server, emitter, { needStamp: emitter.needStamp });
    } catch (e) {
      fs.closeSync(this.fd);
      throw e;
    }
    this.snapshot.install();
  }

  get bytesWritten(): number {
    return this.writer.length;
  }

  /** Starts walking in the background. */
  start(): void {
    setImmediate(this.tick);
  }

  private enqueue(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.pump();
  }

  private pump(): void {
    if (this.writing || this.queue.length === 0 || this.finished) return;
    const chunk = this.queue[0];
    this.writing = true;
    const fd = this.fd;
    fs.write(fd, chunk, 0, chunk.length, this.offset, (err, n) => {
      this.writing = false;
      if (this.finished) {
        if (this.closePending) this.closeFd();
        return;
      }
      if (err) {
        this.fail(err);
        return;
      }
      this.offset += n;
      this.queued -= n;
      if (n < chunk.length) this.queue[0] = chunk.subarray(n);
      else this.queue.shift();
      this.pump();
      if (this.waitingForQueue && (this.queued < MAX_QUEUED / 2 || this.queue.length === 0)) {
        this.waitingForQueue = false;
        this.tick();
      }
    });
  }

  private readonly tick = (): void => {
    if (this.finished) return;
    if (this.snapshot.finished) {
      this.complete();
      return;
    }
    if (this.queued >= MAX_QUEUED) {
      this.waitingForQueue = true;
      return;
    }
    let wait: number;
    try {
      wait = this.snapshot.backgroundStep(this.server.config.values['rdb-key-save-delay'] as number);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (wait > 0) {
      setTimeout(this.tick, wait);
      return;
    }
    if (wait === 0) {
      setImmediate(this.tick);
      return;
    }
    this.complete();
  };

  /**
   * Captures the rest of the snapshot now, synchronously (nothing may change the data
   * meanwhile); the file is then finished in the background as usual.
   */
  finishNow(): void {
    if (this.finished || this.snapshot.finished) return;
    try {
      this.snapshot.runToEnd();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** After the trailer: wait for the queue to drain, then fsync and close. */
  private complete(): void {
    if (this.finished) return;
    if (this.writing || this.queue.length > 0) {
      this.waitingForQueue = true;
      return;
    }
    const fd = this.fd;
    fs.fsync(fd, (err) => {
      if (this.finished) return;
      if (err) {
        this.fail(err);
        return;
      }
      this.finished = true;
      try {
        fs.closeSync(fd);
      } catch (e) {
        this.opts.done(e as Error);
        return;
      }
      this.opts.done(null);
    });
  }

  private closeFd(): void {
    if (this.writing) {
      this.closePending = true;
      return;
    }
    this.closePending = false;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.snapshot.abort();
    this.closeFd();
    fs.rmSync(this.path, { force: true });
    this.opts.done(err);
  }

  /** Stops the job and removes its temporary file; `done` is not called. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.snapshot.abort();
    this.closeFd();
    fs.rmSync(this.path, { force: true });
  }
}

export function writeAll(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
}

/** fsync of a directory (after renames into it); errors are ignored where unsupported. */
export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some file systems don't allow it
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
