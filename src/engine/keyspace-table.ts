// The main table of a database: key -> value, with a per-key access stamp, compact enough that
// a key with a short string value costs about as much memory as in Redis.
//
// Layout: open addressing over one Uint32Array, three words a slot (32-bit hash, access stamp,
// entry), so that a lookup touches one cache line, growing allocates no JS array, and the
// garbage collector never scans the table. A key holding a plain string sits with its value in
// one block of the table's EntryArena, outside the V8 heap; its slot holds the block's address. A string that INCR and its
// family made is kept there as a number (Redis's `int` encoding): the next INCR adds to it in
// place, without parsing and formatting a string each time; reading it gives the decimal text.
// Strings too big for a block sit in a StringEntry, other values in an ObjectEntry; those live
// in a side array, and the slot holds their index there.
// Slots are kept sorted by hash (Robin Hood order with a monotone home = hash * homes / 2^32),
// which gives:
//   - lookups that stop at the first slot whose hash is greater than the key's;
//   - SCAN cursors that are hash values: an entry present for a whole scan is returned at least
//     once, however the table grows or shrinks in between (no rehash reorders it);
//   - growth by any factor (1.5x for big tables) with a linear rebuild.

import type { RObject, Value } from '../types/value.js';
import { EntryArena } from './entry-arena.js';

