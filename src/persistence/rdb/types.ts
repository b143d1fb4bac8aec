// Values in RDB form: the serialization of every value type, shared by RDB files, the AOF's
// RDB preamble and DUMP/RESTORE payloads.
//
// THE CONTRACT FOR VALUE TYPES
// Strings (JS strings and MutableString) are built in. Every other type plugs in by calling
// `registerValueType(type, codec)` once at startup (e.g. from its command family module), with
// a codec that converts between its RObject class and plain data:
//
//   list   { items(v) -> Iterable<string>; length(v); build(items, from, config, layout) -> RObject;
//            optional nodes(v) -> Iterable<string[]> }
//   set    { members(v) -> Iterable<string>; size(v); build(members, from, config, layout);
//            optional intsetWidth(v) -> 2 | 4 | 8 }
//   zset   { entries(v) -> Iterable<[member, score]>; size(v); build(entries, from, config) }
//   hash   { entries(v) -> Iterable<[field, value]>; size(v); build(entries, from, config) }
//   stream { toData(v) -> StreamData; build(data, from, config) }
//
// `from` is the encoding the value had in the file ('listpack', 'intset', 'hashtable',
// 'skiplist', 'quicklist', 'ziplist', 'zipmap', 'linkedlist'), so a type can reproduce Redis's
// conversion rules on load (e.g. a hash loaded from a listpack stays a listpack unless it has
// more than hash-max-listpack-entries entries, while one loaded from a hashtable is converted
// only when every field and value is short enough). `config` is `server.config.values`.
// Loaders validate the data completely (duplicates, NaN scores, structure) before `build`
// is called, and never call `build` with an empty collection (empty keys are skipped).
// `layout` (optional) tells how the file laid the data out, for types that keep it as Redis
// does: `nodes`, the element count of each quicklist node (Redis keeps the nodes it loads),
// and `intsetWidth`, the integer width of an intset (which Redis keeps too).
//
// Which RDB type is written follows the value's `encoding()`: a set reporting 'intset' is
// saved as SET_INTSET (at the codec's intsetWidth, if it has one), a zset or hash reporting
// 'listpack' as ZSET_LISTPACK / HASH_LISTPACK (listpacks are rebuilt from the elements),
// everything else in the plain forms (SET, ZSET_2, HASH); lists are always QUICKLIST_2, with
// one listpack node per element of the codec's `nodes` if it has them, else nodes sized by
// list-max-listpack-size; streams are STREAM_LISTPACKS_2. Those are the types Redis 7.0
// writes (RDB version 10). Element order is the codec's: for byte-identical output with
// Redis, a skiplist-encoded zset lists its entries from the highest score down, as Redis's
// rdbSaveObject walks the skiplist backwards.

import { MutableString, type ObjectType, type RObject, type Value } from '../../types/value.js';
import { formatDouble, parseDouble } from '../../util/numbers.js';
import { corrupt, UnsupportedValueError } from '../errors.js';
import { ListpackBuilder, ListpackReader, listpackStrings } from '../codecs/listpack.js';
import { ziplistStrings } from '../codecs/ziplist.js';
import { intsetOf, intsetStrings, intsetWidthOf } from '../codecs/intset.js';
import { zipmapStrings } from '../codecs/zipmap.js';
import { moduleTypeName, QUICKLIST_NODE_PACKED, QUICKLIST_NODE_PLAIN, RdbType } from './constants.js';
import type { RdbReader } from './reader.js';
import type { RdbWriter } from './writer.js';

export type SourceEncoding = 'listpack' | 'ziplist' | 'zipmap' | 'intset' | 'quicklist' | 'hashtable' | 'skiplist' | 'linkedlist';
export type ConfigValues = Record<string, any>;

/** How the loaded data was laid out in the file (see the contract). */
export interface SourceLayout {
  /** Quicklist forms: elements per node, in order. */
  nodes?: number[];
  /** SET_INTSET: the intset's integer width in bytes. */
  intsetWidth?: number;
}

