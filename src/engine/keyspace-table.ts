// The main table of a database: key -> value, with a per-key access stamp, compact enough that
// a key with a short string value costs about as much memory as in Redis.
//
// Layout: open addressing over three parallel arrays (slot, 32-bit hash, access stamp). A key
// holding a plain string sits with its value in one block of the table's EntryArena, outside
// the V8 heap; its slot holds the block's address (a small integer). A string that INCR and its
// family made is kept there as a number (Redis's `int` encoding): the next INCR adds to it in
// place, without parsing and formatting a string each time; reading it gives the decimal text.
// Strings too big for a block sit in a StringEntry, other values in an ObjectEntry.
// Slots are kept sorted by hash (Robin Hood order with a monotone home = hash * homes / 2^32),
// which gives:
//   - lookups that stop at the first slot whose hash is greater than the key's;
//   - SCAN cursors that are hash values: an entry present for a whole scan is returned at least
//     once, however the table grows or shrinks in between (no rehash reorders it);
//   - growth by any factor (1.5x for big tables) with a linear rebuild.

import type { RObject, Value } from '../types/value.js';
import { EntryArena } from './entry-arena.js';

export class ObjectEntry {
  constructor(
    readonly key: string,
    public value: RObject,
  ) {}
}

/** A string entry too big for an arena block. */
class StringEntry {
  constructor(
    readonly key: string,
    public value: string,
  ) {}
}

/** A number is the address of an entry in the table's arena. */
type Entry = number | StringEntry | ObjectEntry;
type Slot = Entry | undefined;

/** Slots after the last home position, so displaced entries never wrap around. */
const SLACK = 64;
const MAX_LOAD = 0.8;
const MIN_LOAD = 0.1;
const MIN_HOMES = 8;
const TWO_32 = 4294967296;

const SEED = (Math.random() * TWO_32) >>> 0;

/** Entries written or deleted in any table so far (views computed from the data compare it). */
let writes = 0;

export function keyspaceWrites(): number {
  return writes;
}

/** A seeded 32-bit hash of a latin1 string (FNV-1a steps, murmur3 finalizer). */
export function hashKey(key: string): number {
  let h = (SEED ^ key.length) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return finish(h);
}

