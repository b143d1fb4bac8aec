// Compact string-keyed hash tables for the hashtable encodings of sets and hashes.
//
// Entries (keys, and values for hashes) sit at dense positions 0..size-1. An open-addressing
// index (linear probing over an Int32Array of position+1, 0 = empty, backward-shift deletion)
// maps a key's hash to its position; hashes are kept per position, so resizing the index never
// rehashes strings. Deleting moves the last entry into the hole, so positions stay dense:
// random picks are uniform and O(1), and a scan walking positions downward sees every entry
// present for its whole duration.
//
// Two storages share that index:
//  - DenseTable keeps each key and value as its own JS string (small and mid-sized tables);
//  - ArenaTable packs them into large shared strings (chunks of about 16 KB) with per-position
//    offsets in typed arrays: about len + 20 bytes per entry instead of a string object each,
//    and far fewer objects for the garbage collector. New and updated entries go to an open
//    chunk first; deleted bytes are reclaimed by rewriting the chunks when they outweigh the
//    live ones. Big tables move from the first storage to the second.

/** FNV-1a over the string's char codes, with a final avalanche (fmix32). */
export function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

const MIN_SLOTS = 8;
/** Up to this many entries a DenseTable has no index: lookups scan its keys, like a listpack. */
const LINEAR_MAX = 8;
const EMPTY = new Int32Array(0);

/** A table of string keys at dense positions (with string values for hashes). */
export interface StringTable {
  readonly size: number;
  /** The position of `key`, or -1. */
  find(key: string): number;
  has(key: string): boolean;
  /** Adds `key` (and `value`) unless present: -1 when added, else the existing position. */
  add(key: string, value?: string): number;
  delete(key: string): boolean;
  /** Removes the entry at `pos`, moving the last entry into its place. */
  removeAt(pos: number): void;
  keyAt(pos: number): string;
  valAt(pos: number): string;
  setValAt(pos: number, value: string): void;
  clone(): StringTable;
}

/** The hash index over positions, shared by both storages. */
abstract class HashIndex {
  protected hashes = EMPTY;
  protected slots = EMPTY;
  protected mask = -1;
  protected n = 0;
  /** Whether the hash index exists (tiny tables go without). */
  protected indexed = false;

  get size(): number {
    return this.n;
  }

  /** Whether the entry at `pos` has key `key`. */
  protected abstract keyEquals(pos: number, key: string): boolean;

  /** The key at `pos`. */
  abstract keyAt(pos: number): string;

  /** Builds the index over the current entries. */
  protected buildIndex(): void {
    const hashes = new Int32Array(Math.max(4, this.n * 2));
    for (let p = 0; p < this.n; p++) hashes[p] = hashString(this.keyAt(p));
    this.hashes = hashes;
    this.indexed = true;
    let capacity = MIN_SLOTS;
    while (this.n * 4 > capacity * 3) capacity *= 2;
    this.resize(capacity);
  }

  /** Scans the keys (tables without an index). */
  protected findLinear(key: string): number {
    for (let p = 0; p < this.n; p++) if (this.keyEquals(p, key)) return p;
    return -1;
  }

