// Cursors for SCAN-like iteration over a Map-backed table.
//
// A JS Map iterator keeps its place while the Map grows, shrinks or rehashes: it visits every
// entry present from its creation to its end exactly once. A SCAN cursor therefore names a live
// iterator kept here, plus how many entries it has yielded. Cursor = position * SLOTS + slot.
// A cursor whose iterator is gone (evicted, or from another process) restarts an iterator and
// skips `position` entries: correct when nothing was deleted meanwhile, best effort otherwise.

const SLOTS = 4096;

interface Walk {
  source: object;
  iterator: Iterator<unknown>;
  position: number;
}

export class ScanCursors {
  private walks: (Walk | undefined)[] = new Array(SLOTS);
  private nextSlot = 1;

  /**
   * Continues (or starts, for cursor 0) a walk over `source`, calling `visit` for entries until
   * it returns true `count` times or the walk ends. Returns the cursor to hand back ("0" at end).
   */
  scan<T>(source: object, iterate: () => Iterator<T>, cursor: bigint, count: number, visit: (entry: T) => boolean): string {
    const slotOf = Number(cursor % BigInt(SLOTS));
    const position = Number(cursor / BigInt(SLOTS));
    let walk = cursor === 0n ? undefined : this.walks[slotOf];
    let slot = slotOf;
    if (walk === undefined || walk.source !== source || walk.position !== position) {
      walk = { source, iterator: iterate(), position: 0 };
      while (walk.position < position && !walk.iterator.next().done) walk.position++;
      slot = this.takeSlot();
      this.walks[slot] = walk;
    }
    const it = walk.iterator as Iterator<T>;
    let found = 0;
    let examined = 0;
    // Like Redis, look at up to 10*count entries when few of them match.
    while (found < count && examined < count * 10) {
      const r = it.next();
      if (r.done) {
        this.walks[slot] = undefined;
        return '0';
      }
      walk.position++;
      examined++;
      if (visit(r.value)) found++;
    }
    return (BigInt(walk.position) * BigInt(SLOTS) + BigInt(slot)).toString();
  }

  private takeSlot(): number {
    const slot = this.nextSlot;
    this.nextSlot = slot + 1 >= SLOTS ? 1 : slot + 1;
    return slot;
  }

  clear(): void {
    this.walks = new Array(SLOTS);
  }
}
