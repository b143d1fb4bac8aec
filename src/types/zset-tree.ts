// An order-statistics B+tree of (score, member) pairs: the ordered half of a sorted set.
//
// Pairs are ordered by score, then by member bytes (latin1 strings compare in byte order with
// < and >), as Redis orders its skip list. Leaves hold parallel arrays of members and scores
// (a number[] of doubles is stored unboxed by V8) and are linked both ways for range walks.
// Inner nodes keep, per child, the size of its subtree (rank queries in O(log n)) and a
// separator: a lower bound of the child's pairs that is above every pair of the child before.
// Separators may go stale after deletions; they stay valid bounds, which is all searches need.

const LEAF_MAX = 128;
const LEAF_MIN = 32;
const INNER_MAX = 64;
const INNER_MIN = 16;

export class Leaf {
  members: string[] = [];
  scores: number[] = [];
  next: Leaf | null = null;
  prev: Leaf | null = null;
}

class Inner {
  children: (Inner | Leaf)[] = [];
  counts: number[] = [];
  /** Separator of each child (index 0 mirrors the bound the parent holds for this node). */
  sepScores: number[] = [];
  sepMembers: string[] = [];
}

/** Monotone predicates over pairs, for "first pair such that…" searches. */
export const enum Bound {
  /** score >= s */
  ScoreGE,
  /** score > s */
  ScoreGT,
  /** member >= m */
  LexGE,
  /** member > m */
  LexGT,
  /** (score, member) >= (s, m) */
  KeyGE,
  /** (score, member) > (s, m) */
  KeyGT,
}

function holds(kind: Bound, s: number, m: string, score: number, member: string): boolean {
  switch (kind) {
    case Bound.ScoreGE:
      return score >= s;
    case Bound.ScoreGT:
      return score > s;
    case Bound.LexGE:
      return member >= m;
    case Bound.LexGT:
      return member > m;
    case Bound.KeyGE:
      return score > s || (score === s && member >= m);
    case Bound.KeyGT:
      return score > s || (score === s && member > m);
  }
}

