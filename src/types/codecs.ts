// Persistence codecs for lists, sets, hashes and sorted sets: conversions between these types
// and plain data, in the shape src/persistence/rdb/types.ts expects (registered by
// src/persistence/value-types.ts).
//
// `build` reproduces Redis 7.0's encoding choices on load (rdbLoadObject): lists are always
// quicklists, with the nodes the file had (saved node by node, too); a set read from an intset stays one unless it has more than
// set-max-intset-entries members, one read from a plain set is an intset only if every member
// is an integer and there are at most set-max-intset-entries (capped at 2^30) of them; a hash
// read from a listpack or ziplist is converted only when it has more than
// hash-max-listpack-entries fields, one read from a plain hash or a zipmap also when a field or
// value is longer than hash-max-listpack-value; a sorted set read from a listpack or ziplist
// becomes a skiplist when it has more than zset-max-listpack-entries members, one read as a
// skiplist becomes a listpack when it is small enough (as after Z*STORE). What is saved
// follows Redis's layout as well: an intset keeps its integer width, a skiplist-encoded
// sorted set is written from the highest score down.

import { ListValue } from './list.js';
import { SetValue } from './set.js';
import { HashValue } from './hash.js';
import { ZSet } from './zset.js';
import type { RObject } from './value.js';
import { isInt64String } from '../util/numbers.js';

type Config = Record<string, unknown>;

function num(config: Config, name: string): number {
  return Number(config[name]);
}

export const listCodec = {
  items(v: RObject): Iterable<string> {
    return (v as ListValue).values();
  },
  length(v: RObject): number {
    return (v as ListValue).length;
  },
  nodes(v: RObject): Iterable<string[]> {
    return (v as ListValue).nodes();
  },
  build(items: string[], _from: string, config: Config, layout?: { nodes?: number[] }): RObject {
    const fill = num(config, 'list-max-listpack-size');
    if (layout?.nodes !== undefined) return ListValue.fromNodes(items, layout.nodes, fill);
    const l = new ListValue(fill);
    for (let i = 0; i < items.length; i++) l.pushTail(items[i]);
    return l;
  },
};

export const setCodec = {
  *members(v: RObject): Iterable<string> {
    const s = v as SetValue;
    for (let i = 0; i < s.size; i++) yield s.memberAt(i);
  },
  size(v: RObject): number {
    return (v as SetValue).size;
  },
  intsetWidth(v: RObject): number {
    return (v as SetValue).intsetWidth;
  },
  build(members: string[], from: string, config: Config, layout?: { intsetWidth?: number }): RObject {
    const max = num(config, 'set-max-intset-entries');
    let intset: boolean;
    if (from === 'intset') intset = members.length <= max;
    else intset = members.length <= Math.min(max, 1 << 30) && members.every((m) => m.length <= 20 && isInt64String(m));
    // An intset's add keeps members sorted; the limit only matters for the choice above.
    const s = new SetValue(intset ? undefined : members[0]);
    if (!intset) s.toHashtable();
    for (let i = 0; i < members.length; i++) s.add(members[i], intset ? Number.MAX_SAFE_INTEGER : 0);
    if (intset && layout?.intsetWidth !== undefined && layout.intsetWidth > s.intsetWidth) s.intsetWidth = layout.intsetWidth;
    return s;
  },
};

export const hashCodec = {
  *entries(v: RObject): Iterable<[string, string]> {
    const h = v as HashValue;
    for (let i = 0; i < h.size; i++) yield [h.fieldAt(i), h.valueAt(i)];
  },
  size(v: RObject): number {
    return (v as HashValue).size;
  },
  build(entries: [string, string][], from: string, config: Config): RObject {
    const maxEntries = num(config, 'hash-max-listpack-entries');
    const maxValue = num(config, 'hash-max-listpack-value');
    let table = entries.length > maxEntries;
    if (!table && from !== 'listpack' && from !== 'ziplist') {
      table = entries.some(([f, v]) => f.length > maxValue || v.length > maxValue);
    }
    const h = new HashValue();
    if (table) h.toHashtable();
    for (const [f, v] of entries) h.set(f, v);
    return h;
  },
};

export const zsetCodec = {
  *entries(v: RObject): Iterable<[string, number]> {
    const z = v as ZSet;
    // A listpack in order; a skiplist from the highest score down, as Redis writes it. In
    // slices: a save of a big set never holds all of its pairs at once.
    const reverse = !z.isListpack;
    const n = z.size;
    const pairs: [string, number][] = [];
    for (let done = 0; done < n; done += 1024) {
      pairs.length = 0;
      z.walk(reverse ? n - 1 - done : done, 1024, reverse, (member, score) => void pairs.push([member, score]));
      yield* pairs;
    }
  },
  size(v: RObject): number {
    return (v as ZSet).size;
  },
  build(entries: [string, number][], from: string, config: Config): RObject {
    const maxEntries = num(config, 'zset-max-listpack-entries');
    const listpack = from === 'listpack' || from === 'ziplist';
    const z = new ZSet(listpack && entries.length <= maxEntries);
    // A listpack holds its members in order; a skiplist's are written from the top score down
    // (by Redis and by Larder): either order is appended directly, any other is inserted.
    if (listpack || isOrdered(entries, 1)) for (const [m, s] of entries) z.appendSorted(s, m);
    else if (isOrdered(entries, -1)) for (let i = entries.length - 1; i >= 0; i--) z.appendSorted(entries[i][1], entries[i][0]);
    else for (const [m, s] of entries) z.insertNew(s, m);
    if (!listpack) {
      const [longest, total] = z.memberLengths();
      z.shrinkIfSmall(maxEntries, num(config, 'zset-max-listpack-value'), longest, total);
    }
    return z;
  },
};

/** Whether entries are strictly in (score, member) order (dir 1) or in reverse order (dir -1). */
function isOrdered(entries: [string, number][], dir: 1 | -1): boolean {
  for (let i = 1; i < entries.length; i++) {
    const [am, as] = entries[i - 1];
    const [bm, bs] = entries[i];
    const c = as < bs ? -1 : as > bs ? 1 : am < bm ? -1 : am > bm ? 1 : 0;
    if (c !== -dir) return false;
  }
  return true;
}