class ObjectEntry {
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

// A slot's entry word: 0 when the slot is empty; 1 + an arena address (addresses are below
// 2^31); or OBJECTS + an index into the table's array of StringEntry/ObjectEntry.
const OBJECTS = 2 ** 31 + 1;
/** Words a slot takes, and where each sits in it. */
const WORDS = 3;
const HASH = 0;
const STAMP = 1;
const ENTRY = 2;

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
  /**
   * The slots, WORDS words each. One more slot than `capacity` follows them and stays empty, so
   * every probe ends inside the array.
   */
  private table = new Uint32Array(0);
  /** Slots entries may take: home positions plus SLACK. */
  private capacity = 0;
  private readonly arena = new EntryArena();
  /** Entries that are not in the arena, by the index their slot holds; free indexes are reused. */
  private readonly objects: (StringEntry | ObjectEntry | undefined)[] = [];
  private readonly freeObjects: number[] = [];
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
    this.capacity = homes + SLACK;
    this.table = new Uint32Array((this.capacity + 1) * WORDS);
    this.version++;
  }

  private home(h: number): number {
    return Math.floor(h * this.scale);
  }

  /** The slot holding `key`, else -1 - the slot where it would be inserted. */
  private find(key: string, h: number): number {
    const t = this.table;
    for (let p = this.home(h); ; p++) {
      const i = p * WORDS;
      const w = t[i + ENTRY];
      if (w === 0) return -1 - p;
      const hp = t[i + HASH];
      if (hp > h) return -1 - p;
      if (hp === h && this.keyEquals(w, key)) return p;
    }
  }

  private entryAt(p: number): number {
    return this.table[p * WORDS + ENTRY];
  }

  private keyEquals(w: number, key: string): boolean {
    return w < OBJECTS ? this.arena.keyEquals(w - 1, key) : this.objects[w - OBJECTS]!.key === key;
  }

  private keyOf(w: number): string {
    return w < OBJECTS ? this.arena.key(w - 1) : this.objects[w - OBJECTS]!.key;
  }

  private valueOf(w: number): Value {
    return w < OBJECTS ? this.arena.value(w - 1) : this.objects[w - OBJECTS]!.value;
  }

  /** A new entry's word: in the arena when it fits there. */
  private entryFor(key: string, value: Value | number): number {
    if (typeof value === 'object') return this.keep(new ObjectEntry(key, value));
    const addr = typeof value === 'number' ? this.arena.putInteger(key, value) : this.arena.putString(key, value);
    if (addr >= 0) return addr + 1;
    return this.keep(new StringEntry(key, typeof value === 'number' ? String(value) : value));
  }

  /** Stores an entry in the side array; returns its word. */
  private keep(entry: StringEntry | ObjectEntry): number {
    const i = this.freeObjects.length !== 0 ? this.freeObjects.pop()! : this.objects.length;
    this.objects[i] = entry;
    return OBJECTS + i;
  }

  /** Puts a string or integer value in the arena entry at addr in place, if it fits there. */
  private rewrite(addr: number, value: string | number): boolean {
    return typeof value === 'number' ? this.arena.rewriteInteger(addr, value) : this.arena.rewriteString(addr, value);
  }

  /** Drops an entry that left the table (its arena block or side-array index is reused). */
  private release(w: number): void {
    if (w < OBJECTS) {
      this.arena.free(w - 1);
    } else {
      this.objects[w - OBJECTS] = undefined;
      this.freeObjects.push(w - OBJECTS);
    }
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
    return this.valueOf(this.entryAt(p));
  }

  has(key: string): boolean {
    return this.lookup(key) >= 0;
  }

  /** Access stamp of the entry the last successful `get` returned. */
  lastStamp(): number {
    return this.table[this.lastSlot * WORDS + STAMP];
  }

  /** Sets the access stamp of the entry the last successful `get` returned. */
  stampLast(stamp: number): void {
    this.table[this.lastSlot * WORDS + STAMP] = stamp;
  }

  stampOf(key: string): number | undefined {
    const p = this.lookup(key);
    return p < 0 ? undefined : this.table[p * WORDS + STAMP];
  }

  setStamp(key: string, stamp: number): void {
    const p = this.lookup(key);
    if (p >= 0) this.table[p * WORDS + STAMP] = stamp;
  }

  /**
   * Adds `delta` to the integer at `key` when it is kept as a number (see the header) and the
   * sum is a safe integer: returns the sum, and lastStamp/stampLast then refer to the entry.
   * Otherwise returns undefined and changes nothing.
   */
  addToInteger(key: string, delta: number): number | undefined {
    const p = this.lookup(key);
    if (p < 0) return undefined;
    const w = this.entryAt(p);
    if (w >= OBJECTS) return undefined;
    const n = this.arena.addToInteger(w - 1, delta);
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
    const i = p * WORDS;
    const w = this.table[i + ENTRY];
    const inPlace =
      typeof value === 'object'
        ? w >= OBJECTS && this.replaceObject(w - OBJECTS, value)
        : w < OBJECTS && this.rewrite(w - 1, value);
    if (!inPlace) {
      this.release(w);
      this.table[i + ENTRY] = this.entryFor(key, value);
    }
    if (stamp !== undefined) this.table[i + STAMP] = stamp;
  }

  /** Puts `value` in the ObjectEntry at index i, if that is one. */
  private replaceObject(i: number, value: RObject): boolean {
    const o = this.objects[i];
    if (!(o instanceof ObjectEntry)) return false;
    o.value = value;
    return true;
  }

  /** Puts a new entry at p (its place in hash order), shifting the run there one slot right. */
  private insertAt(p: number, w: number, h: number, stamp: number): void {
    let t = this.table;
    let end = p;
    while (t[end * WORDS + ENTRY] !== 0) end++;
    if (end >= this.capacity || this.size + 1 > this.homes * MAX_LOAD) {
      this.grow();
      // Its place in the new table: after every entry whose hash is not greater.
      t = this.table;
      let q = this.home(h);
      while (t[q * WORDS + ENTRY] !== 0 && t[q * WORDS + HASH] <= h) q++;
      this.insertAt(q, w, h, stamp);
      return;
    }
    const i = p * WORDS;
    t.copyWithin(i + WORDS, i, end * WORDS);
    t[i + HASH] = h;
    t[i + STAMP] = stamp;
    t[i + ENTRY] = w;
    this.size++;
    this.version++;
  }

  /**
   * Adds a string entry given as bytes (loading a dump: neither the key nor the value becomes a
   * JS string unless it is too big for the arena), whose key hashes to `h`. Returns false,
   * changing nothing, when the key is already there.
   */
  insertBytes(buf: Buffer, ks: number, kl: number, vs: number, vl: number, h: number, stamp: number): boolean {
    const t = this.table;
    let p = this.home(h);
    let key: string | undefined;
    for (; ; p++) {
      const w = t[p * WORDS + ENTRY];
      if (w === 0) break;
      const hp = t[p * WORDS + HASH];
      if (hp > h) break;
      if (hp === h && this.keyEquals(w, (key ??= buf.latin1Slice(ks, ks + kl)))) return false;
    }
    const addr = this.arena.putStringBytes(buf, ks, kl, vs, vl);
    const w = addr >= 0 ? addr + 1 : this.keep(new StringEntry(key ?? buf.latin1Slice(ks, ks + kl), buf.latin1Slice(vs, vs + vl)));
    this.insertAt(p, w, h, stamp);
    writes++;
    return true;
  }

  delete(key: string): boolean {
    const p = this.lookup(key);
    if (p < 0) return false;
    writes++;
    this.release(this.entryAt(p));
    this.removeAt(p);
    if (this.size < this.homes * MIN_LOAD && this.homes > MIN_HOMES) this.resize(Math.max(MIN_HOMES, Math.ceil(this.size * 2)));
    return true;
  }

  /** Removes slot p, shifting the following displaced entries back (no tombstones). */
  private removeAt(p: number): void {
    const t = this.table;
    let end = p + 1;
    while (t[end * WORDS + ENTRY] !== 0 && this.home(t[end * WORDS + HASH]) < end) end++;
    t.copyWithin(p * WORDS, (p + 1) * WORDS, end * WORDS);
    t.fill(0, (end - 1) * WORDS, end * WORDS);
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
    this.resize(homes < 65536 ? homes * 2 : Math.ceil(homes * 1.5));
  }

  /** Rebuilds with `homes` home positions; entries stay in hash order, so it is one pass. */
  private resize(homes: number): void {
    const old = this.table;
    const oldEnd = this.capacity * WORDS;
    for (;;) {
      this.allocate(homes);
      const t = this.table;
      const scale = this.scale;
      const capacity = this.capacity;
      let next = 0;
      let i = 0;
      for (; i < oldEnd; i += WORDS) {
        if (old[i + ENTRY] === 0) continue;
        const h = old[i + HASH];
        const home = Math.floor(h * scale);
        const p = home > next ? home : next;
        if (p >= capacity) break;
        const j = p * WORDS;
        t[j + HASH] = h;
        t[j + STAMP] = old[i + STAMP];
        t[j + ENTRY] = old[i + ENTRY];
        next = p + 1;
      }
      if (i >= oldEnd) return;
      homes = Math.ceil(homes * 1.5);
    }
  }

  /** Calls `visit` for every entry (a plain loop: no iterator objects). */
  forEach(visit: (key: string, value: Value) => void): void {
    for (let p = 0; p < this.capacity; p++) {
      const w = this.entryAt(p);
      if (w !== 0) visit(this.keyOf(w), this.valueOf(w));
    }
  }

  *entries(): IterableIterator<[string, Value]> {
    for (let p = 0; p < this.capacity; p++) {
      const w = this.entryAt(p);
      if (w !== 0) yield [this.keyOf(w), this.valueOf(w)];
    }
  }

  *keys(): IterableIterator<string> {
    for (let p = 0; p < this.capacity; p++) {
      const w = this.entryAt(p);
      if (w !== 0) yield this.keyOf(w);
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
    const t = this.table;
    const capacity = this.capacity;
    let p = this.home(from);
    while (p < capacity && (t[p * WORDS + ENTRY] === 0 || t[p * WORDS + HASH] < from)) p++;
    let found = 0;
    let seen = 0;
    let lastHash = -1;
    for (; p < capacity; p++) {
      const w = t[p * WORDS + ENTRY];
      if (w === 0) continue;
      const h = t[p * WORDS + HASH];
      if ((found >= count || seen >= count * 10) && h !== lastHash) return String(h + 1);
      seen++;
      lastHash = h;
      if (visit(this.keyOf(w), this.valueOf(w))) found++;
    }
    return '0';
  }

  /** A random entry (RANDOMKEY, eviction samples); undefined when empty. */
  sample(): [string, Value] | undefined {
    if (this.size === 0) return undefined;
    const n = this.capacity;
    // Probing random slots picks every entry with the same chance (taking the next entry after
    // an empty slot would favour entries that follow gaps); the table is at least 10% full.
    for (let tries = 0; tries < 64; tries++) {
      const w = this.entryAt(Math.floor(Math.random() * n));
      if (w !== 0) return [this.keyOf(w), this.valueOf(w)];
    }
    let p = Math.floor(Math.random() * n);
    for (let i = 0; i < n; i++, p = p + 1 === n ? 0 : p + 1) {
      const w = this.entryAt(p);
      if (w !== 0) return [this.keyOf(w), this.valueOf(w)];
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
    const n = this.capacity;
    let p = Math.floor(Math.random() * n);
    let found = 0;
    for (let i = 0; i < n && found < count; i++, p = p + 1 === n ? 0 : p + 1) {
      if (this.entryAt(p) === 0) continue;
      found++;
      visit(p);
    }
    return found;
  }

  /** The key in an occupied slot (from sampleSlots, before the table changes). */
  keyAt(slot: number): string {
    return this.keyOf(this.entryAt(slot));
  }

  /** The value in an occupied slot (from sampleSlots, before the table changes). */
  valueAt(slot: number): Value {
    return this.valueOf(this.entryAt(slot));
  }

  /** The access stamp of an occupied slot (from sampleSlots, before the table changes). */
  stampAt(slot: number): number {
    return this.table[slot * WORDS + STAMP];
  }
}
