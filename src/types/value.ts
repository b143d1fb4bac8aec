import { isInt64String } from '../util/numbers.js';

// Values stored in the keyspace. A plain string value is a JS string (latin1, one char per
// byte): the common case costs no wrapper object. Everything else is an RObject.

export type ObjectType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

/**
 * What a value feeds into DEBUG DIGEST / DIGEST-VALUE (Redis's digest: SHA1s mixed per
 * element). Ordered content uses `mix` for each element in order (list elements; stream entry
 * ids, fields and values); unordered content uses `add` per element (set members) or
 * `addPair` per element with two parts (hash field and value; sorted-set member and its score
 * as %.17g, see formatDouble).
 */
export interface ValueDigest {
  /** Order-sensitive: digest = SHA1(digest xor SHA1(bytes)). */
  mix(bytes: string | Uint8Array): void;
  /** Order-insensitive: digest ^= SHA1(bytes). */
  add(bytes: string | Uint8Array): void;
  /** Order-insensitive pair: digest ^= (mix of a, then b, from zero). */
  addPair(a: string | Uint8Array, b: string | Uint8Array): void;
}

export abstract class RObject {
  abstract readonly type: ObjectType;
  /** OBJECT ENCODING's answer. */
  abstract encoding(): string;
  /** An independent deep copy (COPY, snapshots). */
  abstract copy(): RObject;

  // Introspection hooks (DEBUG, MEMORY); a type that lacks one gets a generic answer.
  /** Feeds the value's content to DEBUG DIGEST (see ValueDigest). */
  digest?(d: ValueDigest): void;
  /**
   * MEMORY USAGE: estimated bytes of the value as Redis would hold it (the key and its table
   * entry are counted by the caller). `samples`: how many elements to look at and extrapolate
   * from (0: all).
   */
  memoryUsage?(samples: number): number;
  /** DEBUG OBJECT serializedlength: the value's size in an RDB file. */
  serializedLength?(): number;
  /** DEBUG OBJECT: extra fields after the standard ones, e.g. " ql_nodes:2 ql_avg_node:3.00". */
  debugDetails?(): string;
}

export type Value = string | RObject;

/**
 * A string value that is modified in place (APPEND, SETRANGE, SETBIT, BITFIELD, PFADD):
 * bytes with spare capacity, so that repeated small changes don't copy the whole value.
 * Its encoding is `raw`, as Redis reports for strings changed in place.
 */
export class MutableString extends RObject {
  readonly type = 'string';
  constructor(public bytes: Buffer, public length: number) {
    super();
  }

  static from(value: string | MutableString, extra = 0): MutableString {
    if (value instanceof MutableString) return value;
    const bytes = Buffer.allocUnsafe(Math.max(value.length + extra, 16));
    bytes.latin1Write(value, 0);
    return new MutableString(bytes, value.length);
  }

  encoding(): string {
    return 'raw';
  }

  copy(): MutableString {
    return new MutableString(Buffer.from(this.view()), this.length);
  }

  /** Makes room for `size` bytes, zero-filling new space, growing capacity geometrically. */
  ensureLength(size: number): void {
    if (size <= this.length) return;
    if (size > this.bytes.length) {
      const grown = Buffer.allocUnsafe(size < 1024 * 1024 ? Math.max(size * 2, 16) : size + 1024 * 1024);
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    this.bytes.fill(0, this.length, size);
    this.length = size;
  }

  append(s: string): void {
    const at = this.length;
    this.ensureLength(at + s.length);
    this.bytes.latin1Write(s, at);
  }

  view(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  override toString(): string {
    return this.bytes.latin1Slice(0, this.length);
  }
}

/**
 * OBJECT ENCODING of a plain string value: `int` for the canonical decimal form of an int64,
 * `embstr` up to 44 bytes, `raw` beyond (strings changed in place are MutableStrings: raw).
 */
export function stringEncoding(s: string): 'int' | 'embstr' | 'raw' {
  if (s.length <= 20 && isInt64String(s)) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}

/** OBJECT ENCODING of any value. */
export function encodingOf(v: Value): string {
  return typeof v === 'string' ? stringEncoding(v) : v.encoding();
}

export function typeName(v: Value): ObjectType {
  return typeof v === 'string' ? 'string' : v.type;
}

export function isStringValue(v: Value): v is string | MutableString {
  return typeof v === 'string' || v instanceof MutableString;
}

/** A string value's content as a latin1 JS string. */
export function stringOf(v: string | MutableString): string {
  return typeof v === 'string' ? v : v.toString();
}

export function stringLength(v: string | MutableString): number {
  return typeof v === 'string' ? v.length : v.length;
}
