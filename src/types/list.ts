// The list type: a deque of chunks, like Redis's quicklist of listpacks.
//
// A chunk holds a run of consecutive elements in one of two forms:
//  - loose: a JS array window [lo, hi) of element strings; cheap pushes and pops. The chunks at
//    the two ends of a list are usually loose, since that is where elements come and go.
//  - packed: all elements concatenated in one string plus an offsets table (Uint16Array, or
//    Uint32Array for big chunks); element k is data[offs[k] .. offs[k+1]). It costs about
//    len + 2 bytes per element, close to a listpack. Chunks in the middle of a list are packed.
//    Pops at either end of a packed chunk just narrow its window.
// Chunks are filled up to the list-max-listpack-size rule Redis applies to quicklist nodes
// (a byte budget for negative values, an element count for positive ones).
//
// Positional access finds the chunk by binary search over the chunks' start positions, which
// pushes and pops at the ends keep up to date; edits in the middle mark them stale and the next
// lookup renumbers them (one pass over the chunks, not the elements).

import { RObject, type ValueDigest } from './value.js';
import { parseInt64 } from '../util/numbers.js';
import { encodeBulk } from '../resp/encoder.js';

/** Redis's quicklist byte budgets for list-max-listpack-size -1 .. -5. */
const SIZE_LEVELS = [4096, 8192, 16384, 32768, 65536];
/** A node never grows past this when the fill is a count (SIZE_SAFETY_LIMIT). */
const SIZE_SAFETY_LIMIT = 8192;
/** The estimate Redis adds per inserted element when checking a node's size. */
const SIZE_ESTIMATE_OVERHEAD = 8;
/** Bytes of an empty listpack (header and terminator). */
const EMPTY_CHUNK_BYTES = 7;

/**
 * Listpack bytes of one element (encoding header + data + back length), exactly as Redis's
 * node size counts them: node boundaries then fall where Redis's do, so a list saved node by
 * node (RDB, DUMP) is byte-identical to Redis's for the same pushes and pops.
 */
export function entryBytes(v: string): number {
  const len = v.length;
  if (len <= 20 && len > 0) {
    const c = v.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 45) {
      const n = parseInt64(v);
      if (n !== undefined) {
        // Integer encodings: 7-bit, 13-bit, 16, 24, 32 and 64-bit, plus a 1-byte back length.
        if (typeof n === 'bigint') return 10;
        return n >= 0 && n <= 127 ? 2 : n >= -4096 && n <= 4095 ? 3 : n >= -32768 && n <= 32767 ? 4 : n >= -8388608 && n <= 8388607 ? 5 : n >= -2147483648 && n <= 2147483647 ? 6 : 10;
      }
    }
  }
  const size = len < 64 ? len + 1 : len < 4096 ? len + 2 : len + 5;
  return size + (size <= 127 ? 1 : size < 16383 ? 2 : size < 2097151 ? 3 : size < 268435455 ? 4 : 5);
}

/** The chunk fill rule (list-max-listpack-size), clamped as Redis clamps it. */
export function clampFill(fill: number): number {
  return fill > 32767 ? 32767 : fill < -5 ? -5 : fill;
}

function appendLoose(a: (string | undefined)[], v: string): (string | undefined)[] {
  const n = a.length;
  const out: (string | undefined)[] = new Array(n + 1);
  for (let i = 0; i < n; i++) out[i] = a[i];
  out[n] = v;
  return out;
}

/** Loose chunks smaller than this don't keep a RESP cache (encoding them is cheap anyway). */
const ENCODE_CACHE_MIN = 32;

class Chunk {
  /** Loose form: the element window [lo, hi) of `items`; null when packed. */
  items: (string | undefined)[] | null;
  /** Packed form: concatenated elements and offsets (window [lo, hi) of element indexes). */
  data = '';
  offs: Uint16Array | Uint32Array | null = null;
  lo = 0;
  hi = 0;
  /** Estimated listpack size, for the fill rule. */
  bytes = EMPTY_CHUNK_BYTES;
  /** Position of the first element in the list's coordinate space (see ListValue.origin). */
  start = 0;
  /**
   * RESP text of the chunk's elements, for repeated range reads of an unchanged chunk (built on
   * the second read, dropped by any change), and where each element starts in it.
   */
  enc: string | null = null;
  encOffs: Uint32Array | null = null;
  /** Range reads since the last change. */
  reads = 0;

