// maxmemory: key eviction as Redis 7.0 does it (performEvictions), and the out-of-memory
// refusal of commands that may grow memory.
//
// When maxmemory is set, a pre-command check (Server.checks) runs `perform` before every
// command: while used memory (see used-memory.ts) is over the limit, keys are evicted by
// maxmemory-policy until the estimated bytes they took cover the excess. If nothing can be
// evicted (noeviction, or no candidate keys), the command is refused with the OOM error when it
// is flagged denyoom, when it would be queued in a transaction (anything but EXEC, DISCARD, QUIT
// and RESET), or when it is an EXEC whose transaction holds a denyoom command.
//
// Policies:
//   - LRU, LFU and volatile-ttl keep an eviction pool of 16 candidates, best last. Each round
//     samples maxmemory-samples keys from every database (all keys, or those with a TTL) and
//     inserts those that score better than the worst candidate: idle time (LRU), 255 minus the
//     decayed access counter (LFU), or the sooner expiry time (TTL). The best candidate that still
//     exists (with a TTL, for volatile policies) is evicted; gone ones are skipped.
//   - allkeys-random and volatile-random take a random key from each database in turn.
//
// Eviction works in slices: after every 16 keys it stops when maxmemory-eviction-tenacity's
// time limit has passed and goes on from the event loop (setImmediate, as Redis's
// evictionTimeProc runs between events) until under the limit or out of candidates; meanwhile
// commands are not refused. CONFIG SET maxmemory starts that loop too. Nothing is evicted while
// loading, while clients are paused (the dataset stays still), or on a replica that ignores
// maxmemory. Each eviction goes through Server.evictKey (`evicted` event, WATCH, tracking,
// propagation of DEL or, with lazyfree-lazy-eviction, UNLINK).
//
// With maxmemory 0 nothing here is installed: the check is only in Server.checks while a limit
// is set.

import type { Server, CommandCheck } from '../server/server.js';
import type { Database } from './database.js';
import { Flag } from '../commands/command.js';
import { ClientFlag, type Client } from '../server/client.js';
import { clientInfoString, clientMemory, clientType, ClientType } from '../server/client-info.js';
import { transactionFlags } from '../commands/transactions.js';
import { idleTimeMs, lfuDecayed } from './lru.js';
import { keyBytes, memoryMeter, type MemoryMeter } from './used-memory.js';
import { latencyMonitor, latencySample } from '../server/latency-monitor.js';

export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'.";

const POOL_SIZE = 16;
/** Keys evicted between two looks at the clock (and, with lazy eviction, at used memory). */
const CHECK_EVERY = 16;

export const enum EvictResult {
  /** Under the limit (or eviction is not allowed right now). */
  Ok,
  /** Over the limit, still evicting from the event loop. */
  Running,
  /** Over the limit with nothing left to evict. */
  Fail,
}

const enum Kind {
  None,
  Lru,
  Lfu,
  Ttl,
  Random,
}

class PoolEntry {
  score = 0;
  key: string | null = null;
  db = 0;
}

/** maxmemory-eviction-tenacity as a time limit per eviction slice, in µs. */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return Math.floor(500 * 1.15 ** (tenacity - 10));
  return Infinity;
}

export class Evictor {
  readonly meter: MemoryMeter;
  private readonly pool: PoolEntry[] = [];
  private nextDb = 0;
  private procRunning = false;
  private armed = false;
  /** maxmemory (0 while no limit is set). */
  private limit = 0;
  /** When used memory went over the limit for good (performance.now()), -1 while under it. */
  private exceededSince = -1;
  /** Time spent over the limit before the current episode (ms). */
  private totalExceeded = 0;

