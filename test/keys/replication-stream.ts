// Reads a real Redis's replication stream (SYNC), as a replica would, to compare what Larder
// propagates with what Redis propagates.

import net from 'node:net';
import { parseReply } from '../helpers/resp-client.js';

export class ReplicationStream {
  private buf = Buffer.alloc(0);
  private rdbSkipped = false;
  private db = 0;
  /** Commands received, as [db, ...argv], SELECT, PING and PUBLISH left out. */
  readonly commands: string[][] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.parse();
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  static async attach(port: number): Promise<ReplicationStream> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const stream = new ReplicationStream(socket);
    socket.write('SYNC\r\n');
    const deadline = Date.now() + 10000;
    while (!stream.rdbSkipped) {
      if (Date.now() > deadline) throw new Error('no RDB payload from SYNC');
      await stream.next();
    }
    return stream;
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 50);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private parse(): void {
    if (!this.rdbSkipped) {
      // Newlines are keepalives while the RDB is produced; then `$<len>\r\n<payload>`.
      let p = 0;
      while (p < this.buf.length && this.buf[p] === 10) p++;
      if (p >= this.buf.length) return;
      const eol = this.buf.indexOf('\r\n', p, 'latin1');
      if (eol < 0) return;
      const len = Number(this.buf.latin1Slice(p + 1, eol));
      if (this.buf.length < eol + 2 + len) return;
      this.buf = this.buf.subarray(eol + 2 + len);
      this.rdbSkipped = true;
    }
    for (;;) {
      if (this.buf.length === 0) return;
      const r = parseReply(this.buf, 0);
      if (r === null) return;
      this.buf = this.buf.subarray(r.end);
      const d = r.decoded;
      if (d.type !== 'array' || d.value === null) continue;
      const argv = d.value.map((x) => (x.type === 'bulk' ? String(x.value) : ''));
      const name = argv[0].toLowerCase();
      if (name === 'select') this.db = Number(argv[1]);
      else if (name !== 'ping' && name !== 'publish') this.commands.push([String(this.db), ...argv]);
    }
  }

  /** Waits until `n` commands have arrived (or a timeout), then returns and forgets them. */
  async take(n: number, timeoutMs = 3000): Promise<string[][]> {
    const deadline = Date.now() + timeoutMs;
    while (this.commands.length < n && Date.now() < deadline) await this.next();
    // A little longer, in case more than expected arrive.
    await new Promise((r) => setTimeout(r, 30));
    return this.commands.splice(0);
  }

  close(): void {
    this.socket.destroy();
  }
}
