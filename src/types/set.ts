// The set type, in Redis 7.0's two encodings:
//  - intset: members that are all int64 in canonical decimal form, kept sorted by value (so
//    SMEMBERS answers in ascending order, as Redis's intset does), found by binary search;
//  - hashtable: a DenseTable (members in a dense array plus a compact hash index). Deletion
//    moves the last member into the hole: random picks are uniform and O(1), and a scan walking
//    positions downward returns every member present for its whole duration (see `scan`).
// Redis 7.0 has no listpack encoding for sets (it came with 7.2). Conversions go one way,
// intset -> hashtable: when a non-integer is added or set-max-intset-entries is exceeded.

import { RObject, type ValueDigest } from './value.js';
import { isInt64String } from '../util/numbers.js';
import { DenseTable, settleTable, type StringTable } from './dense-table.js';

/** Compares two canonical int64 decimal strings by value. */
export function compareIntStrings(a: string, b: string): number {
  const na = a.charCodeAt(0) === 45;
  const nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  let r: number;
  if (a.length !== b.length) r = a.length < b.length ? -1 : 1;
  else r = a < b ? -1 : a > b ? 1 : 0;
  return na ? -r : r;
}

/** Bytes an intset needs per member to hold the canonical integer `m`. */
export function intWidth(m: string): number {
  if (m.length < 5) return 2;
  const v = Number(m);
  if (v >= -32768 && v <= 32767) return 2;
  if (v >= -2147483648 && v <= 2147483647) return 4;
  return 8;
}

/** Redis caps set-max-intset-entries at 2^30. */
const INTSET_HARD_LIMIT = 1 << 30;

export class SetValue extends RObject {
  readonly type = 'set';
  /** intset encoding: sorted canonical integers; null once converted to a hashtable. */
  private ints: string[] | null;
  private table: StringTable | null = null;
  /**
   * The intset's integer width in bytes (2, 4 or 8): it grows with the members added and never
   * shrinks, as Redis's intset keeps its encoding when the wide members go (DUMP and RDB
   * write it).
   */
  intsetWidth = 2;

  /** A new empty set, encoded as Redis would encode a set created for `first`. */
  constructor(first?: string) {
    super();
    if (first === undefined || isInt64String(first)) {
      this.ints = [];
    } else {
      this.ints = null;
      this.table = new DenseTable(false);
    }
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  get isIntset(): boolean {
    return this.ints !== null;
  }

  get size(): number {
    return this.ints !== null ? this.ints.length : this.table!.size;
  }

  copy(): SetValue {
    const s = new SetValue();
    if (this.ints !== null) {
      s.ints = this.ints.slice();
      s.intsetWidth = this.intsetWidth;
    } else {
      s.ints = null;
      s.table = this.table!.clone();
    }
    return s;
  }

  /** DEBUG DIGEST: the members, in any order. */
  override digest(d: ValueDigest): void {
    for (let i = 0, n = this.size; i < n; i++) d.add(this.memberAt(i));
  }

  /** Binary search in the intset: the position of v, or -(insertion point) - 1. */
  private intFind(v: string): number {
    const ints = this.ints!;
    let lo = 0;
    let hi = ints.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareIntStrings(ints[mid], v);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  has(m: string): boolean {
    if (this.ints !== null) return m.length <= 20 && isInt64String(m) && this.intFind(m) >= 0;
    return this.table!.has(m);
  }

  /**
   * Adds a member; true when it is new. `maxIntset` is set-max-intset-entries: an intset that
   * grows past it, or gets a non-integer, becomes a hashtable.
   */
  add(m: string, maxIntset: number): boolean {
    const ints = this.ints;
    if (ints !== null) {
      if (m.length <= 20 && isInt64String(m)) {
        const at = this.intFind(m);
        if (at >= 0) return false;
        const pos = -at - 1;
        if (ints.length < 16) {
          // Small intsets grow exactly (push and splice reserve spare slots).
          const out: string[] = new Array(ints.length + 1);
          for (let i = 0; i < pos; i++) out[i] = ints[i];
          out[pos] = m;
          for (let i = pos; i < ints.length; i++) out[i + 1] = ints[i];
          this.ints = out;
        } else if (pos === ints.length) {
          ints.push(m);
        } else {
          ints.splice(pos, 0, m);
        }
        const w = intWidth(m);
        if (w > this.intsetWidth) this.intsetWidth = w;
        const now = this.ints!;
        if (now.length > Math.min(maxIntset, INTSET_HARD_LIMIT)) this.toHashtable();
        return true;
      }
      this.toHashtable();
    }
    if (this.table!.add(m) >= 0) return false;
    this.table = settleTable(this.table!, false);
    return true;
  }

  /** Removes a member; true when it was there. */
  remove(m: string): boolean {
    const ints = this.ints;
    if (ints !== null) {
      if (m.length > 20 || !isInt64String(m)) return false;
      const at = this.intFind(m);
      if (at < 0) return false;
      ints.splice(at, 1);
      return true;
    }
    return this.table!.delete(m);
  }

  /** Removes and returns the member at position i. */
  removeAt(i: number): string {
    if (this.ints !== null) return this.ints.splice(i, 1)[0];
    const m = this.table!.keyAt(i);
    this.table!.removeAt(i);
    return m;
  }

  toHashtable(): void {
    const ints = this.ints;
    if (ints === null) return;
    let table: StringTable = new DenseTable(false);
    for (let i = 0; i < ints.length; i++) {
      table.add(ints[i]);
      table = settleTable(table, false);
    }
    this.table = table;
    this.ints = null;
  }

  /** The member at position i (0 <= i < size), in iteration order. */
  memberAt(i: number): string {
    return this.ints !== null ? this.ints[i] : this.table!.keyAt(i);
  }

  randomIndex(): number {
    return Math.floor(Math.random() * this.size);
  }

  /** Members in iteration order (ascending for an intset). */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.size; i++) yield this.memberAt(i);
  }

  /** Every member in iteration order (ascending for an intset). */
  toArray(): string[] {
    if (this.ints !== null) return this.ints.slice();
    const t = this.table!;
    const out: string[] = new Array(t.size);
    for (let i = 0; i < out.length; i++) out[i] = t.keyAt(i);
    return out;
  }

  /** One SSCAN step over a hashtable-encoded set; see HashValue.scan for the guarantee. */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    const n = this.size;
    let pos = cursor === 0 || cursor > n ? n : cursor;
    while (count-- > 0 && pos > 0) {
      pos--;
      visit(this.memberAt(pos));
    }
    return pos;
  }
}