export interface ListCodec {
  items(v: RObject): Iterable<string>;
  length(v: RObject): number;
  /** The elements node by node (quicklist nodes to save), when the type keeps nodes. */
  nodes?(v: RObject): Iterable<string[]>;
  build(items: string[], from: SourceEncoding, config: ConfigValues, layout?: SourceLayout): RObject;
}
export interface SetCodec {
  members(v: RObject): Iterable<string>;
  size(v: RObject): number;
  /** An intset-encoded set's integer width (2, 4 or 8), when the type tracks it. */
  intsetWidth?(v: RObject): number;
  build(members: string[], from: SourceEncoding, config: ConfigValues, layout?: SourceLayout): RObject;
}
export interface ZsetCodec {
  entries(v: RObject): Iterable<[string, number]>;
  size(v: RObject): number;
  build(entries: [string, number][], from: SourceEncoding, config: ConfigValues): RObject;
}
export interface HashCodec {
  entries(v: RObject): Iterable<[string, string]>;
  size(v: RObject): number;
  build(entries: [string, string][], from: SourceEncoding, config: ConfigValues): RObject;
}

/** A stream ID: two unsigned 64-bit integers. */
export interface StreamId {
  ms: bigint;
  seq: bigint;
}
export interface StreamEntryData {
  id: StreamId;
  /** Field/value pairs, flattened. */
  fields: string[];
}
export interface StreamNackData {
  id: StreamId;
  /** Last delivery time, ms. */
  deliveryTime: number;
  deliveryCount: number;
}
export interface StreamConsumerData {
  name: string;
  /** ms */
  seenTime: number;
  /** ms; -1 when unknown (files before Redis 7.2). */
  activeTime: number;
  /** IDs of the group's pending entries this consumer owns. */
  pending: StreamId[];
}
export interface StreamGroupData {
  name: string;
  lastId: StreamId;
  /** -1 when unknown. */
  entriesRead: bigint;
  pel: StreamNackData[];
  consumers: StreamConsumerData[];
}
export interface StreamData {
  /** Entries in ID order (deleted entries are not included). */
  entries: StreamEntryData[];
  length: number;
  lastId: StreamId;
  firstId: StreamId;
  maxDeletedId: StreamId;
  entriesAdded: bigint;
  groups: StreamGroupData[];
}
export interface StreamCodec {
  toData(v: RObject): StreamData;
  build(data: StreamData, from: SourceEncoding, config: ConfigValues): RObject;
}

interface Codecs {
  list?: ListCodec;
  set?: SetCodec;
  zset?: ZsetCodec;
  hash?: HashCodec;
  stream?: StreamCodec;
}
/** The registered codecs (read them through registerValueType's contract). */
export const codecs: Codecs = {};

export function registerValueType(type: 'list', codec: ListCodec): void;
export function registerValueType(type: 'set', codec: SetCodec): void;
export function registerValueType(type: 'zset', codec: ZsetCodec): void;
export function registerValueType(type: 'hash', codec: HashCodec): void;
export function registerValueType(type: 'stream', codec: StreamCodec): void;
export function registerValueType(type: Exclude<ObjectType, 'string'>, codec: unknown): void {
  (codecs as Record<string, unknown>)[type] = codec;
}

function codecFor<K extends keyof Codecs>(type: K): NonNullable<Codecs[K]> {
  const c = codecs[type];
  if (c === undefined) throw new UnsupportedValueError(`The data contains ${type} values, which this server can't load (no codec registered for ${type})`);
  return c as NonNullable<Codecs[K]>;
}

/** Whether values of this type can be loaded (a codec is registered). */
export function canLoad(type: Exclude<ObjectType, 'string'>): boolean {
  return codecs[type] !== undefined;
}

// ---- Saving ----

/** The RDB type byte Redis 7.0 would write for this value. */
export function rdbTypeOf(v: Value): number {
  if (typeof v === 'string' || v instanceof MutableString) return RdbType.STRING;
  switch (v.type) {
    case 'string':
      return RdbType.STRING;
    case 'list':
      return RdbType.LIST_QUICKLIST_2;
    case 'set':
      return v.encoding() === 'intset' ? RdbType.SET_INTSET : RdbType.SET;
    case 'zset':
      return v.encoding() === 'listpack' ? RdbType.ZSET_LISTPACK : RdbType.ZSET_2;
    case 'hash':
      return v.encoding() === 'listpack' ? RdbType.HASH_LISTPACK : RdbType.HASH;
    case 'stream':
      return RdbType.STREAM_LISTPACKS_2;
  }
}

