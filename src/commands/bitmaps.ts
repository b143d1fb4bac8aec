// The bitmap family: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.

import { Notify } from '../config/settings.js';
import { err, Errors, type Reply } from '../resp/reply.js';
import { ClientFlag, type Client } from '../server/client.js';
import {
  bytesOf, countBits, findBit, getBit, getSigned, getUnsigned, Overflow, setBits, signedField, unsignedField,
} from '../types/bitmap.js';
import { MutableString } from '../types/value.js';
import { parseInt64 } from '../util/numbers.js';
import { lookupRead, readString, writeString } from './access.js';
import { int64Arg, isToken } from './args.js';
import type { Family } from './command.js';
import { clampRange, unshareString } from './strings.js';

const BIT_OFFSET_ERROR = 'ERR bit offset is not an integer or out of range';
const BITFIELD_TYPE_ERROR = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/**
 * A bit offset argument (Redis's getBitOffsetFromArgument): a non-negative integer whose byte
 * is within proto-max-bulk-len; with `bits`, "#N" means N * bits (BITFIELD).
 */
function bitOffsetArg(c: Client, arg: string, bits = 0): number {
  const hash = bits > 0 && arg.charCodeAt(0) === 35;
  const v = parseInt64(hash ? arg.slice(1) : arg);
  if (v === undefined) err(BIT_OFFSET_ERROR);
  let offset = BigInt(v);
  if (hash) offset = BigInt.asIntN(64, offset * BigInt(bits));
  if (offset < 0n || (!c.has(ClientFlag.Master) && offset >> 3n >= BigInt(c.server.protoMaxBulkLen))) err(BIT_OFFSET_ERROR);
  return Number(offset);
}

/**
 * The string at argv[1] made writable and long enough for bit `maxBit` (created if missing),
 * as Redis's lookupStringForBitCommand. `grown` tells whether it was created or lengthened.
 */
function stringForBits(c: Client, key: string, maxBit: number): { value: MutableString; grown: boolean } {
  const size = Math.floor(maxBit / 8) + 1;
  const v = writeString(c, key);
  if (v === undefined) {
    const value = new MutableString(Buffer.alloc(Math.max(size, 16)), size);
    c.db.set(key, value);
    return { value, grown: true };
  }
  const value = unshareString(c, key, v);
  const before = value.length;
  value.ensureLength(size);
  return { value, grown: value.length !== before };
}

function setbit(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const offset = bitOffsetArg(c, argv[2]);
  const on = parseInt64(argv[3]);
  if (on !== 0 && on !== 1) err('ERR bit is not an integer or out of range');
  const { value, grown } = stringForBits(c, key, offset);
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset % 8));
  const old = value.bytes[byte] & mask ? 1 : 0;
  if (grown || old !== on) {
    value.bytes[byte] = on ? value.bytes[byte] | mask : value.bytes[byte] & ~mask;
    c.server.wrote(c.db, key, Notify.String, 'setbit');
  }
  return old;
}

function getbit(c: Client, argv: string[]): Reply {
  const offset = bitOffsetArg(c, argv[2]);
  const v = readString(c, argv[1]);
  if (v === undefined) return 0;
  return typeof v === 'string' ? getBit(v, v.length, offset) : getBit(v.bytes, v.length, offset);
}

/** BIT|BYTE unit argument: true for BIT. */
function unitArg(arg: string): boolean {
  if (isToken(arg, 'BIT')) return true;
  if (isToken(arg, 'BYTE')) return false;
  return err(Errors.syntax);
}

function bitcount(c: Client, argv: string[]): Reply {
  const v = readString(c, argv[1]);
  if (v === undefined) return 0;
  const length = v.length;
  let first: number;
  let last: number;
  if (argv.length === 4 || argv.length === 5) {
    const start = int64Arg(argv[2]);
    const end = int64Arg(argv[3]);
    if (start < 0 && end < 0 && start > end) return 0;
    const isBit = argv.length === 5 ? unitArg(argv[4]) : false;
    const range = clampRange(start, end, isBit ? length * 8 : length);
    if (range === undefined) return 0;
    [first, last] = isBit ? range : [range[0] * 8, range[1] * 8 + 7];
  } else if (argv.length === 2) {
    if (length === 0) return 0;
    first = 0;
    last = length * 8 - 1;
  } else {
    return err(Errors.syntax);
  }
  return countBits(bytesOf(v), first, last);
}

