// Used memory as maxmemory and INFO see it: what the dataset and the clients take in the V8 heap
// (plus memory V8 tracks outside it, such as Buffers), without the garbage V8 has not collected
// yet. Redis counts live allocations exactly; a garbage-collected heap only knows them right
// after a collection, so the figure is built from V8's readings and two corrections:
//
//   - The young generation (the new space, a few MB that fill up with short-lived objects between
//     scavenges) counts only for what survived the last scavenge. A precise reading (INFO, or an
//     eviction check close to the limit) forces a scavenge when the young generation grew since
//     then, so that it sees what recent writes added; a cheap reading uses the last survivors.
//   - Data Larder released on purpose (evicted keys, flushed databases) stays in the old
//     generation until V8's next major collection: its estimated size is subtracted meanwhile.
//     A PerformanceObserver sees major collections: what was released before one began is gone.
//     Other garbage (deleted or overwritten values) counts until the next major collection.
//
// Cost: nothing until a reading is asked for. Cheap readings (the per-command maxmemory check)
// reuse the last one for up to a millisecond or 64 KB of input; a reading is two V8 calls.

import v8 from 'node:v8';
import vm from 'node:vm';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import type { Server } from '../server/server.js';
import { MutableString, type Value } from '../types/value.js';
import { HashValue } from '../types/hash.js';
import { SetValue } from '../types/set.js';
import { ZSet } from '../types/zset.js';
import { ListValue } from '../types/list.js';
import type { Database } from './database.js';

/** Young-generation growth (since its last scavenge) that a precise reading collects first. */
const YOUNG_SLACK = 16 * 1024;
/** How long a cheap reading is reused (ms), and how much input may arrive meanwhile. */
const READING_TTL_MS = 1;
const READING_INPUT_BYTES = 64 * 1024;
/** Least time between two scavenges forced by eviction checks (ms); INFO doesn't wait. */
const FORCE_INTERVAL_MS = 5;
/** Release marks kept until a major collection (older ones are merged, conservatively). */
const MAX_MARKS = 1024;

type MinorGc = (options: { type: 'minor' }) => void;
let minorGcFn: MinorGc | null | undefined;

/** V8's gc(), for scavenges on demand: exposed at runtime when the process wasn't started with it. */
function minorGc(): boolean {
  if (minorGcFn === undefined) {
    minorGcFn = null;
    try {
      const g = (globalThis as { gc?: MinorGc }).gc;
      if (typeof g === 'function') {
        minorGcFn = g;
      } else {
        v8.setFlagsFromString('--expose-gc');
        const f = vm.runInNewContext('gc') as unknown;
        if (typeof f === 'function') minorGcFn = f as MinorGc;
      }
    } catch {
      minorGcFn = null;
    }
  }
  if (minorGcFn === null) return false;
  minorGcFn({ type: 'minor' });
  return true;
}

export class MemoryMeter {
  /** Heap used outside the new space, plus external memory, at the last reading. */
  private settled = 0;
  /** New-space bytes at the last reading. */
  private young = 0;
  /** New-space bytes counted as live: what the last scavenge left. */
  private youngLive = 0;
  private readAt = -Infinity;
  private inputAt = 0;
  private forcedAt = -Infinity;
  /** Estimated bytes released on purpose (evictions, flushes), in total and reclaimed so far. */
  private released = 0;
  private reclaimed = 0;
  /** (time, released total) pairs not yet covered by a major collection. */
  private marks: number[] = [];
  private observer: PerformanceObserver | null = null;

  constructor(private readonly server: Server) {
    // A flushed database's data is released (SWAPDB only moves it).
    server.dbListeners.push((db, replacedWith) => {
      if (replacedWith === null) this.release(databaseBytes(db));
    });
  }

  /** The figure from the last reading. */
  private value(): number {
    const v = this.settled + this.youngLive - (this.released - this.reclaimed);
    return v > 0 ? v : 0;
  }

  private read(now: number): void {
    const spaces = v8.getHeapSpaceStatistics();
    let settled = 0;
    let young = 0;
    for (let i = 0; i < spaces.length; i++) {
      const s = spaces[i];
      if (s.space_name === 'new_space') young = s.space_used_size;
      else settled += s.space_used_size;
    }
    // The new space shrank: a scavenge ran, and what it holds now is what survived.
    if (young < this.young || young < this.youngLive) this.youngLive = young;
    this.young = young;
    this.settled = settled + v8.getHeapStatistics().external_memory;
    this.readAt = now;
    this.inputAt = this.server.stats.netInputBytes;
  }

  /** A reading at most a millisecond (or 64 KB of input) old. */
  cheap(): number {
    const now = performance.now();
    if (now - this.readAt >= READING_TTL_MS || this.server.stats.netInputBytes - this.inputAt >= READING_INPUT_BYTES) this.read(now);
    return this.value();
  }

  /**
   * A fresh reading that counts what recent writes added to the young generation (scavenging
   * it first when it grew by more than a little since its last scavenge).
   */
  precise(): number {
    const now = performance.now();
    this.read(now);
    if (this.young - this.youngLive > YOUNG_SLACK && minorGc()) {
      this.forcedAt = now;
      this.read(now);
      this.youngLive = this.young;
    }
    return this.value();
  }

  /**
   * The reading that eviction compares with `limit`: cheap while the limit is clearly far,
   * precise (at most every few ms) when the young generation's garbage could be hiding it.
   */
  forLimit(limit: number): number {
    const used = this.cheap();
    if (used + (this.young - this.youngLive) <= limit) return used;
    if (performance.now() - this.forcedAt < FORCE_INTERVAL_MS) return used;
    return this.precise();
  }