/** Writes a value's payload (after its type byte, which rdbTypeOf gives). */
export function saveValue(w: RdbWriter, v: Value, type: number): void {
  if (typeof v === 'string') {
    w.string(v);
    return;
  }
  if (v instanceof MutableString) {
    w.bytes(v.view());
    return;
  }
  switch (type) {
    case RdbType.LIST_QUICKLIST_2:
      return saveList(w, v);
    case RdbType.SET_INTSET: {
      const c = codecFor('set');
      const members = [...c.members(v)];
      w.bytes(intsetOf(members.map((m) => BigInt(m)), c.intsetWidth?.(v) ?? 2));
      return;
    }
    case RdbType.SET: {
      const c = codecFor('set');
      w.len(c.size(v));
      for (const m of c.members(v)) w.string(m);
      return;
    }
    case RdbType.ZSET_LISTPACK: {
      const lp = new ListpackBuilder(256);
      for (const [m, score] of codecFor('zset').entries(v)) lp.append(m).append(formatScore(score));
      w.bytes(lp.finish());
      return;
    }
    case RdbType.ZSET_2: {
      const c = codecFor('zset');
      w.len(c.size(v));
      for (const [m, score] of c.entries(v)) {
        w.string(m);
        w.binaryDouble(score);
      }
      return;
    }
    case RdbType.HASH_LISTPACK: {
      const lp = new ListpackBuilder(256);
      for (const [f, val] of codecFor('hash').entries(v)) lp.append(f).append(val);
      w.bytes(lp.finish());
      return;
    }
    case RdbType.HASH: {
      const c = codecFor('hash');
      w.len(c.size(v));
      for (const [f, val] of c.entries(v)) {
        w.string(f);
        w.string(val);
      }
      return;
    }
    case RdbType.STREAM_LISTPACKS_2:
      return saveStream(w, codecFor('stream').toData(v));
  }
  throw new Error(`cannot save a value of type ${v.type} as RDB type ${type}`);
}

/** A score as Redis stores it in a listpack (d2string: integers without decimals, else %.17g). */
function formatScore(score: number): string {
  return formatDouble(score);
}

/** Node limits from list-max-listpack-size: positive = entries, negative = bytes (4KB << (-n-1)). */
function listNodeLimits(setting: number): { count: number; bytes: number } {
  if (setting > 0) return { count: setting, bytes: 8192 * 8 };
  const level = Math.min(Math.max(-setting, 1), 5);
  return { count: Number.MAX_SAFE_INTEGER, bytes: 4096 << (level - 1) };
}

function saveList(w: RdbWriter, v: RObject): void {
  const codec = codecFor('list');
  if (codec.nodes !== undefined) {
    // The type's own nodes, one listpack each (collected first: the count comes first).
    const nodes: Buffer[] = [];
    for (const node of codec.nodes(v)) {
      if (node.length === 0) continue;
      const lp = new ListpackBuilder(256);
      for (let i = 0; i < node.length; i++) lp.append(node[i]);
      nodes.push(lp.finish());
    }
    w.len(nodes.length);
    for (const node of nodes) {
      w.len(QUICKLIST_NODE_PACKED);
      w.bytes(node);
    }
    return;
  }
  const limits = listNodeLimits(w.listMaxListpackSize);
  const nodes: Buffer[] = [];
  let lp = new ListpackBuilder(256);
  for (const item of codecFor('list').items(v)) {
    if (lp.count > 0 && (lp.count >= limits.count || lp.bytes + item.length + 11 > limits.bytes)) {
      nodes.push(lp.finish());
      lp = new ListpackBuilder(256);
    }
    lp.append(item);
  }
  if (lp.count > 0) nodes.push(lp.finish());
  w.len(nodes.length);
  for (const node of nodes) {
    w.len(QUICKLIST_NODE_PACKED);
    w.bytes(node);
  }
}

function writeId(id: StreamId): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(id.ms, 0);
  b.writeBigUInt64BE(id.seq, 8);
  return b;
}

