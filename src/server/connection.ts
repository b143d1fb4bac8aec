// Client connections: reading requests off the socket, running them in order, and writing the
// replies once per event-loop turn. Also the connection-level rules Redis applies around
// commands: protocol errors (reply, log, close), the query buffer limit, CLIENT REPLY modes,
// CLIENT NO-TOUCH, and the cross-protocol-scripting guard.

import type net from 'node:net';
import { ProtocolError } from '../resp/parser.js';
import { encodeError, encodeReply } from '../resp/encoder.js';
import { NO_REPLY, type Reply } from '../resp/reply.js';
import { processCommand, settleUntimedCalls } from '../engine/dispatch.js';
import { Client, ClientFlag, ReplyMode } from './client.js';
import { clientInfoString } from './client-info.js';
import { repr } from '../util/repr.js';
import { readSocket } from './socket-io.js';
import type { Server } from './server.js';

export function acceptConnection(server: Server, socket: net.Socket): void {
  server.stats.connectionsReceived++;
  if (server.clients.size >= server.config.values.maxclients) {
    server.stats.rejectedConnections++;
    socket.on('error', () => {});
    socket.end('-ERR max number of clients reached\r\n', 'latin1');
    return;
  }
  socket.setNoDelay(true);
  const keepalive = server.config.values['tcp-keepalive'] as number;
  if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
  const c = new Client(server, server.nextClientId++, socket);
  server.clients.set(c.id, c);
  readSocket(socket, (chunk) => onData(c, chunk));
  socket.on('error', () => server.closeClient(c));
  socket.on('close', () => server.closeClient(c));
}

function onData(c: Client, chunk: Buffer): void {
  if ((c.flags & (ClientFlag.Closed | ClientFlag.CloseAsap)) !== 0) return;
  const server = c.server;
  server.stats.netInputBytes += chunk.length;
  server.stats.totalReadsProcessed++;
  server.refreshTime();
  c.lastInteraction = server.now;
  c.parser.feed(chunk);
  // Replies to this client's own requests go out at the end of this callback, not a turn later.
  c.flags |= ClientFlag.FlushDue;
  if (c.parser.pendingBytes() > server.queryBufferLimit && (c.flags & ClientFlag.Master) === 0) {
    queryBufferLimitReached(c);
    return;
  }
  try {
    processInput(c);
  } catch (e) {
    internalError(c, e);
  }
  c.parser.release();
  server.flushClient(c);
}

function queryBufferLimitReached(c: Client): void {
  const server = c.server;
  server.stats.clientQueryBufferLimitDisconnections++;
  server.log('warning', `Closing client that reached max query buffer length: ${clientInfoString(c)} (qbuf initial bytes: ${repr(c.parser.head(64).latin1Slice())})`);
  server.closeClient(c);
}

/**
 * A bug (an exception that is not a command error) must not take the server down with it: the
 * client that triggered it gets an error and is disconnected, every other client carries on.
 */
function internalError(c: Client, e: unknown): void {
  const server = c.server;
  c.flags &= ~ClientFlag.InCall;
  if (server.untimedCalls.count !== 0) settleUntimedCalls(server);
  server.untimedCalls.open = false;
  server.touching = true;
  server.currentClient = null;
  server.log('warning', `Internal error while serving client ${c.addr}, closing it: ${(e as Error)?.stack ?? String(e)}`);
  c.write(encodeError('ERR internal error'));
  c.flags |= ClientFlag.CloseAfterReply;
}

