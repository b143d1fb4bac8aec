// Raw-byte conversations with a server, for protocol tests: send arbitrary bytes and collect
// everything the server answers, up to a sentinel reply or until it closes the connection.
// Also helpers to split RESP aggregates into their elements' raw bytes and to normalize the
// parts of replies that legitimately differ between servers (ids, addresses, ages).

import net from 'node:net';
import { encodeCommand, parseReply } from './resp-client.js';

export interface Exchange {
  /** Everything the server sent. */
  data: string;
  /** Whether the server closed the connection. */
  closed: boolean;
}

const SENTINEL = '__end_of_exchange__';
const SENTINEL_REPLY = `$${SENTINEL.length}\r\n${SENTINEL}\r\n`;

/**
 * Sends `chunks` (each written separately, in order) on a new connection. With `sentinel`
 * (default), an ECHO follows them and the exchange ends when its reply arrives (or the server
 * closes); otherwise it ends when the server closes the connection.
 */
export function exchange(port: number, chunks: (string | Buffer)[], opts: { sentinel?: boolean; timeoutMs?: number; end?: boolean } = {}): Promise<Exchange> {
  const sentinel = opts.sentinel ?? true;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const out = sentinel && data.endsWith(SENTINEL_REPLY) ? data.slice(0, -SENTINEL_REPLY.length) : data;
      resolve({ data: out, closed });
    };
    const timer = setTimeout(() => {
      done = true;
      socket.destroy();
      reject(new Error(`exchange timed out; received so far: ${JSON.stringify(data.slice(0, 300))}`));
    }, opts.timeoutMs ?? 10000);
    socket.on('data', (d) => {
      data += d.latin1Slice(0, d.length);
      if (sentinel && data.endsWith(SENTINEL_REPLY)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => {});
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (socket.destroyed) return;
        await new Promise<void>((r) => socket.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c, () => r()));
      }
      if (sentinel && !socket.destroyed) socket.write(encodeCommand(['ECHO', SENTINEL]));
      if (opts.end && !socket.destroyed) socket.end();
    });
  });
}

/** The raw bytes of each element of the aggregate reply at the start of `raw`. */
export function elements(raw: string): string[] {
  const buf = Buffer.from(raw, 'latin1');
  const eol = buf.indexOf('\r\n');
  const type = raw[0];
  let n = Number(raw.slice(1, eol));
  if (type === '%' || type === '|') n *= 2;
  const out: string[] = [];
  let pos = eol + 2;
  for (let i = 0; i < n; i++) {
    const r = parseReply(buf, pos);
    if (!r) throw new Error('incomplete aggregate');
    out.push(raw.slice(pos, r.end));
    pos = r.end;
  }
  return out;
}

/** Splits a stream of replies into each reply's raw bytes. */
export function replies(raw: string): string[] {
  const buf = Buffer.from(raw, 'latin1');
  const out: string[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const r = parseReply(buf, pos);
    if (!r) {
      out.push(raw.slice(pos));
      break;
    }
    out.push(raw.slice(pos, r.end));
    pos = r.end;
  }
  return out;
}

/**
 * CLIENT LIST / CLIENT INFO lines with the fields that differ between servers and runs (ids,
 * addresses, descriptors, ages, memory figures) masked, and bulk/verbatim lengths dropped.
 */
export function maskClientInfo(raw: string): string {
  return raw
    .replace(/^([$=])\d+\r\n/gm, '$1?\r\n')
    .replace(/\b(id|addr|laddr|fd|age|idle|qbuf-free|tot-mem|rbs|rbp)=\S*/g, '$1=?');
}

/** Masks integers in a reply (client ids). */
export function maskIntegers(raw: string): string {
  return raw.replace(/^:\d+\r\n/gm, ':?\r\n');
}