const U64_MAX = (1n << 64n) - 1n;

function saveStream(w: RdbWriter, s: StreamData): void {
  // Stream nodes: at most 100 entries and about 4KB each, as stream-node-max-* default to.
  const nodes: { key: Buffer; lp: Buffer }[] = [];
  let i = 0;
  const entries = s.entries;
  while (i < entries.length) {
    const master = entries[i];
    const masterFields: string[] = [];
    for (let f = 0; f < master.fields.length; f += 2) masterFields.push(master.fields[f]);
    const lp = new ListpackBuilder(512);
    // Count and deleted count are patched in by rebuilding: collect the node's entries first.
    const chunk: StreamEntryData[] = [];
    let bytes = 0;
    while (i < entries.length && chunk.length < 100 && (chunk.length === 0 || bytes < 4096)) {
      const e = entries[i++];
      chunk.push(e);
      for (const f of e.fields) bytes += f.length + 2;
    }
    lp.appendInt(chunk.length).appendInt(0).appendInt(masterFields.length);
    for (const f of masterFields) lp.append(f);
    lp.appendInt(0);
    for (const e of chunk) {
      const n = e.fields.length / 2;
      let same = n === masterFields.length;
      for (let f = 0; same && f < n; f++) if (e.fields[2 * f] !== masterFields[f]) same = false;
      lp.appendInt(same ? 2 : 0);
      lp.appendInt(bigToLp(e.id.ms - master.id.ms));
      lp.appendInt(bigToLp(e.id.seq - master.id.seq));
      if (same) {
        for (let f = 0; f < n; f++) lp.append(e.fields[2 * f + 1]);
        lp.appendInt(n + 3);
      } else {
        lp.appendInt(n);
        for (const x of e.fields) lp.append(x);
        lp.appendInt(2 * n + 4);
      }
    }
    nodes.push({ key: writeId(master.id), lp: lp.finish() });
  }
  w.len(nodes.length);
  for (const node of nodes) {
    w.bytes(node.key);
    w.bytes(node.lp);
  }
  w.len(s.length);
  w.len(s.lastId.ms);
  w.len(s.lastId.seq);
  w.len(s.firstId.ms);
  w.len(s.firstId.seq);
  w.len(s.maxDeletedId.ms);
  w.len(s.maxDeletedId.seq);
  w.len(s.entriesAdded);
  w.len(s.groups.length);
  for (const g of s.groups) {
    w.string(g.name);
    w.len(g.lastId.ms);
    w.len(g.lastId.seq);
    w.len(g.entriesRead < 0n ? U64_MAX : g.entriesRead);
    w.len(g.pel.length);
    for (const n of g.pel) {
      w.raw(writeId(n.id));
      w.millis(n.deliveryTime);
      w.len(n.deliveryCount);
    }
    w.len(g.consumers.length);
    for (const c of g.consumers) {
      w.string(c.name);
      w.millis(c.seenTime);
      w.len(c.pending.length);
      for (const id of c.pending) w.raw(writeId(id));
    }
  }
}

function bigToLp(v: bigint): number | bigint {
  // Listpack integers are int64: wrap as Redis's unsigned arithmetic does.
  const wrapped = BigInt.asIntN(64, v);
  return wrapped >= -9007199254740991n && wrapped <= 9007199254740991n ? Number(wrapped) : wrapped;
}

// ---- Loading ----

export interface LoadOptions {
  config: ConfigValues;
}

/**
 * Reads a value of RDB type `type`. Returns undefined for an empty collection (Redis skips
 * such keys). Throws CorruptDataError on bad data.
 */
