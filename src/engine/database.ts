// One numbered database: keys to values, and keys to expiry times (ms since the epoch), kept
// apart as Redis keeps them. Lookups expire keys lazily, so no expired key is ever visible.

import { KeyTable } from './key-table.js';
import type { Value } from '../types/value.js';
import { Notify } from '../config/settings.js';

/** What a database needs from the engine that owns it. */
export interface DatabaseOwner {
  /** Cached time in ms, refreshed once per event-loop turn (and frozen inside scripts). */
  now: number;
  /** Removes an expired key through the post-write path (notification, propagation). */
  expireKey(db: Database, key: string): void;
  /** Whether expired keys must be hidden but kept (a replica waits for its master's DEL). */
  readonly keepExpiredKeys: boolean;
  /**
   * The access stamp a lookup leaves on a key (OBJECT IDLETIME/FREQ, eviction): an LRU clock
   * or an LFU counter depending on maxmemory-policy; undefined while lookups must not touch keys
   * (CLIENT NO-TOUCH, OBJECT, DEBUG).
   */
  accessStamp(previous: number | undefined): number | undefined;
  /** Enabled keyspace notification classes: `new` events are only looked for when asked. */
  readonly notifyFlags: number;
  /** A key was added (the `new` keyspace event). */
  keyCreated(db: Database, key: string): void;
  /** The database is about to be emptied: WATCH and client-side caching must know. */
  dbFlushing(db: Database): void;
  /** Two databases are about to swap contents (WATCH). */
  dbsSwapping(a: Database, b: Database): void;
}

export class Database {
  keys = new KeyTable<Value>();
  expires = new KeyTable<number | bigint>();
  /** Clients watching each key (WATCH), created on first use. */
  watchers: Map<string, Set<unknown>> | null = null;
  /** Average TTL of keys seen by the active expiry cycle (INFO keyspace avg_ttl). */
  avgTtl = 0;

  constructor(readonly id: number, readonly owner: DatabaseOwner) {}

  get size(): number {
    return this.keys.size;
  }

  /** Per-key access stamps (see DatabaseOwner.accessStamp). */
  private access = new KeyTable<number>();

  /** The value at `key`, expiring it first if its time has come; records the access. */
  get(key: string): Value | undefined {
    const v = this.peek(key);
    if (v !== undefined) {
      const stamp = this.owner.accessStamp(this.access.get(key));
      if (stamp !== undefined) this.access.set(key, stamp);
    }
    return v;
  }

  /** Like get, without recording an access (OBJECT, DEBUG, internal lookups). */
  peek(key: string): Value | undefined {
    const v = this.keys.get(key);
    if (v === undefined || this.expires.size === 0) return v;
    const when = this.expires.get(key);
    if (when === undefined || when > this.owner.now) return v;
    if (this.owner.keepExpiredKeys) return undefined;
    this.owner.expireKey(this, key);
    return undefined;
  }

  /** The key's access stamp (undefined if never stamped). */
  accessOf(key: string): number | undefined {
    return this.access.get(key);
  }

  setAccess(key: string, stamp: number): void {
    this.access.set(key, stamp);
  }

  /** Whether `key` exists (and is not expired). */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Whether the key's expiry time has passed (the key may still be stored). */
  isExpired(key: string): boolean {
    if (this.expires.size === 0) return false;
    const when = this.expires.get(key);
    return when !== undefined && when <= this.owner.now;
  }

  /**
   * Stores a value and clears any expiry (SET semantics). A key whose time has come is expired
   * first (as Redis's write lookup does), so that its `expired` event precedes the `new` one.
   */
  set(key: string, value: Value): void {
    if (this.expires.size !== 0) {
      const when = this.expires.get(key);
      if (when !== undefined) {
        if (when <= this.owner.now && !this.owner.keepExpiredKeys) this.owner.expireKey(this, key);
        else this.expires.delete(key);
      }
    }
    this.store(key, value);
  }

  /** Stores a value, keeping the key's expiry (for in-place changes of an existing key). */
  replace(key: string, value: Value): void {
    this.store(key, value);
  }

  private store(key: string, value: Value): void {
    const keys = this.keys;
    if ((this.owner.notifyFlags & Notify.New) === 0) {
      keys.set(key, value);
      return;
    }
    const before = keys.size;
    keys.set(key, value);
    if (keys.size !== before) this.owner.keyCreated(this, key);
  }

  delete(key: string): boolean {
    if (!this.keys.delete(key)) return false;
    if (this.expires.size !== 0) this.expires.delete(key);
    this.access.delete(key);
    return true;
  }

  /** Expiry time in ms, or undefined when the key has none. */
  expireAt(key: string): number | bigint | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  setExpire(key: string, when: number | bigint): void {
    this.expires.set(key, when);
  }

  persist(key: string): boolean {
    return this.expires.size !== 0 && this.expires.delete(key);
  }

  /** Empties the database (FLUSHDB, FLUSHALL), telling WATCH and client-side caching first. */
  clear(): void {
    this.owner.dbFlushing(this);
    this.keys = new KeyTable();
    this.expires = new KeyTable();
    this.access = new KeyTable();
  }

  /** Swaps contents with another database (SWAPDB); watchers and ids stay in place. */
  swapWith(other: Database): void {
    this.owner.dbsSwapping(this, other);
    [this.keys, other.keys] = [other.keys, this.keys];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.access, other.access] = [other.access, this.access];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
  }
}
