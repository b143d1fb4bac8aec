// Incremental request parser: RESP multibulk (`*N\r\n$len\r\n...`) and inline commands, fed
// with chunks split anywhere. Arguments come out as latin1 strings (one char per byte), which
// are binary-safe and compare in byte order.

import { splitArgs } from './split-args.js';

/** Inline requests and the header lines of multibulk requests may not grow beyond this. */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Bulk arguments at least this big are gathered as a list of chunks and joined once. */
const BIG_ARG = 32 * 1024;

/** A protocol error: Redis replies with `message` and closes the connection. */
export class ProtocolError {
  constructor(readonly message: string) {}
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
      const cr = buf.indexOf(CR, pos);
      if (cr < 0 || cr + 1 >= len) {
        if (len - pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big mbulk count string');
        return null;
      }
      const count = parseLength(buf, pos + 1, cr);
      if (count === BAD || count > 0x7fffffff) return new ProtocolError('Protocol error: invalid multibulk length');
      if (count > 10 && authRequired) return new ProtocolError('Protocol error: unauthenticated multibulk length');
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
        const cr = buf.indexOf(CR, pos);
        if (cr < 0 || cr + 1 >= len) {
          if (len - pos > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big bulk count string');
          break;
        }
        if (buf[pos] !== 36 /* '$' */) {
          return new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[pos])}'`);
        }
        bulkLen = parseLength(buf, pos + 1, cr);
        if (bulkLen === BAD || bulkLen < 0 || bulkLen > maxBulkLen) {
          return new ProtocolError('Protocol error: invalid bulk length');
        }
        if (bulkLen > 16384 && authRequired) {
          return new ProtocolError('Protocol error: unauthenticated bulk length');
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
      args[this.argc++] = buf.latin1Slice(pos, pos + bulkLen);
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
    if (nl < 0) {
      if (buf.length - start > INLINE_MAX_SIZE) return new ProtocolError('Protocol error: too big inline request');
      return null;
    }
    const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    const args = splitArgs(buf.latin1Slice(start, end));
    if (args === null) return new ProtocolError('Protocol error: unbalanced quotes in request');
    this.pos = nl + 1;
    return args;
  }
}

const EMPTY: string[] = [];
const BAD = -0x7fffffffff;

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
  if (buf[i] === 48 /* '0' */) return i + 1 === end && !negative ? 0 : BAD;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return BAD;
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) return BAD;
  return negative ? -n : n;
}