export function loadValue(r: RdbReader, type: number, opts: LoadOptions): Value | undefined {
  switch (type) {
    case RdbType.STRING:
      return loadString(r);
    case RdbType.LIST: {
      const n = r.len();
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(r.string());
      if (items.length === 0) return undefined;
      return codecFor('list').build(items, 'linkedlist', opts.config);
    }
    case RdbType.LIST_ZIPLIST: {
      const items = ziplistStrings(r.bytes());
      if (items.length === 0) return undefined;
      return codecFor('list').build(items, 'ziplist', opts.config);
    }
    case RdbType.LIST_QUICKLIST:
    case RdbType.LIST_QUICKLIST_2: {
      const nodes = r.len();
      const items: string[] = [];
      const sizes: number[] = [];
      for (let i = 0; i < nodes; i++) {
        let container = QUICKLIST_NODE_PACKED;
        if (type === RdbType.LIST_QUICKLIST_2) {
          container = r.len();
          if (container !== QUICKLIST_NODE_PACKED && container !== QUICKLIST_NODE_PLAIN) corrupt('Quicklist integrity check failed.');
        }
        const data = r.bytes();
        if (data.length === 0) corrupt('Quicklist node is empty');
        if (container === QUICKLIST_NODE_PLAIN) {
          items.push(data.latin1Slice(0, data.length));
          sizes.push(1);
          continue;
        }
        const node = type === RdbType.LIST_QUICKLIST_2 ? listpackStrings(data) : ziplistStrings(data);
        // Empty nodes are skipped, as Redis skips them.
        if (node.length > 0) sizes.push(node.length);
        for (const s of node) items.push(s);
      }
      if (items.length === 0) return undefined;
      return codecFor('list').build(items, 'quicklist', opts.config, { nodes: sizes });
    }
    case RdbType.SET: {
      const n = r.len();
      const members: string[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const m = r.string();
        if (seen.has(m)) corrupt('Duplicate set members detected');
        seen.add(m);
        members.push(m);
      }
      if (members.length === 0) return undefined;
      return codecFor('set').build(members, 'hashtable', opts.config);
    }
    case RdbType.SET_INTSET: {
      const blob = r.bytes();
      const members = intsetStrings(blob);
      return codecFor('set').build(members, 'intset', opts.config, { intsetWidth: intsetWidthOf(blob) });
    }
    case RdbType.SET_LISTPACK: {
      const members = listpackStrings(r.bytes());
      checkUnique(members, 1, 'Set listpack integrity check failed.');
      if (members.length === 0) return undefined;
      return codecFor('set').build(members, 'listpack', opts.config);
    }
    case RdbType.ZSET:
    case RdbType.ZSET_2: {
      const n = r.len();
      const entries: [string, number][] = [];
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const m = r.string();
        const score = type === RdbType.ZSET_2 ? r.binaryDouble() : r.textDouble();
        if (Number.isNaN(score)) corrupt('Zset with NAN score detected');
        if (seen.has(m)) corrupt('Duplicate zset fields detected');
        seen.add(m);
        entries.push([m, score]);
      }
      if (entries.length === 0) return undefined;
      return codecFor('zset').build(entries, 'skiplist', opts.config);
    }
    case RdbType.ZSET_ZIPLIST:
    case RdbType.ZSET_LISTPACK: {
      const flat = type === RdbType.ZSET_LISTPACK ? listpackStrings(r.bytes()) : ziplistStrings(r.bytes());
      const what = type === RdbType.ZSET_LISTPACK ? 'Zset listpack integrity check failed.' : 'Zset ziplist integrity check failed.';
      if (flat.length % 2 !== 0) corrupt(what);
      checkUnique(flat, 2, what);
      const entries: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const score = scoreOf(flat[i + 1]);
        if (score === undefined) corrupt(what);
        entries.push([flat[i], score]);
      }
      if (entries.length === 0) return undefined;
      return codecFor('zset').build(entries, type === RdbType.ZSET_LISTPACK ? 'listpack' : 'ziplist', opts.config);
    }
    case RdbType.HASH: {
      const n = r.len();
      const entries: [string, string][] = [];
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const f = r.string();
        const v = r.string();
        if (seen.has(f)) corrupt('Duplicate hash fields detected');
        seen.add(f);
        entries.push([f, v]);
      }
      if (entries.length === 0) return undefined;
      return codecFor('hash').build(entries, 'hashtable', opts.config);
    }
    case RdbType.HASH_ZIPMAP:
    case RdbType.HASH_ZIPLIST:
    case RdbType.HASH_LISTPACK: {
      const data = r.bytes();
      const flat = type === RdbType.HASH_LISTPACK ? listpackStrings(data) : type === RdbType.HASH_ZIPLIST ? ziplistStrings(data) : zipmapStrings(data);
      const what = type === RdbType.HASH_LISTPACK ? 'Hash listpack integrity check failed.' : type === RdbType.HASH_ZIPLIST ? 'Hash ziplist integrity check failed.' : 'Zipmap integrity check failed.';
      if (flat.length % 2 !== 0) corrupt(what);
      checkUnique(flat, 2, what);
      const entries: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push([flat[i], flat[i + 1]]);
      if (entries.length === 0) return undefined;
      const from: SourceEncoding = type === RdbType.HASH_LISTPACK ? 'listpack' : type === RdbType.HASH_ZIPLIST ? 'ziplist' : 'zipmap';
      return codecFor('hash').build(entries, from, opts.config);
    }
    case RdbType.STREAM_LISTPACKS:
    case RdbType.STREAM_LISTPACKS_2:
    case RdbType.STREAM_LISTPACKS_3:
      return codecFor('stream').build(loadStream(r, type), 'listpack', opts.config);
    case RdbType.MODULE:
    case RdbType.MODULE_2: {
      const id = r.lenBig();
      return corrupt(`The RDB file contains module data I can't load: no matching module type '${moduleTypeName(BigInt(id))}'`);
    }
  }
  return corrupt(`Unknown RDB encoding type ${type}`);
}

