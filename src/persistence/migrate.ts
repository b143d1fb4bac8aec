// MIGRATE's connection cache and synchronous round trips (see migrate-worker.ts): the main
// thread sends a request to the worker and waits for its answer, so MIGRATE blocks the server
// for at most its timeout, as in Redis (and works inside MULTI/EXEC).

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { MigrateRequest, MigrateResult } from './migrate-worker.js';

/** Cached connections are closed after this long without use (Redis: 10 s). */
const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 64;

interface Cached {
  lastDbid: number;
  lastUse: number;
}

export class MigrateClient {
  private worker: Worker | null = null;
  private results: MessagePort | null = null;
  readonly cache = new Map<string, Cached>();
  private nextId = 1;

  private ensureWorker(): { worker: Worker; results: MessagePort } {
    if (this.worker === null || this.results === null) {
      const { port1, port2 } = new MessageChannel();
      this.worker = new Worker(new URL('./migrate-worker.js', import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
      this.worker.unref();
      port1.unref();
      this.results = port1;
    }
    return { worker: this.worker, results: this.results };
  }

  /** The cache entry for host:port, created (not yet connected) when missing. */
  entry(name: string, now: number): Cached {
    let e = this.cache.get(name);
    if (e === undefined) {
      if (this.cache.size >= CACHE_MAX) {
        const victim = this.cache.keys().next().value as string;
        this.close(victim);
      }
      e = { lastDbid: -1, lastUse: now };
      this.cache.set(name, e);
    }
    e.lastUse = now;
    return e;
  }

  /** Forgets a connection (closing its socket). */
  close(name: string): void {
    this.cache.delete(name);
    if (this.worker !== null) this.worker.postMessage({ kind: 'close', name });
  }

  /** Closes connections unused for 10 seconds (cron). */
  expire(now: number): void {
    for (const [name, e] of this.cache) if (now - e.lastUse > CACHE_TTL_MS) this.close(name);
  }

  /** Sends `payload` and reads `lines` reply lines, waiting synchronously. */
  roundTrip(name: string, host: string, port: number, timeoutMs: number, payload: Buffer, lines: number): MigrateResult {
    const { worker, results } = this.ensureWorker();
    const signal = new SharedArrayBuffer(4);
    const id = this.nextId++;
    const req: MigrateRequest = { kind: 'run', id, name, host, port, timeoutMs, payload, lines, signal };
    worker.postMessage(req);
    // Each step (connect, write, every line) has its own timeout in the worker; the worker's
    // start-up and scheduling get a generous margin on top.
    const bound = timeoutMs * (lines + 3) + 10_000;
    const flag = new Int32Array(signal);
    const outcome = Atomics.wait(flag, 0, 0, bound);
    // Skip answers to earlier requests that were given up on.
    let msg = receiveMessageOnPort(results);
    while (msg !== undefined && (msg.message as MigrateResult).id !== id) msg = receiveMessageOnPort(results);
    if (outcome === 'timed-out' || msg === undefined) {
      this.close(name);
      return { failed: 'read', timedOut: true, lines: [] };
    }
    return msg.message as MigrateResult;
  }
}
