// Reads what a real Redis propagates to its replicas: connects as a replica with SYNC, skips
// the RDB payload, then collects the command stream. Used as the oracle for what Larder
// propagates (Larder's propagators see the same commands; SELECT, PING and the MULTI/EXEC that
// Redis wraps around several commands of one call are left out of the comparison).

import net from 'node:net';
import { parseReply, type Decoded } from './resp-client.js';

export class ReplicationTap {
  private buf = Buffer.alloc(0);
  private rdbLeft = -1;
  private readonly commands: string[][] = [];
  private ready!: () => void;
  private readonly synced: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    this.synced = new Promise((resolve) => (this.ready = resolve));
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => {});
  }

  static async attach(port: number): Promise<ReplicationTap> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const tap = new ReplicationTap(socket);
    socket.write('SYNC\r\n');
    await tap.synced;
    return tap;
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.rdbLeft < 0) {
      // Keepalive newlines, then $<len>\r\n and the payload (no trailing CRLF).
      let i = 0;
      while (i < this.buf.length && this.buf[i] === 10) i++;
      const eol = this.buf.indexOf('\r\n', i);
      if (eol < 0 || this.buf[i] !== 36) {
        this.buf = this.buf.subarray(i);
        return;
      }
      this.rdbLeft = Number(this.buf.latin1Slice(i + 1, eol));
      this.buf = this.buf.subarray(eol + 2);
    }
    if (this.rdbLeft > 0) {
      const take = Math.min(this.rdbLeft, this.buf.length);
      this.rdbLeft -= take;
      this.buf = this.buf.subarray(take);
      if (this.rdbLeft > 0) return;
      this.ready();
    }
    for (;;) {
      if (this.buf.length === 0) return;
      const r = parseReply(this.buf, 0);
      if (r === null) return;
      this.buf = this.buf.subarray(r.end);
      const d = r.decoded as Decoded;
      if (d.type === 'array' && d.value !== null) {
        this.commands.push(d.value.map((x) => (x.type === 'bulk' ? (x.value ?? '') : '')));
      }
    }
  }

  /**
   * The commands propagated so far (and clears them), without SELECT, PING, MULTI and EXEC.
   * `flush` must SET the marker key it is given: once that SET comes through, everything
   * propagated before it has arrived.
   */
  async take(flush: (marker: string) => Promise<void>): Promise<string[][]> {
    const marker = `tap-${Math.random()}`;
    await flush(marker);
    for (let i = 0; i < 500; i++) {
      if (this.commands.some((c) => c[0].toUpperCase() === 'SET' && c[1] === marker)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const out: string[][] = [];
    for (const c of this.commands.splice(0)) {
      const name = c[0].toUpperCase();
      if (name === 'SELECT' || name === 'PING' || name === 'MULTI' || name === 'EXEC') continue;
      if ((name === 'SET' || name === 'DEL') && c[1].startsWith('tap-')) continue;
      out.push(c);
    }
    return out;
  }

  close(): void {
    this.socket.destroy();
  }
}
