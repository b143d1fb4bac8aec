// The sorted set value: members with scores, ordered by (score, member bytes).
//
// Two encodings, as Redis reports them with OBJECT ENCODING:
// - `listpack` for small sets: only the ordered pairs (no index), lookups by member scan them,
//   as Redis scans its listpack. Scores are stored as a listpack stores them, so -0 reads back
//   as 0 (Redis writes integral scores as integers).
// - `skiplist` for the others: the ordered pairs (an order-statistics B+tree: rank and range in
//   O(log n)) plus a Map member -> score for O(1) lookups.
// The set converts between them when Redis converts (see add, and the STORE commands).

import { RObject, type ValueDigest } from './value.js';
import { formatDouble } from '../util/numbers.js';
import { Bound, ZTree, type Leaf } from './zset-tree.js';

export { Bound } from './zset-tree.js';

/** ZADD input flags. */
export const enum ZAddIn {
  NX = 1,
  XX = 2,
  GT = 4,
  LT = 8,
  INCR = 16,
}

/** ZADD outcome of one pair. */
export const enum ZAddOut {
  Added = 1,
  Updated = 2,
  /** Nothing done (NX/XX/GT/LT conditions). */
  Nop = 4,
  /** The resulting score would be NaN: nothing done, the command fails. */
  NaN = 8,
}

/** A score range: min and max, each inclusive or exclusive. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lex range; `min`/`max` null stand for `-` and `+` (the lowest and highest strings). */
export interface LexRange {
  min: string | null;
  max: string | null;
  minex: boolean;
  maxex: boolean;
  /** '-' as max or '+' as min: nothing can be in range on that side. */
  minIsPlus?: boolean;
  maxIsMinus?: boolean;
}

export type PairVisitor = (member: string, score: number) => boolean | void;

export class ZSet extends RObject {
  readonly type = 'zset';
  readonly tree = new ZTree();
  /** member -> score; null while listpack-encoded. */
  dict: Map<string, number> | null;
  /** The score `add` settled on (ZADD INCR / ZINCRBY reply). */
  newScore = 0;

  constructor(listpack = true) {
    super();
    this.dict = listpack ? null : new Map();
  }

  get size(): number {
    return this.tree.size;
  }

  get isListpack(): boolean {
    return this.dict === null;
  }

  encoding(): string {
    return this.dict === null ? 'listpack' : 'skiplist';
  }

  copy(): ZSet {
    const z = new ZSet(this.dict === null);
    for (let leaf: Leaf | null = this.tree.first; leaf; leaf = leaf.next) {
      const ms = leaf.members;
      const ss = leaf.scores;
      for (let i = 0; i < ms.length; i++) z.appendSorted(ss[i], ms[i]);
    }
    return z;
  }

  /** DEBUG DIGEST: each member with its score as %.17g, pairs in any order. */
  override digest(d: ValueDigest): void {
    for (let leaf: Leaf | null = this.tree.first; leaf; leaf = leaf.next) {
      const ms = leaf.members;
      const ss = leaf.scores;
      for (let i = 0; i < ms.length; i++) d.addPair(ms[i], formatDouble(ss[i]));
    }
  }

  // ---- Lookups ----

  /** The member's score, or undefined. */
  score(member: string): number | undefined {
    if (this.dict !== null) return this.dict.get(member);
    for (let leaf: Leaf | null = this.tree.first; leaf; leaf = leaf.next) {
      const ms = leaf.members;
      for (let i = 0; i < ms.length; i++) if (ms[i] === member) return leaf.scores[i];
    }
    return undefined;
  }

  has(member: string): boolean {
    return this.score(member) !== undefined;
  }

  /** 0-based rank of a member (from the highest score when `reverse`), -1 when absent. */
  rank(member: string, reverse = false): number {
    let r: number;
    if (this.dict !== null) {
      const s = this.dict.get(member);
      if (s === undefined) return -1;
      r = this.tree.rankOf(s, member);
    } else {
      r = -1;
      let base = 0;
      for (let leaf: Leaf | null = this.tree.first; leaf && r < 0; leaf = leaf.next) {
        const i = leaf.members.indexOf(member);
        if (i >= 0) r = base + i;
        base += leaf.members.length;
      }
      if (r < 0) return -1;
    }
    return reverse ? this.tree.size - 1 - r : r;
  }

  // ---- Changes ----

