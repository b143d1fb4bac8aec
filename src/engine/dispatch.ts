// The dispatcher: every front door runs commands through here. `processCommand` applies the
// checks Redis applies before running a client's command (existence, arity, auth, transaction
// queueing, context); `call` runs a handler and does the bookkeeping after it (statistics,
// slowlog, propagation of writes, serving clients blocked on keys).

import { Flag, type Command } from '../commands/command.js';
import { ClientFlag, type Client } from '../server/client.js';
import { asciiUpper, CommandError, cstr, ErrorReply, Errors, NO_REPLY, QUEUED, type Reply } from '../resp/reply.js';
import { LatencyHistogram } from '../util/histogram.js';
import { Target, type Server } from '../server/server.js';

/** Looks up argv's command, descending into container commands (CLIENT LIST, CONFIG GET…). */
export function lookupCommand(c: Client, argv: string[]): Command | undefined {
  const base = c.server.commands.get(argv[0]);
  if (base === undefined || base.subcommands === null || argv.length === 1) return base;
  return base.subcommand(argv[1]);
}

/** The error for a command name that resolves to nothing. */
export function unknownCommandError(c: Client, argv: string[]): string {
  const base = c.server.commands.get(argv[0]);
  let message: string;
  // User text goes in as C strings (up to a NUL byte), as Redis formats it.
  if (base !== undefined && base.subcommands !== null) {
    message = `ERR unknown subcommand '${cstr(argv[1]).slice(0, 128)}'. Try ${asciiUpper(cstr(argv[0]))} HELP.`;
  } else {
    let args = '';
    for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${cstr(argv[i]).slice(0, 128 - args.length)}' `;
    message = `ERR unknown command '${cstr(argv[0]).slice(0, 128)}', with args beginning with: ${args}`;
  }
  return message.replace(/[\r\n]/g, ' ');
}

export function arityError(cmd: Command): string {
  return `ERR wrong number of arguments for '${cmd.fullName}' command`;
}

export function checkArity(cmd: Command, argc: number): boolean {
  const arity = cmd.arity;
  return arity > 0 ? arity === argc : argc >= -arity;
}

/** Commands a RESP2 client in subscribed mode may still run. */
const PUBSUB_CONTEXT_COMMANDS = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);
/** Commands that run immediately inside MULTI instead of being queued. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/**
 * Runs a client's request with all of Redis's pre-checks. Returns the reply (NO_REPLY when the
 * client blocked or the reply comes later).
 */
