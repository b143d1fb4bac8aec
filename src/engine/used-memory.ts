// Used memory as maxmemory and INFO see it: what the dataset and the clients take in the V8 heap
// (plus memory V8 tracks outside it, such as Buffers and the keyspace arenas, whose free blocks
// count as free; compiled code is left out, as Redis leaves its own code out).
//
// Redis counts live allocations exactly. A garbage-collected heap knows its live size only right
// after a full collection: between two, garbage piles up in the old generation (overwritten and
// deleted values, temporaries that outlived a scavenge) until V8 decides to collect it, which
// can be after the heap doubled. Eviction driven by raw heap figures would evict live keys to
// make room for garbage. So used memory is a model anchored on V8's figures:
//
//   used = live heap at the anchor (right after a full collection)
//        + keys added since the anchor x bytes per key (sampled at the anchor)
//        - bytes of the keys evicted since the anchor (estimated one by one)
//        + growth of the client buffers (query and output buffers) since the anchor
//
// A 'gc' PerformanceObserver reports full collections while the meter is in use (a limit is set,
// or INFO asked recently): each one moves the anchor. (Not v8.GCProfiler: in Node 20 every
// start/stop cycle of one leaves work behind in every later collection, so the server would slow
// down for good after a few seconds of use.) Without a recent anchor, a small heap (under
// 32 MB, where a full collection takes a few tens of milliseconds at most) is collected on
// purpose, at most every 30 seconds (from INFO, a limit change, or the cron while a limit is
// set); a bigger one keeps its last anchor (or, before its first full collection, the heap as it
// is, garbage included: used memory errs high). Values that grow or shrink in place (APPEND,
// pushes to an existing list, a bigger value over a smaller one…) show at the next anchor.
//
// The runtime's own heap (Node's modules, Larder's code and command table: 10+ MB) is not
// Larder's data: the server started from main measures it before loading any data and leaves it
// out, counting a fixed STARTUP_FLOOR in its place, about what an empty Redis reports (0.9 MB).
// So a maxmemory sized for Redis holds about as much data in Larder.
//
// Cost: nothing until used memory is asked for. A reading adds up the databases' key counts;
// client buffers are summed at most every 10 ms.

import v8 from 'node:v8';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import vm from 'node:vm';
import type { Server } from '../server/server.js';
import { MutableString, type Value } from '../types/value.js';
import { HashValue } from '../types/hash.js';
import { SetValue } from '../types/set.js';
import { ZSet } from '../types/zset.js';
import { ListValue } from '../types/list.js';
import type { Database } from './database.js';
import { stringBlockBytes } from './entry-arena.js';
import { keyspaceWrites } from './keyspace-table.js';

/** How often (ms) client buffers are summed again and the meter refreshed. */
const REFRESH_MS = 10;
/** Full collections are no longer watched after this long without readings (ms), unless a limit is set. */
const WATCH_IDLE_MS = 10_000;
/** An anchor older than this (ms) may be renewed by a full collection on purpose… */
const ANCHOR_MAX_AGE_MS = 30_000;
/** …when the heap is smaller than this (bytes). */
const FORCED_GC_MAX_HEAP = 32 * 1024 * 1024;
/** What an empty server counts for its own structures (bytes). */
const STARTUP_FLOOR = 1024 * 1024;
/** Keys sampled for the bytes per key. */
const KEY_SAMPLES = 64;

type Gc = () => void;
let gcFn: Gc | null | undefined;

/** V8's gc() (a full collection), exposed at runtime when the process wasn't started with it. */
function fullGc(): boolean {
  if (gcFn === undefined) {
    gcFn = null;
    try {
      const g = (globalThis as { gc?: Gc }).gc;
      if (typeof g === 'function') {
        gcFn = g;
      } else {
        v8.setFlagsFromString('--expose-gc');
        const f = vm.runInNewContext('gc') as unknown;
        if (typeof f === 'function') gcFn = f as Gc;
      }
    } catch {
      gcFn = null;
    }
  }
  if (gcFn === null) return false;
  gcFn();
  return true;
}

/** What V8 holds, without compiled code. */
function heapNow(): number {
  const spaces = v8.getHeapSpaceStatistics();
  let n = 0;
  for (let i = 0; i < spaces.length; i++) {
    const name = spaces[i].space_name;
    if (name !== 'code_space' && name !== 'code_large_object_space') n += spaces[i].space_used_size;
  }
  return n + v8.getHeapStatistics().external_memory;
}