  /**
   * ZADD's work for one pair (Redis's zsetAdd): returns ZAddOut flags; `newScore` holds the
   * resulting score when something was (or would have been) set. A listpack set turns into a
   * skiplist when the new member would exceed the limits.
   */
  add(score: number, member: string, flags: number, maxEntries: number, maxValue: number): number {
    if (score !== score) return ZAddOut.NaN;
    const current = this.score(member);
    if (current !== undefined) {
      if (flags & ZAddIn.NX) return ZAddOut.Nop;
      if (flags & ZAddIn.INCR) {
        score += current;
        if (score !== score) return ZAddOut.NaN;
      }
      if ((flags & ZAddIn.LT && score >= current) || (flags & ZAddIn.GT && score <= current)) return ZAddOut.Nop;
      this.newScore = score;
      if (score !== current) {
        this.tree.delete(current, member);
        if (this.dict !== null) {
          this.tree.insert(score, member);
          this.dict.set(member, score);
        } else {
          this.tree.insert(score === 0 ? 0 : score, member);
        }
        return ZAddOut.Updated;
      }
      return 0;
    }
    if (flags & ZAddIn.XX) return ZAddOut.Nop;
    if (this.dict === null && (this.tree.size + 1 > maxEntries || member.length > maxValue)) this.toSkiplist();
    this.insertNew(score, member);
    this.newScore = score;
    return ZAddOut.Added;
  }

  /** Inserts a member known to be absent (no limits checked). */
  insertNew(score: number, member: string): void {
    if (this.dict !== null) {
      this.tree.insert(score, member);
      this.dict.set(member, score);
    } else {
      this.tree.insert(score === 0 ? 0 : score, member);
    }
  }

  /** Appends a member known to be absent and to sort after every member (bulk building). */
  appendSorted(score: number, member: string): void {
    if (this.dict !== null) {
      this.tree.append(score, member);
      this.dict.set(member, score);
    } else {
      this.tree.append(score === 0 ? 0 : score, member);
    }
  }

  /** Removes a member; false when absent. */
  remove(member: string): boolean {
    const s = this.score(member);
    if (s === undefined) return false;
    this.tree.delete(s, member);
    if (this.dict !== null) this.dict.delete(member);
    return true;
  }

  /** Removes the pair at a rank and returns its member (score in `newScore`). */
  removeAt(rank: number): string {
    const tree = this.tree;
    tree.seek(rank);
    const member = tree.leaf.members[tree.index];
    this.newScore = tree.leaf.scores[tree.index];
    tree.deleteAt(rank);
    if (this.dict !== null) this.dict.delete(member);
    return member;
  }

  /** Removes ranks start..end (inclusive); returns how many. */
  removeRanks(start: number, end: number): number {
    const n = end - start + 1;
    if (n <= 0) return 0;
    if (n === this.tree.size) {
      this.tree.clear();
      if (this.dict !== null) this.dict = new Map();
      return n;
    }
    const dict = this.dict;
    if (dict !== null) this.walk(start, n, false, (m) => void dict.delete(m));
    for (let i = 0; i < n; i++) this.tree.deleteAt(start);
    return n;
  }

  // ---- Encodings ----

  toSkiplist(): void {
    if (this.dict !== null) return;
    const dict = new Map<string, number>();
    for (let leaf: Leaf | null = this.tree.first; leaf; leaf = leaf.next) {
      const ms = leaf.members;
      const ss = leaf.scores;
      for (let i = 0; i < ms.length; i++) dict.set(ms[i], ss[i]);
    }
    this.dict = dict;
  }

  /** To listpack unconditionally (scores take their listpack form: -0 becomes 0). */
  toListpack(): void {
    if (this.dict === null) return;
    this.dict = null;
    for (let leaf: Leaf | null = this.tree.first; leaf; leaf = leaf.next) {
      const ss = leaf.scores;
      for (let i = 0; i < ss.length; i++) if (ss[i] === 0) ss[i] = 0;
    }
  }

  /**
   * Redis's zsetConvertToListpackIfNeeded (Z*STORE, GEO*STORE results): back to listpack when
   * small enough. `maxLength` is the longest member, `totalLength` the sum of member lengths.
   */
  shrinkIfSmall(maxEntries: number, maxValue: number, maxLength: number, totalLength: number): void {
    if (this.dict === null) return;
    if (this.tree.size <= maxEntries && maxLength <= maxValue && totalLength < LISTPACK_SAFE_SIZE) this.toListpack();
  }

  /** Longest member length and total member length (for shrinkIfSmall). */
  memberLengths(): [number, number] {
    let max = 0;
    let total = 0;
    for (let leaf: Leaf | null = this.tree.first; leaf; leaf = leaf.next) {
      const ms = leaf.members;
      for (let i = 0; i < ms.length; i++) {
        const n = ms[i].length;
        if (n > max) max = n;
        total += n;
      }
    }
    return [max, total];
  }

  // ---- Ranges ----

  /** Visits `count` pairs from rank `start` (going down from it when `reverse`); stops when `visit` returns false. */
  walk(start: number, count: number, reverse: boolean, visit: PairVisitor): void {
    const tree = this.tree;
    if (count <= 0 || start < 0 || start >= tree.size) return;
    tree.seek(start);
    let leaf: Leaf | null = tree.leaf;
    let i = tree.index;
    if (!reverse) {
      while (leaf !== null && count > 0) {
        const ms = leaf.members;
        const ss = leaf.scores;
        for (; i < ms.length && count > 0; i++, count--) if (visit(ms[i], ss[i]) === false) return;
        leaf = leaf.next;
        i = 0;
      }
    } else {
      while (leaf !== null && count > 0) {
        const ms = leaf.members;
        const ss = leaf.scores;
        for (; i >= 0 && count > 0; i--, count--) if (visit(ms[i], ss[i]) === false) return;
        leaf = leaf.prev;
        if (leaf !== null) i = leaf.members.length - 1;
      }
    }
  }

