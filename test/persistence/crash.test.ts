// Durability: writes under load from several clients, SIGKILL, restart. With appendfsync
// always every acknowledged write must be there after the restart. With everysec the promise
// is "at most about 2 seconds lost" on a machine crash; a killed process loses nothing, since
// the data reached the kernel before any reply — also checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLarder } from '../helpers/servers.js';
import { RespClient, encodeCommand, parseReply } from '../helpers/resp-client.js';

/** A raw pipelined writer: counts acknowledged writes per key without waiting per command. */
class Writer {
  acked = 0;
  private pending = 0;
  private buf: Buffer = Buffer.alloc(0);
  private readonly sock: import('node:net').Socket;
  private stopped = false;

  constructor(sock: import('node:net').Socket, private readonly key: string) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      let pos = 0;
      for (;;) {
        const r = parseReply(this.buf, pos);
        if (!r) break;
        pos = r.end;
        if (r.decoded.type === 'integer') this.acked = Number(r.decoded.value);
        this.pending--;
      }
      this.buf = this.buf.subarray(pos);
      this.fill();
    });
    sock.on('error', () => {});
  }

  /** Keeps up to 16 INCRs in flight. */
  fill(): void {
    if (this.stopped) return;
    const cmds: Buffer[] = [];
    while (this.pending < 16) {
      cmds.push(encodeCommand(['INCR', this.key]));
      this.pending++;
    }
    if (cmds.length) this.sock.write(Buffer.concat(cmds));
  }

  stop(): void {
    this.stopped = true;
  }
}

async function crashRun(fsync: string, clients: number, ms: number): Promise<{ acked: number[]; found: number[] }> {
  const larder = await startLarder({ args: ['--appendonly', 'yes', '--appendfsync', fsync] });
  const net = await import('node:net');
  const writers: Writer[] = [];
  for (let i = 0; i < clients; i++) {
    const sock = net.connect(larder.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const w = new Writer(sock, `counter:${i}`);
    writers.push(w);
    w.fill();
  }
  await new Promise((r) => setTimeout(r, ms));
  // Kill while writes are in flight; replies already received are "acknowledged".
  await larder.kill();
  const acked = writers.map((w) => w.acked);
  for (const w of writers) w.stop();
  const again = await startLarder({ dir: larder.dir, args: ['--appendonly', 'yes', '--appendfsync', fsync] });
  const c = await again.client();
  const found: number[] = [];
  for (let i = 0; i < clients; i++) found.push(Number((await c.call('GET', `counter:${i}`)) ?? 0));
  c.close();
  await again.stop();
  return { acked, found };
}

test('appendfsync always: every acknowledged write survives SIGKILL', async () => {
  const { acked, found } = await crashRun('always', 8, 1500);
  assert.ok(acked.every((n) => n > 0), `every client got acknowledgements: ${acked}`);
  for (let i = 0; i < acked.length; i++) {
    assert.ok(found[i] >= acked[i], `client ${i}: acknowledged ${acked[i]}, found ${found[i]}`);
    // At most the commands in flight were executed without their acknowledgement arriving.
    assert.ok(found[i] <= acked[i] + 16, `client ${i}: found ${found[i]} > acknowledged ${acked[i]} + in flight`);
  }
});

test('appendfsync everysec: a killed process loses no acknowledged write', async () => {
  const { acked, found } = await crashRun('everysec', 8, 1500);
  for (let i = 0; i < acked.length; i++) assert.ok(found[i] >= acked[i], `client ${i}: acknowledged ${acked[i]}, found ${found[i]}`);
});

test('appendfsync always: concurrent clients (sharing fsyncs) lose nothing acknowledged', async () => {
  const larder = await startLarder({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  const clients = await Promise.all(Array.from({ length: 20 }, () => RespClient.connect(larder.port)));
  let n = 0;
  await Promise.all(clients.map(async (c, i) => {
    for (let j = 0; j < 50; j++) {
      assert.equal(await c.call('SET', `k${i}:${j}`, 'v'), 'OK');
      n++;
    }
  }));
  for (const c of clients) c.close();
  await larder.kill();
  const again = await startLarder({ dir: larder.dir, args: ['--appendonly', 'yes'] });
  const c = await again.client();
  assert.equal(await c.call('DBSIZE'), n);
  c.close();
  await again.stop();
});
