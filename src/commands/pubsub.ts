// Pub/Sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, their sharded forms
// (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH) and PUBSUB.
//
// Subscription confirmations and messages are out-of-band output (Client.push): RESP2 arrays,
// RESP3 push replies, never silenced by CLIENT REPLY OFF. A message is encoded once per
// protocol and appended to each subscriber's output, which goes out once per event-loop turn;
// a subscriber that doesn't read is cut off by the pubsub class of client-output-buffer-limit
// (checked when its output is flushed), without slowing the publisher down.
//
// A client subscribed to anything has ClientFlag.PubSub; in RESP2 the dispatcher then only lets
// it run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET.

import type { Family } from './command.js';
import { ClientFlag, type Client } from '../server/client.js';
import { asciiUpper, cstr, err, NO_REPLY, SimpleString, type Reply } from '../resp/reply.js';
import { globMatch } from '../util/glob.js';
import type { Server } from '../server/server.js';
import { clientReport } from '../server/client-info.js';
import { encodeBulk } from '../resp/encoder.js';

/** A client's subscriptions. */
interface ClientSubscriptions {
  channels: Set<string>;
  /** Patterns in subscription order (PUNSUBSCRIBE without arguments follows it). */
  patterns: string[];
  shardChannels: Set<string>;
}

/** The two kinds of channel subscriptions: global and sharded. */
interface Kind {
  subscribeWord: string;
  unsubscribeWord: string;
  messageWord: string;
  channelsOf(s: ClientSubscriptions): Set<string>;
  /** The count a (un)subscribe confirmation carries. */
  countOf(s: ClientSubscriptions): number;
}

const GLOBAL: Kind = {
  subscribeWord: '$9\r\nsubscribe\r\n',
  unsubscribeWord: '$11\r\nunsubscribe\r\n',
  messageWord: '$7\r\nmessage\r\n',
  channelsOf: (s) => s.channels,
  countOf: (s) => s.channels.size + s.patterns.length,
};

const SHARD: Kind = {
  subscribeWord: '$10\r\nssubscribe\r\n',
  unsubscribeWord: '$12\r\nsunsubscribe\r\n',
  messageWord: '$8\r\nsmessage\r\n',
  channelsOf: (s) => s.shardChannels,
  countOf: (s) => s.shardChannels.size,
};

function header(c: Client, n: number): string {
  return (c.resp === 2 ? '*' : '>') + n + '\r\n';
}

function subsOf(c: Client): ClientSubscriptions | undefined {
  return c.ext.pubsub as ClientSubscriptions | undefined;
}

function ensureSubs(c: Client): ClientSubscriptions {
  let s = subsOf(c);
  if (s === undefined) {
    s = { channels: new Set(), patterns: [], shardChannels: new Set() };
    c.ext.pubsub = s;
  }
  return s;
}

function totalCount(s: ClientSubscriptions): number {
  return s.channels.size + s.patterns.length + s.shardChannels.size;
}

export class PubSub {
  /** Channel -> subscribers in subscription order. */
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();

  constructor(server: Server) {
    server.publish = (channel, message) => this.publish(channel, message, GLOBAL);
    server.info.field('stats', 'pubsub_channels', () => this.channels.size);
    server.info.field('stats', 'pubsub_patterns', () => this.patterns.size);
    server.info.field('stats', 'pubsubshard_channels', () => this.shardChannels.size);
    const report = clientReport(server);
    report.sub = (c) => subsOf(c)?.channels.size ?? 0;
    report.psub = (c) => subsOf(c)?.patterns.length ?? 0;
    report.ssub = (c) => subsOf(c)?.shardChannels.size ?? 0;
    server.closeHooks.push((c) => {
      if (subsOf(c) !== undefined) this.unsubscribeEverything(c);
    });
    server.resetHooks.push((c) => {
      if (subsOf(c) !== undefined) this.unsubscribeEverything(c);
      c.flags &= ~ClientFlag.PubSub;
    });
  }

  private table(kind: Kind): Map<string, Set<Client>> {
    return kind === GLOBAL ? this.channels : this.shardChannels;
  }

