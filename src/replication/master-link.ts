// The replica side of a synchronization, up to the moment the command stream starts: the
// connection to the master, Redis's handshake (PING; AUTH with masterauth/masteruser; REPLCONF
// listening-port, ip-address, capa eof psync2; PSYNC, or SYNC for a master that doesn't know
// PSYNC), and for a full resynchronization the transfer of the RDB into a temporary file
// (either "$<length>" or the diskless "$EOF:<mark>" framing). What happens next (loading the
// file, the master client) is the Replication's.

import fs from 'node:fs';
import net from 'node:net';
import type { Server } from '../server/server.js';
import { encodeCommand } from '../persistence/aof/rewrite.js';

/** The replica's link states, as ROLE and INFO name them (handshake states shown as such). */
export type LinkPhase =
  | 'none' | 'connect' | 'connecting'
  | 'receive_pong' | 'receive_auth' | 'receive_port' | 'receive_ip' | 'receive_capa' | 'receive_psync'
  | 'transfer' | 'connected';

const HANDSHAKE: ReadonlySet<LinkPhase> = new Set(['receive_pong', 'receive_auth', 'receive_port', 'receive_ip', 'receive_capa', 'receive_psync']);

export function isHandshake(phase: LinkPhase): boolean {
  return HANDSHAKE.has(phase);
}

const EOF_MARK_SIZE = 40;

/** What the handshake needs from the replication state, and where it reports. */
export interface LinkOwner {
  readonly server: Server;
  readonly masterHost: string | null;
  readonly masterPort: number;
  /** The replication id and offset to continue from (PSYNC), if any. */
  cached(): { replId: string; offset: number } | null;
  /** +CONTINUE: the stream goes on from the cached master's offset. */
  continued(socket: net.Socket, leftover: Buffer, newReplId: string | null): void;
  /**
   * A full transfer ended: the RDB is in the file `rdb` names (disk load) or in `rdb` itself
   * (diskless load); `leftover` starts the command stream.
   */
  transferred(socket: net.Socket, leftover: Buffer, rdb: string | Buffer, usedMark: boolean, replId: string, offset: number): void;
  /** Whether the RDB is loaded as it arrives (repl-diskless-load), decided as the transfer starts. */
  disklessLoad(): boolean;
  /** A diskless load begins (the replica is loading from now on), for the master `replId`. */
  disklessLoadStarted(replId: string): void;
  /** The attempt failed (logged); `retryNow` reconnects at once, else the cron does. */
  failed(retryNow: boolean): void;
  /** Bytes read from the master (INFO total_net_repl_input_bytes). */
  countInput(n: number): void;
}

export class MasterHandshake {
  phase: LinkPhase = 'connecting';
  /** Last time data came from the master (Unix seconds): handshake and transfer timeouts. */
  lastio: number;
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private closed = false;
  // PSYNC's answer.
  private masterReplId = '';
  private initialOffset = -1;
  // The transfer.
  transferSize = -1;
  transferRead = 0;
  private usemark = false;
  private eofmark = '';
  private lastBytes = Buffer.alloc(EOF_MARK_SIZE);
  private fd = -1;
  private tmpfile = '';
  /** Diskless load: the RDB is kept in memory, then loaded (no temporary file). */
  private chunks: Buffer[] | null = null;

