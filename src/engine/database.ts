// One numbered database: keys to values, and keys to expiry times (ms since the epoch), kept
// apart as Redis keeps them. Lookups expire keys lazily, so no expired key is ever visible.

import { KeyTable } from './key-table.js';
import { KeyspaceTable } from './keyspace-table.js';
import type { Value } from '../types/value.js';

/** What a database needs from the engine that owns it. */
export interface DatabaseOwner {
  /** Cached time in ms, refreshed once per event-loop turn (and frozen inside scripts). */
  now: number;
  /** Removes an expired key through the post-write path (notification, propagation). */
  expireKey(db: Database, key: string): void;
  /** Whether expired keys must be hidden but kept (a replica waits for its master's DEL). */
  readonly keepExpiredKeys: boolean;
  /**
   * Loading data from disk: nothing expires meanwhile (as in Redis), so that replaying an AOF
   * sees each key as it was when the command was logged.
   */
  readonly loading: boolean;
  /**
   * The access stamp a lookup leaves on a key (OBJECT IDLETIME/FREQ, eviction): an LRU clock
   * or an LFU counter depending on maxmemory-policy; undefined while lookups must not touch keys
   * (CLIENT NO-TOUCH, OBJECT, DEBUG).
   */
  accessStamp(previous: number | undefined): number | undefined;
  /** The access stamp of a newly created key. */
  newKeyStamp(): number;
}

export class Database {
  keys = new KeyspaceTable();
  expires = new KeyTable<number | bigint>();
  /** Clients watching each key (WATCH), created on first use. */
  watchers: Map<string, Set<unknown>> | null = null;
  /** Average TTL of keys seen by the active expiry cycle (INFO keyspace avg_ttl). */
  avgTtl = 0;

  constructor(readonly id: number, readonly owner: DatabaseOwner) {}

  get size(): number {
    return this.keys.size;
  }

  /** The value at `key`, expiring it first if its time has come; records the access. */
  get(key: string): Value | undefined {
    const v = this.keys.get(key);
    if (v === undefined) return undefined;
    if (this.expires.size !== 0 && this.isExpired(key)) {
      if (!this.owner.keepExpiredKeys) this.owner.expireKey(this, key);
      return undefined;
    }
    const stamp = this.owner.accessStamp(this.keys.lastStamp());
    if (stamp !== undefined) this.keys.stampLast(stamp);
    return v;
  }

  /** Like get, without recording an access (OBJECT, DEBUG, internal lookups). */
  peek(key: string): Value | undefined {
    const v = this.keys.get(key);
    if (v === undefined || this.expires.size === 0 || this.owner.loading) return v;
    const when = this.expires.get(key);
    if (when === undefined || when > this.owner.now) return v;
    if (this.owner.keepExpiredKeys) return undefined;
    this.owner.expireKey(this, key);
    return undefined;
  }

  /** The key's access stamp (undefined when there is no such key). */
  accessOf(key: string): number | undefined {
    return this.keys.stampOf(key);
  }

  setAccess(key: string, stamp: number): void {
    this.keys.setStamp(key, stamp);
  }

  /** Whether `key` exists (and is not expired). */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Whether the key's expiry time has passed (the key may still be stored). */
  isExpired(key: string): boolean {
    if (this.expires.size === 0 || this.owner.loading) return false;
    const when = this.expires.get(key);
    return when !== undefined && when <= this.owner.now;
  }

  /** Stores a value and clears any expiry (SET semantics). */
  set(key: string, value: Value): void {
    this.keys.set(key, value, this.owner.newKeyStamp());
    if (this.expires.size !== 0) this.expires.delete(key);
  }

  /** Stores a value, keeping the key's expiry (for in-place changes of an existing key). */
  replace(key: string, value: Value): void {
    this.keys.set(key, value, this.owner.newKeyStamp());
  }

  delete(key: string): boolean {
    if (!this.keys.delete(key)) return false;
    if (this.expires.size !== 0) this.expires.delete(key);
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

  clear(): void {
    this.keys = new KeyspaceTable();
    this.expires = new KeyTable();
  }

  /** Swaps contents with another database (SWAPDB); watchers and ids stay in place. */
  swapWith(other: Database): void {
    [this.keys, other.keys] = [other.keys, this.keys];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
  }
}
