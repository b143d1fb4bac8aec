// A client's description as CLIENT LIST / CLIENT INFO and the server log show it, in Redis
// 7.0's format (`id=… addr=… … resp=…`), and the client types of CLIENT LIST/KILL TYPE and the
// output buffer limit classes.
//
// Part of what a line shows belongs to other families (subscriptions, MULTI, tracking); they
// report it through `clientReport(server)`, whose defaults describe a client that uses none of
// them.

import { ClientFlag, type Client } from './client.js';
import type { Server } from './server.js';
import { queuedBytes } from './socket-io.js';

export interface ClientReport {
  /** Channels (SUBSCRIBE), patterns (PSUBSCRIBE) and shard channels (SSUBSCRIBE) subscribed to. */
  sub(c: Client): number;
  psub(c: Client): number;
  ssub(c: Client): number;
  /** Commands queued by MULTI (-1 when not in MULTI) and the bytes of their arguments. */
  multi(c: Client): number;
  multiMem(c: Client): number;
  /** CLIENT TRACKING: the flag letters after `t` ('R' broken redirection, 'B' broadcast). */
  trackingFlags(c: Client): string;
  /** CLIENT TRACKING: the redirection client id (0 when none), -1 when tracking is off. */
  redirect(c: Client): number;
}

const defaultReport = (): ClientReport => ({
  sub: () => 0,
  psub: () => 0,
  ssub: () => 0,
  multi: (c) => ((c.flags & ClientFlag.Multi) !== 0 ? 0 : -1),
  multiMem: () => 0,
  trackingFlags: () => '',
  redirect: (c) => ((c.flags & ClientFlag.Tracking) !== 0 ? 0 : -1),
});

/** The per-server report hooks; families replace the entries for the state they own. */
export function clientReport(server: Server): ClientReport {
  return server.state('client-report', defaultReport);
}

export const enum ClientType {
  Normal,
  Replica,
  PubSub,
  Master,
}

/** The client's type (MONITOR clients count as normal). */
export function clientType(c: Client): ClientType {
  const f = c.flags;
  if ((f & ClientFlag.Master) !== 0) return ClientType.Master;
  if ((f & ClientFlag.Replica) !== 0 && (f & ClientFlag.Monitor) === 0) return ClientType.Replica;
  if ((f & ClientFlag.PubSub) !== 0) return ClientType.PubSub;
  return ClientType.Normal;
}

/** A client type by name (case-insensitive), as CLIENT LIST/KILL TYPE take it; -1 if unknown. */
export function clientTypeByName(name: string): ClientType | -1 {
  switch (name.toLowerCase()) {
    case 'normal': return ClientType.Normal;
    case 'slave': case 'replica': return ClientType.Replica;
    case 'pubsub': return ClientType.PubSub;
    case 'master': return ClientType.Master;
    default: return -1;
  }
}

/** Query buffer space Redis allocates for a client's first read (16 KB rounded up by its allocator). */
const QUERY_BUFFER_ALLOC = 20474;
/** Redis's static reply buffer, and what it shrinks to on idle clients. */
const REPLY_BUFFER = 16384;
const REPLY_BUFFER_MIN = 1024;
/** A client's memory apart from its buffers (an idle client's tot-mem in Redis 7.0). */
const CLIENT_BASE_MEM = 1800;

function flagLetters(c: Client, report: ClientReport): string {
  const f = c.flags;
  let s = '';
  if ((f & ClientFlag.Monitor) !== 0) s += 'O';
  else if ((f & ClientFlag.Replica) !== 0) s += 'S';
  if ((f & ClientFlag.Master) !== 0) s += 'M';
  if ((f & ClientFlag.PubSub) !== 0) s += 'P';
  if ((f & ClientFlag.Multi) !== 0) s += 'x';
  if ((f & (ClientFlag.Blocked | ClientFlag.Paused)) !== 0) s += 'b';
  if ((f & ClientFlag.Tracking) !== 0) s += 't' + report.trackingFlags(c);
  if ((f & ClientFlag.DirtyCas) !== 0) s += 'd';
  if ((f & ClientFlag.CloseAfterReply) !== 0) s += 'c';
  if ((f & ClientFlag.CloseAsap) !== 0) s += 'A';
  if ((f & ClientFlag.ReadOnly) !== 0) s += 'r';
  if ((f & ClientFlag.NoEvict) !== 0) s += 'e';
  return s === '' ? 'N' : s;
}

