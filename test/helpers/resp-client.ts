// A small RESP client for tests: sends commands (or raw bytes) and returns each reply both as
// its exact bytes (for byte-for-byte comparison with real Redis) and decoded with its type.

import net from 'node:net';

export type Decoded =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: bigint }
  | { type: 'bulk'; value: string | null }
  | { type: 'array'; value: Decoded[] | null }
  | { type: 'map'; value: [Decoded, Decoded][] }
  | { type: 'set'; value: Decoded[] }
  | { type: 'push'; value: Decoded[] }
  | { type: 'double'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'null' }
  | { type: 'verbatim'; format: string; value: string }
  | { type: 'bignum'; value: string }
  | { type: 'attribute'; value: [Decoded, Decoded][] };

export interface Reply {
  raw: Buffer;
  decoded: Decoded;
}

/** Parses one reply at `pos`; null when incomplete. */
export function parseReply(buf: Buffer, pos: number): { decoded: Decoded; end: number } | null {
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  if (eol < 0) return null;
  const t = String.fromCharCode(buf[pos]);
  const line = buf.latin1Slice(pos + 1, eol);
  const next = eol + 2;
  const many = (n: number): { items: Decoded[]; end: number } | null => {
    const items: Decoded[] = [];
    let p = next;
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, p);
      if (!r) return null;
      items.push(r.decoded);
      p = r.end;
    }
    return { items, end: p };
  };
  const pairs = (items: Decoded[]): [Decoded, Decoded][] => {
    const out: [Decoded, Decoded][] = [];
    for (let i = 0; i < items.length; i += 2) out.push([items[i], items[i + 1]]);
    return out;
  };
  switch (t) {
    case '+': return { decoded: { type: 'simple', value: line }, end: next };
    case '-': return { decoded: { type: 'error', value: line }, end: next };
    case ':': return { decoded: { type: 'integer', value: BigInt(line) }, end: next };
    case ',': return { decoded: { type: 'double', value: line }, end: next };
    case '#': return { decoded: { type: 'bool', value: line === 't' }, end: next };
    case '_': return { decoded: { type: 'null' }, end: next };
    case '(': return { decoded: { type: 'bignum', value: line }, end: next };
    case '$': case '=': {
      const len = Number(line);
      if (len < 0) return { decoded: { type: 'bulk', value: null }, end: next };
      if (buf.length < next + len + 2) return null;
      const s = buf.latin1Slice(next, next + len);
      if (t === '=') return { decoded: { type: 'verbatim', format: s.slice(0, 3), value: s.slice(4) }, end: next + len + 2 };
      return { decoded: { type: 'bulk', value: s }, end: next + len + 2 };
    }
    case '*': case '~': case '>': {
      const n = Number(line);
      if (n < 0) return { decoded: { type: 'array', value: null }, end: next };
      const r = many(n);
      if (!r) return null;
      const type = t === '*' ? 'array' : t === '~' ? 'set' : 'push';
      return { decoded: { type, value: r.items } as Decoded, end: r.end };
    }
    case '%': case '|': {
      const r = many(Number(line) * 2);
      if (!r) return null;
      return { decoded: { type: t === '%' ? 'map' : 'attribute', value: pairs(r.items) }, end: r.end };
    }
    default:
      throw new Error(`bad reply type byte ${JSON.stringify(t)} at ${pos}: ${JSON.stringify(buf.latin1Slice(pos, pos + 40))}`);
  }
}

export function encodeCommand(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Simplifies a decoded reply to plain JS values (for convenient assertions). */
export function plain(d: Decoded): unknown {
  switch (d.type) {
    case 'integer': return Number(d.value);
    case 'array': return d.value === null ? null : d.value.map(plain);
    case 'set': case 'push': return d.value.map(plain);
    case 'map': return d.value.map(([k, v]) => [plain(k), plain(v)]);
    case 'null': return null;
    case 'error': return new Error(d.value);
    case 'attribute': return d.value.map(([k, v]) => [plain(k), plain(v)]);
    default: return d.value;
  }
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: ((r: Reply | Error) => void)[] = [];
  private replies: Reply[] = [];
  private closed = false;
  /** Push messages (RESP3 `>`) received while not waiting for them. */
  readonly pushes: Decoded[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(new Error('connection closed'));
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RespClient(s)));
      s.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length === 0) break;
      const r = parseReply(this.buf, 0);
      if (!r) break;
      const reply = { raw: Buffer.from(this.buf.subarray(0, r.end)), decoded: r.decoded };
      this.buf = this.buf.subarray(r.end);
      const w = this.waiters.shift();
      if (w) w(reply);
      else this.replies.push(reply);
    }
  }

  /** The next reply (in order). */
  read(timeoutMs = 10000): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error('timed out waiting for a reply'));
      }, timeoutMs);
      const done = (r: Reply | Error) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      this.waiters.push(done);
    });
  }

  writeRaw(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Sends a command and returns its reply. */
  async send(...args: (string | number | Buffer)[]): Promise<Reply> {
    this.writeRaw(encodeCommand(args.map((a) => (typeof a === 'number' ? String(a) : a))));
    return this.read();
  }

  /** Sends a command and returns its reply as plain JS values (errors as Error objects). */
  async call(...args: (string | number | Buffer)[]): Promise<unknown> {
    return plain((await this.send(...args)).decoded);
  }

  /** Waits until the server closes the connection. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connection not closed')), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
