// Client connections: reading requests off the socket, running them in order, and writing the
// replies once per event-loop turn.

import type net from 'node:net';
import { ProtocolError } from '../resp/parser.js';
import { encodeError, encodeReply } from '../resp/encoder.js';
import { NO_REPLY, type Reply } from '../resp/reply.js';
import { processCommand } from '../engine/dispatch.js';
import { Client, ClientFlag, ReplyMode } from './client.js';
import type { Server } from './server.js';

export function acceptConnection(server: Server, socket: net.Socket): void {
  server.stats.connectionsReceived++;
  if (server.clients.size >= server.config.values.maxclients) {
    server.stats.rejectedConnections++;
    socket.end('-ERR max number of clients reached\r\n', 'latin1');
    return;
  }
  socket.setNoDelay(true);
  const keepalive = server.config.values['tcp-keepalive'] as number;
  if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
  const c = new Client(server, server.nextClientId++, socket);
  server.clients.set(c.id, c);
  if (!readIntoSharedBuffer(socket, (chunk) => onData(c, chunk))) socket.on('data', (chunk: Buffer) => onData(c, chunk));
  socket.on('error', () => server.closeClient(c));
  socket.on('close', () => server.closeClient(c));
  socket.on('drain', () => server.onDrain(c));
}

// Every connection reads into one shared buffer, through the `onread` path net.Socket offers
// to client sockets: no buffer allocation and no stream machinery per read. Input that is not
// consumed when the callback returns is copied out by the parser (RequestParser.release).
const sharedReadBuffer = Buffer.allocUnsafe(64 * 1024);

function readIntoSharedBuffer(socket: net.Socket, onChunk: (chunk: Buffer) => void): boolean {
  const symbols = Object.getOwnPropertySymbols(socket);
  const kBuffer = symbols.find((s) => s.description === 'kBuffer');
  const kBufferCb = symbols.find((s) => s.description === 'kBufferCb');
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } })._handle;
  if (!kBuffer || !kBufferCb || typeof handle?.useUserBuffer !== 'function') return false;
  const s = socket as unknown as Record<symbol, unknown>;
  s[kBuffer] = sharedReadBuffer;
  s[kBufferCb] = (nread: number) => {
    onChunk(sharedReadBuffer.subarray(0, nread));
  };
  handle.useUserBuffer(sharedReadBuffer);
  return true;
}

function onData(c: Client, chunk: Buffer): void {
  if ((c.flags & ClientFlag.Closed) !== 0) return;
  const server = c.server;
  server.stats.netInputBytes += chunk.length;
  server.refreshTime();
  c.lastInteraction = server.now;
  c.parser.feed(chunk);
  if (c.parser.pendingBytes() > server.queryBufferLimit) {
    server.log('warning', `Closing client that reached max query buffer length: ${c.addr} (qbuf initial bytes: ...)`);
    server.closeClient(c);
    return;
  }
  processInput(c);
  c.parser.release();
  // Replies to this client's own requests go out now; other output waits for the flush.
  if (c.out.length !== 0) server.flushClient(c);
}

/** Runs the client's complete requests in order until it blocks, pauses or runs out of input. */
export function processInput(c: Client): void {
  const server = c.server;
  let authRequired = !c.authenticated && server.requiresAuth();
  server.lastCallEnd = performance.now();
  while ((c.flags & (ClientFlag.Blocked | ClientFlag.Paused | ClientFlag.CloseAfterReply | ClientFlag.Closed)) === 0) {
    let argv = c.pending;
    if (argv !== null) {
      c.pending = null;
    } else {
      const req = c.parser.next(server.protoMaxBulkLen, authRequired);
      if (req === null) break;
      if (req instanceof ProtocolError) {
        c.write(encodeError(req.message));
        c.flags |= ClientFlag.CloseAfterReply | ClientFlag.ProtocolError;
        server.log('verbose', `Protocol error (${req.message}) from client: ${c.addr}`);
        break;
      }
      if (req.length === 0) continue;
      argv = req;
    }
    if (server.shouldPause(c, argv)) {
      c.pending = argv;
      c.flags |= ClientFlag.Paused;
      server.pausedClients.add(c);
      break;
    }
    c.flags |= ClientFlag.InCall;
    server.currentClient = c;
    const reply = processCommand(c, argv);
    c.flags &= ~ClientFlag.InCall;
    if (reply !== NO_REPLY) c.write(encodeReply(reply, c.resp));
    if (server.afterReplyHooks.length !== 0) server.afterReply(c);
    server.currentClient = null;
    afterCommand(c);
    authRequired = !c.authenticated && server.requiresAuth();
  }
  if ((c.flags & ClientFlag.CloseAfterReply) !== 0 && c.out.length === 0) server.closeClient(c);
}

/** Ends a command: CLIENT REPLY SKIP silences exactly the command after it. */
function afterCommand(c: Client): void {
  if (c.replyMode === ReplyMode.Skip) c.replyMode = ReplyMode.On;
  else if (c.replyMode === ReplyMode.SkipNext) c.replyMode = ReplyMode.Skip;
}

export function sendReply(c: Client, reply: Reply): void {
  c.write(encodeReply(reply, c.resp));
}