/** A score text from a listpack/ziplist (strtod, accepting "inf"/"-inf"). */
function scoreOf(s: string): number | undefined {
  const v = parseDouble(s);
  if (v !== undefined) return v;
  const n = Number(s);
  return Number.isNaN(n) ? undefined : n;
}

/** Fails on duplicate keys among every `step`-th element. */
function checkUnique(flat: string[], step: number, what: string): void {
  const seen = new Set<string>();
  for (let i = 0; i < flat.length; i += step) {
    if (seen.has(flat[i])) corrupt(what);
    seen.add(flat[i]);
  }
}

/** JS strings hold at most 2^29 - 24 characters: longer values load as MutableString. */
const MAX_JS_STRING = 0x1fffffe8;

function loadString(r: RdbReader): Value {
  const n = r.lenOrEncoding();
  if (n >= 0 && n > MAX_JS_STRING) {
    const b = r.raw(n);
    return new MutableString(Buffer.from(b), n);
  }
  if (n >= 0) {
    r.need(n);
    const s = r.buf.latin1Slice(r.pos, r.pos + n);
    r.pos += n;
    return s;
  }
  r.pos -= 1; // re-read the encoding byte through the generic path
  return r.string();
}

function readId(r: RdbReader): StreamId {
  const b = r.raw(16);
  return { ms: b.readBigUInt64BE(0), seq: b.readBigUInt64BE(8) };
}

