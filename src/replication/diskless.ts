// Diskless full synchronization (repl-diskless-sync): the RDB is written straight to the
// replicas' sockets as a forkless snapshot produces it, framed as Redis frames a transfer of
// unknown length: "$EOF:<40 random characters>\r\n", the RDB, then the same 40 characters.
//
// Like a BGSAVE it runs in slices between event-loop turns (guards keep the snapshot at its
// starting point, see persistence/snapshot.ts) and occupies the persistence job slot, as Redis's
// socket-target RDB child does. The walk pauses while a replica's socket is backed up: a slow
// replica slows the transfer (Redis's pipe to the child does the same); one stuck longer than
// repl-timeout is dropped by the replication cron.

import crypto from 'node:crypto';
import type net from 'node:net';
import type { Server } from '../server/server.js';
import { Snapshot } from '../persistence/snapshot.js';
import { RdbWriter } from '../persistence/rdb/writer.js';
import { RdbEmitter } from '../persistence/rdb/file.js';

/** Output queued on a replica's socket beyond which the walk waits. */
const MAX_SOCKET_QUEUE = 4 * 1024 * 1024;

/** A replica receiving the transfer. */
export interface DisklessTarget {
  socket: net.Socket;
  /** When a write to it last could not complete at once (Unix seconds), 0 when it keeps up. */
  lastPartialWrite: number;
}

export class DisklessTransfer<T extends DisklessTarget> {
  readonly kind = 'rdb' as const;
  readonly startedAt = Date.now();
  /** No file: a socket transfer (the persistence job slot's `path`). */
  readonly path = '';
  readonly snapshot: Snapshot;
  readonly mark = crypto.randomBytes(20).toString('hex');
  readonly targets: Set<T>;
  finished = false;
  private readonly writer: RdbWriter;
  private scheduled = false;

  /**
   * Starts writing to `targets` (their `$EOF:` preamble included). `done` is called once: with
   * true when the whole RDB and the end mark were handed to the sockets of the targets still
   * connected, false when the transfer was stopped.
   */
  constructor(
    private readonly server: Server,
    targets: T[],
    private readonly done: (ok: boolean, targets: T[]) => void,
  ) {
    this.targets = new Set(targets);
    for (const t of targets) t.socket.write(`$EOF:${this.mark}\r\n`, 'latin1');
    const v = server.config.values;
    this.writer = new RdbWriter((chunk) => this.send(chunk), {
      compression: v.rdbcompression as boolean,
      checksum: v.rdbchecksum as boolean,
      listMaxListpackSize: v['list-max-listpack-size'] as number,
      bufferSize: 64 * 1024,
      sinkKeepsChunks: true,
    });
    const emitter = new RdbEmitter(this.writer, server);
    this.snapshot = new Snapshot(server, emitter, { needStamp: emitter.needStamp });
    this.snapshot.install();
  }

  get bytesWritten(): number {
    return this.writer.length;
  }

  start(): void {
    this.schedule(0);
  }

  private send(chunk: Buffer): void {
    const now = Math.floor(Date.now() / 1000);
    for (const t of this.targets) {
      if (!t.socket.write(chunk) && t.lastPartialWrite === 0) t.lastPartialWrite = now;
    }
    this.sent += chunk.length * this.targets.size;
  }

  /** Bytes handed to replica sockets (INFO total_net_repl_output_bytes). */
  sent = 0;

  private schedule(delayMs: number): void {
    if (this.scheduled || this.finished) return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      this.tick();
    };
    if (delayMs > 0) setTimeout(run, delayMs);
    else setImmediate(run);
  }

  private backedUp(): boolean {
    let blocked = false;
    for (const t of this.targets) {
      if (t.socket.writableLength > MAX_SOCKET_QUEUE) blocked = true;
      else t.lastPartialWrite = 0;
    }
    return blocked;
  }

  private tick(): void {
    if (this.finished) return;
    if (this.backedUp()) {
      this.schedule(10);
      return;
    }
    let wait: number;
    try {
      wait = this.snapshot.backgroundStep(this.server.config.values['rdb-key-save-delay'] as number);
    } catch (e) {
      this.server.log('warning', `Diskless rdb transfer failed: ${(e as Error).message}`);
      this.abort();
      return;
    }
    if (wait >= 0) {
      this.schedule(wait);
      return;
    }
    this.complete();
  }

  /** Captures the rest of the snapshot now (DEBUG RELOAD while a transfer runs). */
  finishNow(): void {
    if (this.finished || this.snapshot.finished) return;
    this.snapshot.runToEnd();
    this.complete();
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    for (const t of this.targets) t.socket.write(this.mark, 'latin1');
    this.sent += this.mark.length * this.targets.size;
    this.server.log('notice', `Diskless rdb transfer, done reading from pipe, ${this.targets.size} replicas still up.`);
    this.done(true, [...this.targets]);
  }

  /** A replica went away: the transfer stops when none is left. */
  removeTarget(t: T): void {
    if (!this.targets.delete(t) || this.finished || this.targets.size !== 0) return;
    this.server.log('warning', 'Diskless rdb transfer, last replica dropped, killing fork child.');
    this.abort();
  }

  /** Stops the transfer (FLUSHALL, shutdown, no replica left); `done(false)` follows. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.snapshot.abort();
    this.done(false, [...this.targets]);
  }
}