interface Anchor {
  /** Used memory then (bytes). */
  live: number;
  /** Keys in all databases then. */
  keys: number;
  /** Client buffers then (bytes). */
  clients: number;
  /** Bytes per key (sampled; -1 until there were keys to sample). */
  perKey: number;
  /** Keys when perKey was sampled (it is sampled again as their number grows). */
  sampledAt: number;
  /** performance.now() when it was taken. */
  at: number;
  /** The estimated bytes of all keys then, when there were at most KEY_SAMPLES of them, else -1. */
  exact: number;
}

export class MemoryMeter {
  private anchor: Anchor | null = null;
  /** Keys evicted since the anchor, and their estimated bytes. */
  private evictedKeys = 0;
  private evictedBytes = 0;
  private clients = 0;
  private clientsAt = -Infinity;
  /** Watches for full collections while the meter is in use. */
  private gcWatch: PerformanceObserver | null = null;
  private refreshedAt = -Infinity;
  /** allKeyBytes's last answer, and the server's keyChanges, keyspace writes and key count then. */
  private exactBytes = 0;
  private exactChanges = -1;
  private exactWrites = -1;
  private exactKeys = -1;
  private usedAt = -Infinity;
  /** When renewing the anchor was last considered. */
  private triedAt = -Infinity;
  /** Heap the runtime holds by itself, left out of used memory (0 until measured). */
  private runtime = 0;

  constructor(private readonly server: Server) {
    server.cronHooks.push(() => {
      if (this.gcWatch === null) return;
      const now = performance.now();
      // With a limit set, a small heap's anchor is kept fresh (values grown in place show).
      if ((server.config.values.maxmemory as number) !== 0) this.refresh(now, true);
      else if (now - this.usedAt > WATCH_IDLE_MS) {
        this.gcWatch.disconnect();
        this.gcWatch = null;
      }
    });
  }

  /**
   * What the heap holds now, less the databases' spare arena bytes (free blocks are counted as
   * free, as an allocator's are: deleting keys lowers used memory at the next anchor).
   */
  private heapInUse(): number {
    const dbs = this.server.dbs;
    let spare = 0;
    for (let i = 0; i < dbs.length; i++) spare += dbs[i].keys.arenaSpare;
    return heapNow() - spare;
  }

  private totalKeys(): number {
    const dbs = this.server.dbs;
    let n = 0;
    for (let i = 0; i < dbs.length; i++) n += dbs[i].keys.size;
    return n;
  }

  /** Query and output buffers of all clients (replicas' too: Larder has none yet). */
  private clientBuffers(now: number): number {
    if (now - this.clientsAt < REFRESH_MS) return this.clients;
    let n = 0;
    for (const c of this.server.clients.values()) n += c.outputLength() + c.parser.pendingBytes();
    this.clients = n;
    this.clientsAt = now;
    return n;
  }

  /** Average estimated bytes of a key, from a sample spread over the databases (-1: no keys). */
  private sampleKeyBytes(): number {
    const dbs = this.server.dbs;
    const total = this.totalKeys();
    if (total === 0) return -1;
    let bytes = 0;
    let seen = 0;
    for (let i = 0; i < dbs.length; i++) {
      const db = dbs[i];
      if (db.keys.size === 0) continue;
      const n = Math.max(1, Math.round((KEY_SAMPLES * db.keys.size) / total));
      const keys = db.keys;
      keys.sampleSlots(n, (slot) => {
        bytes += keyBytes(db, keys.keyAt(slot), keys.valueAt(slot)) * (keys.size / n);
        seen += db.keys.size / n;
      });
    }
    return seen === 0 ? -1 : bytes / seen;
  }

  private setAnchor(live: number, at: number, now: number): void {
    const keys = this.totalKeys();
    this.anchor = { live, keys, clients: this.clientBuffers(now), perKey: this.sampleKeyBytes(), sampledAt: keys, at, exact: this.allKeyBytes() };
    this.evictedKeys = 0;
    this.evictedBytes = 0;
  }

  /** A full collection just ended: what is in the heap now is live (or young), the anchor. */
  private afterFullGc(): void {
    const now = performance.now();
    this.setAnchor(this.heapInUse(), now, now);
  }