function argvBytes(argv: string[] | null): number {
  if (argv === null) return 0;
  let n = 0;
  for (let i = 0; i < argv.length; i++) n += argv[i].length;
  return n;
}

/** A client's memory as Redis 7.0 counts it (CLIENT LIST tot-mem, client eviction), with its parts. */
interface ClientMemory {
  qbuf: number;
  qbufFree: number;
  argvMem: number;
  multiMem: number;
  rbs: number;
  rbp: number;
  obl: number;
  oll: number;
  omem: number;
  totMem: number;
}

function clientMemoryParts(c: Client, report: ClientReport): ClientMemory {
  const server = c.server;
  const idle = Math.floor(server.now / 1000) - Math.floor(c.lastInteraction / 1000);
  const qbuf = c.socket !== null ? c.parser.bufferedBytes() : 0;
  const qbufFree = qbuf > 0 ? Math.max(0, QUERY_BUFFER_ALLOC - qbuf) : idle >= 2 ? 0 : QUERY_BUFFER_ALLOC;
  // Arguments are kept while a command runs, blocks or waits for a pause to end.
  let argvMem = 0;
  if ((c.flags & ClientFlag.Paused) !== 0) argvMem = argvBytes(c.pending);
  else if ((c.flags & (ClientFlag.InCall | ClientFlag.Blocked)) !== 0) argvMem = argvBytes(c.argv);
  const multiMem = report.multiMem(c);
  const active = (c.flags & ClientFlag.InCall) !== 0 || idle < 1;
  const rbs = active ? REPLY_BUFFER : REPLY_BUFFER_MIN;
  const rbp = active ? REPLY_BUFFER : 0;
  const pending = c.outputLength();
  const obl = Math.min(pending, REPLY_BUFFER);
  const omem = server.outputUsage(c);
  const oll = omem > 0 ? Math.ceil(omem / REPLY_BUFFER) : 0;
  // The query buffer is allocated for the first read and grown to fit a big argument.
  const queryBuffer = qbuf > 0 || qbufFree > 0 ? Math.max(QUERY_BUFFER_ALLOC, qbuf + qbufFree) : 0;
  const totMem = CLIENT_BASE_MEM + queryBuffer + (rbs - REPLY_BUFFER_MIN) +
    omem + argvMem + multiMem;
  return { qbuf, qbufFree, argvMem, multiMem, rbs, rbp, obl, oll, omem, totMem };
}

/** A client's memory as CLIENT LIST's tot-mem reports it (what client eviction weighs). */
export function clientMemory(c: Client): number {
  return clientMemoryParts(c, clientReport(c.server)).totMem;
}

/** The client's CLIENT LIST line (without the newline). */
export function clientInfoString(c: Client): string {
  const server = c.server;
  const report = clientReport(server);
  const nowSec = Math.floor(server.now / 1000);
  const age = nowSec - Math.floor(c.createdAt / 1000);
  const idle = nowSec - Math.floor(c.lastInteraction / 1000);
  const { qbuf, qbufFree, argvMem, multiMem, rbs, rbp, obl, oll, omem, totMem } = clientMemoryParts(c, report);
  const events = c.socket === null ? '' : queuedBytes(c.socket) > 0 ? 'rw' : 'r';
  return `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} age=${age} idle=${idle} ` +
    `flags=${flagLetters(c, report)} db=${c.db.id} sub=${report.sub(c)} psub=${report.psub(c)} ssub=${report.ssub(c)} ` +
    `multi=${report.multi(c)} qbuf=${qbuf} qbuf-free=${qbufFree} argv-mem=${argvMem} multi-mem=${multiMem} ` +
    `rbs=${rbs} rbp=${rbp} obl=${obl} oll=${oll} omem=${omem} tot-mem=${totMem} events=${events} ` +
    `cmd=${c.lastCommand !== null ? c.lastCommand.fullName : 'NULL'} user=${c.user} redir=${report.redirect(c)} resp=${c.resp}`;
}

/** CLIENT LIST's text: one line per client (optionally of one type), each ending in "\n". */
export function clientListString(server: Server, type: ClientType | -1): string {
  let out = '';
  for (const c of server.clients.values()) {
    if (type !== -1 && clientType(c) !== type) continue;
    out += clientInfoString(c) + '\n';
  }
  return out;
}