  constructor(private readonly server: Server) {
    this.meter = memoryMeter(server);
    for (let i = 0; i < POOL_SIZE; i++) this.pool.push(new PoolEntry());
    server.info.field('stats', 'total_eviction_exceeded_time', () => Math.floor(this.totalExceeded + this.currentExceeded()));
    server.info.field('stats', 'current_eviction_exceeded_time', () => Math.floor(this.currentExceeded()));
    server.info.onReset(() => {
      this.totalExceeded = 0;
      this.exceededSince = -1;
    });
  }

  private currentExceeded(): number {
    return this.exceededSince < 0 ? 0 : performance.now() - this.exceededSince;
  }

  /**
   * The server was still over maxmemory after evicting, before the command that runs now
   * (Redis's pre_command_oom_state: scripts refuse their first deny-oom command then).
   */
  preCommandOom = false;

  /** maxmemory changed: install or remove the pre-command check, start evicting. */
  limitChanged(bytes: number): void {
    const checks = this.server.checks;
    this.limit = bytes;
    if (bytes > 0) {
      if (!this.armed) {
        this.armed = true;
        // Right after client eviction: Redis handles maxmemory before the other pre-command
        // refusals Larder has.
        checks.splice(checks.indexOf(clientEvictor(this.server).check) + 1, 0, this.check);
      }
      this.startProc();
    } else if (this.armed) {
      this.armed = false;
      const i = checks.indexOf(this.check);
      if (i >= 0) checks.splice(i, 1);
    }
  }

  /** The pre-command check: evict if needed; refuse what may grow memory if still over. */
  private readonly check: CommandCheck = (c, cmd) => {
    this.preCommandOom = false;
    // Under the limit, and not in an episode over it: nothing to do (the previous command's end
    // serves as the clock).
    if (this.exceededSince < 0 && !this.procRunning && this.meter.cheap(this.server.lastCallEnd) <= this.limit) return undefined;
    if (this.perform() !== EvictResult.Fail) return undefined;
    this.preCommandOom = true;
    if ((cmd.flags & Flag.DenyOom) !== 0) return OOM_ERROR;
    const name = cmd.parent === null ? cmd.name : '';
    // Queueing in a transaction takes memory without limit: refused too.
    if ((c.flags & ClientFlag.Multi) !== 0 && name !== 'exec' && name !== 'discard' && name !== 'quit' && name !== 'reset') {
      return OOM_ERROR;
    }
    if (name === 'exec' && (transactionFlags(c) & Flag.DenyOom) !== 0) return OOM_ERROR;
    return undefined;
  };

  /** Whether keys may be evicted now (Redis's isSafeToPerformEvictions). */
  private safe(): boolean {
    const server = this.server;
    if (server.loading) return false;
    const v = server.config.values;
    if (v.replicaof !== null && v['replica-ignore-maxmemory']) return false;
    // While clients are paused the dataset must not change, evictions included.
    if (server.clientsPaused()) return false;
    return true;
  }

  /** Redis's performEvictions: evicts until under maxmemory, out of time, or out of keys. */
  perform(): EvictResult {
    if (!this.safe()) return EvictResult.Ok;
    const v = this.server.config.values;
    const limit = this.limit;
    let result: EvictResult;
    const used = limit === 0 ? 0 : this.meter.cheap();
    if (limit === 0 || used <= limit) result = EvictResult.Ok;
    else if (v['maxmemory-policy'] === 'noeviction') result = EvictResult.Fail;
    else result = this.evict(used - limit, limit);
    if (result === EvictResult.Ok) {
      if (this.exceededSince >= 0) {
        this.totalExceeded += performance.now() - this.exceededSince;
        this.exceededSince = -1;
      }
    } else if (this.exceededSince < 0) {
      this.exceededSince = performance.now();
    }
    return result;
  }