function big(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

function idLess(a: StreamId, b: StreamId): boolean {
  return a.ms < b.ms || (a.ms === b.ms && a.seq < b.seq);
}

function loadStream(r: RdbReader, type: number): StreamData {
  const nodes = r.len();
  const entries: StreamEntryData[] = [];
  let prevKey: StreamId | null = null;
  for (let i = 0; i < nodes; i++) {
    const keyBytes = r.bytes();
    if (keyBytes.length !== 16) corrupt('Stream node key entry is not the size of a stream ID');
    const master: StreamId = { ms: keyBytes.readBigUInt64BE(0), seq: keyBytes.readBigUInt64BE(8) };
    if (prevKey !== null && !idLess(prevKey, master)) corrupt('Listpack re-added with existing key');
    prevKey = master;
    const lpData = r.bytes();
    const lp = new ListpackReader(lpData);
    if (!lp.hasNext()) corrupt('Empty listpack inside stream');
    const what = 'Stream listpack integrity check failed.';
    const int = (): number => {
      const v = lp.nextInt();
      return typeof v === 'bigint' ? corrupt(what) : v;
    };
    const count = int();
    const deleted = int();
    const nMaster = int();
    if (count < 0 || deleted < 0 || nMaster < 0) corrupt(what);
    const masterFields: string[] = [];
    for (let f = 0; f < nMaster; f++) masterFields.push(lp.nextString());
    if (int() !== 0) corrupt(what);
    for (let e = 0; e < count + deleted; e++) {
      if (!lp.hasNext()) corrupt(what);
      const flags = int();
      const msDiff = big(lp.nextInt());
      const seqDiff = big(lp.nextInt());
      const id: StreamId = { ms: BigInt.asUintN(64, master.ms + msDiff), seq: BigInt.asUintN(64, master.seq + seqDiff) };
      const fields: string[] = [];
      let lpCount: number;
      if (flags & 2) {
        for (let f = 0; f < nMaster; f++) fields.push(masterFields[f], lp.nextString());
        lpCount = nMaster + 3;
      } else {
        const n = int();
        if (n < 0) corrupt(what);
        for (let f = 0; f < 2 * n; f++) fields.push(lp.nextString());
        lpCount = 2 * n + 4;
      }
      if (int() !== lpCount) corrupt(what);
      if ((flags & 1) === 0) entries.push({ id, fields });
    }
    if (lp.hasNext()) corrupt(what);
  }
  const length = r.len();
  const lastId: StreamId = { ms: big(r.lenBig()), seq: big(r.lenBig()) };
  let firstId: StreamId;
  let maxDeletedId: StreamId = { ms: 0n, seq: 0n };
  let entriesAdded: bigint;
  if (type !== RdbType.STREAM_LISTPACKS) {
    firstId = { ms: big(r.lenBig()), seq: big(r.lenBig()) };
    maxDeletedId = { ms: big(r.lenBig()), seq: big(r.lenBig()) };
    entriesAdded = big(r.lenBig());
  } else {
    firstId = entries.length > 0 ? entries[0].id : { ms: 0n, seq: 0n };
    entriesAdded = BigInt(length);
  }
  if (length !== 0 && nodes === 0) corrupt('Stream length inconsistent with rax entries');
  const groups: StreamGroupData[] = [];
  const nGroups = r.len();
  const groupNames = new Set<string>();
  for (let g = 0; g < nGroups; g++) {
    const name = r.string();
    if (groupNames.has(name)) corrupt(`Duplicated consumer group name ${name}`);
    groupNames.add(name);
    const gLast: StreamId = { ms: big(r.lenBig()), seq: big(r.lenBig()) };
    let entriesRead = -1n;
    if (type !== RdbType.STREAM_LISTPACKS) {
      const v = big(r.lenBig());
      entriesRead = v === U64_MAX ? -1n : v;
    }
    const pel: StreamNackData[] = [];
    const pelIds = new Map<string, StreamNackData>();
    const nPel = r.len();
    for (let p = 0; p < nPel; p++) {
      const id = readId(r);
      const deliveryTime = Number(r.millis());
      const deliveryCount = r.len();
      const k = `${id.ms}-${id.seq}`;
      if (pelIds.has(k)) corrupt('Duplicated global PEL entry loading stream consumer group');
      const nack = { id, deliveryTime, deliveryCount };
      pelIds.set(k, nack);
      pel.push(nack);
    }
    const consumers: StreamConsumerData[] = [];
    const consumerNames = new Set<string>();
    const owned = new Set<string>();
    const nConsumers = r.len();
    for (let c = 0; c < nConsumers; c++) {
      const cname = r.string();
      if (consumerNames.has(cname)) corrupt('Duplicate stream consumer detected.');
      consumerNames.add(cname);
      const seenTime = Number(r.millis());
      const activeTime = type === RdbType.STREAM_LISTPACKS_3 ? Number(r.millis()) : -1;
      const nOwn = r.len();
      const pending: StreamId[] = [];
      for (let p = 0; p < nOwn; p++) {
        const id = readId(r);
        const k = `${id.ms}-${id.seq}`;
        if (!pelIds.has(k)) corrupt('Consumer entry not found in group global PEL');
        if (owned.has(k)) corrupt('Duplicated consumer PEL entry  loading a stream consumer group');
        owned.add(k);
        pending.push(id);
      }
      consumers.push({ name: cname, seenTime, activeTime, pending });
    }
    if (owned.size !== pelIds.size) corrupt('Stream CG PEL entry without consumer');
    groups.push({ name, lastId: gLast, entriesRead, pel, consumers });
  }
  return { entries, length, lastId, firstId, maxDeletedId, entriesAdded, groups };
}