/** -1, 0, 1 comparing pairs in set order. */
export function compareKeys(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

export class ZTree {
  private root: Inner | Leaf = new Leaf();
  /** Number of inner levels above the leaves. */
  private height = 0;
  size = 0;
  first: Leaf;
  last: Leaf;

  // Descent path of the last insert/delete (reused to avoid allocations).
  private pathNodes: Inner[] = [];
  private pathIdx: number[] = [];

  /** Where `seek` landed. */
  leaf!: Leaf;
  index = 0;

  constructor() {
    this.first = this.last = this.root as Leaf;
  }

  clear(): void {
    this.root = new Leaf();
    this.height = 0;
    this.size = 0;
    this.first = this.last = this.root;
  }

  /** Index in an inner node of the child that may hold (s, m): the last child whose separator is <= it. */
  private static childFor(node: Inner, s: number, m: string): number {
    const ss = node.sepScores;
    const sm = node.sepMembers;
    let lo = 1;
    let hi = ss.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = ss[mid];
      if (x < s || (x === s && sm[mid] <= m)) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Position in a leaf of the first pair >= (s, m). */
  private static leafLowerBound(leaf: Leaf, s: number, m: string): number {
    const ss = leaf.scores;
    const ms = leaf.members;
    let lo = 0;
    let hi = ss.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = ss[mid];
      if (x < s || (x === s && ms[mid] < m)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds a pair that is not in the tree. */
  insert(s: number, m: string): void {
    let node = this.root;
    const h = this.height;
    for (let level = 0; level < h; level++) {
      const inner = node as Inner;
      const i = ZTree.childFor(inner, s, m);
      inner.counts[i]++;
      this.pathNodes[level] = inner;
      this.pathIdx[level] = i;
      node = inner.children[i];
    }
    const leaf = node as Leaf;
    const pos = ZTree.leafLowerBound(leaf, s, m);
    if (pos === leaf.scores.length) {
      leaf.scores.push(s);
      leaf.members.push(m);
    } else {
      leaf.scores.splice(pos, 0, s);
      leaf.members.splice(pos, 0, m);
    }
    this.size++;
    const n = leaf.scores.length;
    if (n > LEAF_MAX) {
      // Ascending (or descending) insertion keeps leaves full instead of half full.
      const at = leaf.next === null && pos === n - 1 ? n - 1 : leaf.prev === null && pos === 0 ? 1 : n >>> 1;
      this.splitLeaf(leaf, at);
    }
  }

  /** Appends a pair greater than every pair in the tree (bulk loading in order). */
  append(s: number, m: string): void {
    if (this.height === 0 || this.last.scores.length >= LEAF_MAX) {
      this.insert(s, m);
      return;
    }
    // Fast path: walk the rightmost spine, bumping counts.
    let node = this.root as Inner;
    for (let level = 0; level < this.height; level++) {
      const i = node.children.length - 1;
      node.counts[i]++;
      if (level + 1 < this.height) node = node.children[i] as Inner;
    }
    this.last.scores.push(s);
    this.last.members.push(m);
    this.size++;
  }

  private splitLeaf(leaf: Leaf, half: number): void {
    const right = new Leaf();
    right.scores = leaf.scores.splice(half);
    right.members = leaf.members.splice(half);
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next) leaf.next.prev = right;
    else this.last = right;
    leaf.next = right;
    this.addSibling(this.height - 1, leaf, right, leaf.scores.length, right.scores.length, right.scores[0], right.members[0]);
  }

  /**
   * After `left` (at path level `level`'s chosen child) split, puts `right` beside it in the
   * parent, splitting parents that overflow, up to a new root.
   */
  private addSibling(level: number, left: Inner | Leaf, right: Inner | Leaf, leftCount: number, rightCount: number, sepS: number, sepM: string): void {
    if (level < 0) {
      const root = new Inner();
      root.children = [left, right];
      root.counts = [leftCount, rightCount];
      root.sepScores = [-Infinity, sepS];
      root.sepMembers = ['', sepM];
      this.root = root;
      this.height++;
      return;
    }
    const parent = this.pathNodes[level];
    const i = this.pathIdx[level];
    parent.children.splice(i + 1, 0, right);
    parent.counts.splice(i + 1, 0, rightCount);
    parent.counts[i] = leftCount;
    parent.sepScores.splice(i + 1, 0, sepS);
    parent.sepMembers.splice(i + 1, 0, sepM);
    if (parent.children.length <= INNER_MAX) return;
    const half = parent.children.length >>> 1;
    const sibling = new Inner();
    sibling.children = parent.children.splice(half);
    sibling.counts = parent.counts.splice(half);
    sibling.sepScores = parent.sepScores.splice(half);
    sibling.sepMembers = parent.sepMembers.splice(half);
    this.addSibling(level - 1, parent, sibling, sum(parent.counts), sum(sibling.counts), sibling.sepScores[0], sibling.sepMembers[0]);
  }

  /** Removes a pair that is in the tree. */
  delete(s: number, m: string): void {
    let node = this.root;
    const h = this.height;
    for (let level = 0; level < h; level++) {
      const inner = node as Inner;
      const i = ZTree.childFor(inner, s, m);
      inner.counts[i]--;
      this.pathNodes[level] = inner;
      this.pathIdx[level] = i;
      node = inner.children[i];
    }
    const leaf = node as Leaf;
    const pos = ZTree.leafLowerBound(leaf, s, m);
    if (pos === leaf.scores.length - 1) {
      leaf.scores.pop();
      leaf.members.pop();
    } else {
      leaf.scores.splice(pos, 1);
      leaf.members.splice(pos, 1);
    }
    this.size--;
    if (h > 0 && leaf.scores.length < LEAF_MIN) this.rebalance(h - 1);
  }

  /** Removes the pair at a 0-based rank (< size), found by subtree counts (no comparisons). */
  deleteAt(rank: number): void {
    let node = this.root;
    const h = this.height;
    for (let level = 0; level < h; level++) {
      const inner = node as Inner;
      const counts = inner.counts;
      let i = 0;
      while (rank >= counts[i]) rank -= counts[i++];
      counts[i]--;
      this.pathNodes[level] = inner;
      this.pathIdx[level] = i;
      node = inner.children[i];
    }
    const leaf = node as Leaf;
    if (rank === leaf.scores.length - 1) {
      leaf.scores.pop();
      leaf.members.pop();
    } else {
      leaf.scores.splice(rank, 1);
      leaf.members.splice(rank, 1);
    }
    this.size--;
    if (h > 0 && leaf.scores.length < LEAF_MIN) this.rebalance(h - 1);
  }

  /** The child chosen at path level `level` is under-full: merge it with or borrow from a sibling. */
  private rebalance(level: number): void {
    const parent = this.pathNodes[level];
    const n = parent.children.length;
    if (n >= 2) {
      const i = this.pathIdx[level];
      const k = i + 1 < n ? i : i - 1; // merge children k and k+1
      const a = parent.children[k];
      const b = parent.children[k + 1];
      if (level === this.height - 1) this.balanceLeaves(parent, k, a as Leaf, b as Leaf);
      else this.balanceInners(parent, k, a as Inner, b as Inner);
    }
    if (level === 0) {
      // The root: drop it while it has a single child.
      while (this.height > 0 && (this.root as Inner).children.length === 1) {
        this.root = (this.root as Inner).children[0];
        this.height--;
      }
      return;
    }
    if (parent.children.length < INNER_MIN) this.rebalance(level - 1);
  }

  private balanceLeaves(parent: Inner, k: number, a: Leaf, b: Leaf): void {
    const total = a.scores.length + b.scores.length;
    if (total <= LEAF_MAX) {
      for (let j = 0; j < b.scores.length; j++) {
        a.scores.push(b.scores[j]);
        a.members.push(b.members[j]);
      }
      a.next = b.next;
      if (b.next) b.next.prev = a;
      else this.last = a;
      parent.children.splice(k + 1, 1);
      parent.counts.splice(k + 1, 1);
      parent.sepScores.splice(k + 1, 1);
      parent.sepMembers.splice(k + 1, 1);
      parent.counts[k] = total;
      return;
    }
    const target = total >>> 1;
    if (a.scores.length < target) {
      const move = target - a.scores.length;
      const ss = b.scores.splice(0, move);
      const ms = b.members.splice(0, move);
      for (let j = 0; j < move; j++) {
        a.scores.push(ss[j]);
        a.members.push(ms[j]);
      }
    } else {
      const move = a.scores.length - target;
      const ss = a.scores.splice(target, move);
      const ms = a.members.splice(target, move);
      b.scores.unshift(...ss);
      b.members.unshift(...ms);
    }
    parent.counts[k] = a.scores.length;
    parent.counts[k + 1] = b.scores.length;
    parent.sepScores[k + 1] = b.scores[0];
    parent.sepMembers[k + 1] = b.members[0];
  }

  private balanceInners(parent: Inner, k: number, a: Inner, b: Inner): void {
    // b's first separator is the bound the parent holds for b.
    b.sepScores[0] = parent.sepScores[k + 1];
    b.sepMembers[0] = parent.sepMembers[k + 1];
    const total = a.children.length + b.children.length;
    if (total <= INNER_MAX) {
      for (let j = 0; j < b.children.length; j++) {
        a.children.push(b.children[j]);
        a.counts.push(b.counts[j]);
        a.sepScores.push(b.sepScores[j]);
        a.sepMembers.push(b.sepMembers[j]);
      }
      parent.children.splice(k + 1, 1);
      parent.counts.splice(k + 1, 1);
      parent.sepScores.splice(k + 1, 1);
      parent.sepMembers.splice(k + 1, 1);
      parent.counts[k] = sum(a.counts);
      return;
    }
    const target = total >>> 1;
    if (a.children.length < target) {
      const move = target - a.children.length;
      a.children.push(...b.children.splice(0, move));
      a.counts.push(...b.counts.splice(0, move));
      a.sepScores.push(...b.sepScores.splice(0, move));
      a.sepMembers.push(...b.sepMembers.splice(0, move));
    } else {
      const move = a.children.length - target;
      b.children.unshift(...a.children.splice(target, move));
      b.counts.unshift(...a.counts.splice(target, move));
      b.sepScores.unshift(...a.sepScores.splice(target, move));
      b.sepMembers.unshift(...a.sepMembers.splice(target, move));
    }
    parent.counts[k] = sum(a.counts);
    parent.counts[k + 1] = sum(b.counts);
    parent.sepScores[k + 1] = b.sepScores[0];
    parent.sepMembers[k + 1] = b.sepMembers[0];
  }

  /** 0-based rank of a pair that is in the tree. */
  rankOf(s: number, m: string): number {
    return this.firstRank(Bound.KeyGE, s, m);
  }

  /**
   * Rank of the first pair for which the monotone predicate `kind` (with bound s, m) holds;
   * `size` when none does.
   */
  firstRank(kind: Bound, s: number, m: string): number {
    let node = this.root;
    let rank = 0;
    for (let level = 0; level < this.height; level++) {
      const inner = node as Inner;
      const ss = inner.sepScores;
      const sm = inner.sepMembers;
      // First child index >= 1 whose separator satisfies the predicate.
      let lo = 1;
      let hi = ss.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (holds(kind, s, m, ss[mid], sm[mid])) hi = mid;
        else lo = mid + 1;
      }
      const i = lo - 1;
      const counts = inner.counts;
      for (let j = 0; j < i; j++) rank += counts[j];
      node = inner.children[i];
    }
    const leaf = node as Leaf;
    const ss = leaf.scores;
    const ms = leaf.members;
    let lo = 0;
    let hi = ss.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (holds(kind, s, m, ss[mid], ms[mid])) hi = mid;
      else lo = mid + 1;
    }
    return rank + lo;
  }

  /** Positions `leaf`/`index` on the pair of 0-based rank `rank` (< size). */
  seek(rank: number): void {
    if (rank < this.first.scores.length) {
      this.leaf = this.first;
      this.index = rank;
      return;
    }
    const fromEnd = this.size - 1 - rank;
    if (fromEnd < this.last.scores.length) {
      this.leaf = this.last;
      this.index = this.last.scores.length - 1 - fromEnd;
      return;
    }
    let node = this.root;
    for (let level = 0; level < this.height; level++) {
      const inner = node as Inner;
      const counts = inner.counts;
      let i = 0;
      while (rank >= counts[i]) rank -= counts[i++];
      node = inner.children[i];
    }
    this.leaf = node as Leaf;
    this.index = rank;
  }

  /** Score and member at a rank (< size). */
  scoreAt(rank: number): number {
    this.seek(rank);
    return this.leaf.scores[this.index];
  }

  memberAt(rank: number): string {
    this.seek(rank);
    return this.leaf.members[this.index];
  }

  /** Checks the structure (tests). Throws on a broken invariant. */
  check(): void {
    let count = 0;
    const walk = (node: Inner | Leaf, depth: number, lo: [number, string] | null, hi: [number, string] | null): number => {
      if (depth === this.height) {
        const leaf = node as Leaf;
        if (leaf.scores.length !== leaf.members.length) throw new Error('leaf arrays differ');
        for (let j = 0; j < leaf.scores.length; j++) {
          if (j > 0 && compareKeys(leaf.scores[j - 1], leaf.members[j - 1], leaf.scores[j], leaf.members[j]) >= 0) throw new Error('leaf out of order');
          if (lo && compareKeys(leaf.scores[j], leaf.members[j], lo[0], lo[1]) < 0) throw new Error('pair below separator');
          if (hi && compareKeys(leaf.scores[j], leaf.members[j], hi[0], hi[1]) >= 0) throw new Error('pair above next separator');
        }
        count += leaf.scores.length;
        return leaf.scores.length;
      }
      const inner = node as Inner;
      let total = 0;
      for (let i = 0; i < inner.children.length; i++) {
        const clo: [number, string] | null = i === 0 ? lo : [inner.sepScores[i], inner.sepMembers[i]];
        const chi: [number, string] | null = i + 1 < inner.children.length ? [inner.sepScores[i + 1], inner.sepMembers[i + 1]] : hi;
        const n = walk(inner.children[i], depth + 1, clo, chi);
        if (n !== inner.counts[i]) throw new Error(`count mismatch ${n} != ${inner.counts[i]}`);
        total += n;
      }
      return total;
    };
    walk(this.root, 0, null, null);
    if (count !== this.size) throw new Error('size mismatch');
    let n = 0;
    for (let l: Leaf | null = this.first; l; l = l.next) n += l.scores.length;
    if (n !== this.size) throw new Error('leaf chain size mismatch');
    let back = 0;
    for (let l: Leaf | null = this.last; l; l = l.prev) back += l.scores.length;
    if (back !== this.size) throw new Error('leaf back chain size mismatch');
  }
}

function sum(a: number[]): number {
  let t = 0;
  for (let i = 0; i < a.length; i++) t += a[i];
  return t;
}