  /** Starts watching collections, renews a stale anchor if cheap. */
  private refresh(now: number, mayCollect: boolean): void {
    this.usedAt = now;
    this.refreshedAt = now;
    if (this.gcWatch === null) {
      this.gcWatch = new PerformanceObserver((list) => {
        const entries = list.getEntries();
        for (let i = 0; i < entries.length; i++) {
          if ((entries[i] as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
            this.afterFullGc();
            return;
          }
        }
      });
      this.gcWatch.observe({ entryTypes: ['gc'] });
    }
    const anchor = this.anchor;
    if (anchor === null) {
      // The first reading: a collected heap if cheap, else the heap as it is.
      this.triedAt = now;
      if (!(mayCollect && this.collect(now))) this.setAnchor(this.heapInUse(), now, now);
      return;
    }
    if (!mayCollect || now - anchor.at < ANCHOR_MAX_AGE_MS || now - this.triedAt < ANCHOR_MAX_AGE_MS) return;
    this.triedAt = now;
    this.collect(now);
  }

  /** A full collection on purpose, for a fresh anchor; only for a small heap. */
  private collect(now: number): boolean {
    if (heapNow() >= FORCED_GC_MAX_HEAP || !fullGc()) return false;
    this.setAnchor(this.heapInUse(), now, now);
    return true;
  }

  /**
   * Measures the runtime's own heap (call once, before any data is loaded): from then on it is
   * left out of used memory and STARTUP_FLOOR counted instead.
   */
  excludeRuntime(): void {
    if (!fullGc()) return;
    this.runtime = Math.max(0, this.heapInUse() - STARTUP_FLOOR);
    this.anchor = null;
  }

  /**
   * The estimated bytes of every key, when there are at most KEY_SAMPLES of them; else -1.
   * Computed again only after keys changed: with a limit set it is read before every command.
   */
  private allKeyBytes(): number {
    const keys = this.totalKeys();
    if (keys > KEY_SAMPLES) return -1;
    // Values changed in place are seen through keyChanges, entries written through the tables.
    const changes = this.server.keyChanges;
    const writes = keyspaceWrites();
    if (changes === this.exactChanges && writes === this.exactWrites && keys === this.exactKeys) return this.exactBytes;
    let bytes = 0;
    for (const db of this.server.dbs) {
      if (db.keys.size !== 0) db.keys.forEach((key, value) => (bytes += keyBytes(db, key, value)));
    }
    this.exactChanges = changes;
    this.exactWrites = writes;
    this.exactKeys = keys;
    this.exactBytes = bytes;
    return bytes;
  }

  private value(now: number): number {
    const a = this.anchor!;
    const keys = this.totalKeys();
    // A small keyspace is measured key by key: a big value written or grown in place shows at
    // once (a few keys of 100 KB against a tight maxmemory, as Redis's tests do).
    if (a.exact >= 0 && keys <= KEY_SAMPLES) {
      const v = a.live - this.runtime - a.exact + this.allKeyBytes() + (this.clientBuffers(now) - a.clients);
      return v > 0 ? Math.round(v) : 0;
    }
    if (keys > 0 && (a.perKey < 0 || keys >= a.sampledAt * 2 + KEY_SAMPLES)) {
      a.perKey = this.sampleKeyBytes();
      a.sampledAt = keys;
    }
    const added = keys - a.keys + this.evictedKeys;
    const v = a.live - this.runtime + added * (a.perKey < 0 ? 0 : a.perKey) - this.evictedBytes + (this.clientBuffers(now) - a.clients);
    return v > 0 ? Math.round(v) : 0;
  }

  /**
   * Used memory for the per-command maxmemory check. `now` (performance.now() time) may be a
   * recent time the caller has at hand: it only paces the refreshes.
   */
  cheap(now = performance.now()): number {
    if (now - this.refreshedAt >= REFRESH_MS || this.anchor === null) this.refresh(now, false);
    return this.value(now);
  }

  /** Used memory for INFO and limit changes (may renew a stale anchor of a small heap). */
  precise(): number {
    const now = performance.now();
    this.refresh(now, true);
    return this.value(now);
  }

  /** The last figures, without watching collections (peak tracking from the cron). */
  last(): number {
    return this.anchor === null ? 0 : this.value(performance.now());
  }

  /** A key of `bytes` (estimated) was evicted. */
  release(bytes: number): void {
    this.evictedKeys++;
    this.evictedBytes += bytes;
  }
}

export function memoryMeter(server: Server): MemoryMeter {
  return server.state('memory-meter', () => new MemoryMeter(server));
}

/** Used memory for INFO and MEMORY STATS. */
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
 * Estimated bytes a key takes in its database: the table entry (an arena block for a small
 * plain string value, else an entry object, key and value), and its expiry entry.
 */
export function keyBytes(db: Database, key: string, value: Value): number {
  // Three table arrays (slot, hash, stamp) at their usual load.
  let n = 28;
  const block = typeof value === 'string' ? stringBlockBytes(key.length, value.length) : -1;
  if (block >= 0) n += block;
  else n += 24 + stringBytes(key.length) + valueBytes(value);
  // The expiry table's entry: its own key string, a Map entry and a heap number.
  if (db.expires.size !== 0 && db.expires.get(key) !== undefined) n += 72 + stringBytes(key.length);
  return n;
}