  /** Sends a message to a channel's subscribers (and, for global channels, matching patterns). */
  publish(channel: string, message: string, kind: Kind): number {
    let receivers = 0;
    const subscribers = this.table(kind).get(channel);
    if (subscribers !== undefined) {
      const body = kind.messageWord + encodeBulk(channel) + encodeBulk(message);
      let resp2: string | undefined;
      let resp3: string | undefined;
      for (const c of subscribers) {
        c.writePush(c.resp === 2 ? (resp2 ??= '*3\r\n' + body) : (resp3 ??= '>3\r\n' + body));
        receivers++;
      }
    }
    if (kind === SHARD || this.patterns.size === 0) return receivers;
    let tail: string | undefined;
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      tail ??= encodeBulk(channel) + encodeBulk(message);
      const body = '$8\r\npmessage\r\n' + encodeBulk(pattern) + tail;
      let resp2: string | undefined;
      let resp3: string | undefined;
      for (const c of clients) {
        c.writePush(c.resp === 2 ? (resp2 ??= '*4\r\n' + body) : (resp3 ??= '>4\r\n' + body));
        receivers++;
      }
    }
    return receivers;
  }

  subscribe(c: Client, channel: string, kind: Kind): void {
    const s = ensureSubs(c);
    const mine = kind.channelsOf(s);
    if (!mine.has(channel)) {
      mine.add(channel);
      const table = this.table(kind);
      let clients = table.get(channel);
      if (clients === undefined) {
        clients = new Set();
        table.set(channel, clients);
      }
      clients.add(c);
    }
    c.writePush(header(c, 3) + kind.subscribeWord + encodeBulk(channel) + ':' + kind.countOf(s) + '\r\n');
  }

  /** Returns whether the client was subscribed; `notify` sends the confirmation. */
  unsubscribe(c: Client, channel: string, kind: Kind, notify: boolean): boolean {
    const s = ensureSubs(c);
    let removed = false;
    if (kind.channelsOf(s).delete(channel)) {
      removed = true;
      const table = this.table(kind);
      const clients = table.get(channel)!;
      clients.delete(c);
      if (clients.size === 0) table.delete(channel);
    }
    if (notify) c.writePush(header(c, 3) + kind.unsubscribeWord + encodeBulk(channel) + ':' + kind.countOf(s) + '\r\n');
    return removed;
  }

  unsubscribeAll(c: Client, kind: Kind, notify: boolean): void {
    const s = ensureSubs(c);
    let count = 0;
    for (const channel of [...kind.channelsOf(s)]) if (this.unsubscribe(c, channel, kind, notify)) count++;
    // Subscribed to nothing: the client still gets a confirmation, with a null channel.
    if (notify && count === 0) c.writePush(header(c, 3) + kind.unsubscribeWord + (c.resp === 2 ? '$-1\r\n' : '_\r\n') + ':' + kind.countOf(s) + '\r\n');
  }

  psubscribe(c: Client, pattern: string): void {
    const s = ensureSubs(c);
    if (!s.patterns.includes(pattern)) {
      s.patterns.push(pattern);
      let clients = this.patterns.get(pattern);
      if (clients === undefined) {
        clients = new Set();
        this.patterns.set(pattern, clients);
      }
      clients.add(c);
    }
    c.writePush(header(c, 3) + '$10\r\npsubscribe\r\n' + encodeBulk(pattern) + ':' + GLOBAL.countOf(s) + '\r\n');
  }

  punsubscribe(c: Client, pattern: string, notify: boolean): boolean {
    const s = ensureSubs(c);
    let removed = false;
    const i = s.patterns.indexOf(pattern);
    if (i >= 0) {
      removed = true;
      s.patterns.splice(i, 1);
      const clients = this.patterns.get(pattern)!;
      clients.delete(c);
      if (clients.size === 0) this.patterns.delete(pattern);
    }
    if (notify) c.writePush(header(c, 3) + '$12\r\npunsubscribe\r\n' + encodeBulk(pattern) + ':' + GLOBAL.countOf(s) + '\r\n');
    return removed;
  }

  punsubscribeAll(c: Client, notify: boolean): void {
    const s = ensureSubs(c);
    let count = 0;
    for (const pattern of [...s.patterns]) if (this.punsubscribe(c, pattern, notify)) count++;
    if (notify && count === 0) c.writePush(header(c, 3) + '$12\r\npunsubscribe\r\n' + (c.resp === 2 ? '$-1\r\n' : '_\r\n') + ':' + GLOBAL.countOf(s) + '\r\n');
  }

  /** Drops every subscription silently (disconnect, RESET). */
  unsubscribeEverything(c: Client): void {
    this.unsubscribeAll(c, GLOBAL, false);
    this.unsubscribeAll(c, SHARD, false);
    this.punsubscribeAll(c, false);
    c.ext.pubsub = undefined;
  }
}

function pubsub(server: Server): PubSub {
  return server.state('pubsub', () => new PubSub(server));
}

/** Leaves subscribed mode once nothing is left. */
function updateFlag(c: Client): void {
  const s = subsOf(c);
  if (s === undefined || totalCount(s) === 0) c.flags &= ~ClientFlag.PubSub;
  else c.flags |= ClientFlag.PubSub;
}