  constructor(items: (string | undefined)[] | null = []) {
    this.items = items;
  }

  get count(): number {
    return this.hi - this.lo;
  }

  /** Any change: the RESP cache goes. */
  private touch(): void {
    if (this.enc !== null) {
      this.enc = null;
      this.encOffs = null;
    }
    this.reads = 0;
  }

  /**
   * The RESP encoding of elements from..to-1 when this chunk keeps one (loose chunks of some
   * size, read repeatedly without changes), else null.
   */
  encodedRange(from: number, to: number): string | null {
    if (this.enc === null) {
      if (this.count < ENCODE_CACHE_MIN || ++this.reads < 2) return null;
      this.buildEncoding();
    }
    const offs = this.encOffs!;
    return this.enc!.substring(offs[from], offs[to]);
  }

  private buildEncoding(): void {
    const n = this.count;
    const parts: string[] = new Array(n);
    const offs = new Uint32Array(n + 1);
    let at = 0;
    for (let k = 0; k < n; k++) {
      const v = this.get(k);
      const e = encodeBulk(v);
      parts[k] = e;
      offs[k] = at;
      at += e.length;
    }
    offs[n] = at;
    this.enc = parts.join('');
    this.encOffs = offs;
  }

  get(k: number): string {
    const items = this.items;
    if (items !== null) return items[this.lo + k]!;
    const offs = this.offs!;
    const i = this.lo + k;
    return this.data.substring(offs[i], offs[i + 1]);
  }

  /** Whether element k equals `v`, without materializing it. */
  equals(k: number, v: string): boolean {
    const items = this.items;
    if (items !== null) return items[this.lo + k] === v;
    const offs = this.offs!;
    const i = this.lo + k;
    const from = offs[i];
    return offs[i + 1] - from === v.length && this.data.startsWith(v, from);
  }

  /** Turns a packed chunk into a loose one (before edits). */
  loosen(): (string | undefined)[] {
    this.touch();
    if (this.items !== null) return this.items;
    const n = this.hi - this.lo;
    const items: (string | undefined)[] = new Array(n);
    const offs = this.offs!;
    const data = this.data;
    for (let k = 0, i = this.lo; k < n; k++, i++) items[k] = data.substring(offs[i], offs[i + 1]);
    this.items = items;
    this.data = '';
    this.offs = null;
    this.lo = 0;
    this.hi = n;
    return items;
  }

  /** Packs a loose chunk (when it ends up in the middle of its list). */
  pack(): void {
    const items = this.items;
    if (items === null) return;
    this.touch();
    const n = this.hi - this.lo;
    let total = 0;
    for (let i = this.lo; i < this.hi; i++) total += items[i]!.length;
    const offs = total < 65536 ? new Uint16Array(n + 1) : new Uint32Array(n + 1);
    let at = 0;
    const parts: string[] = new Array(n);
    for (let k = 0, i = this.lo; k < n; k++, i++) {
      const s = items[i]!;
      parts[k] = s;
      offs[k] = at;
      at += s.length;
    }
    offs[n] = at;
    // A flat copy: the joined string doesn't keep the parts alive.
    this.data = n === 1 ? parts[0] : parts.join('');
    this.offs = offs;
    this.items = null;
    this.lo = 0;
    this.hi = n;
  }

  pushFront(v: string): void {
    this.touch();
    const items = this.items ?? this.loosen();
    if (this.lo === 0) this.relayout(items, Math.max(this.hi - this.lo, 4), 0);
    this.items![--this.lo] = v;
    this.bytes += entryBytes(v);
  }

