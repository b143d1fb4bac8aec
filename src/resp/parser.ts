// Incremental request parser: RESP multibulk (`*N\r\n$len\r\n...`) and inline commands, fed
// with chunks split anywhere. Arguments come out as latin1 strings (one char per byte), which
// are binary-safe and compare in byte order.

import { splitArgs } from './split-args.js';
import { latin1 } from '../util/latin1.js';

/** Inline requests and the header lines of multibulk requests may not grow beyond this. */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Bulk arguments at least this big are gathered as a list of chunks and joined once. */
const BIG_ARG = 32 * 1024;

/**
 * A protocol error: Redis replies with `message` and closes the connection. `reason` is the
 * shorter text the server log gives.
 */
export class ProtocolError {
  constructor(readonly message: string, readonly reason: string) {}
}

const CR = 13;
const LF = 10;

export class RequestParser {
  private buf: Buffer | null = null;
  private pos = 0;
  // State of a multibulk request being read.
  private argsLeft = 0;
  private args: string[] = [];
  private argc = 0;
  private bulkLen = -1;
  // A big bulk argument being gathered.
  private bigChunks: Buffer[] | null = null;
  private bigHave = 0;

  /** Bytes received and not yet parsed into complete requests. */
  pendingBytes(): number {
    return (this.buf ? this.buf.length - this.pos : 0) + this.bigHave;
  }

  /**
   * Bytes held in the query buffer, including requests of the current read that were already
   * parsed (Redis trims its query buffer only after running them: CLIENT LIST's qbuf).
   */
  bufferedBytes(): number {
    return (this.buf ? this.buf.length : 0) + this.bigHave;
  }

  /** Up to `n` unparsed bytes, for log messages. */
  head(n: number): Buffer {
    if (this.bigChunks) return Buffer.concat(this.bigChunks).subarray(0, n);
    if (this.buf === null) return Buffer.alloc(0);
    return this.buf.subarray(this.pos, Math.min(this.buf.length, this.pos + n));
  }

  /** The unparsed bytes (for the protocol error log). */
  rest(): Buffer {
    if (this.bigChunks) return Buffer.concat(this.bigChunks);
    if (this.buf === null) return Buffer.alloc(0);
    return this.buf.subarray(this.pos);
  }

  /**
   * Adds received bytes. `chunk` may be a view of a buffer that is reused for the next read:
   * call `release()` before that happens.
   */
  feed(chunk: Buffer): void {
    if (this.bigChunks) {
      this.bigChunks.push(Buffer.from(chunk));
      this.bigHave += chunk.length;
      if (this.bigHave >= this.bulkLen + 2) {
        this.buf = Buffer.concat(this.bigChunks, this.bigHave);
        this.pos = 0;
        this.bigChunks = null;
        this.bigHave = 0;
      }
      return;
    }
    if (this.buf === null || this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      const rest = this.buf.length - this.pos;
      const joined = Buffer.allocUnsafe(rest + chunk.length);
      this.buf.copy(joined, 0, this.pos);
      chunk.copy(joined, rest);
      this.buf = joined;
    }
    this.pos = 0;
  }

