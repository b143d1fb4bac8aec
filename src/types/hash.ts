// The hash type, in Redis's two encodings:
//  - listpack: a flat array [field0, value0, field1, value1, …] in insertion order, searched
//    linearly (small hashes: hash-max-listpack-entries / hash-max-listpack-value);
//  - hashtable: a DenseTable (fields and values in dense parallel arrays plus a compact hash
//    index). Deletion moves the last pair into the hole, so positions stay dense: random picks
//    are uniform and O(1), and a scan that walks positions downward returns every field present
//    for its whole duration (see `scan`).
// Conversions (listpack -> hashtable only, as in Redis) are decided by the command layer, which
// knows the settings.

import { RObject, type ValueDigest } from './value.js';
import { appendExact, DenseTable, settleTable, type StringTable } from './dense-table.js';

export class HashValue extends RObject {
  readonly type = 'hash';
  /** listpack encoding: [f0, v0, f1, v1, …]; null once converted to a hashtable. */
  private lp: string[] | null = [];
  private table: StringTable | null = null;

  encoding(): string {
    return this.lp !== null ? 'listpack' : 'hashtable';
  }

  get isListpack(): boolean {
    return this.lp !== null;
  }

  get size(): number {
    return this.lp !== null ? this.lp.length >> 1 : this.table!.size;
  }

  copy(): HashValue {
    const h = new HashValue();
    if (this.lp !== null) {
      h.lp = this.lp.slice();
    } else {
      h.lp = null;
      h.table = this.table!.clone();
    }
    return h;
  }

  /** DEBUG DIGEST: each field with its value, pairs in any order. */
  override digest(d: ValueDigest): void {
    for (let i = 0, n = this.size; i < n; i++) d.addPair(this.fieldAt(i), this.valueAt(i));
  }

  private lpFind(field: string): number {
    const lp = this.lp!;
    for (let i = 0; i < lp.length; i += 2) if (lp[i] === field) return i;
    return -1;
  }

  get(field: string): string | undefined {
    if (this.lp !== null) {
      const i = this.lpFind(field);
      return i < 0 ? undefined : this.lp[i + 1];
    }
    const t = this.table!;
    const i = t.find(field);
    return i < 0 ? undefined : t.valAt(i);
  }

  has(field: string): boolean {
    return this.lp !== null ? this.lpFind(field) >= 0 : this.table!.has(field);
  }

  /** Sets a field; true when the field is new. */
  set(field: string, value: string): boolean {
    if (this.lp !== null) {
      const lp = this.lp;
      const i = this.lpFind(field);
      if (i >= 0) {
        lp[i + 1] = value;
        return false;
      }
      if (lp.length < 32) {
        // Small hashes grow exactly: push would reserve 16 more slots per hash.
        this.lp = appendExact(appendExact(lp, field), value);
      } else {
        lp.push(field, value);
      }
      return true;
    }
    const t = this.table!;
    const i = t.add(field, value);
    if (i < 0) {
      this.table = settleTable(t, true);
      return true;
    }
    t.setValAt(i, value);
    return false;
  }

  /** Deletes a field; true when it existed. */
  delete(field: string): boolean {
    if (this.lp !== null) {
      const i = this.lpFind(field);
      if (i < 0) return false;
      this.lp.splice(i, 2);
      return true;
    }
    return this.table!.delete(field);
  }

  /** Converts to the hashtable encoding (keeps the current order of fields). */
  toHashtable(): void {
    const lp = this.lp;
    if (lp === null) return;
    let table: StringTable = new DenseTable(true);
    for (let i = 0; i < lp.length; i += 2) {
      table.add(lp[i], lp[i + 1]);
      table = settleTable(table, true);
    }
    this.table = table;
    this.lp = null;
  }

  /** The field at position i (0 <= i < size), in iteration order. */
  fieldAt(i: number): string {
    return this.lp !== null ? this.lp[2 * i] : this.table!.keyAt(i);
  }

  valueAt(i: number): string {
    return this.lp !== null ? this.lp[2 * i + 1] : this.table!.valAt(i);
  }

  /** A uniformly random position. */
  randomIndex(): number {
    return Math.floor(Math.random() * this.size);
  }

  /**
   * One step of HSCAN over a hashtable-encoded hash. The cursor is the number of positions not
   * yet visited (0 starts at the top); positions are visited downward, `count` per call. A
   * deletion moves the last pair (already visited, or not yet reached only if every position
   * above it was visited too) into the hole, and insertions go to the top: every field present
   * for the whole scan is returned at least once. Returns the next cursor (0 when done).
   */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    const n = this.size;
    let pos = cursor === 0 || cursor > n ? n : cursor;
    while (count-- > 0 && pos > 0) {
      pos--;
      visit(this.fieldAt(pos), this.valueAt(pos));
    }
    return pos;
  }

  /** Every field and value, in iteration order. */
  *entries(): IterableIterator<[string, string]> {
    const n = this.size;
    for (let i = 0; i < n; i++) yield [this.fieldAt(i), this.valueAt(i)];
  }
}