  private evict(toFree: number, limit: number): EvictResult {
    const server = this.server;
    const v = server.config.values;
    const policy = v['maxmemory-policy'] as string;
    const allkeys = policy.startsWith('allkeys-');
    const kind = policy.endsWith('-lru') ? Kind.Lru : policy.endsWith('-lfu') ? Kind.Lfu : policy === 'volatile-ttl' ? Kind.Ttl : Kind.Random;
    const limitUs = evictionTimeLimitUs(v['maxmemory-eviction-tenacity'] as number);
    const lazy = v['lazyfree-lazy-eviction'] as boolean;
    const timing = latencyMonitor(server).threshold !== 0;
    const start = performance.now();
    let freed = 0;
    let keysFreed = 0;
    let result = EvictResult.Ok;
    while (freed < toFree) {
      const db = kind === Kind.Random ? this.randomKey(allkeys) : this.poolKey(kind, allkeys);
      if (db === null) {
        result = EvictResult.Fail;
        break;
      }
      const key = this.picked;
      const value = db.keys.get(key);
      const bytes = value === undefined ? 0 : keyBytes(db, key, value);
      const t = timing ? performance.now() : 0;
      server.evictKey(db, key);
      if (timing) latencySample(server, 'eviction-del', Math.floor(performance.now() - t));
      this.meter.release(bytes);
      freed += bytes;
      keysFreed++;
      if (keysFreed % CHECK_EVERY === 0) {
        // Lazily freed memory may already be enough: look again.
        if (lazy && this.meter.cheap() <= limit) break;
        // Out of time: go on from the event loop.
        if ((performance.now() - start) * 1000 > limitUs) {
          this.startProc();
          break;
        }
      }
    }
    if (result !== EvictResult.Fail) result = this.procRunning ? EvictResult.Running : EvictResult.Ok;
    if (timing) latencySample(server, 'eviction-cycle', Math.floor(performance.now() - start));
    return result;
  }

  /** The key chosen by poolKey/randomKey. */
  private picked = '';

  /** The best pool candidate that still exists (refilling the pool as needed); null if none. */
  private poolKey(kind: Kind, allkeys: boolean): Database | null {
    const dbs = this.server.dbs;
    const pool = this.pool;
    for (;;) {
      let total = 0;
      // Candidates come from every database, so that no database is favoured.
      for (let i = 0; i < dbs.length; i++) {
        const db = dbs[i];
        const size = allkeys ? db.keys.size : db.expires.size;
        if (size === 0) continue;
        this.populate(i, db, kind, allkeys);
        total += size;
      }
      if (total === 0) return null;
      for (let k = POOL_SIZE - 1; k >= 0; k--) {
        const e = pool[k];
        if (e.key === null) continue;
        const key = e.key;
        const db = dbs[e.db];
        e.key = null;
        e.score = 0;
        // A candidate deleted (or made persistent) since it was sampled is skipped.
        if (allkeys ? db.keys.has(key) : db.expires.get(key) !== undefined) {
          this.picked = key;
          return db;
        }
      }
    }
  }

  /** Samples maxmemory-samples keys of a database into the pool (evictionPoolPopulate). */
  private populate(dbIndex: number, db: Database, kind: Kind, allkeys: boolean): void {
    const server = this.server;
    const samples = server.config.values['maxmemory-samples'] as number;
    const now = server.now;
    const decay = server.lfuDecayTime;
    const score = (stamp: number): number =>
      kind === Kind.Lru ? idleTimeMs(stamp, now) : 255 - lfuDecayed(stamp, decay, now);
    if (allkeys) {
      const keys = db.keys;
      keys.sampleSlots(samples, (slot) => {
        const sc = score(keys.stampAt(slot));
        if (this.takes(sc)) this.insert(sc, keys.keyAt(slot), dbIndex);
      });
      return;
    }
    const visit = (key: string, when: number | bigint): void => {
      if (kind === Kind.Ttl) {
        this.insert(-Number(when), key, dbIndex);
      } else {
        const stamp = db.accessOf(key);
        if (stamp !== undefined) this.insert(score(stamp), key, dbIndex);
      }
    };
    const expires = db.expires;
    if (samples >= expires.size) {
      for (const [key, when] of expires.entries()) visit(key, when);
    } else {
      for (let i = 0; i < samples; i++) {
        const e = expires.sample();
        if (e === undefined) break;
        visit(e[0], e[1]);
      }
    }
  }

