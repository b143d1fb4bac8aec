// One numbered database: keys to values, and keys to expiry times (ms since the epoch), kept
// apart as Redis keeps them. Lookups expire keys lazily, so no expired key is ever visible.

import { KeyTable } from './key-table.js';
import { KeyspaceTable } from './keyspace-table.js';
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
  /** Whether expired keys must be hidden but kept for now (clients are paused). */
  expiryPaused(): boolean;
  /** Whether access stamps are LFU counters (then stamping needs the previous stamp). */
  readonly lfu: boolean;
  /**
   * Loading data from disk: nothing expires meanwhile (as in Redis), so that replaying an AOF
   * sees each key as it was when the command was logged.
   */
  readonly loading: boolean;
  /**
   * The access stamp a lookup leaves on a key (OBJECT IDLETIME/FREQ, eviction): an LRU clock
   * or an LFU counter depending on maxmemory-policy; undefined while lookups must not touch keys
   * (CLIENT NO-TOUCH, OBJECT, DEBUG). `previous` is only passed under LFU.
   */
  accessStamp(previous: number | undefined): number | undefined;
  /**
   * The stamp of a value stored by `set`: a new object's (LRU clock, LFU initial counter), or
   * under LFU the overwritten key's counter, counted as an access. `previous` only under LFU.
   */
  storeStamp(previous: number | undefined): number;
  /** Enabled keyspace notification classes: new keys are only looked for when `new` is on. */
  readonly notifyFlags: number;
  /** A key was added (Redis's dbAdd): the `new` keyspace event. */
  keyCreated(db: Database, key: string): void;
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
    if (v === undefined || (this.expires.size !== 0 && this.expiredNow(key))) return undefined;
    this.recordLastAccess();
    return v;
  }

  /**
   * Records an access to the entry the table's last lookup found (its slot is still current:
   * the stamp goes there without another lookup).
   */
  private recordLastAccess(): void {
    const o = this.owner;
    const keys = this.keys;
    const stamp = o.accessStamp(o.lfu ? keys.lastStamp() : undefined);
    if (stamp !== undefined) keys.stampLast(stamp);
  }

  /**
   * INCR's fast path: adds `delta` to the key's integer when it is kept as a number (see
   * KeyspaceTable.addToInteger), recording the access as `get` does. Undefined when that does
   * not apply (no such key, a key whose time has come, another value, a sum beyond 2^53): the
   * caller then takes the general path.
   */
  addToInteger(key: string, delta: number): number | undefined {
    if (this.expires.size !== 0 && this.isExpired(key)) return undefined;
    const n = this.keys.addToInteger(key, delta);
    if (n === undefined) return undefined;
    this.recordLastAccess();
    return n;
  }

  /** Like get, without recording an access (OBJECT, TYPE, EXISTS, TTL, DEBUG, internal lookups). */
  peek(key: string): Value | undefined {
    const v = this.keys.get(key);
    if (v === undefined || (this.expires.size !== 0 && this.expiredNow(key))) return undefined;
    return v;
  }

  /**
   * Whether the key's time has come (Redis: strictly after its expiry time); if so the key is
   * deleted through the owner's expiry path, unless expired keys must be kept for now.
   */
  private expiredNow(key: string): boolean {
    const o = this.owner;
    if (o.loading) return false;
    const when = this.expires.get(key);
    if (when === undefined || when >= o.now) return false;
    if (!o.keepExpiredKeys && !o.expiryPaused()) o.expireKey(this, key);
    return true;
  }

  /** The key's access stamp (undefined when there is no such key). */
  accessOf(key: string): number | undefined {
    return this.keys.stampOf(key);
  }

  setAccess(key: string, stamp: number): void {
    this.keys.setStamp(key, stamp);
  }

  /** Whether `key` exists (and is not expired); not an access. */
  has(key: string): boolean {
    return this.peek(key) !== undefined;
  }

  /** Whether the key's expiry time has passed (the key may still be stored). */
  isExpired(key: string): boolean {
    if (this.expires.size === 0 || this.owner.loading) return false;
    const when = this.expires.get(key);
    return when !== undefined && when < this.owner.now;
  }

  /**
   * Stores a value and clears any expiry (SET semantics); stamps it as a new value. A key whose
   * time has come is expired first, as Redis's write lookup does: its `expired` event then
   * precedes the `new` one. A number stores the string of that safe integer, kept as a
   * number (see KeyspaceTable.addToInteger).
   */
  set(key: string, value: Value | number): void {
    const o = this.owner;
    // One lookup of the expiry table when the key has no TTL (the common case).
    const ttl = this.expires.size !== 0 && this.expires.get(key) !== undefined;
    if (ttl) this.expiredNow(key);
    this.store(key, value, o.storeStamp(o.lfu ? this.keys.stampOf(key) : undefined));
    if (ttl) this.expires.delete(key);
  }

  /** Stores a value, keeping the key's expiry and access stamp (in-place changes). */
  replace(key: string, value: Value | number): void {
    this.store(key, value, undefined);
  }

  /** Every key added to the database passes here: the `new` event when that class is on. */
  private store(key: string, value: Value | number, stamp: number | undefined): void {
    const keys = this.keys;
    if ((this.owner.notifyFlags & Notify.New) === 0) {
      keys.set(key, value, stamp);
      return;
    }
    const before = keys.size;
    keys.set(key, value, stamp);
    if (keys.size !== before) this.owner.keyCreated(this, key);
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