  /** Rank of the first pair with score in range (by its minimum), or -1. */
  firstInScoreRange(r: ScoreRange): number {
    if (isEmptyScoreRange(r)) return -1;
    const rank = this.tree.firstRank(r.minex ? Bound.ScoreGT : Bound.ScoreGE, r.min, '');
    if (rank >= this.tree.size) return -1;
    const s = this.tree.scoreAt(rank);
    return scoreLteMax(s, r) ? rank : -1;
  }

  /** Rank of the last pair with score in range, or -1. */
  lastInScoreRange(r: ScoreRange): number {
    if (isEmptyScoreRange(r)) return -1;
    const rank = this.tree.firstRank(r.maxex ? Bound.ScoreGE : Bound.ScoreGT, r.max, '') - 1;
    if (rank < 0) return -1;
    const s = this.tree.scoreAt(rank);
    return scoreGteMin(s, r) ? rank : -1;
  }

  /** Number of pairs with scores in range. */
  countInScoreRange(r: ScoreRange): number {
    const first = this.firstInScoreRange(r);
    if (first < 0) return 0;
    const last = this.lastInScoreRange(r);
    return last < first ? 0 : last - first + 1;
  }

  /**
   * Rank of the first pair whose member is in the lex range (Redis assumes equal scores; a
   * listpack set is scanned from its head as Redis does, whatever the scores), or -1.
   */
  firstInLexRange(r: LexRange): number {
    const n = this.tree.size;
    if (n === 0 || isEmptyLexRange(r)) return -1;
    if (!lexGteMin(this.tree.memberAt(n - 1), r) || !lexLteMax(this.tree.memberAt(0), r)) return -1;
    let rank: number;
    if (this.dict === null) {
      rank = -1;
      this.walk(0, n, false, (m) => {
        rank++;
        return !lexGteMin(m, r);
      });
    } else {
      rank = r.min === null ? 0 : this.tree.firstRank(r.minex ? Bound.LexGT : Bound.LexGE, 0, r.min);
      if (rank >= n) return -1;
    }
    return lexLteMax(this.tree.memberAt(rank), r) ? rank : -1;
  }

  /** Rank of the last pair whose member is in the lex range, or -1 (see firstInLexRange). */
  lastInLexRange(r: LexRange): number {
    const n = this.tree.size;
    if (n === 0 || isEmptyLexRange(r)) return -1;
    if (!lexGteMin(this.tree.memberAt(n - 1), r) || !lexLteMax(this.tree.memberAt(0), r)) return -1;
    let rank: number;
    if (this.dict === null) {
      rank = n;
      this.walk(n - 1, n, true, (m) => {
        rank--;
        return !lexLteMax(m, r);
      });
    } else {
      rank = r.max === null ? n - 1 : this.tree.firstRank(r.maxex ? Bound.LexGE : Bound.LexGT, 0, r.max) - 1;
      if (rank < 0) return -1;
    }
    return lexGteMin(this.tree.memberAt(rank), r) ? rank : -1;
  }

  // ---- Sampling ----

  /** A uniformly random pair's rank. */
  randomRank(): number {
    return Math.floor(Math.random() * this.tree.size);
  }
}

/** Listpacks stay below 1GB (lpSafeToAdd). */
const LISTPACK_SAFE_SIZE = 1 << 30;

export function isEmptyScoreRange(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

export function scoreGteMin(s: number, r: ScoreRange): boolean {
  return r.minex ? s > r.min : s >= r.min;
}

export function scoreLteMax(s: number, r: ScoreRange): boolean {
  return r.maxex ? s < r.max : s <= r.max;
}

/** Compares a lex bound with -/+ (null with a flag) as the extreme strings. */
function lexCmpBounds(r: LexRange): number {
  // min vs max, where min null = '-' (lowest) unless minIsPlus, max null = '+' (highest) unless maxIsMinus.
  const minLow = r.min === null && !r.minIsPlus;
  const minHigh = r.min === null && !!r.minIsPlus;
  const maxHigh = r.max === null && !r.maxIsMinus;
  const maxLow = r.max === null && !!r.maxIsMinus;
  if (minLow && maxLow) return 0;
  if (minHigh && maxHigh) return 0;
  if (minLow || maxHigh) return -1;
  if (minHigh || maxLow) return 1;
  const a = r.min!;
  const b = r.max!;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isEmptyLexRange(r: LexRange): boolean {
  const c = lexCmpBounds(r);
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

export function lexGteMin(m: string, r: LexRange): boolean {
  if (r.min === null) return !r.minIsPlus;
  return r.minex ? m > r.min : m >= r.min;
}

export function lexLteMax(m: string, r: LexRange): boolean {
  if (r.max === null) return !r.maxIsMinus;
  return r.maxex ? m < r.max : m <= r.max;
}
