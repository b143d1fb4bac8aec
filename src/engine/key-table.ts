// A string-keyed table with no size cap. A JS Map holds at most 2^24 entries, so past a
// limit further entries go to more Maps; a table that stays under it costs one Map lookup.

const MAP_LIMIT = 16_000_000;

export class KeyTable<V> {
  private first = new Map<string, V>();
  private rest: Map<string, V>[] | null = null;

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

  clear(): void {
    this.first = new Map();
    this.rest = null;
  }

  *entries(): IterableIterator<[string, V]> {
    yield* this.first;
    if (this.rest !== null) for (const m of this.rest) yield* m;
  }

  *keys(): IterableIterator<string> {
    yield* this.first.keys();
    if (this.rest !== null) for (const m of this.rest) yield* m.keys();
  }

  /** The underlying maps, for iterators that must survive changes to the table (SCAN, expiry). */
  maps(): Map<string, V>[] {
    return this.rest === null ? [this.first] : [this.first, ...this.rest];
  }
}