  /** Whether a candidate with this score gets into the pool (not worse than all in a full one). */
  private takes(score: number): boolean {
    const pool = this.pool;
    return pool[POOL_SIZE - 1].key === null || (pool[0].key !== null && pool[0].score < score);
  }

  /** Inserts a candidate in the pool, kept sorted by ascending score (best last). */
  private insert(score: number, key: string, dbIndex: number): void {
    if (!this.takes(score)) return;
    const pool = this.pool;
    let k = 0;
    while (k < POOL_SIZE && pool[k].key !== null && pool[k].score < score) k++;
    if (k < POOL_SIZE && pool[k].key === null) {
      // An empty slot: nothing to move.
    } else if (pool[POOL_SIZE - 1].key === null) {
      // Room on the right: shift k.. one place right.
      const spare = pool[POOL_SIZE - 1];
      for (let j = POOL_SIZE - 1; j > k; j--) pool[j] = pool[j - 1];
      pool[k] = spare;
    } else {
      // Full: drop the worst (leftmost) candidate, shifting ..k-1 left.
      k--;
      const spare = pool[0];
      for (let j = 0; j < k; j++) pool[j] = pool[j + 1];
      pool[k] = spare;
    }
    const e = pool[k];
    e.score = score;
    e.key = key;
    e.db = dbIndex;
  }

  /** A random key (with a TTL for volatile-random), visiting the databases in turn. */
  private randomKey(allkeys: boolean): Database | null {
    const dbs = this.server.dbs;
    for (let i = 0; i < dbs.length; i++) {
      this.nextDb = (this.nextDb + 1) % dbs.length;
      const db = dbs[this.nextDb];
      const e = allkeys ? db.keys.sample() : db.expires.size !== 0 ? db.expires.sample() : undefined;
      if (e !== undefined) {
        this.picked = e[0];
        return db;
      }
    }
    return null;
  }

  /** Evicts from the event loop until under the limit or out of keys (evictionTimeProc). */
  startProc(): void {
    if (this.procRunning) return;
    this.procRunning = true;
    setImmediate(this.proc);
  }

  private readonly proc = (): void => {
    if (this.server.shuttingDown) {
      this.procRunning = false;
      return;
    }
    this.server.refreshTime();
    if (this.perform() === EvictResult.Running) setImmediate(this.proc);
    else this.procRunning = false;
  };
}

// ---- Client eviction (maxmemory-clients) ----
//
// When the query and output buffers (and the rest of each client's memory, as CLIENT LIST's
// tot-mem counts it) of normal and pub/sub clients add up to maxmemory-clients (bytes, or a
// percentage of maxmemory; never less than 128 KB), clients are disconnected, biggest first
// (by Redis's buckets: powers of two from 32 KB), until under the limit. Clients with CLIENT
// NO-EVICT, replicas, masters and internal clients are never evicted (NO-EVICT clients still
// count). It runs before each command, ahead of key eviction, and from the cron.

const BUCKET_MIN_LOG = 15;
const BUCKET_MAX_LOG = 33;

/** Redis's client memory bucket: bit length clamped to [15, 33], from 0. */
function memoryBucket(mem: number): number {
  const bits = mem > 0 ? Math.floor(Math.log2(mem)) + 1 : 0;
  return Math.min(Math.max(bits, BUCKET_MIN_LOG), BUCKET_MAX_LOG) - BUCKET_MIN_LOG;
}

/** maxmemory-clients in bytes (0: no client eviction), as Redis's getClientEvictionLimit. */
export function clientEvictionLimit(maxmemoryClients: number, maxmemory: number): number {
  let limit: number;
  if (maxmemoryClients < 0 && maxmemory > 0) limit = Math.floor((maxmemory * -maxmemoryClients) / 100);
  else if (maxmemoryClients > 0) limit = maxmemoryClients;
  else return 0;
  return limit < 128 * 1024 ? 128 * 1024 : limit;
}