  pushBack(v: string): void {
    this.touch();
    const items = this.items ?? this.loosen();
    if (this.hi === items.length && this.lo > 0 && this.lo >= (this.hi - this.lo) >> 1) {
      // Plenty of room at the front (left by pops): slide back instead of growing.
      this.relayout(items, 0, 0);
    }
    const arr = this.items!;
    if (this.hi === arr.length && this.hi < 16 && this.lo === 0) {
      // Small chunks grow exactly (push would reserve 16 more slots).
      this.items = appendLoose(arr, v);
      this.hi++;
    } else {
      arr[this.hi++] = v;
    }
    this.bytes += entryBytes(v);
  }

  /** Moves the loose window to a fresh array with `front` free slots before it and `back` after. */
  private relayout(items: (string | undefined)[], front: number, back: number): void {
    const n = this.hi - this.lo;
    const out: (string | undefined)[] = new Array(front + n + back);
    for (let k = 0; k < n; k++) out[front + k] = items[this.lo + k];
    this.items = out;
    this.lo = front;
    this.hi = front + n;
  }

  popFront(): string {
    this.touch();
    const v = this.get(0);
    if (this.items !== null) this.items[this.lo] = undefined;
    this.lo++;
    this.bytes -= entryBytes(v);
    return v;
  }

  popBack(): string {
    this.touch();
    const v = this.get(this.hi - this.lo - 1);
    this.hi--;
    if (this.items !== null) this.items[this.hi] = undefined;
    this.bytes -= entryBytes(v);
    return v;
  }

  set(k: number, v: string): void {
    const items = this.loosen();
    const old = items[this.lo + k]!;
    items[this.lo + k] = v;
    this.bytes += entryBytes(v) - entryBytes(old);
  }

  insert(k: number, v: string): void {
    const items = this.loosen();
    if (this.lo !== 0 || this.hi !== items.length) this.relayout(items, 0, 0);
    this.items!.splice(k, 0, v);
    this.hi++;
    this.bytes += entryBytes(v);
  }

  /** Removes elements k .. k+n-1. */
  remove(k: number, n: number): void {
    if (n <= 0) return;
    if (k === 0) {
      for (let j = 0; j < n; j++) this.popFront();
      return;
    }
    if (k + n === this.count) {
      for (let j = 0; j < n; j++) this.popBack();
      return;
    }
    const items = this.loosen();
    for (let j = 0; j < n; j++) this.bytes -= entryBytes(items[this.lo + k + j]!);
    items.splice(this.lo + k, n);
    this.hi -= n;
  }

  /** Keeps only the elements whose `keep[k]` is true (LREM). */
  filter(keep: (k: number) => boolean): number {
    const items = this.loosen();
    let w = this.lo;
    let removed = 0;
    for (let r = this.lo, k = 0; r < this.hi; r++, k++) {
      const v = items[r]!;
      if (keep(k)) items[w++] = v;
      else {
        removed++;
        this.bytes -= entryBytes(v);
      }
    }
    for (let i = w; i < this.hi; i++) items[i] = undefined;
    this.hi = w;
    return removed;
  }

  /** Elements from..to-1 written into out[at..]; returns the next free index of `out`. */
  copyTo(out: string[], at: number, from: number, to: number): number {
    const items = this.items;
    if (items !== null) {
      for (let i = this.lo + from, e = this.lo + to; i < e; i++) out[at++] = items[i]!;
      return at;
    }
    const offs = this.offs!;
    const data = this.data;
    for (let i = this.lo + from, e = this.lo + to; i < e; i++) out[at++] = data.substring(offs[i], offs[i + 1]);
    return at;
  }

  /** Elements from..to-1 as a new array. */
  slice(from: number, to: number): string[] {
    const items = this.items;
    if (items !== null) return items.slice(this.lo + from, this.lo + to) as string[];
    const out: string[] = new Array(to - from);
    this.copyTo(out, 0, from, to);
    return out;
  }

  /** Elements from index `from` down to `to` (inclusive), appended to `out` (reverse order). */
  copyReverseTo(out: string[], from: number, to: number): void {
    for (let k = from; k >= to; k--) out.push(this.get(k));
  }

