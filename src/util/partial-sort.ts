// Partial sorting: only the ranks asked for end up in place (SORT ... LIMIT, where a full sort
// of a large collection would be wasted). A quicksort that only descends into the partitions
// overlapping the wanted ranks; random pivots keep crafted inputs from making it quadratic.

/** Below this size a partition is finished with an insertion sort. */
const SMALL = 12;

/**
 * Puts into a[from..to] (inclusive) the elements a full sort by `cmp` would put there, in that
 * order. `cmp` must be a total order (never 0 for two different elements) for the result to be
 * the one of any full sort; elements outside the range are left in no particular order.
 */
export function partialSort<T>(a: T[], from: number, to: number, cmp: (x: T, y: T) => number): void {
  if (from < 0) from = 0;
  if (to > a.length - 1) to = a.length - 1;
  if (from > to) return;
  sortRange(a, 0, a.length - 1, from, to, cmp);
}

function sortRange<T>(a: T[], lo: number, hi: number, from: number, to: number, cmp: (x: T, y: T) => number): void {
  while (lo < hi && hi >= from && lo <= to) {
    if (hi - lo < SMALL) {
      insertionSort(a, lo, hi, cmp);
      return;
    }
    const p = partition(a, lo, hi, cmp);
    // Recurse into the smaller side, loop on the larger (bounded stack depth).
    if (p - lo < hi - p) {
      sortRange(a, lo, p - 1, from, to, cmp);
      lo = p + 1;
    } else {
      sortRange(a, p + 1, hi, from, to, cmp);
      hi = p - 1;
    }
  }
}

function insertionSort<T>(a: T[], lo: number, hi: number, cmp: (x: T, y: T) => number): void {
  for (let i = lo + 1; i <= hi; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= lo && cmp(a[j], x) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/** Partitions a[lo..hi] around the median of three random elements; returns its final index. */
function partition<T>(a: T[], lo: number, hi: number, cmp: (x: T, y: T) => number): number {
  const n = hi - lo + 1;
  const i1 = lo + Math.floor(Math.random() * n);
  const i2 = lo + Math.floor(Math.random() * n);
  const i3 = lo + Math.floor(Math.random() * n);
  const m = cmp(a[i1], a[i2]) < 0
    ? (cmp(a[i2], a[i3]) < 0 ? i2 : cmp(a[i1], a[i3]) < 0 ? i3 : i1)
    : (cmp(a[i1], a[i3]) < 0 ? i1 : cmp(a[i2], a[i3]) < 0 ? i3 : i2);
  const pivot = a[m];
  a[m] = a[hi];
  a[hi] = pivot;
  let store = lo;
  for (let j = lo; j < hi; j++) {
    const x = a[j];
    if (cmp(x, pivot) < 0) {
      a[j] = a[store];
      a[store] = x;
      store++;
    }
  }
  a[hi] = a[store];
  a[store] = pivot;
  return store;
}
