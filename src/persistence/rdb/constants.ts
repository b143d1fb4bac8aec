// RDB format constants (Redis 7.0 writes version 10; 7.2 writes 11; 6.2 wrote 9).

export const RDB_VERSION = 10;
/** Versions Larder loads: Redis 6.2 (9), 7.0 (10), 7.2 (11); older files too, down to 1. */
export const RDB_MAX_LOAD_VERSION = 11;

// Length encodings: the two top bits of the first byte.
export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;

// String encodings (after RDB_ENCVAL).
export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

// Value types.
export const RdbType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  /** Redis 7.2 (RDB 11). */
  SET_LISTPACK: 20,
  /** Redis 7.2 (RDB 11). */
  STREAM_LISTPACKS_3: 21,
} as const;

// Opcodes.
export const RdbOp = {
  FUNCTION2: 245,
  FUNCTION: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

// Quicklist 2 node containers.
export const QUICKLIST_NODE_PLAIN = 1;
export const QUICKLIST_NODE_PACKED = 2;

export const MODULE_OPCODE_EOF = 0;
export const MODULE_OPCODE_UINT = 2;

/** A module type name from its 64-bit id (9 characters of 6 bits above a 10-bit version). */
export function moduleTypeName(id: bigint): string {
  const cset = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let v = id >> 10n;
  let name = '';
  for (let j = 0; j < 9; j++) {
    name = cset[Number(v & 63n)] + name;
    v >>= 6n;
  }
  return name;
}
