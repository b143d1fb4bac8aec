// The main table of a database: key -> value, with a per-key access stamp, compact enough that
// a key with a short string value costs about as much memory as in Redis.
//
// Layout: open addressing over three parallel arrays (slot, 32-bit hash, access stamp). A key
// holding a plain string is stored as ONE packed JS string: a length header, the key bytes and
// the value bytes, so it costs one string object instead of two plus a Map entry. Other values
// sit in an ObjectEntry. A string that INCR and its family made is kept as a number in an
// IntegerEntry (Redis's `int` encoding): the next INCR adds to it in place, without parsing,
// formatting and packing a new string each time; reading it gives the decimal text.
// Slots are kept sorted by hash (Robin Hood order with a monotone home = hash * homes / 2^32),
// which gives:
//   - lookups that stop at the first slot whose hash is greater than the key's;
//   - SCAN cursors that are hash values: an entry present for a whole scan is returned at least
//     once, however the table grows or shrinks in between (no rehash reorders it);
//   - growth by any factor (1.5x for big tables) with a linear rebuild.

import type { RObject, Value } from '../types/value.js';
import { formatInteger } from '../util/numbers.js';

export class ObjectEntry {
  constructor(
    readonly key: string,
    public value: RObject,
  ) {}
}

/** A string value holding a safe integer, kept as the number. */
class IntegerEntry {
  constructor(
    readonly key: string,
    public n: number,
  ) {}
}

type Entry = string | ObjectEntry | IntegerEntry;
type Slot = Entry | undefined;

/** Slots after the last home position, so displaced entries never wrap around. */
const SLACK = 64;
const MAX_LOAD = 0.8;
const MIN_LOAD = 0.1;
const MIN_HOMES = 8;
const TWO_32 = 4294967296;

const SEED = (Math.random() * TWO_32) >>> 0;