/** murmur3's finalizer: every input bit reaches every output bit. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** hashKey of the latin1 string of buf[start, start + len) (loading, without the string). */
export function hashBytes(buf: Uint8Array, start: number, len: number): number {
  let h = (SEED ^ len) >>> 0;
  for (let i = start, end = start + len; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return finish(h);
}

export class KeyspaceTable {
  private slots: Slot[] = [];
  private readonly arena = new EntryArena();
  /**
   * Per slot, two words side by side: the key's hash (at 2p) and its access stamp (at 2p+1), so
   * that a lookup and the stamp it updates touch one cache line.
   */
  private meta = new Uint32Array(0);
  private homes = 0;
  private scale = 0;
  size = 0;
  /**
   * The slot the last successful `get` (or overwriting `set`) found, its key, and the table's
   * version then.
   */
  private lastSlot = -1;
  private lastKey: string | null = null;
  private lastVersion = 0;
  /**
   * The last key a lookup did not find, its hash, what `find` returned for it (where it would
   * go), and the table's version then: a write that follows a miss on the same key (INCR or
   * SETNX of a new key) inserts without looking again.
   */
  private missKey: string | null = null;
  private missHash = 0;
  private missAt = -1;
  private missVersion = -1;
  /** Bumped whenever entries move (inserts, deletes, resizes): slot numbers go stale. */
  private version = 0;

  constructor() {
    this.allocate(MIN_HOMES);
  }

  private allocate(homes: number): void {
    this.homes = homes;
    this.scale = homes / TWO_32;
    const n = homes + SLACK;
    this.slots = new Array<Slot>(n).fill(undefined);
    this.meta = new Uint32Array(2 * n);
    this.version++;
  }

  private home(h: number): number {
    return Math.floor(h * this.scale);
  }

  /** The slot holding `key`, else -1 - the slot where it would be inserted. */
  private find(key: string, h: number): number {
    const slots = this.slots;
    const meta = this.meta;
    for (let p = this.home(h); ; p++) {
      const s = slots[p];
      if (s === undefined) return -1 - p;
      const hp = meta[p << 1];
      if (hp > h) return -1 - p;
      if (hp === h && this.keyEquals(s, key)) return p;
    }
  }

  private keyEquals(s: Entry, key: string): boolean {
    return typeof s === 'number' ? this.arena.keyEquals(s, key) : s.key === key;
  }

  private keyOf(s: Entry): string {
    return typeof s === 'number' ? this.arena.key(s) : s.key;
  }

  private valueOf(s: Entry): Value {
    return typeof s === 'number' ? this.arena.value(s) : s.value;
  }

  /** A new entry: in the arena when it fits there. */
  private entryFor(key: string, value: Value | number): Entry {
    if (typeof value === 'object') return new ObjectEntry(key, value);
    const addr = typeof value === 'number' ? this.arena.putInteger(key, value) : this.arena.putString(key, value);
    if (addr >= 0) return addr;
    return new StringEntry(key, typeof value === 'number' ? String(value) : value);
  }

  /** Puts a string or integer value in the arena entry at addr in place, if it fits there. */
  private rewrite(addr: number, value: string | number): boolean {
    return typeof value === 'number' ? this.arena.rewriteInteger(addr, value) : this.arena.rewriteString(addr, value);
  }

  /** Drops an entry that left the table (its arena block is reused). */
  private release(s: Entry): void {
    if (typeof s === 'number') this.arena.free(s);
  }

  /** Bytes the arena holds in chunks but not in entries (free blocks, unused chunk ends). */
  get arenaSpare(): number {
    return this.arena.capacity - this.arena.liveBytes;
  }

  /**
   * find's answer for `key`. The key the last lookup found (a hot key, or the one a
   * read-modify-write command reads and then stores) is found again without hashing, and so is
   * the last one it missed.
   */
  private lookup(key: string): number {
    const v = this.version;
    if (v === this.lastVersion && key === this.lastKey) return this.lastSlot;
    if (v === this.missVersion && key === this.missKey) return this.missAt;
    const h = hashKey(key);
    const p = this.find(key, h);
    if (p < 0) {
      this.missKey = key;
      this.missHash = h;
      this.missAt = p;
      this.missVersion = v;
    }
    return p;
  }

  /** Makes slot p, holding `key`, the one lastStamp/stampLast and the next `set` of key use. */
  private remember(p: number, key: string): void {
    this.lastSlot = p;
    this.lastKey = key;
    this.lastVersion = this.version;
  }

  get(key: string): Value | undefined {
    const p = this.lookup(key);
    if (p < 0) return undefined;
    this.remember(p, key);
    return this.valueOf(this.slots[p]!);
  }

  has(key: string): boolean {
    return this.lookup(key) >= 0;
  }

  /** Access stamp of the entry the last successful `get` returned. */
  lastStamp(): number {
    return this.meta[(this.lastSlot << 1) + 1];
  }

  /** Sets the access stamp of the entry the last successful `get` returned. */
  stampLast(stamp: number): void {
    this.meta[(this.lastSlot << 1) + 1] = stamp;
  }

  stampOf(key: string): number | undefined {
    const p = this.lookup(key);
    return p < 0 ? undefined : this.meta[(p << 1) + 1];
  }

  setStamp(key: string, stamp: number): void {
    const p = this.lookup(key);
    if (p >= 0) this.meta[(p << 1) + 1] = stamp;
  }

  /**
   * Adds `delta` to the integer at `key` when it is kept as a number (see the header) and the
   * sum is a safe integer: returns the sum, and lastStamp/stampLast then refer to the entry.
   * Otherwise returns undefined and changes nothing.
   */
  addToInteger(key: string, delta: number): number | undefined {
    const p = this.lookup(key);
    if (p < 0) return undefined;
    const s = this.slots[p]!;
    if (typeof s !== 'number') return undefined;
    const n = this.arena.addToInteger(s, delta);
    if (n === undefined) return undefined;
    writes++;
    this.remember(p, key);
    return n;
  }

  /**
   * Inserts or replaces; the entry gets `stamp` (a replaced entry keeps its own if omitted). A
   * number is a string value holding that (safe) integer.
   */
  set(key: string, value: Value | number, stamp?: number): void {
    writes++;
    const p = this.lookup(key);
    if (p >= 0) {
      this.replaceAt(p, key, value, stamp);
      // A key written once is often written again next (hot keys, MSET's repeats).
      this.remember(p, key);
    } else {
      // lookup just recorded the miss.
      this.insertAt(-1 - p, this.entryFor(key, value), this.missHash, stamp ?? 0);
    }
  }

  private replaceAt(p: number, key: string, value: Value | number, stamp: number | undefined): void {
    const s = this.slots[p]!;
    if (typeof value === 'object' && s instanceof ObjectEntry) s.value = value;
    else if (typeof value === 'object' || typeof s !== 'number' || !this.rewrite(s, value)) {
      this.release(s);
      this.slots[p] = this.entryFor(key, value);
    }
    if (stamp !== undefined) this.meta[(p << 1) + 1] = stamp;
  }

  /** Puts a new entry at p (its place in hash order), shifting the run there one slot right. */
  private insertAt(p: number, slot: Entry, h: number, stamp: number): void {
    const slots = this.slots;
    let end = p;
    while (slots[end] !== undefined) end++;
    if (end >= slots.length || this.size + 1 > this.homes * MAX_LOAD) {
      this.grow();
      // Its place in the new table: after every entry whose hash is not greater.
      const grown = this.slots;
      const meta = this.meta;
      let q = this.home(h);
      while (grown[q] !== undefined && meta[q << 1] <= h) q++;
      this.insertAt(q, slot, h, stamp);
      return;
    }
    for (let q = end; q > p; q--) slots[q] = slots[q - 1];
    const meta = this.meta;
    meta.copyWithin((p + 1) << 1, p << 1, end << 1);
    slots[p] = slot;
    meta[p << 1] = h;
    meta[(p << 1) + 1] = stamp;
    this.size++;
    this.version++;
  }

  /**
   * Adds a string entry given as bytes (loading a dump: neither the key nor the value becomes a
   * JS string unless it is too big for the arena), whose key hashes to `h`. Returns false,
   * changing nothing, when the key is already there.
   */
  insertBytes(buf: Buffer, ks: number, kl: number, vs: number, vl: number, h: number, stamp: number): boolean {
    const slots = this.slots;
    const meta = this.meta;
    let p = this.home(h);
    let key: string | undefined;
    for (; ; p++) {
      const s = slots[p];
      if (s === undefined) break;
      const hp = meta[p << 1];
      if (hp > h) break;
      if (hp === h && this.keyEquals(s, (key ??= buf.latin1Slice(ks, ks + kl)))) return false;
    }
    let entry: Entry = this.arena.putStringBytes(buf, ks, kl, vs, vl);
    if (entry < 0) entry = new StringEntry(key ?? buf.latin1Slice(ks, ks + kl), buf.latin1Slice(vs, vs + vl));
    this.insertAt(p, entry, h, stamp);
    writes++;
    return true;
  }

  delete(key: string): boolean {
    const p = this.lookup(key);
    if (p < 0) return false;
    writes++;
    this.release(this.slots[p]!);
    this.removeAt(p);
    if (this.size < this.homes * MIN_LOAD && this.homes > MIN_HOMES) this.resize(Math.max(MIN_HOMES, Math.ceil(this.size * 2)));
    return true;
  }

  /** Removes slot p, shifting the following displaced entries back (no tombstones). */
  private removeAt(p: number): void {
    const slots = this.slots;
    const meta = this.meta;
    let end = p + 1;
    while (slots[end] !== undefined && this.home(meta[end << 1]) < end) end++;
    for (let q = p; q < end - 1; q++) slots[q] = slots[q + 1];
    meta.copyWithin(p << 1, (p + 1) << 1, end << 1);
    slots[end - 1] = undefined;
    this.size--;
    this.version++;
  }

  /** Makes room for `n` entries at once (a size hint, as loading an RDB gives). */
  reserve(n: number): void {
    if (n <= this.homes * MAX_LOAD * 0.9) return;
    this.resize(Math.ceil(n / (MAX_LOAD * 0.9)));
  }

  private grow(): void {
    const homes = this.homes;
    this.resize(homes < 65536 ? homes * 2 : Math.ceil(homes * 1.25));
  }

  /** Rebuilds with `homes` home positions; entries stay in hash order, so it is one pass. */
  private resize(homes: number): void {
    const oldSlots = this.slots;
    const oldMeta = this.meta;
    for (;;) {
      this.allocate(homes);
      let next = 0;
      let fits = true;
      for (let i = 0; i < oldSlots.length; i++) {
        const s = oldSlots[i];
        if (s === undefined) continue;
        const h = oldMeta[i << 1];
        const p = Math.max(this.home(h), next);
        if (p >= this.slots.length) {
          fits = false;
          break;
        }
        this.slots[p] = s;
        this.meta[p << 1] = h;
        this.meta[(p << 1) + 1] = oldMeta[(i << 1) + 1];
        next = p + 1;
      }
      if (fits) return;
      homes = Math.ceil(homes * 1.5);
    }
  }

  /** Calls `visit` for every entry (a plain loop: no iterator objects). */
  forEach(visit: (key: string, value: Value) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s !== undefined) visit(this.keyOf(s), this.valueOf(s));
    }
  }

  *entries(): IterableIterator<[string, Value]> {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s !== undefined) yield [this.keyOf(s), this.valueOf(s)];
    }
  }

  *keys(): IterableIterator<string> {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s !== undefined) yield this.keyOf(s);
    }
  }

  /**
   * One SCAN step. The cursor is 0 to start, else 1 + the hash to resume from. Calls `visit`
   * for entries in hash order until it returned true `count` times (or about 10*count entries
   * were seen), never stopping inside a run of equal hashes; returns the next cursor, "0" at
   * the end.
   */
  scan(cursor: bigint, count: number, visit: (key: string, value: Value) => boolean): string {
    if (cursor < 0n || cursor > BigInt(TWO_32)) return '0';
    const from = cursor === 0n ? 0 : Number(cursor) - 1;
    const slots = this.slots;
    const meta = this.meta;
    let p = this.home(from);
    while (p < slots.length && (slots[p] === undefined || meta[p << 1] < from)) p++;
    let found = 0;
    let seen = 0;
    let lastHash = -1;
    for (; p < slots.length; p++) {
      const s = slots[p];
      if (s === undefined) continue;
      const h = meta[p << 1];
      if ((found >= count || seen >= count * 10) && h !== lastHash) return String(h + 1);
      seen++;
      lastHash = h;
      if (visit(this.keyOf(s), this.valueOf(s))) found++;
    }
    return '0';
  }

  /** A random entry (RANDOMKEY, eviction samples); undefined when empty. */
  sample(): [string, Value] | undefined {
    if (this.size === 0) return undefined;
    const slots = this.slots;
    const n = slots.length;
    // Probing random slots picks every entry with the same chance (taking the next entry after
    // an empty slot would favour entries that follow gaps); the table is at least 10% full.
    for (let tries = 0; tries < 64; tries++) {
      const s = slots[Math.floor(Math.random() * n)];
      if (s !== undefined) return [this.keyOf(s), this.valueOf(s)];
    }
    let p = Math.floor(Math.random() * n);
    for (let i = 0; i < n; i++, p = p + 1 === n ? 0 : p + 1) {
      const s = slots[p];
      if (s !== undefined) return [this.keyOf(s), this.valueOf(s)];
    }
    return undefined;
  }

  /**
   * Up to `count` occupied slots, consecutive after a random one (wrapping), as Redis's
   * dictGetSomeKeys picks eviction candidates: each entry at most once, and all of them when
   * `count` >= size. The visitor reads what it needs with keyAt/valueAt/stampAt (an eviction
   * sample looks at stamps and copies out only the keys it keeps). Returns how many it visited.
   */
  sampleSlots(count: number, visit: (slot: number) => void): number {
    if (this.size === 0 || count <= 0) return 0;
    if (count > this.size) count = this.size;
    const slots = this.slots;
    const n = slots.length;
    let p = Math.floor(Math.random() * n);
    let found = 0;
    for (let i = 0; i < n && found < count; i++, p = p + 1 === n ? 0 : p + 1) {
      if (slots[p] === undefined) continue;
      found++;
      visit(p);
    }
    return found;
  }

  /** The key in an occupied slot (from sampleSlots, before the table changes). */
  keyAt(slot: number): string {
    return this.keyOf(this.slots[slot]!);
  }

  /** The value in an occupied slot (from sampleSlots, before the table changes). */
  valueAt(slot: number): Value {
    return this.valueOf(this.slots[slot]!);
  }

  /** The access stamp of an occupied slot (from sampleSlots, before the table changes). */
  stampAt(slot: number): number {
    return this.meta[(slot << 1) + 1];
  }
}