function evictable(c: Client): boolean {
  if ((c.flags & (ClientFlag.NoEvict | ClientFlag.Closed | ClientFlag.CloseAsap)) !== 0 || c.socket === null) return false;
  const type = clientType(c);
  return type === ClientType.Normal || type === ClientType.PubSub;
}

export class ClientEvictor {
  /** The limit in bytes, 0 when off. */
  private limit = 0;
  private armed = false;
  evicted = 0;

  constructor(private readonly server: Server) {
    server.info.field('stats', 'evicted_clients', () => this.evicted);
    server.info.onReset(() => {
      this.evicted = 0;
    });
    server.cronHooks.push(() => {
      if (this.limit !== 0) this.evictClients();
    });
  }

  /** maxmemory-clients or maxmemory changed. */
  configure(): void {
    const v = this.server.config.values;
    this.limit = clientEvictionLimit(v['maxmemory-clients'] as number, v.maxmemory as number);
    const checks = this.server.checks;
    if (this.limit !== 0 && !this.armed) {
      this.armed = true;
      checks.unshift(this.check);
    } else if (this.limit === 0 && this.armed) {
      this.armed = false;
      const i = checks.indexOf(this.check);
      if (i >= 0) checks.splice(i, 1);
    }
  }

  readonly check: CommandCheck = (c) => {
    this.evictClients();
    // The client itself went: nothing more is run for it (and nobody reads this).
    return (c.flags & ClientFlag.Closed) !== 0 ? 'ERR client evicted' : undefined;
  };

  /** Disconnects the biggest evictable clients while all together are over the limit. */
  evictClients(): void {
    const limit = this.limit;
    if (limit === 0) return;
    let total = 0;
    let candidates: { c: Client; mem: number; bucket: number }[] | null = null;
    for (const c of this.server.clients.values()) {
      const type = clientType(c);
      if (type !== ClientType.Normal && type !== ClientType.PubSub) continue;
      const mem = clientMemory(c);
      total += mem;
      if (evictable(c)) (candidates ??= []).push({ c, mem, bucket: memoryBucket(mem) });
    }
    if (total < limit) return;
    // Top bucket first; within a bucket, in connection order (as clients joined it).
    candidates?.sort((a, b) => b.bucket - a.bucket || a.c.id - b.c.id);
    let i = 0;
    while (total >= limit) {
      const next = candidates !== null && i < candidates.length ? candidates[i++] : null;
      if (next === null) {
        this.server.log('warning', 'Over client maxmemory after evicting all evictable clients');
        break;
      }
      this.server.log('notice', `Evicting client: ${clientInfoString(next.c)}`);
      this.server.closeClient(next.c);
      this.evicted++;
      total -= next.mem;
    }
  }
}

export function clientEvictor(server: Server): ClientEvictor {
  return server.state('client-evictor', () => new ClientEvictor(server));
}

export function evictor(server: Server): Evictor {
  return server.state('evictor', () => new Evictor(server));
}

/** CONFIG SET maxmemory (and the configured value at startup). */
export function maxmemoryChanged(server: Server, bytes: number): void {
  if (bytes > 0 && server.listening) {
    const used = memoryMeter(server).precise();
    if (bytes < used) {
      server.log('warning', `WARNING: the new maxmemory value set via CONFIG SET (${bytes}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`);
    }
  }
  evictor(server).limitChanged(bytes);
  // A percentage maxmemory-clients follows maxmemory.
  clientEvictor(server).configure();
}

/** CONFIG SET maxmemory-clients (and the configured value at startup). */
export function maxmemoryClientsChanged(server: Server): void {
  clientEvictor(server).configure();
}