  constructor(private readonly owner: LinkOwner) {
    const server = owner.server;
    this.lastio = Math.floor(Date.now() / 1000);
    const socket = net.connect({ host: owner.masterHost!, port: owner.masterPort });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => this.connected());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) => {
      if (this.closed) return;
      if (this.phase === 'connecting') server.log('warning', `Error condition on socket for SYNC: ${socketError(e)}`);
      else if (this.phase === 'transfer') server.log('warning', `I/O error trying to sync with MASTER: ${socketError(e)}`);
      else server.log('warning', `Master did not respond to command during SYNC handshake`);
      this.fail(this.phase === 'transfer');
    });
    socket.on('close', () => {
      if (this.closed) return;
      if (this.phase === 'transfer') server.log('warning', 'I/O error trying to sync with MASTER: connection lost');
      else server.log('warning', 'Master did not respond to command during SYNC handshake');
      this.fail(this.phase === 'transfer');
    });
    server.log('notice', 'MASTER <-> REPLICA sync started');
  }

  /** Gives up: closes the connection and removes the temporary file (no report). */
  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.dropFile();
  }

  private fail(retryNow: boolean): void {
    this.cancel();
    this.owner.failed(retryNow);
  }

  private dropFile(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    if (this.tmpfile !== '') {
      fs.rmSync(this.tmpfile, { force: true });
      this.tmpfile = '';
    }
  }

  private get server(): Server {
    return this.owner.server;
  }

  private send(argv: string[]): void {
    this.socket.write(encodeCommand(argv), 'latin1');
  }

  private connected(): void {
    if (this.closed) return;
    this.server.log('notice', 'Non blocking connect for SYNC fired the event.');
    this.phase = 'receive_pong';
    this.send(['PING']);
  }

  /** One line of a reply (without CRLF), or null while it is incomplete. */
  private line(): string | null {
    const nl = this.buf.indexOf(10);
    if (nl < 0) return null;
    const end = nl > 0 && this.buf[nl - 1] === 13 ? nl - 1 : nl;
    const text = this.buf.latin1Slice(0, end);
    this.buf = this.buf.subarray(nl + 1);
    return text;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.owner.countInput(chunk.length);
    this.lastio = Math.floor(Date.now() / 1000);
    if (this.phase === 'transfer' && this.transferSize >= 0) {
      this.payload(chunk);
      return;
    }
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.advance();
  }

  /** Runs the handshake on the replies received so far. */
  private advance(): void {
    const server = this.server;
    const v = server.config.values;
    while (!this.closed) {
      if (this.phase === 'transfer') {
        if (this.transferSize < 0 && !this.bulkHeader()) return;
        if (this.buf.length > 0) {
          const rest = this.buf;
          this.buf = Buffer.alloc(0);
          this.payload(rest);
        }
        return;
      }
      const reply = this.line();
      if (reply === null) return;
      switch (this.phase) {
        case 'receive_pong': {
          if (reply[0] !== '+' && !reply.startsWith('-NOAUTH') && !reply.startsWith('-NOPERM') && !reply.startsWith('-ERR operation not permitted')) {
            server.log('warning', `Error reply to PING from master: '${reply}'`);
            this.fail(false);
            return;
          }
          server.log('notice', 'Master replied to PING, replication can continue...');
          const auth = v.masterauth as string | null;
          if (auth) {
            const user = v.masteruser as string | null;
            this.send(user ? ['AUTH', user, auth] : ['AUTH', auth]);
          }
          const port = (v['replica-announce-port'] as number) || (v.port as number);
          this.send(['REPLCONF', 'listening-port', String(port)]);
          const ip = v['replica-announce-ip'] as string | null;
          if (ip) this.send(['REPLCONF', 'ip-address', ip]);
          this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
          this.phase = auth ? 'receive_auth' : 'receive_port';
          break;
        }
        case 'receive_auth':
          if (reply[0] === '-') {
            server.log('warning', `Unable to AUTH to MASTER: ${reply}`);
            this.fail(false);
            return;
          }
          this.phase = 'receive_port';
          break;
        case 'receive_port':
          if (reply[0] === '-') server.log('notice', `(Non critical) Master does not understand REPLCONF listening-port: ${reply}`);
          this.phase = v['replica-announce-ip'] ? 'receive_ip' : 'receive_capa';
          break;
        case 'receive_ip':
          if (reply[0] === '-') server.log('notice', `(Non critical) Master does not understand REPLCONF ip-address: ${reply}`);
          this.phase = 'receive_capa';
          break;
        case 'receive_capa': {
          if (reply[0] === '-') server.log('notice', `(Non critical) Master does not understand REPLCONF capa: ${reply}`);
          const cached = this.owner.cached();
          if (cached !== null) {
            server.log('notice', `Trying a partial resynchronization (request ${cached.replId}:${cached.offset + 1}).`);
            this.send(['PSYNC', cached.replId, String(cached.offset + 1)]);
          } else {
            server.log('notice', 'Partial resynchronization not possible (no cached master)');
            this.send(['PSYNC', '?', '-1']);
          }
          this.phase = 'receive_psync';
          break;
        }
        case 'receive_psync':
          // Newlines keep the connection alive until the master answers.
          if (reply === '') break;
          this.psyncReply(reply);
          break;
        default:
          return;
      }
    }
  }

  private psyncReply(reply: string): void {
    const server = this.server;
    if (reply.startsWith('+FULLRESYNC')) {
      const parts = reply.split(' ');
      if (parts.length < 3 || parts[1].length !== 40) {
        server.log('warning', 'Master replied with wrong +FULLRESYNC syntax.');
        this.masterReplId = '';
        this.initialOffset = -1;
      } else {
        this.masterReplId = parts[1];
        this.initialOffset = Number(parts[2]) || 0;
        server.log('notice', `Full resync from master: ${this.masterReplId}:${this.initialOffset}`);
      }
      this.startTransfer();
      return;
    }
    if (reply.startsWith('+CONTINUE')) {
      server.log('notice', 'Successful partial resynchronization with master.');
      const id = reply.slice(10).trim();
      const leftover = this.buf;
      this.closed = true;
      this.socket.removeAllListeners('data');
      this.socket.removeAllListeners('error');
      this.socket.removeAllListeners('close');
      this.socket.removeAllListeners('connect');
      this.owner.continued(this.socket, leftover, id.length === 40 ? id : null);
      server.log('notice', 'MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      return;
    }
    if (reply.startsWith('-NOMASTERLINK') || reply.startsWith('-LOADING')) {
      server.log('notice', `Master is currently unable to PSYNC but should be in the future: ${reply}`);
      this.fail(false);
      return;
    }
    if (!reply.startsWith('-ERR')) server.log('warning', `Unexpected reply to PSYNC from master: ${reply}`);
    else server.log('notice', `Master does not support PSYNC or is in error state (reply: ${reply})`);
    server.log('notice', 'Retrying with SYNC...');
    this.socket.write('SYNC\r\n', 'latin1');
    this.masterReplId = '';
    this.initialOffset = -1;
    this.startTransfer();
  }

  private startTransfer(): void {
    this.phase = 'transfer';
    this.transferSize = -1;
    this.transferRead = 0;
    if (this.owner.disklessLoad()) {
      this.chunks = [];
      return;
    }
    const name = `temp-${Math.floor(Date.now() / 1000)}.${process.pid}.rdb`;
    try {
      this.fd = fs.openSync(name, 'w', 0o644);
    } catch (e) {
      this.server.log('warning', `Opening the temp file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
      this.fail(false);
      return;
    }
    this.tmpfile = name;
  }

  /** The bulk header ("$<len>" or "$EOF:<mark>", after keepalive newlines): false to wait. */
  private bulkHeader(): boolean {
    const server = this.server;
    for (;;) {
      const line = this.line();
      if (line === null) return false;
      if (line === '') continue;
      if (line[0] === '-') {
        server.log('warning', `MASTER aborted replication with an error: ${line.slice(1)}`);
        this.fail(true);
        return false;
      }
      if (line[0] !== '$') {
        server.log('warning', `Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
        this.fail(true);
        return false;
      }
      if (line.startsWith('$EOF:') && line.length - 5 >= EOF_MARK_SIZE) {
        this.usemark = true;
        this.eofmark = line.slice(5, 5 + EOF_MARK_SIZE);
        this.lastBytes.fill(0);
        this.transferSize = 0;
        server.log('notice', `MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${this.chunks !== null ? 'to parser' : 'to disk'}`);
      } else {
        this.usemark = false;
        this.transferSize = Math.max(0, parseInt(line.slice(1), 10) || 0);
        server.log('notice', `MASTER <-> REPLICA sync: receiving ${this.transferSize} bytes from master ${this.chunks !== null ? 'to parser' : 'to disk'}`);
      }
      if (this.chunks !== null) this.owner.disklessLoadStarted(this.masterReplId);
      return true;
    }
  }

  /** RDB bytes: to the temporary file until the end of the transfer. */
  private payload(chunk: Buffer): void {
    let data: Buffer = chunk;
    let leftover: Buffer = Buffer.alloc(0);
    if (!this.usemark) {
      const left = this.transferSize - this.transferRead;
      if (data.length > left) {
        leftover = data.subarray(left);
        data = data.subarray(0, left);
      }
    }
    try {
      if (this.chunks !== null) {
        this.chunks.push(Buffer.from(data));
      } else {
        let off = 0;
        while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off);
      }
    } catch (e) {
      this.server.log('warning', `Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
      this.fail(true);
      return;
    }
    this.transferRead += data.length;
    let done = false;
    if (this.usemark) {
      if (data.length >= EOF_MARK_SIZE) {
        data.copy(this.lastBytes, 0, data.length - EOF_MARK_SIZE);
      } else {
        this.lastBytes.copy(this.lastBytes, 0, data.length);
        data.copy(this.lastBytes, EOF_MARK_SIZE - data.length);
      }
      if (this.lastBytes.latin1Slice(0, EOF_MARK_SIZE) === this.eofmark) done = true;
    } else if (this.transferRead === this.transferSize) {
      done = true;
    }
    if (!done) return;
    let rdb: string | Buffer;
    if (this.chunks !== null) {
      const all = Buffer.concat(this.chunks);
      this.chunks = null;
      rdb = this.usemark ? all.subarray(0, all.length - EOF_MARK_SIZE) : all;
    } else {
      try {
        if (this.usemark) fs.ftruncateSync(this.fd, this.transferRead - EOF_MARK_SIZE);
        fs.fsyncSync(this.fd);
        fs.closeSync(this.fd);
      } catch (e) {
        this.server.log('warning', `Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
        this.fail(true);
        return;
      }
      this.fd = -1;
      rdb = this.tmpfile;
      this.tmpfile = '';
    }
    this.closed = true;
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('error');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('connect');
    this.owner.transferred(this.socket, leftover, rdb, this.usemark, this.masterReplId, this.initialOffset);
  }

  /** Sends a newline (keeps the master from timing us out while we load). */
  keepalive(): void {
    if (!this.closed) this.socket.write('\n');
  }
}

function socketError(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'Connection refused';
  if (code === 'ECONNRESET') return 'Connection reset by peer';
  if (code === 'ETIMEDOUT') return 'Connection timed out';
  if (code === 'EHOSTUNREACH') return 'No route to host';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'Name or service not known';
  return e.message;
}