  clone(): Chunk {
    const c = new Chunk(this.items === null ? null : this.items.slice(this.lo, this.hi));
    if (this.items === null) {
      c.data = this.data;
      c.offs = this.offs!.slice(this.lo, this.hi + 1);
      const base = c.offs[0];
      if (base !== 0) for (let i = 0; i < c.offs.length; i++) c.offs[i] -= base;
    }
    c.hi = this.hi - this.lo;
    c.bytes = this.bytes;
    c.start = this.start;
    return c;
  }
}

/**
 * An array reply that also carries its RESP text (the same in RESP2 and RESP3 for an array of
 * bulk strings); the encoder sends `encoded` as is. Other consumers just see the array.
 */
export type EncodedArray = string[] & { encoded?: string };

export const HEAD = 0;
export const TAIL = 1;
export type End = typeof HEAD | typeof TAIL;

export class ListValue extends RObject {
  readonly type = 'list';
  private chunks: Chunk[] = [];
  length = 0;
  /** The list position of element 0 in the chunks' coordinate space. */
  private origin = 0;
  /** Whether the chunks' `start` fields are consistent (false after edits in the middle). */
  private indexed = true;

  /** `fill` is list-max-listpack-size when the list is created (as Redis keeps it per list). */
  constructor(private readonly fill: number = -2) {
    super();
    this.fill = clampFill(fill);
  }

  encoding(): string {
    return 'quicklist';
  }

  copy(): ListValue {
    const l = new ListValue(this.fill);
    l.chunks = this.chunks.map((c) => c.clone());
    l.length = this.length;
    l.origin = this.origin;
    l.indexed = this.indexed;
    return l;
  }

  /** Whether `chunk` may take one more element of `len` bytes (quicklist's rule). */
  private allowInsert(chunk: Chunk, len: number): boolean {
    const fill = this.fill;
    const size = chunk.bytes + len + SIZE_ESTIMATE_OVERHEAD;
    if (fill < 0 && size <= SIZE_LEVELS[-fill - 1]) return true;
    if (size > SIZE_SAFETY_LIMIT) return false;
    return chunk.count < fill;
  }

  /** Whether a chunk is over its budget after an insert (and should be split). */
  private overfull(chunk: Chunk): boolean {
    if (chunk.count <= 1) return false;
    const fill = this.fill;
    if (fill < 0) return chunk.bytes > SIZE_LEVELS[-fill - 1];
    return chunk.count > fill || chunk.bytes > SIZE_SAFETY_LIMIT;
  }

  // ---- Ends ----

  pushHead(v: string): void {
    const chunks = this.chunks;
    let head = chunks[0];
    if (head === undefined || !this.allowInsert(head, v.length)) {
      if (head !== undefined) head.pack();
      const fresh = new Chunk([]);
      fresh.start = this.origin;
      if (chunks.length === 0) this.chunks = [fresh];
      else chunks.unshift(fresh);
      head = fresh;
    }
    head.pushFront(v);
    head.start--;
    this.origin--;
    this.length++;
  }

  pushTail(v: string): void {
    const chunks = this.chunks;
    let tail = chunks[chunks.length - 1];
    if (tail === undefined || !this.allowInsert(tail, v.length)) {
      if (tail !== undefined) tail.pack();
      const fresh = new Chunk([]);
      fresh.start = this.origin + this.length;
      if (chunks.length === 0) this.chunks = [fresh];
      else chunks.push(fresh);
      tail = fresh;
    }
    tail.pushBack(v);
    this.length++;
  }

  push(where: End, v: string): void {
    if (where === HEAD) this.pushHead(v);
    else this.pushTail(v);
  }

  popHead(): string | undefined {
    const chunks = this.chunks;
    const head = chunks[0];
    if (head === undefined) return undefined;
    const v = head.popFront();
    head.start++;
    this.origin++;
    this.length--;
    if (head.count === 0) chunks.shift();
    return v;
  }

  popTail(): string | undefined {
    const chunks = this.chunks;
    const tail = chunks[chunks.length - 1];
    if (tail === undefined) return undefined;
    const v = tail.popBack();
    this.length--;
    if (tail.count === 0) chunks.pop();
    return v;
  }