  protected findHashed(key: string, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const hashes = this.hashes;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const p = slots[i];
      if (p === 0) return -1;
      if (hashes[p - 1] === h && this.keyEquals(p - 1, key)) return p - 1;
    }
  }

  find(key: string): number {
    if (!this.indexed) return this.findLinear(key);
    return this.findHashed(key, hashString(key));
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** Makes room for one more position and indexes it under hash h; returns the position. */
  protected link(h: number): number {
    const pos = this.n;
    if ((pos + 1) * 4 > this.slots.length * 3) this.resize(this.slots.length * 2);
    if (pos === this.hashes.length) this.grow(pos * 2);
    this.hashes[pos] = h;
    this.place(h, pos);
    this.n = pos + 1;
    return pos;
  }

  /** Grows the per-position arrays (subclasses add theirs). */
  protected grow(capacity: number): void {
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes.subarray(0, this.n));
    this.hashes = hashes;
  }

  private place(h: number, pos: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = pos + 1;
  }

  protected resize(capacity: number): void {
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    const hashes = this.hashes;
    for (let p = 0; p < this.n; p++) this.place(hashes[p], p);
  }

  private slotOf(pos: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = this.hashes[pos] & mask;
    while (slots[i] !== pos + 1) i = (i + 1) & mask;
    return i;
  }

  /**
   * Takes position `pos` out of the index and moves the last position into it (the subclass
   * moves its own per-position data first, in `moveEntry`). Shrinks the index when sparse.
   */
  protected unlink(pos: number): void {
    const slots = this.slots;
    const mask = this.mask;
    // Backward-shift deletion: probe sequences stay unbroken without tombstones.
    let hole = this.slotOf(pos);
    for (let j = (hole + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[slots[j] - 1] & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
    slots[hole] = 0;
    const last = this.n - 1;
    if (pos !== last) {
      slots[this.slotOf(last)] = pos + 1;
      this.hashes[pos] = this.hashes[last];
      this.moveEntry(last, pos);
    }
    this.n = last;
    if (last * 8 < this.slots.length && this.slots.length > MIN_SLOTS) this.resize(Math.max(MIN_SLOTS, this.slots.length >> 1));
  }

  /** Moves the per-position data of `from` (the last position) to `to`. */
  protected abstract moveEntry(from: number, to: number): void;

  protected copyIndexTo(t: HashIndex): void {
    t.hashes = this.hashes.slice();
    t.slots = this.slots.slice();
    t.mask = this.mask;
    t.n = this.n;
    t.indexed = this.indexed;
  }
}

/** A copy of `a` with `v` appended, exactly sized (for small arrays). */
export function appendExact<T>(a: T[], v: T): T[] {
  const n = a.length;
  const out = new Array<T>(n + 1);
  for (let i = 0; i < n; i++) out[i] = a[i];
  out[n] = v;
  return out;
}

/** Keys and values as individual strings. */
export class DenseTable extends HashIndex implements StringTable {
  readonly keys: string[] = [];
  /** Values parallel to `keys` (hashes), or null (sets). */
  readonly vals: string[] | null;

  constructor(withValues: boolean) {
    super();
    this.vals = withValues ? [] : null;
  }

  protected keyEquals(pos: number, key: string): boolean {
    return this.keys[pos] === key;
  }

  add(key: string, value?: string): number {
    if (!this.indexed) {
      const at = this.findLinear(key);
      if (at >= 0) return at;
      // Tiny tables grow their arrays exactly (push would reserve 16 more slots).
      (this as { keys: string[] }).keys = appendExact(this.keys, key);
      if (this.vals !== null) (this as { vals: string[] }).vals = appendExact(this.vals, value!);
      if (++this.n > LINEAR_MAX) this.buildIndex();
      return -1;
    }
    const h = hashString(key);
    const at = this.findHashed(key, h);
    if (at >= 0) return at;
    this.link(h);
    this.keys.push(key);
    if (this.vals !== null) this.vals.push(value!);
    return -1;
  }

  delete(key: string): boolean {
    const pos = this.find(key);
    if (pos < 0) return false;
    this.removeAt(pos);
    return true;
  }

  removeAt(pos: number): void {
    if (this.indexed) {
      this.unlink(pos);
    } else {
      const last = --this.n;
      if (pos !== last) this.moveEntry(last, pos);
    }
    this.keys.pop();
    if (this.vals !== null) this.vals.pop();
  }

  protected moveEntry(from: number, to: number): void {
    this.keys[to] = this.keys[from];
    if (this.vals !== null) this.vals[to] = this.vals[from];
  }

  keyAt(pos: number): string {
    return this.keys[pos];
  }

  valAt(pos: number): string {
    return this.vals![pos];
  }

  setValAt(pos: number, value: string): void {
    this.vals![pos] = value;
  }

  clone(): DenseTable {
    const t = new DenseTable(this.vals !== null);
    this.copyIndexTo(t);
    (t as { keys: string[] }).keys = this.keys.slice();
    if (this.vals !== null) (t as { vals: string[] }).vals = this.vals.slice();
    return t;
  }
}

/** Entries per open chunk, and its byte budget, before it is sealed into one string. */
const OPEN_ENTRIES = 512;
const OPEN_BYTES = 16384;
/** Target size of the chunks written by a compaction. */
const CHUNK_BYTES = 16384;

/** Keys and values packed into shared chunk strings. */
export class ArenaTable extends HashIndex implements StringTable {
  private chunks: string[] = [];
  /** Per position: chunk index (-1: in the open chunk), offset (or open index), lengths. */
  private ref = new Int32Array(4);
  private off = new Int32Array(4);
  private klen = new Int32Array(4);
  private vlen: Int32Array | null;
  /** The open chunk: entries not yet packed, and the position of each (-1 once deleted). */
  private openKeys: string[] = [];
  private openVals: string[] | null;
  private openPos: number[] = [];
  private openBytes = 0;
  /** Bytes in chunks that belong to live entries, and to deleted or replaced ones. */
  private liveBytes = 0;
  private deadBytes = 0;

  constructor(private readonly withValues: boolean) {
    super();
    this.vlen = withValues ? new Int32Array(4) : null;
    this.openVals = withValues ? [] : null;
    this.buildIndex();
  }

  /** A table holding `source`'s entries at the same positions. */
  static from(source: StringTable, withValues: boolean): ArenaTable {
    const t = new ArenaTable(withValues);
    for (let p = 0; p < source.size; p++) t.add(source.keyAt(p), withValues ? source.valAt(p) : undefined);
    return t;
  }

  protected override grow(capacity: number): void {
    super.grow(capacity);
    const n = this.n;
    const widen = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a.subarray(0, n));
      return b;
    };
    this.ref = widen(this.ref);
    this.off = widen(this.off);
    this.klen = widen(this.klen);
    if (this.vlen !== null) this.vlen = widen(this.vlen);
  }

  protected keyEquals(pos: number, key: string): boolean {
    const r = this.ref[pos];
    if (r < 0) return this.openKeys[this.off[pos]] === key;
    return this.klen[pos] === key.length && this.chunks[r].startsWith(key, this.off[pos]);
  }

  keyAt(pos: number): string {
    const r = this.ref[pos];
    if (r < 0) return this.openKeys[this.off[pos]];
    const o = this.off[pos];
    return this.chunks[r].substring(o, o + this.klen[pos]);
  }

  valAt(pos: number): string {
    const r = this.ref[pos];
    if (r < 0) return this.openVals![this.off[pos]];
    const o = this.off[pos] + this.klen[pos];
    return this.chunks[r].substring(o, o + this.vlen![pos]);
  }

  private entryBytes(pos: number): number {
    return this.klen[pos] + (this.vlen !== null ? this.vlen[pos] : 0);
  }

  /** Puts the entry at `pos` into the open chunk. */
  private openEntry(pos: number, key: string, value: string | undefined): void {
    const i = this.openKeys.length;
    this.openKeys.push(key);
    if (this.openVals !== null) this.openVals.push(value!);
    this.openPos.push(pos);
    this.ref[pos] = -1;
    this.off[pos] = i;
    this.klen[pos] = key.length;
    if (this.vlen !== null) this.vlen[pos] = value!.length;
    this.openBytes += key.length + (value?.length ?? 0);
    if (i + 1 >= OPEN_ENTRIES || this.openBytes >= OPEN_BYTES) this.seal();
  }

  /** Packs the open chunk into one string. */
  private seal(): void {
    const parts: string[] = [];
    const ci = this.chunks.length;
    let at = 0;
    const keys = this.openKeys;
    const vals = this.openVals;
    for (let i = 0; i < keys.length; i++) {
      const p = this.openPos[i];
      if (p < 0) continue;
      const k = keys[i];
      parts.push(k);
      this.ref[p] = ci;
      this.off[p] = at;
      at += k.length;
      if (vals !== null) {
        parts.push(vals[i]);
        at += vals[i].length;
      }
    }
    this.chunks.push(parts.length === 1 ? parts[0] : parts.join(''));
    this.liveBytes += at;
    this.openKeys = [];
    if (this.openVals !== null) this.openVals = [];
    this.openPos = [];
    this.openBytes = 0;
  }

  /** Forgets the storage of the entry at `pos` (before it is removed or rewritten). */
  private release(pos: number): void {
    if (this.ref[pos] < 0) {
      const i = this.off[pos];
      this.openPos[i] = -1;
      this.openKeys[i] = '';
      if (this.openVals !== null) this.openVals[i] = '';
      return;
    }
    const bytes = this.entryBytes(pos);
    this.liveBytes -= bytes;
    this.deadBytes += bytes;
  }

  add(key: string, value?: string): number {
    const h = hashString(key);
    const at = this.findHashed(key, h);
    if (at >= 0) return at;
    const pos = this.link(h);
    this.openEntry(pos, key, value);
    return -1;
  }

  setValAt(pos: number, value: string): void {
    if (this.ref[pos] < 0) {
      const i = this.off[pos];
      this.openBytes += value.length - this.openVals![i].length;
      this.openVals![i] = value;
      this.vlen![pos] = value.length;
      return;
    }
    const key = this.keyAt(pos);
    this.release(pos);
    this.openEntry(pos, key, value);
    this.maybeCompact();
  }

  delete(key: string): boolean {
    const pos = this.find(key);
    if (pos < 0) return false;
    this.removeAt(pos);
    return true;
  }

  removeAt(pos: number): void {
    this.release(pos);
    this.unlink(pos);
    this.maybeCompact();
  }

  protected moveEntry(from: number, to: number): void {
    this.ref[to] = this.ref[from];
    this.off[to] = this.off[from];
    this.klen[to] = this.klen[from];
    if (this.vlen !== null) this.vlen[to] = this.vlen[from];
    if (this.ref[to] < 0) this.openPos[this.off[to]] = to;
  }

  /** Rewrites the chunks without dead bytes once they outweigh the live ones. */
  private maybeCompact(): void {
    if (this.deadBytes < 65536 || this.deadBytes < this.liveBytes) return;
    const chunks: string[] = [];
    let parts: string[] = [];
    let at = 0;
    for (let p = 0; p < this.n; p++) {
      const r = this.ref[p];
      if (r < 0) continue;
      const o = this.off[p];
      const len = this.entryBytes(p);
      parts.push(this.chunks[r].substring(o, o + len));
      this.ref[p] = chunks.length;
      this.off[p] = at;
      at += len;
      if (at >= CHUNK_BYTES) {
        chunks.push(parts.join(''));
        parts = [];
        at = 0;
      }
    }
    if (parts.length) chunks.push(parts.join(''));
    this.chunks = chunks;
    this.deadBytes = 0;
    if (this.n * 4 < this.ref.length && this.ref.length > 64) this.shrinkArrays(Math.max(64, this.ref.length >> 1));
  }

  private shrinkArrays(capacity: number): void {
    this.hashes = this.hashes.slice(0, capacity);
    this.ref = this.ref.slice(0, capacity);
    this.off = this.off.slice(0, capacity);
    this.klen = this.klen.slice(0, capacity);
    if (this.vlen !== null) this.vlen = this.vlen.slice(0, capacity);
  }

  clone(): ArenaTable {
    const t = new ArenaTable(this.withValues);
    this.copyIndexTo(t);
    t.chunks = this.chunks.slice();
    t.ref = this.ref.slice();
    t.off = this.off.slice();
    t.klen = this.klen.slice();
    t.vlen = this.vlen === null ? null : this.vlen.slice();
    t.openKeys = this.openKeys.slice();
    t.openVals = this.openVals === null ? null : this.openVals.slice();
    t.openPos = this.openPos.slice();
    t.openBytes = this.openBytes;
    t.liveBytes = this.liveBytes;
    t.deadBytes = this.deadBytes;
    return t;
  }
}

/** Tables above this size move to the packed storage. */
export const ARENA_THRESHOLD = 1024;

/** After an insertion: the table to keep (a big DenseTable becomes an ArenaTable). */
export function settleTable(t: StringTable, withValues: boolean): StringTable {
  if (t.size > ARENA_THRESHOLD && t instanceof DenseTable) return ArenaTable.from(t, withValues);
  return t;
}
