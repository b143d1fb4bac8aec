// A string-keyed table with no size cap (a JS Map holds at most 2^24 entries, so past a
// limit further entries go to more Maps), with SCAN cursors and random sampling.

import { ScanCursors } from './scan.js';

const MAP_LIMIT = 16_000_000;

export class KeyTable<V> {
  private first = new Map<string, V>();
  private rest: Map<string, V>[] | null = null;
  private readonly cursors = new ScanCursors();
  /** A walk for random sampling (a Map has no random access): it resumes where it stopped. */
  private sampler: Iterator<[string, V]> | null = null;

  get size(): number {
    if (this.rest === null) return this.first.size;
    let n = this.first.size;
    for (const m of this.rest) n += m.size;
    return n;
  }

  get(key: string): V | undefined {
    const v = this.first.get(key);
    if (v !== undefined || this.rest === null) return v;
    for (const m of this.rest) {
      const w = m.get(key);
      if (w !== undefined) return w;
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    const first = this.first;
    if (this.rest === null && first.size < MAP_LIMIT) {
      first.set(key, value);
      return;
    }
    this.setSlow(key, value);
  }

  private setSlow(key: string, value: V): void {
    if (this.first.has(key)) {
      this.first.set(key, value);
      return;
    }
    const rest = (this.rest ??= []);
    for (const m of rest) {
      if (m.has(key)) {
        m.set(key, value);
        return;
      }
    }
    let target = rest.find((m) => m.size < MAP_LIMIT);
    if (target === undefined) {
      target = new Map();
      rest.push(target);
    }
    target.set(key, value);
  }

  delete(key: string): boolean {
    if (this.first.delete(key)) return true;
    if (this.rest === null) return false;
    for (const m of this.rest) if (m.delete(key)) return true;
    return false;
  }

  *entries(): IterableIterator<[string, V]> {
    yield* this.first;
    if (this.rest !== null) for (const m of this.rest) yield* m;
  }

  *keys(): IterableIterator<string> {
    yield* this.first.keys();
    if (this.rest !== null) for (const m of this.rest) yield* m.keys();
  }

  /**
   * One SCAN step from `cursor` (0 starts): calls `visit` for entries until it has returned
   * true `count` times (or about 10*count entries were looked at); returns the next cursor,
   * "0" when done. An entry present for the whole iteration is visited at least once.
   */
  scan(cursor: bigint, count: number, visit: (key: string, value: V) => boolean): string {
    return this.cursors.scan(this, () => this.entries(), cursor, count, (e) => visit(e[0], e[1]));
  }

  /**
   * Some entry, spread over the table (RANDOMKEY, eviction and expiry samples); undefined when
   * empty. With `spread`, a few entries are skipped so that repeated samples don't just walk
   * the table in order; without, successive calls visit every entry in turn.
   */
  sample(spread = true): [string, V] | undefined {
    if (this.size === 0) return undefined;
    // Skipping fewer entries than the table holds finds one within two passes.
    let skip = spread ? (Math.random() * Math.min(8, this.size)) | 0 : 0;
    for (let tries = 0; tries < 3; tries++) {
      this.sampler ??= this.entries();
      for (;;) {
        const r = this.sampler.next();
        if (r.done) {
          this.sampler = null;
          break;
        }
        if (skip-- <= 0) return r.value;
      }
    }
    return undefined;
  }
}
