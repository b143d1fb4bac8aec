// The HyperLogLog family: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.

import { Notify } from '../config/settings.js';
import { err, Errors, SimpleString, OK, type Reply } from '../resp/reply.js';
import type { Client } from '../server/client.js';
import {
  cachedCardinality, cacheValid, countRegisters, createHll, decodeSparse, denseRegisters, hllAdd, hllCount,
  hllEncoding, hllMergeInto, hllRaise, hllSelfTest, HLL_DENSE, HLL_REGISTERS, HLL_SPARSE, invalidateCache,
  isHllBytes, isHllString, setCachedCardinality, sparseToDense,
} from '../types/hyperloglog.js';
import { MutableString, type Value } from '../types/value.js';
import { lookupRead } from './access.js';
import type { Family } from './command.js';
import { unshareString } from './strings.js';

const INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';
const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

function sparseMaxBytes(c: Client): number {
  return c.server.config.values['hll-sparse-max-bytes'] as number;
}

/** A value checked to be a HyperLogLog string (Redis's isHLLObjectOrReply). */
function checkHll(v: Value): string | MutableString {
  if (typeof v === 'string') {
    if (!isHllString(v)) err(NOT_HLL);
    return v;
  }
  if (!(v instanceof MutableString)) return err(Errors.wrongType);
  if (!isHllBytes(v.bytes, v.length)) err(NOT_HLL);
  return v;
}

function pfadd(c: Client, argv: string[]): Reply {
  const key = argv[1];
  const db = c.db;
  const v = db.get(key);
  let h: MutableString;
  let updated = 0;
  if (v === undefined) {
    h = createHll();
    db.set(key, h);
    updated++;
  } else {
    h = unshareString(c, key, checkHll(v));
  }
  const max = sparseMaxBytes(c);
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(h, argv[j], max);
    if (r === 1) updated++;
    else if (r === -1) err(INVALID_HLL);
  }
  if (updated > 0) {
    c.server.wrote(db, key, Notify.String, 'pfadd');
    c.server.dirty += updated - 1;
    invalidateCache(h);
  }
  return updated > 0 ? 1 : 0;
}

function cardinalityReply(n: number | bigint): number | bigint {
  return typeof n === 'number' && n > Number.MAX_SAFE_INTEGER ? BigInt(n) : n;
}

function pfcount(c: Client, argv: string[]): Reply {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const v = lookupRead(c, argv[j]);
      if (v === undefined) continue;
      if (!hllMergeInto(max, checkHll(v))) err(INVALID_HLL);
    }
    return cardinalityReply(countRegisters(max));
  }
  const key = argv[1];
  const v = lookupRead(c, key);
  if (v === undefined) return 0;
  const h = unshareString(c, key, checkHll(v));
  if (cacheValid(h)) {
    const card = cachedCardinality(h);
    return card <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(card) : card;
  }
  const card = hllCount(h);
  if (card === undefined) return err(INVALID_HLL);
  setCachedCardinality(h, card);
  // The cache is part of the value: watchers see a change, and the command propagates.
  c.server.modified(c.db, key);
  c.server.dirty++;
  return cardinalityReply(card);
}

function pfmerge(c: Client, argv: string[]): Reply {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const v = lookupRead(c, argv[j]);
    if (v === undefined) continue;
    const h = checkHll(v);
    const enc = typeof h === 'string' ? h.charCodeAt(4) : hllEncoding(h);
    if (enc === HLL_DENSE) useDense = true;
    if (!hllMergeInto(max, h)) err(INVALID_HLL);
  }
  const key = argv[1];
  const db = c.db;
  const v = db.get(key);
  let h: MutableString;
  if (v === undefined) {
    h = createHll();
    db.set(key, h);
  } else {
    h = unshareString(c, key, v as string | MutableString);
  }
  if (useDense && !sparseToDense(h)) err(INVALID_HLL);
  const limit = sparseMaxBytes(c);
  for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) hllRaise(h, j, max[j], limit);
  invalidateCache(h);
  c.server.wrote(db, key, Notify.String, 'pfadd');
  return OK;
}

function pfdebug(c: Client, argv: string[]): Reply {
  const sub = argv[1];
  const key = argv[2];
  const v = c.db.get(key);
  if (v === undefined) err('ERR The specified key does not exist');
  const h = unshareString(c, key, checkHll(v));
  switch (sub.toLowerCase()) {
    case 'getreg':
      if (hllEncoding(h) === HLL_SPARSE) {
        if (!sparseToDense(h)) err(INVALID_HLL);
        c.server.dirty++;
      }
      return denseRegisters(h);
    case 'decode':
      if (hllEncoding(h) !== HLL_SPARSE) err('ERR HLL encoding is not sparse');
      return decodeSparse(h);
    case 'encoding':
      return new SimpleString(hllEncoding(h) === HLL_DENSE ? 'dense' : 'sparse');
    case 'todense':
      if (hllEncoding(h) === HLL_SPARSE) {
        if (!sparseToDense(h)) err(INVALID_HLL);
        c.server.dirty++;
        return 1;
      }
      return 0;
    default:
      return err(`ERR Unknown PFDEBUG subcommand '${sub}'`);
  }
}

function pfselftest(c: Client): Reply {
  const failure = hllSelfTest(sparseMaxBytes(c));
  return failure === undefined ? OK : err(failure);
}

export const hyperloglog: Family = {
  pfadd: { run: pfadd },
  pfcount: { run: pfcount },
  pfmerge: { run: pfmerge },
  pfdebug: { run: pfdebug },
  pfselftest: { run: pfselftest },
};