  pop(where: End): string | undefined {
    return where === HEAD ? this.popHead() : this.popTail();
  }

  /** Pops up to `n` elements from one end, in the order they were popped. */
  popMany(where: End, n: number): string[] {
    if (n > this.length) n = this.length;
    const out: string[] = new Array(n);
    if (where === HEAD) for (let i = 0; i < n; i++) out[i] = this.popHead()!;
    else for (let i = 0; i < n; i++) out[i] = this.popTail()!;
    return out;
  }

  // ---- Positions ----

  private reindex(): void {
    let at = this.origin;
    const chunks = this.chunks;
    for (let i = 0; i < chunks.length; i++) {
      chunks[i].start = at;
      at += chunks[i].count;
    }
    this.indexed = true;
  }

  /** The index of the chunk holding list element `i` (0 <= i < length). */
  private chunkAt(i: number): number {
    if (!this.indexed) this.reindex();
    const chunks = this.chunks;
    const pos = this.origin + i;
    const n = chunks.length;
    // The ends are the common case.
    if (pos < chunks[0].start + chunks[0].count) return 0;
    if (pos >= chunks[n - 1].start) return n - 1;
    let lo = 1;
    let hi = n - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (chunks[mid].start <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Element at index i (negative counts from the tail), or undefined when out of range. */
  index(i: number): string | undefined {
    if (i < 0) i += this.length;
    if (i < 0 || i >= this.length) return undefined;
    const ci = this.chunkAt(i);
    const c = this.chunks[ci];
    return c.get(this.origin + i - c.start);
  }

  /** Replaces the element at index i (negative from the tail); false when out of range. */
  set(i: number, v: string): boolean {
    if (i < 0) i += this.length;
    if (i < 0 || i >= this.length) return false;
    const ci = this.chunkAt(i);
    const c = this.chunks[ci];
    c.set(this.origin + i - c.start, v);
    this.settle(ci);
    return true;
  }

  /** After an edit of chunk ci: split it if too big, repack it if in the middle. */
  private settle(ci: number): void {
    const chunks = this.chunks;
    const c = chunks[ci];
    if (this.overfull(c)) {
      const items = c.loosen();
      const half = (c.count >> 1);
      const right = new Chunk(items.slice(c.lo + half, c.hi));
      right.hi = c.hi - c.lo - half;
      let bytes = EMPTY_CHUNK_BYTES;
      for (let i = 0; i < right.hi; i++) bytes += entryBytes(right.items![i]!);
      right.bytes = bytes;
      for (let i = c.lo + half; i < c.hi; i++) items[i] = undefined;
      c.hi = c.lo + half;
      c.bytes -= bytes - EMPTY_CHUNK_BYTES;
      chunks.splice(ci + 1, 0, right);
      this.indexed = false;
      if (ci > 0) c.pack();
      if (ci + 1 < chunks.length - 1) right.pack();
      return;
    }
    if (ci > 0 && ci < chunks.length - 1) c.pack();
  }

  /**
   * Elements start..end (inclusive, already clamped to 0 <= start <= end < length), in order,
   * or reversed (from end down to start).
   */
  range(start: number, end: number, reverse = false): string[] {
    if (start > end) return [];
    const chunks = this.chunks;
    const n = end - start + 1;
    if (!reverse) {
      let ci = this.chunkAt(start);
      let k = this.origin + start - chunks[ci].start;
      const first = chunks[ci];
      if (k + n <= first.count) {
        const out = first.slice(k, k + n);
        const enc = first.encodedRange(k, k + n);
        if (enc !== null) (out as EncodedArray).encoded = '*' + n + '\r\n' + enc;
        return out;
      }
      const out: string[] = new Array(n);
      // The reply's RESP text, when every chunk involved keeps one (repeated reads).
      let enc: string | null = '*' + n + '\r\n';
      let at = 0;
      while (at < n) {
        const c = chunks[ci];
        const take = Math.min(c.count - k, n - at);
        if (enc !== null) {
          const part = c.encodedRange(k, k + take);
          enc = part === null ? null : enc + part;
        }
        at = c.copyTo(out, at, k, k + take);
        ci++;
        k = 0;
      }
      if (enc !== null) (out as EncodedArray).encoded = enc;
      return out;
    }
    const out: string[] = [];
    let ci = this.chunkAt(end);
    let k = this.origin + end - chunks[ci].start;
    let left = n;
    while (left > 0) {
      const c = chunks[ci];
      const take = Math.min(k + 1, left);
      c.copyReverseTo(out, k, k - take + 1);
      left -= take;
      ci--;
      if (ci >= 0) k = chunks[ci].count - 1;
    }
    return out;
  }

  /** Removes `head` elements from the head and `tail` from the tail (LTRIM). */
  trim(head: number, tail: number): void {
    if (head + tail >= this.length) {
      this.chunks = [];
      this.length = 0;
      this.indexed = true;
      return;
    }
    const chunks = this.chunks;
    let h = head;
    let drop = 0;
    while (h > 0 && chunks[drop].count <= h) h -= chunks[drop++].count;
    if (drop > 0) chunks.splice(0, drop);
    if (h > 0) chunks[0].remove(0, h);
    let t = tail;
    drop = 0;
    while (t > 0 && chunks[chunks.length - 1 - drop].count <= t) t -= chunks[chunks.length - 1 - drop++].count;
    if (drop > 0) chunks.length -= drop;
    if (t > 0) {
      const last = chunks[chunks.length - 1];
      last.remove(last.count - t, t);
    }
    this.length -= head + tail;
    this.origin += head;
    this.indexed = false;
  }

  /**
   * Removes occurrences of `v` (LREM): up to `count` of them (0 = all), from the head, or from
   * the tail when `fromTail`. Returns how many were removed.
   */
  removeValue(v: string, count: number, fromTail: boolean): number {
    const chunks = this.chunks;
    let removed = 0;
    const limit = count === 0 ? Infinity : count;
    const n = chunks.length;
    for (let step = 0; step < n && removed < limit; step++) {
      const ci = fromTail ? n - 1 - step : step;
      const c = chunks[ci];
      const cnt = c.count;
      // Which elements of this chunk go, respecting the scan direction and the limit.
      let hits = 0;
      const marks: number[] = [];
      if (!fromTail) {
        for (let k = 0; k < cnt && removed + hits < limit; k++) if (c.equals(k, v)) { marks.push(k); hits++; }
      } else {
        for (let k = cnt - 1; k >= 0 && removed + hits < limit; k--) if (c.equals(k, v)) { marks.push(k); hits++; }
      }
      if (hits === 0) continue;
      const gone = new Set(marks);
      c.filter((k) => !gone.has(k));
      removed += hits;
    }
    if (removed === 0) return 0;
    this.length -= removed;
    this.compact();
    return removed;
  }

  /** Drops empty chunks, merges small neighbours, repacks the middle (after edits). */
  private compact(): void {
    const old = this.chunks;
    const out: Chunk[] = [];
    for (let i = 0; i < old.length; i++) {
      const c = old[i];
      if (c.count === 0) continue;
      const prev = out[out.length - 1];
      if (prev !== undefined && this.canMerge(prev, c)) {
        const items = prev.loosen();
        if (prev.lo !== 0 || prev.hi !== items.length) {
          prev.items = items.slice(prev.lo, prev.hi);
          prev.hi -= prev.lo;
          prev.lo = 0;
        }
        for (let k = 0; k < c.count; k++) {
          prev.items!.push(c.get(k));
          prev.hi++;
        }
        prev.bytes += c.bytes - EMPTY_CHUNK_BYTES;
        continue;
      }
      out.push(c);
    }
    for (let i = 1; i < out.length - 1; i++) out[i].pack();
    this.chunks = out;
    if (out.length === 0) this.length = 0;
    this.indexed = false;
  }

  private canMerge(a: Chunk, b: Chunk): boolean {
    const size = a.bytes + b.bytes - EMPTY_CHUNK_BYTES - 11;
    const fill = this.fill;
    if (fill < 0 && size <= SIZE_LEVELS[-fill - 1]) return true;
    if (size > SIZE_SAFETY_LIMIT) return false;
    return a.count + b.count <= fill;
  }

  /** Inserts `v` before or after the first occurrence of `pivot`; false when there is none. */
  insert(pivot: string, v: string, after: boolean): boolean {
    const chunks = this.chunks;
    for (let ci = 0; ci < chunks.length; ci++) {
      const c = chunks[ci];
      const cnt = c.count;
      for (let k = 0; k < cnt; k++) {
        if (!c.equals(k, pivot)) continue;
        c.insert(after ? k + 1 : k, v);
        this.length++;
        this.indexed = false;
        this.settle(ci);
        return true;
      }
    }
    return false;
  }

  /**
   * LPOS: positions of elements equal to `v`. Scans from the head (rank > 0) or the tail
   * (rank < 0), skips |rank|-1 matches, collects up to `count` (0 = all) positions, looking at
   * no more than `maxlen` elements (0 = all).
   */
  positions(v: string, rank: number, count: number, maxlen: number): number[] {
    const out: number[] = [];
    const chunks = this.chunks;
    const len = this.length;
    let matches = 0;
    const skip = Math.abs(rank);
    const limit = maxlen === 0 ? len : Math.min(maxlen, len);
    let seen = 0;
    if (rank > 0) {
      let index = 0;
      for (let ci = 0; ci < chunks.length && seen < limit; ci++) {
        const c = chunks[ci];
        const cnt = c.count;
        for (let k = 0; k < cnt && seen < limit; k++, index++, seen++) {
          if (!c.equals(k, v)) continue;
          if (++matches >= skip) {
            out.push(index);
            if (count !== 0 && out.length >= count) return out;
          }
        }
      }
    } else {
      let index = len - 1;
      for (let ci = chunks.length - 1; ci >= 0 && seen < limit; ci--) {
        const c = chunks[ci];
        for (let k = c.count - 1; k >= 0 && seen < limit; k--, index--, seen++) {
          if (!c.equals(k, v)) continue;
          if (++matches >= skip) {
            out.push(index);
            if (count !== 0 && out.length >= count) return out;
          }
        }
      }
    }
    return out;
  }

  /** Every element, head to tail. */
  *values(): IterableIterator<string> {
    for (const c of this.chunks) for (let k = 0; k < c.count; k++) yield c.get(k);
  }

  /**
   * The elements chunk by chunk: the quicklist nodes an RDB file or DUMP payload holds (Larder's
   * chunks follow Redis's node rules for pushes and pops).
   */
  *nodes(): IterableIterator<string[]> {
    for (const c of this.chunks) yield c.slice(0, c.count);
  }

  /**
   * A list of the given elements with the node layout `nodes` (element counts, as loaded from
   * an RDB file or DUMP payload: Redis keeps the nodes it reads as they are).
   */
  static fromNodes(items: string[], nodes: readonly number[], fill: number): ListValue {
    const l = new ListValue(fill);
    let at = 0;
    for (const n of nodes) {
      if (n <= 0) continue;
      const part = items.slice(at, at + n);
      at += n;
      const c = new Chunk(part);
      c.hi = part.length;
      let bytes = EMPTY_CHUNK_BYTES;
      for (let i = 0; i < part.length; i++) bytes += entryBytes(part[i]);
      c.bytes = bytes;
      c.start = l.length;
      l.chunks.push(c);
      l.length += part.length;
    }
    // Any elements beyond the layout go through ordinary pushes.
    for (; at < items.length; at++) l.pushTail(items[at]);
    for (let i = 1; i < l.chunks.length - 1; i++) l.chunks[i].pack();
    return l;
  }

  /** DEBUG DIGEST: the elements in order. */
  override digest(d: ValueDigest): void {
    for (const c of this.chunks) for (let k = 0; k < c.count; k++) d.mix(c.get(k));
  }

  /** Number of chunks (quicklist nodes), for DEBUG-style introspection and tests. */
  get chunkCount(): number {
    return this.chunks.length;
  }
}
