// A background snapshot written to a temporary file: the work BGSAVE and BGREWRITEAOF do in
// a forked child in Redis, done here in slices between event-loop turns (see snapshot.ts).
// When the walk is complete the file is fsynced (in the thread pool) and closed; the owner then
// renames it into place.

import fs from 'node:fs';
import type { Server } from '../server/server.js';
import { Snapshot, type SnapshotEmitter } from './snapshot.js';
import { RdbWriter } from './rdb/writer.js';

export type JobKind = 'rdb' | 'aof';

/** Time slice per event-loop turn (ms). */
const SLICE_MS = 3;

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

export class BackgroundJob {
  readonly kind: JobKind;
  readonly startedAt = Date.now();
  readonly snapshot: Snapshot;
  readonly path: string;
  private fd: number;
  private finished = false;
  private readonly writer: RdbWriter;

  /** Opens the file and takes the snapshot's starting point (throws when the file can't be opened). */
  constructor(private readonly server: Server, private readonly opts: JobOptions) {
    this.kind = opts.kind;
    this.path = opts.path;
    this.fd = fs.openSync(opts.path, 'w', 0o644);
    const fd = this.fd;
    this.writer = new RdbWriter((chunk) => writeAll(fd, chunk), {
      compression: opts.compression,
      checksum: opts.checksum,
      listMaxListpackSize: server.config.values['list-max-listpack-size'] as number,
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

  private readonly tick = (): void => {
    if (this.finished) return;
    let complete: boolean;
    const delay = this.server.config.values['rdb-key-save-delay'] as number;
    try {
      if (delay > 0) {
        // Test knob (rdb-key-save-delay, µs per key): a few keys per turn, paced by timers.
        const keys = Math.max(1, Math.floor(2000 / delay));
        complete = this.snapshot.step(Infinity, keys);
        if (!complete) {
          setTimeout(this.tick, Math.max(1, Math.round((keys * delay) / 1000)));
          return;
        }
      } else {
        complete = this.snapshot.step(SLICE_MS);
      }
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (!complete) {
      setImmediate(this.tick);
      return;
    }
    this.complete();
  };

  /** Writes what is left now, synchronously (nothing may change the data meanwhile). */
  finishNow(): void {
    if (this.finished) return;
    try {
      this.snapshot.runToEnd();
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.completeSync();
  }

  private complete(): void {
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

  private completeSync(): void {
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.finished = true;
    this.opts.done(null);
  }

  private fail(err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.snapshot.abort();
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    try {
      fs.unlinkSync(this.path);
    } catch {
      // gone
    }
    this.opts.done(err);
  }

  /** Stops the job and removes its temporary file; `done` is not called. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.snapshot.abort();
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    try {
      fs.unlinkSync(this.path);
    } catch {
      // gone
    }
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