function bitpos(c: Client, argv: string[]): Reply {
  const bit = parseInt64(argv[2]);
  if (bit === undefined) err(Errors.notInteger);
  if (bit !== 0 && bit !== 1) err('ERR The bit argument must be 1 or 0.');
  const v = lookupRead(c, argv[1]);
  if (v === undefined) return bit ? -1 : 0;
  if (typeof v !== 'string' && !(v instanceof MutableString)) err(Errors.wrongType);
  const length = v.length;
  let first: number;
  let last: number;
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const start = int64Arg(argv[3]);
    const isBit = argv.length === 6 ? unitArg(argv[5]) : false;
    let end: number | bigint;
    if (argv.length >= 5) {
      end = int64Arg(argv[4]);
      endGiven = true;
    } else {
      end = isBit ? length * 8 + 7 : length - 1;
    }
    const range = clampRange(start, end, isBit ? length * 8 : length);
    if (range === undefined) return -1;
    [first, last] = isBit ? range : [range[0] * 8, range[1] * 8 + 7];
  } else if (argv.length === 3) {
    if (length === 0) return -1;
    first = 0;
    last = length * 8 - 1;
  } else {
    return err(Errors.syntax);
  }
  const pos = findBit(bytesOf(v), bit, first, last);
  if (pos >= 0) return pos;
  if (bit === 1 || endGiven) return -1;
  // Looking for a clear bit without an explicit end: the string is zero-padded on the right.
  return last + 1;
}

const enum BitOp {
  And,
  Or,
  Xor,
  Not,
}

function bitop(c: Client, argv: string[]): Reply {
  const name = argv[1];
  let op: BitOp;
  if (isToken(name, 'AND')) op = BitOp.And;
  else if (isToken(name, 'OR')) op = BitOp.Or;
  else if (isToken(name, 'XOR')) op = BitOp.Xor;
  else if (isToken(name, 'NOT')) op = BitOp.Not;
  else return err(Errors.syntax);
  if (op === BitOp.Not && argv.length !== 4) err('ERR BITOP NOT must be called with a single source key.');
  const target = argv[2];
  const sources: Uint8Array[] = [];
  let maxLen = 0;
  for (let i = 3; i < argv.length; i++) {
    const v = readString(c, argv[i]);
    const bytes = v === undefined ? new Uint8Array(0) : bytesOf(v);
    sources.push(bytes);
    if (bytes.length > maxLen) maxLen = bytes.length;
  }
  const db = c.db;
  if (maxLen === 0) {
    if (db.get(target) !== undefined && db.delete(target)) c.server.wrote(db, target, Notify.Generic, 'del');
    return 0;
  }
  const out = Buffer.alloc(Math.max(maxLen, 16));
  const first = sources[0];
  if (op === BitOp.Not) {
    for (let j = 0; j < maxLen; j++) out[j] = ~first[j];
  } else {
    out.set(first, 0);
    for (let s = 1; s < sources.length; s++) {
      const src = sources[s];
      const n = src.length;
      if (op === BitOp.And) {
        for (let j = 0; j < n; j++) out[j] &= src[j];
        out.fill(0, n, maxLen);
      } else if (op === BitOp.Or) {
        for (let j = 0; j < n; j++) out[j] |= src[j];
      } else {
        for (let j = 0; j < n; j++) out[j] ^= src[j];
      }
    }
  }
  db.set(target, new MutableString(out, maxLen));
  c.server.wrote(db, target, Notify.String, 'set');
  return maxLen;
}

const enum FieldOp {
  Get,
  Set,
  Incrby,
}

interface BitfieldOp {
  op: FieldOp;
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: Overflow;
}

function bitfieldTypeArg(arg: string): { signed: boolean; bits: number } {
  const sign = arg.charCodeAt(0);
  if (sign !== 105 && sign !== 117) err(BITFIELD_TYPE_ERROR); // 'i' or 'u'
  const signed = sign === 105;
  const nul = arg.indexOf('\0');
  const bits = parseInt64(arg.slice(1, nul < 0 ? arg.length : nul));
  if (bits === undefined || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) err(BITFIELD_TYPE_ERROR);
  return { signed, bits: Number(bits) };
}

