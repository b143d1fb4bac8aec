// The typed reply model. Command handlers return these values; each front door (a RESP
// connection of either protocol version, MULTI/EXEC, scripting, the embedded API) renders them.
//
//   string            bulk string (latin1: one char per byte)
//   Uint8Array        bulk string (raw bytes, e.g. a mutable string value)
//   number | bigint   integer (numbers must be integral)
//   null              null (RESP2 `$-1`)
//   Reply[]           array
//   the classes below for everything else.

export type Reply =
  | string
  | Uint8Array
  | number
  | bigint
  | null
  | Reply[]
  | SimpleString
  | ErrorReply
  | DoubleReply
  | MapReply
  | SetReply
  | PushReply
  | BoolReply
  | VerbatimReply
  | BigNumberReply
  | NullArray
  | AttributeReply
  | NoReply;

export class SimpleString {
  /** The RESP text (the same in RESP2 and RESP3). */
  readonly encoded: string;
  constructor(readonly value: string) {
    this.encoded = '+' + value + '\r\n';
  }
}

/** An error reply. `message` includes the code prefix, e.g. "ERR syntax error". */
export class ErrorReply {
  /** Already counted in the error statistics (a script returning the error of a command it ran). */
  counted = false;
  constructor(readonly message: string) {}
  /** The error code, as INFO errorstats counts it (the first word). */
  get code(): string {
    const space = this.message.indexOf(' ');
    return space < 0 ? this.message : this.message.slice(0, space);
  }
}

/** Thrown by handlers and helpers to end a command with an error reply. */
export class CommandError extends Error {
  readonly reply: ErrorReply;
  constructor(message: string) {
    super(message);
    this.reply = new ErrorReply(message);
  }
}

export class DoubleReply {
  /** `text`, when given, is the exact rendering (e.g. GEOPOS's %.17Lf coordinates); else %.17g. */
  constructor(readonly value: number, readonly text?: string) {}
}

/** A map, as a flat list of alternating keys and values. RESP2 renders it as a flat array. */
export class MapReply {
  constructor(readonly items: Reply[]) {}
}

/** A set. RESP2 renders it as an array. */
export class SetReply {
  constructor(readonly items: Reply[]) {}
}

/** An out-of-band push message (pub/sub, invalidation). RESP2 renders it as an array. */
export class PushReply {
  constructor(readonly items: Reply[]) {}
}

export class BoolReply {
  constructor(readonly value: boolean) {}
}

/** Verbatim text (`=`), e.g. INFO and CLIENT LIST in RESP3. `format` is three characters. */
export class VerbatimReply {
  constructor(readonly text: string, readonly format = 'txt') {}
}

/**
 * A reply preceded by RESP3 attributes (`|`, a flat key/value list). RESP2 clients get only the
 * reply.
 */
export class AttributeReply {
  constructor(readonly attributes: Reply[], readonly reply: Reply) {}
}

export class BigNumberReply {
  constructor(readonly digits: string) {}
}

/** The null of an aggregate (`*-1` in RESP2). */
export class NullArray {
  private constructor() {}
  static readonly instance = new NullArray();
}

/** Returned by a handler that replies later (blocking commands) or not at all. */
export class NoReply {
  private constructor() {}
  static readonly instance = new NoReply();
}

export const OK = new SimpleString('OK');
export const QUEUED = new SimpleString('QUEUED');
export const PONG = new SimpleString('PONG');
export const NIL_ARRAY = NullArray.instance;
export const NO_REPLY = NoReply.instance;

/**
 * User text as Redis puts it in formatted error messages: as a C string, up to its first NUL
 * byte.
 */
export function cstr(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** ASCII-only upper case (C's toupper), leaving every other byte as it is. */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

export function err(message: string): never {
  throw new CommandError(message);
}

// Redis's shared error replies, worded exactly as Redis words them.
export const Errors = {
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  noSuchKey: 'ERR no such key',
  outOfRange: 'ERR index out of range',
  overflow: 'ERR increment or decrement would overflow',
  noAuth: 'NOAUTH Authentication required.',
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
  sameObject: 'ERR source and destination objects are the same',
  invalidDb: 'ERR DB index is out of range',
} as const;

export function isError(reply: Reply): reply is ErrorReply {
  return reply instanceof ErrorReply;
}