/** A seeded 32-bit hash of a latin1 string (FNV-1a steps, murmur3 finalizer). */
export function hashKey(key: string): number {
  let h = (SEED ^ key.length) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
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
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Packed string entries: [header][key][value]. The header is one char holding the key length
// when it is below 255, else char 255 followed by four chars (the length, base 256). Every
// char stays below 256, so the packed string is a compact one-byte string.
function pack(key: string, value: string): string {
  const n = key.length;
  const packed = (n < 255 ? String.fromCharCode(n) : String.fromCharCode(255, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255)) + key + value;
  // `+` makes a rope of three parts; reading a char flattens it into one string (the GC then
  // drops the rope), so the table holds a single compact string per entry.
  packed.charCodeAt(0);
  return packed;
}

let packScratch = Buffer.allocUnsafe(64 * 1024);

/**
 * The packed entry for a string key/value given as bytes (buf[ks, ks + kl) and buf[vs, vs + vl)),
 * built with one string allocation: loading a dump creates neither the key nor the value string.
 */
export function packBytes(buf: Uint8Array, ks: number, kl: number, vs: number, vl: number): string {
  const total = (kl < 255 ? 1 : 5) + kl + vl;
  if (packScratch.length < total) packScratch = Buffer.allocUnsafe(Math.max(total, packScratch.length * 2));
  const out = packScratch;
  let p = 0;
  if (kl < 255) out[p++] = kl;
  else {
    out[p++] = 255;
    out[p++] = kl >>> 24;
    out[p++] = (kl >>> 16) & 255;
    out[p++] = (kl >>> 8) & 255;
    out[p++] = kl & 255;
  }
  copyBytes(buf, ks, kl, out, p);
  copyBytes(buf, vs, vl, out, p + kl);
  return out.latin1Slice(0, total);
}

function copyBytes(from: Uint8Array, start: number, len: number, to: Uint8Array, at: number): void {
  if (len < 64) {
    for (let i = 0; i < len; i++) to[at + i] = from[start + i];
  } else {
    to.set(from.subarray(start, start + len), at);
  }
}

function keyStart(p: string): number {
  return p.charCodeAt(0) < 255 ? 1 : 5;
}

function keyLength(p: string): number {
  const c = p.charCodeAt(0);
  if (c < 255) return c;
  return ((p.charCodeAt(1) << 24) | (p.charCodeAt(2) << 16) | (p.charCodeAt(3) << 8) | p.charCodeAt(4)) >>> 0;
}

function slotKeyEquals(s: Entry, key: string): boolean {
  if (typeof s !== 'string') return s.key === key;
  const c = s.charCodeAt(0);
  if (c < 255) return c === key.length && s.startsWith(key, 1);
  return keyLength(s) === key.length && s.startsWith(key, 5);
}

function slotKey(s: Entry): string {
  if (typeof s !== 'string') return s.key;
  const start = keyStart(s);
  return s.substring(start, start + keyLength(s));
}

function slotValue(s: Entry): Value {
  if (typeof s !== 'string') return s instanceof ObjectEntry ? s.value : formatInteger(s.n);
  const c = s.charCodeAt(0);
  return c < 255 ? s.substring(1 + c) : s.substring(5 + keyLength(s));
}

function entryFor(key: string, value: Value | number): Entry {
  if (typeof value === 'string') return pack(key, value);
  if (typeof value === 'number') return new IntegerEntry(key, value);
  return new ObjectEntry(key, value);
}

export class KeyspaceTable {
  private slots: Slot[] = [];
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

  /** The slot holding `key`, or -1. */
  private find(key: string, h: number): number {
    const slots = this.slots;
    const meta = this.meta;
    for (let p = this.home(h); ; p++) {
      const s = slots[p];
      if (s === undefined) return -1;
      const hp = meta[p << 1];
      if (hp > h) return -1;
      if (hp === h && slotKeyEquals(s, key)) return p;
    }
  }

  /** Makes slot p, holding `key`, the one lastStamp/stampLast and the next `set` of key use. */
  private remember(p: number, key: string): void {
    this.lastSlot = p;
    this.lastKey = key;
    this.lastVersion = this.version;
  }

  get(key: string): Value | undefined {
    const p = this.find(key, hashKey(key));
    if (p < 0) return undefined;
    this.remember(p, key);
    return slotValue(this.slots[p]!);
  }

  has(key: string): boolean {
    return this.find(key, hashKey(key)) >= 0;
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
    const p = this.find(key, hashKey(key));
    return p < 0 ? undefined : this.meta[(p << 1) + 1];
  }

  setStamp(key: string, stamp: number): void {
    const p = this.find(key, hashKey(key));
    if (p >= 0) this.meta[(p << 1) + 1] = stamp;
  }

  /**
   * Adds `delta` to the integer at `key` when it is kept as a number (see IntegerEntry) and the
   * sum is a safe integer: returns the sum, and lastStamp/stampLast then refer to the entry.
   * Otherwise returns undefined and changes nothing.
   */
  addToInteger(key: string, delta: number): number | undefined {
    const p = this.find(key, hashKey(key));
    if (p < 0) return undefined;
    const s = this.slots[p];
    if (!(s instanceof IntegerEntry)) return undefined;
    const n = s.n + delta;
    if (!Number.isSafeInteger(n)) return undefined;
    s.n = n;
    this.remember(p, key);
    return n;
  }

  /**
   * Inserts or replaces; the entry gets `stamp` (a replaced entry keeps its own if omitted). A
   * number is a string value holding that (safe) integer.
   */
  set(key: string, value: Value | number, stamp?: number): void {
    // Read-modify-write commands (INCR, APPEND…) store right after reading the same key.
    if (key === this.lastKey && this.version === this.lastVersion) {
      this.replaceAt(this.lastSlot, key, value, stamp);
      return;
    }
    const h = hashKey(key);
    const slots = this.slots;
    const meta = this.meta;
    let p = this.home(h);
    for (; ; p++) {
      const s = slots[p];
      if (s === undefined) break;
      const hp = meta[p << 1];
      if (hp > h) break;
      if (hp === h && slotKeyEquals(s, key)) {
        this.replaceAt(p, key, value, stamp);
        // A key written once is often written again next (hot keys, MSET's repeats).
        this.remember(p, key);
        return;
      }
    }
    this.insertAt(p, entryFor(key, value), h, stamp ?? 0);
  }

  private replaceAt(p: number, key: string, value: Value | number, stamp: number | undefined): void {
    const s = this.slots[p]!;
    if (typeof value === 'number' && s instanceof IntegerEntry) s.n = value;
    else if (typeof value === 'object' && s instanceof ObjectEntry) s.value = value;
    else this.slots[p] = entryFor(key, value);
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
   * Adds a string entry in packed form (see packBytes) whose key hashes to `h`. Returns false,
   * changing nothing, when the key is already there.
   */
  insertPacked(packed: string, h: number, stamp: number): boolean {
    const slots = this.slots;
    const meta = this.meta;
    let p = this.home(h);
    for (; ; p++) {
      const s = slots[p];
      if (s === undefined) break;
      const hp = meta[p << 1];
      if (hp > h) break;
      if (hp === h && slotKey(s) === slotKey(packed)) return false;
    }
    this.insertAt(p, packed, h, stamp);
    return true;
  }

  delete(key: string): boolean {
    const p = this.find(key, hashKey(key));
    if (p < 0) return false;
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

  clear(): void {
    this.allocate(MIN_HOMES);
    this.size = 0;
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

  *entries(): IterableIterator<[string, Value]> {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s !== undefined) yield [slotKey(s), slotValue(s)];
    }
  }

  *keys(): IterableIterator<string> {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s !== undefined) yield slotKey(s);
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
      if (visit(slotKey(s), slotValue(s))) found++;
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
      if (s !== undefined) return [slotKey(s), slotValue(s)];
    }
    let p = Math.floor(Math.random() * n);
    for (let i = 0; i < n; i++, p = p + 1 === n ? 0 : p + 1) {
      const s = slots[p];
      if (s !== undefined) return [slotKey(s), slotValue(s)];
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
    return slotKey(this.slots[slot]!);
  }

  /** The value in an occupied slot (from sampleSlots, before the table changes). */
  valueAt(slot: number): Value {
    return slotValue(this.slots[slot]!);
  }

  /** The access stamp of an occupied slot (from sampleSlots, before the table changes). */
  stampAt(slot: number): number {
    return this.meta[(slot << 1) + 1];
  }
}