function bitfield(c: Client, argv: string[], readOnly: boolean): Reply {
  const ops: BitfieldOp[] = [];
  let overflow = Overflow.Wrap;
  let writes = false;
  let highestBit = 0;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = argv[j];
    let op: FieldOp;
    if (isToken(sub, 'GET') && remaining >= 2) op = FieldOp.Get;
    else if (isToken(sub, 'SET') && remaining >= 3) op = FieldOp.Set;
    else if (isToken(sub, 'INCRBY') && remaining >= 3) op = FieldOp.Incrby;
    else if (isToken(sub, 'OVERFLOW') && remaining >= 1) {
      const mode = argv[++j];
      if (isToken(mode, 'WRAP')) overflow = Overflow.Wrap;
      else if (isToken(mode, 'SAT')) overflow = Overflow.Sat;
      else if (isToken(mode, 'FAIL')) overflow = Overflow.Fail;
      else err('ERR Invalid OVERFLOW type specified');
      continue;
    } else {
      return err(Errors.syntax);
    }
    const { signed, bits } = bitfieldTypeArg(argv[j + 1]);
    const offset = bitOffsetArg(c, argv[j + 2], bits);
    let value = 0n;
    if (op !== FieldOp.Get) {
      writes = true;
      if (offset + bits - 1 > highestBit) highestBit = offset + bits - 1;
      value = BigInt(int64Arg(argv[j + 3]));
    }
    ops.push({ op, signed, bits, offset, value, overflow });
    j += op === FieldOp.Get ? 2 : 3;
  }

  const key = argv[1];
  if (!writes) {
    const v = readString(c, key);
    const out: Reply[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i];
      let r: bigint;
      if (v === undefined) r = 0n;
      else if (typeof v === 'string') r = o.signed ? getSigned(v, v.length, o.offset, o.bits) : getUnsigned(v, v.length, o.offset, o.bits);
      else r = o.signed ? getSigned(v.bytes, v.length, o.offset, o.bits) : getUnsigned(v.bytes, v.length, o.offset, o.bits);
      out[i] = intReply(r);
    }
    return out;
  }
  if (readOnly) err('ERR BITFIELD_RO only supports the GET subcommand');

  const { value: s, grown } = stringForBits(c, key, highestBit);
  const out: Reply[] = new Array(ops.length);
  let changes = 0;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i];
    const bytes = s.bytes;
    if (o.op === FieldOp.Get) {
      out[i] = intReply(o.signed ? getSigned(bytes, s.length, o.offset, o.bits) : getUnsigned(bytes, s.length, o.offset, o.bits));
      continue;
    }
    const old = o.signed ? getSigned(bytes, s.length, o.offset, o.bits) : getUnsigned(bytes, s.length, o.offset, o.bits);
    const r = o.op === FieldOp.Incrby
      ? (o.signed ? signedField(old, o.value, o.bits, o.overflow) : unsignedField(old, o.value, o.bits, o.overflow))
      : (o.signed ? signedField(o.value, 0n, o.bits, o.overflow) : unsignedField(BigInt.asUintN(64, o.value), 0n, o.bits, o.overflow));
    if (r.value === null) {
      out[i] = null;
      continue;
    }
    setBits(bytes, o.offset, o.bits, r.value);
    out[i] = intReply(o.op === FieldOp.Incrby ? r.value : old);
    if (grown || old !== r.value) changes++;
  }
  if (changes > 0) {
    c.server.wrote(c.db, key, Notify.String, 'setbit');
    c.server.dirty += changes - 1;
  }
  return out;
}

function intReply(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

export const bitmaps: Family = {
  setbit: { run: setbit },
  getbit: { run: getbit },
  bitcount: { run: bitcount },
  bitpos: { run: bitpos },
  bitop: { run: bitop },
  bitfield: { run: (c, argv) => bitfield(c, argv, false) },
  bitfield_ro: { run: (c, argv) => bitfield(c, argv, true) },
};
