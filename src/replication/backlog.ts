// The replication backlog: the last `size` bytes of the replication stream, kept in a ring
// buffer so that a replica that lost its link can continue (PSYNC) from the offset it reached.
//
// Offsets are Redis's: the stream's bytes are numbered from 1 (master_repl_offset is the
// number of the last byte produced); `firstOffset` is the number of the oldest byte kept
// (master_repl_offset + 1 while the backlog is empty).

/** Redis never keeps less than this (CONFIG_REPL_BACKLOG_MIN_SIZE). */
export const BACKLOG_MIN_SIZE = 16 * 1024;

export class Backlog {
  private buf: Buffer;
  /** Where the next byte goes in `buf`. */
  private head = 0;
  /** Bytes of history held (at most the buffer's size). */
  histlen = 0;
  /** The offset of the last byte appended. */
  endOffset: number;

  constructor(size: number, endOffset: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, BACKLOG_MIN_SIZE));
    this.endOffset = endOffset;
  }

  get size(): number {
    return this.buf.length;
  }

  /** The offset of the oldest byte held. */
  get firstOffset(): number {
    return this.endOffset - this.histlen + 1;
  }

  /** Appends stream bytes given as a latin1 string. */
  appendString(s: string): void {
    const n = s.length;
    const size = this.buf.length;
    this.endOffset += n;
    if (n >= size) {
      this.buf.latin1Write(s.slice(n - size), 0, size);
      this.head = 0;
      this.histlen = size;
      return;
    }
    const room = size - this.head;
    if (n <= room) {
      this.buf.latin1Write(s, this.head, n);
    } else {
      this.buf.latin1Write(s.slice(0, room), this.head, room);
      this.buf.latin1Write(s.slice(room), 0, n - room);
    }
    this.head = (this.head + n) % size;
    this.histlen = Math.min(size, this.histlen + n);
  }

  /** Appends stream bytes. */
  append(data: Uint8Array): void {
    const n = data.length;
    const size = this.buf.length;
    this.endOffset += n;
    if (n >= size) {
      this.buf.set(data.subarray(n - size), 0);
      this.head = 0;
      this.histlen = size;
      return;
    }
    const room = size - this.head;
    if (n <= room) {
      this.buf.set(data, this.head);
    } else {
      this.buf.set(data.subarray(0, room), this.head);
      this.buf.set(data.subarray(room), 0);
    }
    this.head = (this.head + n) % size;
    this.histlen = Math.min(size, this.histlen + n);
  }

  /** Whether the bytes from `offset` on are all held (offset may be one past the end). */
  covers(offset: number): boolean {
    return offset >= this.firstOffset && offset <= this.endOffset + 1;
  }

  /** A copy of the bytes from `offset` (which `covers`) to the end. */
  readFrom(offset: number): Buffer {
    const n = this.endOffset + 1 - offset;
    const out = Buffer.allocUnsafe(n);
    if (n === 0) return out;
    const size = this.buf.length;
    const start = (this.head - n + size) % size;
    if (start + n <= size) {
      this.buf.copy(out, 0, start, start + n);
    } else {
      const first = size - start;
      this.buf.copy(out, 0, start, size);
      this.buf.copy(out, first, 0, n - first);
    }
    return out;
  }

  /** A new size (CONFIG SET repl-backlog-size): the most recent history is kept. */
  resize(size: number): void {
    size = Math.max(size, BACKLOG_MIN_SIZE);
    if (size === this.buf.length) return;
    const keep = Math.min(this.histlen, size);
    const data = this.readFrom(this.endOffset + 1 - keep);
    this.buf = Buffer.allocUnsafe(size);
    data.copy(this.buf, 0);
    this.head = keep % size;
    this.histlen = keep;
  }

  /** Moves every offset by `delta` (a restarted master continuing its old offsets). */
  rebase(delta: number): void {
    this.endOffset += delta;
  }
}
