// MIGRATE's network side, in a worker thread. Redis runs MIGRATE with blocking socket I/O (the
// server waits, up to the timeout, for the target's replies); Larder does the same by having the
// main thread wait (Atomics.wait) while this worker connects, sends the prepared commands and
// reads the reply lines. Sockets stay open between calls (the main thread decides when to
// close them: MIGRATE's 10-second connection cache).

import net from 'node:net';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';

export interface MigrateRequest {
  kind: 'run';
  id: number;
  name: string;
  host: string;
  port: number;
  timeoutMs: number;
  payload: Uint8Array;
  /** Reply lines to read. */
  lines: number;
  signal: SharedArrayBuffer;
}
export interface MigrateClose {
  kind: 'close';
  name: string;
}
export interface MigrateResult {
  id?: number;
  /** What failed: nothing, connecting, writing, or reading (after `lines` lines). */
  failed: 'none' | 'connect' | 'write' | 'read';
  timedOut: boolean;
  lines: string[];
}

interface Conn {
  socket: net.Socket;
  data: Buffer;
  closed: boolean;
  waiter: (() => void) | null;
}

const conns = new Map<string, Conn>();
const results = (workerData as { port: MessagePort }).port;

/**
 * Connects; 'error' when the address can't be used at all. A refused or timed-out connection
 * shows up later as a write error, as with Redis's non-blocking connect.
 */
function connect(host: string, port: number, timeoutMs: number): Promise<Conn | 'timeout' | 'refused' | 'error'> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      const conn: Conn = { socket, data: Buffer.alloc(0), closed: false, waiter: null };
      socket.on('data', (d: Buffer) => {
        conn.data = conn.data.length ? Buffer.concat([conn.data, d]) : d;
        conn.waiter?.();
      });
      const onEnd = () => {
        conn.closed = true;
        conn.waiter?.();
      };
      socket.on('close', onEnd);
      socket.on('error', onEnd);
      resolve(conn);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' ? 'refused' : 'error');
    });
  });
}

function write(conn: Conn, payload: Uint8Array, timeoutMs: number): Promise<'ok' | 'timeout' | 'error'> {
  return new Promise((resolve) => {
    if (conn.closed) {
      resolve('error');
      return;
    }
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    conn.socket.write(payload, (err) => {
      clearTimeout(timer);
      resolve(err ? 'error' : 'ok');
    });
  });
}

function readLine(conn: Conn, timeoutMs: number): Promise<string | 'timeout' | 'error'> {
  return new Promise((resolve) => {
    const attempt = (): boolean => {
      const i = conn.data.indexOf('\r\n');
      if (i >= 0) {
        const line = conn.data.latin1Slice(0, i);
        conn.data = conn.data.subarray(i + 2);
        resolve(line);
        return true;
      }
      if (conn.closed) {
        resolve('error');
        return true;
      }
      return false;
    };
    if (attempt()) return;
    const timer = setTimeout(() => {
      conn.waiter = null;
      resolve('timeout');
    }, timeoutMs);
    conn.waiter = () => {
      if (attempt()) {
        clearTimeout(timer);
        conn.waiter = null;
      }
    };
  });
}

function drop(name: string): void {
  const conn = conns.get(name);
  if (conn) {
    conn.socket.destroy();
    conns.delete(name);
  }
}

async function run(req: MigrateRequest): Promise<MigrateResult> {
  let conn = conns.get(req.name);
  if (conn === undefined || conn.closed) {
    drop(req.name);
    const c = await connect(req.host, req.port, req.timeoutMs);
    if (c === 'error') return { failed: 'connect', timedOut: false, lines: [] };
    if (c === 'timeout' || c === 'refused') return { failed: 'write', timedOut: c === 'timeout', lines: [] };
    conn = c;
    conns.set(req.name, conn);
  }
  conn.data = Buffer.alloc(0);
  const w = await write(conn, req.payload, req.timeoutMs);
  if (w !== 'ok') return { failed: 'write', timedOut: w === 'timeout', lines: [] };
  const lines: string[] = [];
  for (let i = 0; i < req.lines; i++) {
    const line = await readLine(conn, req.timeoutMs);
    if (line === 'timeout' || line === 'error') return { failed: 'read', timedOut: line === 'timeout', lines };
    lines.push(line);
  }
  return { failed: 'none', timedOut: false, lines };
}

parentPort!.on('message', (msg: MigrateRequest | MigrateClose) => {
  if (msg.kind === 'close') {
    drop(msg.name);
    return;
  }
  void run(msg).then(
    (res) => {
      results.postMessage({ ...res, id: msg.id });
      const signal = new Int32Array(msg.signal);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    },
    () => {
      results.postMessage({ id: msg.id, failed: 'read', timedOut: false, lines: [] } satisfies MigrateResult);
      const signal = new Int32Array(msg.signal);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    },
  );
});
