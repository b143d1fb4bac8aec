// Persistence codecs for lists, sets and hashes: conversions between these types and plain
// data, in the shape the persistence layer's registerValueType() expects (the `persist`
// branch's src/persistence/rdb/types.ts: ListCodec, SetCodec, HashCodec). They are plain
// objects so that this module needs nothing from that branch; wiring them in is one call per
// type, e.g. `registerValueType('list', listCodec)`.
//
// `build` reproduces Redis 7.0's encoding choices on load (rdbLoadObject): lists are always
// quicklists; a set read from an intset stays one unless it has more than
// set-max-intset-entries members, one read from a plain set is an intset only if every member
// is an integer and there are at most set-max-intset-entries (capped at 2^30) of them; a hash
// read from a listpack or ziplist is converted only when it has more than
// hash-max-listpack-entries fields, one read from a plain hash or a zipmap also when a field or
// value is longer than hash-max-listpack-value.

import { ListValue } from './list.js';
import { SetValue } from './set.js';
import { HashValue } from './hash.js';
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
  build(items: string[], _from: string, config: Config): RObject {
    const l = new ListValue(num(config, 'list-max-listpack-size'));
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
  build(members: string[], from: string, config: Config): RObject {
    const max = num(config, 'set-max-intset-entries');
    let intset: boolean;
    if (from === 'intset') intset = members.length <= max;
    else intset = members.length <= Math.min(max, 1 << 30) && members.every((m) => m.length <= 20 && isInt64String(m));
    // An intset's add keeps members sorted; the limit only matters for the choice above.
    const s = new SetValue(intset ? undefined : members[0]);
    if (!intset) s.toHashtable();
    for (let i = 0; i < members.length; i++) s.add(members[i], intset ? Number.MAX_SAFE_INTEGER : 0);
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