export function processCommand(c: Client, argv: string[]): Reply {
  const server = c.server;
  const cmd = lookupCommand(c, argv);
  if (cmd === undefined) {
    c.lastCommand = null;
    return reject(c, undefined, unknownCommandError(c, argv));
  }
  c.lastCommand = cmd;
  if (!checkArity(cmd, argv.length)) return reject(c, cmd, arityError(cmd), argv);
  const flags = cmd.flags;
  if (cmd.protectedBy !== null && !server.allowProtected(cmd.protectedBy, c)) {
    return reject(c, cmd, protectedCommandError(cmd.name.toUpperCase(), cmd.protectedBy), argv);
  }
  if (!c.authenticated && (flags & Flag.NoAuth) === 0 && server.requiresAuth()) return reject(c, cmd, Errors.noAuth, argv);
  if ((c.flags & ClientFlag.Multi) !== 0 && (flags & Flag.NoMulti) !== 0) {
    return reject(c, cmd, 'ERR Command not allowed inside a transaction', argv);
  }
  const denied = server.checks.length === 0 ? undefined : runChecks(c, cmd, argv);
  if (denied !== undefined) return reject(c, cmd, denied, argv);
  if ((c.flags & ClientFlag.PubSub) !== 0 && c.resp === 2 && !PUBSUB_CONTEXT_COMMANDS.has(cmd.parent?.name ?? cmd.name)) {
    return reject(
      c, cmd,
      `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      argv,
    );
  }
  // CLIENT PAUSE: the command waits (its client is postponed) and runs again when the pause ends.
  if ((server.pause.all || server.pause.write) && server.shouldPause(c, cmd, argv)) {
    server.postpone(c);
    return NO_REPLY;
  }
  if ((c.flags & ClientFlag.Multi) !== 0 && !MULTI_IMMEDIATE.has(cmd.name)) {
    server.queueMulti(c, cmd, argv);
    return QUEUED;
  }
  const reply = call(c, cmd, argv);
  if (server.readyKeys.size !== 0) server.serveBlockedClients();
  return reply;
}

function runChecks(c: Client, cmd: Command, argv: string[]): string | undefined {
  for (const check of c.server.checks) {
    const e = check(c, cmd, argv);
    if (e !== undefined) return e;
  }
  return undefined;
}

function protectedCommandError(name: string, option: string): string {
  return `ERR ${name} command not allowed. If the ${option} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`;
}

/**
 * Rejects a request before it runs: error reply, stats, and EXECABORT for a transaction. A
 * rejected EXEC ends the transaction, with the reason in its error (Redis's execCommandAbort);
 * MONITOR then sees the EXEC that closes the MULTI it saw.
 */
export function reject(c: Client, cmd: Command | undefined, message: string, argv?: string[]): ErrorReply {
  if ((c.flags & ClientFlag.Multi) !== 0) c.flags |= ClientFlag.DirtyExec;
  if (cmd !== undefined) {
    cmd.rejectedCalls++;
    if (cmd.name === 'exec' && cmd.parent === null) {
      c.server.discardTransaction(c);
      message = `EXECABORT Transaction discarded because of: ${message.startsWith('ERR ') ? message.slice(4) : message}`;
      if (argv !== undefined && c.server.feedMonitors !== null) c.server.feedMonitors(c, argv);
    }
  }
  const reply = new ErrorReply(message);
  c.server.countError(reply);
  return reply;
}

/**
 * Runs a command's handler and the bookkeeping after it. Every caller that executes commands
 * (clients, EXEC, scripts, AOF loading) goes through here.
 */
export function call(c: Client, cmd: Command, argv: string[]): Reply {
  const server = c.server;
  const dirtyBefore = server.dirty;
  // Errors since the last call began or ended count against this command (as in Redis: EXEC
  // and scripts don't fail because a command inside them did).
  server.errorMark = server.stats.errorReplies;
  // A top-level command starts when the one before it ended: one clock read per command, or
  // one per run of quick commands (see call-timing.ts).
  const topLevel = server.callDepth === 0;
  const untimed = server.untimedCalls;
  const deferTiming = topLevel && untimed.open && (cmd.flags & Flag.Quick) !== 0;
  if (topLevel && !deferTiming && untimed.count !== 0) settleUntimedCalls(server);
  const start = topLevel ? server.lastCallEnd : performance.now();
  c.argv = argv;
  if ((cmd.flags & Flag.Write) !== 0 && server.beforeWriteHooks.length !== 0) server.beforeWrite(c, cmd, argv);
  server.callDepth++;
  let reply: Reply;
  try {
    reply = cmd.run!(c, argv);
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    reply = e.reply;
  } finally {
    server.callDepth--;
  }
  if (reply instanceof ErrorReply) {
    // An error already counted (a script returning its command's error) still fails the call.
    if (!reply.counted) server.countError(reply);
    else cmd.failedCalls++;
  }
  cmd.calls++;
  if (deferTiming) {
    untimed.add(c, cmd, argv);
  } else {
    const end = performance.now();
    if (topLevel) server.lastCallEnd = end;
    recordDuration(c, cmd, argv, Math.round((end - start) * 1000));
  }
  if (server.stats.errorReplies !== server.errorMark) cmd.failedCalls++;
  server.errorMark = server.stats.errorReplies;
  server.stats.commands++;
  // MONITOR sees what ran (after it ran, as in Redis 7.0), except admin and skip_monitor ones.
  if (server.feedMonitors !== null && (cmd.flags & (Flag.SkipMonitor | Flag.Admin)) === 0) server.feedMonitors(c, argv);
  // Only a command that added changes propagates (SAVE or DEBUG LOADAOF reset the count).
  if (server.dirty > dirtyBefore) server.propagateCall(c, argv);
  else if (c.propagateAs !== undefined) c.propagateAs = undefined;
  // PUBLISH reaches replicas without changing data.
  if (server.forceReplication) {
    server.forceReplication = false;
    if (server.dirty === dirtyBefore) server.propagateCall(c, argv, Target.Repl);
  }
  if (server.callDepth === 0 && server.propagators.length !== 0) server.flushPropagationBatch(cmd);
  // Client-side caching remembers the keys a tracking client read.
  if ((c.flags & ClientFlag.Tracking) !== 0 && (cmd.flags & Flag.ReadOnly) !== 0) server.trackReads(c, cmd, argv);
  return reply;
}

/** A call's duration: commandstats, its latency histogram, the slowlog and latency monitor. */
function recordDuration(c: Client, cmd: Command, argv: string[], usec: number): void {
  const server = c.server;
  cmd.usec += usec;
  if (server.latencyTracking) (cmd.latency ??= new LatencyHistogram()).record(usec * 1000);
  if ((cmd.flags & Flag.SkipSlowlog) === 0) server.afterCall(c, cmd, argv, usec);
}

/** Ends the run of untimed quick calls: one clock read, its time split among them. */
export function settleUntimedCalls(server: Server): void {
  const end = performance.now();
  const usec = (end - server.lastCallEnd) * 1000;
  server.lastCallEnd = end;
  server.untimedCalls.settle(usec, recordDuration);
}