/** SUBSCRIBE and PSUBSCRIBE are refused where a reply per command is expected (scripts), but MULTI keeps them. */
function checkMayBlock(c: Client, name: string, inMultiToo: boolean): void {
  if ((c.flags & ClientFlag.DenyBlocking) !== 0 && (inMultiToo || (c.flags & ClientFlag.Multi) === 0)) {
    err(`ERR ${name} isn't allowed for a DENY BLOCKING client`);
  }
}

function channelList(table: Map<string, Set<Client>> | undefined, pattern: string | undefined): Reply {
  const out: Reply[] = [];
  if (table !== undefined) for (const channel of table.keys()) if (pattern === undefined || globMatch(pattern, channel)) out.push(channel);
  return out;
}

function numsub(table: Map<string, Set<Client>> | undefined, argv: string[]): Reply {
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) out.push(argv[i], table?.get(argv[i])?.size ?? 0);
  return out;
}

function subcommandSyntaxError(argv: string[]): never {
  return err(`ERR unknown subcommand or wrong number of arguments for '${cstr(argv[1]).slice(0, 128)}'. Try ${asciiUpper(cstr(argv[0]))} HELP.`);
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
].map((line) => new SimpleString(line));

/** The pub/sub state if any client ever subscribed (nothing to count otherwise). */
function existing(server: Server): PubSub | undefined {
  return server.state<PubSub | undefined>('pubsub', () => undefined);
}

export const pubsubCommands: Family = {
  subscribe: {
    run: (c, argv) => {
      checkMayBlock(c, 'SUBSCRIBE', false);
      const p = pubsub(c.server);
      for (let i = 1; i < argv.length; i++) p.subscribe(c, argv[i], GLOBAL);
      c.flags |= ClientFlag.PubSub;
      return NO_REPLY;
    },
  },
  unsubscribe: {
    run: (c, argv) => {
      const p = pubsub(c.server);
      if (argv.length === 1) p.unsubscribeAll(c, GLOBAL, true);
      else for (let i = 1; i < argv.length; i++) p.unsubscribe(c, argv[i], GLOBAL, true);
      updateFlag(c);
      return NO_REPLY;
    },
  },
  psubscribe: {
    run: (c, argv) => {
      checkMayBlock(c, 'PSUBSCRIBE', false);
      const p = pubsub(c.server);
      for (let i = 1; i < argv.length; i++) p.psubscribe(c, argv[i]);
      c.flags |= ClientFlag.PubSub;
      return NO_REPLY;
    },
  },
  punsubscribe: {
    run: (c, argv) => {
      const p = pubsub(c.server);
      if (argv.length === 1) p.punsubscribeAll(c, true);
      else for (let i = 1; i < argv.length; i++) p.punsubscribe(c, argv[i], true);
      updateFlag(c);
      return NO_REPLY;
    },
  },
  ssubscribe: {
    run: (c, argv) => {
      checkMayBlock(c, 'SSUBSCRIBE', true);
      const p = pubsub(c.server);
      for (let i = 1; i < argv.length; i++) p.subscribe(c, argv[i], SHARD);
      c.flags |= ClientFlag.PubSub;
      return NO_REPLY;
    },
  },
  sunsubscribe: {
    run: (c, argv) => {
      const p = pubsub(c.server);
      if (argv.length === 1) p.unsubscribeAll(c, SHARD, true);
      else for (let i = 1; i < argv.length; i++) p.unsubscribe(c, argv[i], SHARD, true);
      updateFlag(c);
      return NO_REPLY;
    },
  },
  publish: {
    run: (c, argv) => {
      // Replicas get every PUBLISH (their subscribers get the message too); the AOF doesn't.
      if (c.server.propagators.length !== 0) c.server.forceReplication = true;
      return existing(c.server)?.publish(argv[1], argv[2], GLOBAL) ?? 0;
    },
  },
  spublish: {
    run: (c, argv) => {
      if (c.server.propagators.length !== 0) c.server.forceReplication = true;
      return existing(c.server)?.publish(argv[1], argv[2], SHARD) ?? 0;
    },
  },
  pubsub: {
    subcommands: {
      help: { run: () => PUBSUB_HELP },
      channels: {
        run: (c, argv) => {
          if (argv.length > 3) subcommandSyntaxError(argv);
          return channelList(existing(c.server)?.channels, argv[2]);
        },
      },
      numsub: { run: (c, argv) => numsub(existing(c.server)?.channels, argv) },
      numpat: { run: (c) => existing(c.server)?.patterns.size ?? 0 },
      shardchannels: {
        run: (c, argv) => {
          if (argv.length > 3) subcommandSyntaxError(argv);
          return channelList(existing(c.server)?.shardChannels, argv[2]);
        },
      },
      shardnumsub: { run: (c, argv) => numsub(existing(c.server)?.shardChannels, argv) },
    },
  },
};