  /**
   * The next complete request: its arguments, `null` when more input is needed, or a
   * ProtocolError. An empty array is an empty request (a blank line), which is skipped.
   * `maxBulkLen` is proto-max-bulk-len; `authRequired` (a connection that still has to
   * authenticate) limits request sizes, as Redis does.
   */
  next(maxBulkLen: number, authRequired: boolean): string[] | ProtocolError | null {
    const buf = this.buf;
    if (buf === null || this.bigChunks) return null;
    const len = buf.length;
    let pos = this.pos;
    if (this.argsLeft === 0) {
      if (pos >= len) {
        this.buf = null;
        return null;
      }
      if (buf[pos] !== 42 /* '*' */) return this.inline();
      const cr = findCR(buf, pos, len);
      // Redis looks for the CR with strchr: a NUL byte before it hides it.
      const count = cr < 0 ? NUL : parseLength(buf, pos + 1, cr);
      if (count === NUL) {
        if (len - pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big mbulk count string', 'too big mbulk count string');
        return null;
      }
      if (cr + 1 >= len) return null;
      if (count === BAD || count > 0x7fffffff) return new ProtocolError('Protocol error: invalid multibulk length', 'invalid mbulk count');
      if (count > 10 && authRequired) return new ProtocolError('Protocol error: unauthenticated multibulk length', 'unauth mbulk count');
      pos = cr + 2;
      if (count <= 0) {
        this.pos = pos;
        return EMPTY;
      }
      this.argsLeft = count;
      this.args = new Array(count > 1024 ? 1024 : count);
      this.argc = 0;
    }
    const args = this.args;
    while (this.argsLeft > 0) {
      let bulkLen = this.bulkLen;
      if (bulkLen < 0) {
        if (pos >= len) break;
        const cr = findCR(buf, pos, len);
        const first = buf[pos];
        bulkLen = cr < 0 || first === 0 ? NUL : parseLength(buf, pos + 1, cr);
        if (bulkLen === NUL) {
          if (len - pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big bulk count string', 'too big bulk count string');
          break;
        }
        if (cr + 1 >= len) break;
        if (first !== 36 /* '$' */) {
          return new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(first)}'`, 'expected $ but got something else');
        }
        if (bulkLen === BAD || bulkLen < 0 || bulkLen > maxBulkLen) {
          return new ProtocolError('Protocol error: invalid bulk length', 'invalid bulk length');
        }
        if (bulkLen > 16384 && authRequired) {
          return new ProtocolError('Protocol error: unauthenticated bulk length', 'unauth bulk length');
        }
        pos = cr + 2;
        this.bulkLen = bulkLen;
      }
      if (len - pos < bulkLen + 2) {
        if (bulkLen >= BIG_ARG) {
          // Gather the rest of this argument as chunks, joined once when complete.
          const head = Buffer.from(buf.subarray(pos));
          this.bigChunks = [head];
          this.bigHave = head.length;
          this.buf = null;
          this.pos = 0;
          return null;
        }
        break;
      }
      args[this.argc++] = latin1(buf, pos, bulkLen);
      pos += bulkLen + 2;
      this.bulkLen = -1;
      this.argsLeft--;
    }
    this.pos = pos;
    if (this.argsLeft > 0) return null;
    this.args = EMPTY;
    if (args.length !== this.argc) args.length = this.argc;
    return args;
  }

  /** Copies unparsed input out of the (shared, reused) buffer it was fed from. */
  release(): void {
    const buf = this.buf;
    if (buf === null) return;
    if (this.pos >= buf.length) {
      this.buf = null;
      this.pos = 0;
      return;
    }
    this.buf = Buffer.from(buf.subarray(this.pos));
    this.pos = 0;
  }

  private inline(): string[] | ProtocolError | null {
    const buf = this.buf!;
    const start = this.pos;
    const nl = buf.indexOf(LF, start);
    const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    const line = nl < 0 ? '' : buf.latin1Slice(start, end);
    // Redis finds the newline with strchr: a NUL byte before it hides it.
    if (nl < 0 || line.indexOf('\0') >= 0) {
      if (buf.length - start > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big inline request', 'too big inline request');
      return null;
    }
    const args = splitArgs(line);
    if (args === null) return new ProtocolError('Protocol error: unbalanced quotes in request', 'unbalanced quotes in inline request');
    this.pos = nl + 1;
    return args;
  }
}

const EMPTY: string[] = [];

/** Index of the next CR at or after `from`, or -1 (a loop: headers are a few bytes long). */
function findCR(buf: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === CR) return i;
  return -1;
}
const BAD = -0x7fffffffff;
/** A NUL byte in a header line: C string functions would not see past it. */
const NUL = -0x7ffffffffe;

/**
 * Parses a length in `buf[start, end)` the way Redis's string2ll does (an optional '-', no '+',
 * no leading zeros, no spaces); BAD when it is not such a number. Lengths beyond 2^53 are BAD
 * too: they exceed every limit anyway.
 */
function parseLength(buf: Buffer, start: number, end: number): number {
  if (start >= end) return BAD;
  let i = start;
  let negative = false;
  if (buf[i] === 45 /* '-' */) {
    negative = true;
    i++;
    if (i === end) return BAD;
  }
  if (buf[i] === 0) return NUL;
  if (buf[i] === 48 /* '0' */) return i + 1 === end && !negative ? 0 : hasNul(buf, start, end) ? NUL : BAD;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return hasNul(buf, start, end) ? NUL : BAD;
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) return BAD;
  return negative ? -n : n;
}

function hasNul(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === 0) return true;
  return false;
}