  /**
   * `bytes` of data were let go on purpose (evicted, flushed): not counted from now on, though
   * V8 holds them until its next major collection.
   */
  release(bytes: number): void {
    if (bytes <= 0) return;
    this.observe();
    this.released += bytes;
    const now = performance.now();
    const marks = this.marks;
    const n = marks.length;
    if (n !== 0 && now - marks[n - 2] < 1) {
      marks[n - 1] = this.released;
    } else {
      marks.push(now, this.released);
      if (marks.length > MAX_MARKS * 2) this.marks = mergeMarks(marks);
    }
  }

  /** Bytes released and not yet reclaimed by a major collection (INFO lazyfree_pending_objects-like). */
  pending(): number {
    return this.released - this.reclaimed;
  }

  private observe(): void {
    if (this.observer !== null) return;
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.majorGc(e.startTime);
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** A major collection began at `start`: what was released before it is gone. */
  private majorGc(start: number): void {
    const marks = this.marks;
    let i = 0;
    while (i < marks.length && marks[i] <= start) i += 2;
    if (i === 0) return;
    if (marks[i - 1] > this.reclaimed) this.reclaimed = marks[i - 1];
    marks.splice(0, i);
    this.readAt = -Infinity;
  }
}

/**
 * Halves a list of (time, total) marks, keeping the later mark of each two: a collection that
 * began between them then reclaims less than it could (used memory errs high, never low).
 */
function mergeMarks(marks: number[]): number[] {
  const merged: number[] = [];
  for (let i = 0; i < marks.length; i += 4) {
    const j = i + 2 < marks.length ? i + 2 : i;
    merged.push(marks[j], marks[j + 1]);
  }
  return merged;
}

export function memoryMeter(server: Server): MemoryMeter {
  return server.state('memory-meter', () => new MemoryMeter(server));
}

/** Used memory for INFO and MEMORY STATS (a precise reading). */
export function usedMemory(server: Server): number {
  return memoryMeter(server).precise();
}

// ---- What a key takes in the heap (estimates of V8's layout, for released data) ----

/** A sequential one-byte string of n chars: 12 bytes of header, 8-byte aligned. */
function stringBytes(n: number): number {
  return (12 + n + 7) & ~7;
}

/** Per-element bookkeeping of the collections (array slots, table entries, tree nodes). */
const ELEMENT_OVERHEAD = 16;
const OBJECT_BYTES = 64;
const SAMPLES = 8;

/** Average heap size of `count` sampled elements (0 when there are none). */
function sampled(count: number, size: number, pick: (i: number) => number): number {
  if (size === 0) return 0;
  const n = Math.min(count, size);
  let total = 0;
  for (let i = 0; i < n; i++) total += pick(n === size ? i : Math.floor(Math.random() * size));
  return total / n;
}

/** Estimated heap bytes of a value. */
export function valueBytes(v: Value): number {
  if (typeof v === 'string') return stringBytes(v.length);
  if (v instanceof MutableString) return OBJECT_BYTES + v.bytes.length;
  if (v instanceof HashValue) {
    const avg = sampled(SAMPLES, v.size, (i) => stringBytes(v.fieldAt(i).length) + stringBytes(v.valueAt(i).length));
    return OBJECT_BYTES + v.size * (avg + ELEMENT_OVERHEAD);
  }
  if (v instanceof SetValue) {
    const avg = sampled(SAMPLES, v.size, (i) => stringBytes(v.memberAt(i).length));
    return OBJECT_BYTES + v.size * (avg + ELEMENT_OVERHEAD);
  }
  if (v instanceof ZSet) {
    const size = v.size;
    let total = 0;
    let n = 0;
    const visit = (member: string) => {
      total += stringBytes(member.length);
      n++;
    };
    if (size <= SAMPLES) v.walk(0, size, false, visit);
    else for (let i = 0; i < SAMPLES; i++) v.walk(v.randomRank(), 1, false, visit);
    return OBJECT_BYTES + size * ((n ? total / n : 0) + 8 + 2 * ELEMENT_OVERHEAD);
  }
  if (v instanceof ListValue) {
    const len = v.length;
    const avg = sampled(SAMPLES, len, (i) => stringBytes(v.range(i, i)[0]?.length ?? 0));
    return OBJECT_BYTES + len * (avg + 4);
  }
  return OBJECT_BYTES * 2;
}

/**
 * Estimated heap bytes a key takes in its database: the table entry (a packed string for a
 * plain string value, else an entry object, key and value), and its expiry entry.
 */
export function keyBytes(db: Database, key: string, value: Value): number {
  let n = 16;
  if (typeof value === 'string') n += stringBytes(1 + key.length + value.length);
  else n += 24 + stringBytes(key.length) + valueBytes(value);
  if (db.expires.size !== 0 && db.expires.get(key) !== undefined) n += 40 + stringBytes(key.length);
  return n;
}

/** Estimated heap bytes of a whole database, from a sample of its keys. */
export function databaseBytes(db: Database): number {
  const size = db.keys.size;
  if (size === 0) return 0;
  const n = Math.min(size, 64);
  let total = 0;
  let seen = 0;
  db.keys.sampleRun(n, (key, value) => {
    total += keyBytes(db, key, value);
    seen++;
  });
  return seen === 0 ? 0 : (total / seen) * size;
}
