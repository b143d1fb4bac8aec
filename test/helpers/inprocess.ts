// Larder in the test process: a Server with every family registered, and clients attached to
// fake sockets. Requests go through the real parser, dispatcher and encoder; replies are read
// back from what the server writes to the fake socket. Useful where a child process can't be
// observed closely enough: the RESP3 protocol can be chosen directly (c.resp), blocked clients
// are visible (no sleeping until a client blocks), propagated commands and keyspace events can
// be captured.

import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { processInput } from '../../src/server/connection.js';
import { processCommand } from '../../src/engine/dispatch.js';
import type { Reply as ServerReply } from '../../src/resp/reply.js';
import { allFamilies } from '../../src/commands/index.js';
import { blocking } from '../../src/engine/blocking.js';
import { encodeCommand, parseReply, type Reply } from './resp-client.js';

class FakeSocket {
  data = '';
  destroyed = false;
  writableLength = 0;
  remoteAddress = '127.0.0.1';
  remotePort = 1;
  localAddress = '127.0.0.1';
  localPort = 6379;
  onWrite: (() => void) | null = null;
  write(text: string): boolean {
    this.data += text;
    this.onWrite?.();
    return true;
  }
  end(): void {
    this.destroyed = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export class InProcessClient {
  private readonly socket = new FakeSocket();
  readonly client: Client;
  private waiting: (() => void) | null = null;

  constructor(readonly larder: InProcessLarder) {
    const server = larder.server;
    this.client = new Client(server, server.nextClientId++, this.socket as never);
    server.clients.set(this.client.id, this.client);
    this.socket.onWrite = () => this.waiting?.();
  }

  set resp(v: number) {
    this.client.resp = v;
  }

  /** Sends a request without waiting for its reply. */
  write(...args: (string | number | Buffer)[]): void {
    const c = this.client;
    const server = c.server;
    server.refreshTime();
    c.parser.feed(encodeCommand(args.map((a) => (typeof a === 'number' ? String(a) : a))));
    processInput(c);
    c.parser.release();
    if (c.out.length !== 0) server.flushClient(c);
  }

  /** The next reply, waiting for it if needed. */
  async read(timeoutMs = 10000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const buf = Buffer.from(this.socket.data, 'latin1');
      if (buf.length) {
        const r = parseReply(buf, 0);
        if (r) {
          this.socket.data = this.socket.data.slice(r.end);
          return { raw: buf.subarray(0, r.end), decoded: r.decoded };
        }
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for a reply');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20);
        this.waiting = () => {
          clearTimeout(t);
          this.waiting = null;
          resolve();
        };
      });
    }
  }

  async send(...args: (string | number | Buffer)[]): Promise<Reply> {
    this.write(...args);
    return this.read();
  }

  /** Whether any reply bytes are waiting. */
  get hasOutput(): boolean {
    return this.socket.data.length > 0 || this.client.out.length > 0;
  }

  get blocked(): boolean {
    return blocking(this.larder.server).isBlocked(this.client);
  }

  close(): void {
    this.larder.server.closeClient(this.client);
  }
}

export class InProcessLarder {
  readonly server: Server;
  /** Commands propagated to AOF/replicas: [db, ...argv]. */
  readonly propagated: string[][] = [];
  /** Published keyspace notifications: [channel, message]. */
  readonly published: [string, string][] = [];

  constructor(settings: [string, string][] = []) {
    const server = new Server();
    const r = server.config.set(settings, { startup: true });
    if (!r.ok) throw new Error(r.message);
    server.register(...allFamilies);
    server.init();
    server.propagators.push((db, argv) => this.propagated.push([String(db), ...argv]));
    server.publish = (channel, message) => {
      this.published.push([channel, message]);
      return 0;
    };
    this.server = server;
  }

  client(resp = 2): InProcessClient {
    const c = new InProcessClient(this);
    c.resp = resp;
    return c;
  }

  /** Sets settings as CONFIG SET would. */
  configure(settings: [string, string][]): void {
    const r = this.server.config.set(settings);
    if (!r.ok) throw new Error(r.message);
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}

/**
 * Records into `log` what the post-write path tells the world: keyevent notifications
 * ("event key"), WATCH/tracking signals ("modified db key by id") and propagated commands.
 */
export function recordEffects(server: Server, log: string[]): void {
  server.publish = (channel, message) => {
    if (channel.startsWith('__keyevent')) log.push(`${channel.slice(channel.indexOf(':') + 1)} ${message}`);
    return 0;
  };
  server.keyListeners.push((db, key, by) => log.push(`modified ${db.id} ${key} by ${by === null ? 'none' : by.id}`));
  server.propagators.push((db, argv) => log.push(`propagate ${db} ${argv.join(' ')}`));
}

/** A client without a socket, registered with the server (as the clients of scripts are). */
export function socketlessClient(server: Server): Client {
  const c = new Client(server, server.nextClientId++, null);
  server.clients.set(c.id, c);
  return c;
}

/** Runs a command as `c` through the dispatcher, with `c` as the current client (as a connection does). */
export function runCommand(server: Server, c: Client, argv: string[]): ServerReply {
  server.currentClient = c;
  try {
    return processCommand(c, argv);
  } finally {
    server.currentClient = null;
  }
}