/** Runs the client's complete requests in order until it blocks, pauses or runs out of input. */
export function processInput(c: Client): void {
  const server = c.server;
  if ((c.flags & ClientFlag.AfterCommandPending) !== 0 && (c.flags & ClientFlag.Blocked) === 0) {
    c.flags &= ~ClientFlag.AfterCommandPending;
    afterCommand(c);
  }
  let authRequired = !c.authenticated && server.requiresAuth();
  const untimed = server.untimedCalls;
  if (untimed.count !== 0) settleUntimedCalls(server);
  const outerBatch = untimed.open;
  untimed.open = true;
  server.lastCallEnd = performance.now();
  const stop = ClientFlag.Blocked | ClientFlag.Paused | ClientFlag.CloseAfterReply | ClientFlag.Closed | ClientFlag.CloseAsap;
  while ((c.flags & stop) === 0) {
    let argv = c.pending;
    if (argv !== null) {
      c.pending = null;
    } else {
      const req = c.parser.next(server.protoMaxBulkLen, authRequired);
      if (req === null) break;
      if (req instanceof ProtocolError) {
        protocolError(c, req);
        break;
      }
      if (req.length === 0) continue;
      argv = req;
    }
    if (isSecurityProbe(argv[0])) {
      securityWarning(c);
      break;
    }
    c.flags |= ClientFlag.InCall;
    server.currentClient = c;
    let reply: Reply;
    if ((c.flags & ClientFlag.NoTouch) === 0) {
      reply = processCommand(c, argv);
    } else {
      // CLIENT NO-TOUCH: lookups leave no access stamps, except TOUCH's own.
      server.touching = argv[0].length === 5 && argv[0].toLowerCase() === 'touch';
      try {
        reply = processCommand(c, argv);
      } finally {
        server.touching = true;
      }
    }
    c.flags &= ~ClientFlag.InCall;
    if ((c.flags & ClientFlag.Paused) !== 0) {
      // CLIENT PAUSE: the command runs again, from the start, when the pause ends.
      server.currentClient = null;
      c.pending = argv;
      break;
    }
    if (reply !== NO_REPLY) c.write(encodeReply(reply, c.resp));
    if (server.afterReplyHooks.length !== 0) server.afterReply(c);
    server.currentClient = null;
    if ((c.flags & ClientFlag.Blocked) !== 0) c.flags |= ClientFlag.AfterCommandPending;
    else afterCommand(c);
    authRequired = !c.authenticated && server.requiresAuth();
  }
  if (untimed.count !== 0) settleUntimedCalls(server);
  untimed.open = outerBatch;
  if ((c.flags & ClientFlag.CloseAfterReply) !== 0 && c.out.length === 0) server.closeClient(c);
}

/** Ends a command: CLIENT REPLY SKIP silences exactly the command after it. */
function afterCommand(c: Client): void {
  if (c.replyMode === ReplyMode.Skip) c.replyMode = ReplyMode.On;
  else if (c.replyMode === ReplyMode.SkipNext) c.replyMode = ReplyMode.Skip;
}

/** Replies with the protocol error, logs it (at verbose level) and closes after the reply. */
function protocolError(c: Client, e: ProtocolError): void {
  const server = c.server;
  c.write(encodeError('ERR ' + e.message));
  if (server.logs('verbose')) {
    const rest = c.parser.rest();
    let sample: string;
    if (rest.length < 128) {
      sample = `Query buffer during protocol error: '${cString(rest)}'`;
    } else {
      sample = `Query buffer during protocol error: '${cString(rest.subarray(0, 64))}' (... more ${rest.length - 128} bytes ...) '${cString(rest.subarray(rest.length - 64))}'`;
    }
    sample = sample.slice(0, 255).replace(/[^\x20-\x7e]/g, '.');
    server.log('verbose', `Protocol error (${e.reason}) from client: ${clientInfoString(c)}. ${sample}`);
  }
  c.flags |= ClientFlag.CloseAfterReply | ClientFlag.ProtocolError;
}

/** Bytes as a C string would show them: up to the first NUL. */
function cString(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return bytes.latin1Slice(0, nul < 0 ? bytes.length : nul);
}

/** "POST" and "Host:" start HTTP requests: an attempt at cross-protocol scripting. */
function isSecurityProbe(name: string): boolean {
  const n = name.length;
  if (n === 4) {
    return (name.charCodeAt(0) | 32) === 112 && (name.charCodeAt(1) | 32) === 111 && (name.charCodeAt(2) | 32) === 115 &&
      (name.charCodeAt(3) | 32) === 116;
  }
  if (n === 5) return name.charCodeAt(4) === 58 && name.toLowerCase() === 'host:';
  return false;
}

let lastSecurityWarning = 0;

/** Closes the connection without a reply; logs the event at most once a minute. */
function securityWarning(c: Client): void {
  const now = Date.now();
  if (Math.abs(now - lastSecurityWarning) > 60_000) {
    c.server.log('warning', 'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.');
    lastSecurityWarning = now;
  }
  c.flags |= ClientFlag.CloseAsap;
  c.server.closeClient(c);
}

export function sendReply(c: Client, reply: Reply): void {
  c.write(encodeReply(reply, c.resp));
}
