// CLIENT: the connection-management container command. ID, INFO, LIST, KILL, SETNAME, GETNAME,
// REPLY, PAUSE, UNPAUSE, UNBLOCK, NO-EVICT, NO-TOUCH, SETINFO, HELP. (CLIENT TRACKING, CACHING,
// GETREDIR and TRACKINGINFO come from the tracking family.)

import { asciiUpper, cstr, err, ErrorReply, Errors, NO_REPLY, OK, SimpleString, VerbatimReply, type Reply } from '../resp/reply.js';
import { ClientFlag, ReplyMode, type Client } from '../server/client.js';
import {
  clientInfoString, clientListString, clientType, clientTypeByName, type ClientType,
} from '../server/client-info.js';
import { authenticator } from '../server/auth.js';
import { blocking } from '../engine/blocking.js';
import { parseInt64 } from '../util/numbers.js';
import type { CommandMeta, Family } from './command.js';
import { NAME_ERROR, setClientName } from './connection.js';

/** The error for a subcommand called with arguments its own parsing does not accept. */
function subcommandSyntaxError(argv: string[]): never {
  err(`ERR unknown subcommand or wrong number of arguments for '${cstr(argv[1]).slice(0, 128)}'. Try ${asciiUpper(cstr(argv[0]))} HELP.`);
}

/** An integer argument as Redis's getLongLongFromObjectOrReply reads it. */
function longLong(text: string, message: string = Errors.notInteger): number {
  const v = parseInt64(text);
  if (v === undefined) err(message);
  return Number(v);
}

function eq(arg: string, word: string): boolean {
  return arg.length === word.length && arg.toLowerCase() === word;
}

/** The HELP reply of a container command: a header, the lines, and HELP's own entry. */
export function helpReply(argv: string[], lines: string[]): Reply {
  const out: Reply[] = [new SimpleString(`${asciiUpper(cstr(argv[0]))} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)];
  for (const line of lines) out.push(new SimpleString(line));
  out.push(new SimpleString('HELP'), new SimpleString('    Prints this help.'));
  return out;
}

const HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
];

function list(c: Client, argv: string[]): Reply {
  const server = c.server;
  if (argv.length === 4 && eq(argv[2], 'type')) {
    const type = clientTypeByName(argv[3]);
    if (type === -1) err(`ERR Unknown client type '${cstr(argv[3])}'`);
    return new VerbatimReply(clientListString(server, type));
  }
  if (argv.length > 3 && eq(argv[2], 'id')) {
    let out = '';
    for (let i = 3; i < argv.length; i++) {
      const target = server.clients.get(longLong(argv[i], 'ERR Invalid client ID'));
      if (target !== undefined) out += clientInfoString(target) + '\n';
    }
    return new VerbatimReply(out);
  }
  if (argv.length !== 2) err(Errors.syntax);
  return new VerbatimReply(clientListString(server, -1));
}

interface KillFilter {
  addr: string | null;
  laddr: string | null;
  type: ClientType | -1;
  id: number;
  user: string | null;
  skipMe: boolean;
  maxAge: number;
}

function kill(c: Client, argv: string[]): Reply {
  const server = c.server;
  const f: KillFilter = { addr: null, laddr: null, type: -1, id: 0, user: null, skipMe: true, maxAge: 0 };
  const oldForm = argv.length === 3;
  if (oldForm) {
    // CLIENT KILL <addr>: the old form may kill the caller itself.
    f.addr = argv[2];
    f.skipMe = false;
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const more = argv.length > i + 1;
      const option = argv[i].toLowerCase();
      const value = argv[i + 1];
      if (!more) err(Errors.syntax);
      if (option === 'id') {
        const v = parseInt64(value);
        if (v === undefined || v < 1) err('ERR client-id should be greater than 0');
        f.id = Number(v);
      } else if (option === 'type') {
        f.type = clientTypeByName(value);
        if (f.type === -1) err(`ERR Unknown client type '${cstr(value)}'`);
      } else if (option === 'addr') {
        f.addr = value;
      } else if (option === 'laddr') {
        f.laddr = value;
      } else if (option === 'user') {
        if (!authenticator(server).userExists(value)) err(`ERR No such user '${cstr(value)}'`);
        f.user = value;
      } else if (option === 'skipme') {
        if (eq(value, 'yes')) f.skipMe = true;
        else if (eq(value, 'no')) f.skipMe = false;
        else err(Errors.syntax);
      } else if (option === 'maxage') {
        // Redis 7.4: clients connected for longer than this many seconds.
        f.maxAge = longLong(value);
      } else {
        err(Errors.syntax);
      }
    }
  }
  const nowSec = Math.floor(server.now / 1000);
  let killed = 0;
  let self = false;
  for (const target of [...server.clients.values()]) {
    if (f.addr !== null && target.addr !== f.addr) continue;
    if (f.laddr !== null && target.laddr !== f.laddr) continue;
    if (f.type !== -1 && clientType(target) !== f.type) continue;
    if (f.id !== 0 && target.id !== f.id) continue;
    if (f.user !== null && target.user !== f.user) continue;
    if (f.maxAge !== 0 && nowSec - Math.floor(target.createdAt / 1000) <= f.maxAge) continue;
    if (target === c) {
      if (f.skipMe) continue;
      self = true;
    } else {
      server.closeClient(target);
    }
    killed++;
  }
  // The caller goes only after its reply.
  if (self) c.flags |= ClientFlag.CloseAfterReply;
  if (oldForm) {
    if (killed === 0) err('ERR No such client');
    return OK;
  }
  return killed;
}

function pause(c: Client, argv: string[]): Reply {
  if (argv.length !== 3 && argv.length !== 4) subcommandSyntaxError(argv);
  let all = true;
  if (argv.length === 4) {
    if (eq(argv[3], 'write')) all = false;
    else if (!eq(argv[3], 'all')) err('ERR CLIENT PAUSE mode must be WRITE or ALL');
  }
  const ms = longLong(argv[2], 'ERR timeout is not an integer or out of range');
  if (ms < 0) err('ERR timeout is negative');
  c.server.pauseClients(ms > 0 ? Date.now() + ms : 0, all);
  return OK;
}

const UNBLOCKED = new ErrorReply('UNBLOCKED client unblocked via CLIENT UNBLOCK');

function unblock(c: Client, argv: string[]): Reply {
  if (argv.length !== 3 && argv.length !== 4) subcommandSyntaxError(argv);
  let withError = false;
  if (argv.length === 4) {
    if (eq(argv[3], 'error')) withError = true;
    else if (!eq(argv[3], 'timeout')) err('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = longLong(argv[2]);
  const target = c.server.clients.get(id);
  if (target === undefined || (target.flags & ClientFlag.Blocked) === 0) return 0;
  const b = blocking(c.server);
  if (!b.isBlocked(target)) return 0;
  return b.unblockWithTimeout(target, withError ? UNBLOCKED : undefined) ? 1 : 0;
}

function onOff(c: Client, argv: string[], flag: ClientFlag): Reply {
  if (eq(argv[2], 'on')) c.flags |= flag;
  else if (eq(argv[2], 'off')) c.flags &= ~flag;
  else err(Errors.syntax);
  return OK;
}

function validAttribute(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

// CLIENT NO-TOUCH and CLIENT SETINFO arrived in Redis 7.2: their metadata is not in the
// 7.0 reference.
const NO_TOUCH_META: CommandMeta = {
  name: 'client|no-touch',
  arity: 3,
  flags: ['noscript', 'loading', 'stale'],
  firstKey: 0,
  lastKey: 0,
  step: 0,
  acl: ['@slow', '@connection'],
  tips: [],
  keySpecs: [],
  docs: {
    summary: 'Controls whether commands sent by the client affect the LRU/LFU of accessed keys.',
    since: '7.2.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [{
      name: 'enabled',
      type: 'oneof',
      arguments: [{ name: 'on', type: 'pure-token', token: 'ON' }, { name: 'off', type: 'pure-token', token: 'OFF' }],
    }],
  },
};

const SETINFO_META: CommandMeta = {
  name: 'client|setinfo',
  arity: 4,
  flags: ['noscript', 'loading', 'stale'],
  firstKey: 0,
  lastKey: 0,
  step: 0,
  acl: ['@slow', '@connection'],
  tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
  keySpecs: [],
  docs: {
    summary: 'Sets information specific to the client or connection.',
    since: '7.2.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [{
      name: 'attr',
      type: 'oneof',
      arguments: [{ name: 'libname', type: 'string', token: 'LIB-NAME' }, { name: 'libver', type: 'string', token: 'LIB-VER' }],
    }],
  },
};

export const client: Family = {
  client: {
    subcommands: {
      help: { run: (_c, argv) => helpReply(argv, HELP) },
      id: { run: (c) => c.id },
      info: { run: (c) => new VerbatimReply(clientInfoString(c) + '\n') },
      list: { run: list },
      kill: { run: kill },
      setname: {
        run: (c, argv) => {
          if (!setClientName(c, argv[2])) err(NAME_ERROR);
          return OK;
        },
      },
      getname: { run: (c) => (c.name === '' ? null : c.name) },
      reply: {
        run: (c, argv): Reply => {
          const mode = argv[2];
          if (eq(mode, 'on')) {
            c.replyMode = ReplyMode.On;
            return OK;
          }
          if (eq(mode, 'off')) {
            c.replyMode = ReplyMode.Off;
            return NO_REPLY;
          }
          if (eq(mode, 'skip')) {
            if (c.replyMode !== ReplyMode.Off) c.replyMode = ReplyMode.SkipNext;
            return NO_REPLY;
          }
          err(Errors.syntax);
        },
      },
      pause: { run: pause },
      unpause: {
        run: (c) => {
          c.server.unpause();
          return OK;
        },
      },
      unblock: { run: unblock },
      'no-evict': { run: (c, argv) => onOff(c, argv, ClientFlag.NoEvict) },
      'no-touch': { run: (c, argv) => onOff(c, argv, ClientFlag.NoTouch), meta: NO_TOUCH_META },
      setinfo: {
        meta: SETINFO_META,
        run: (c, argv) => {
          const attr = argv[2];
          const lower = attr.toLowerCase();
          if (lower !== 'lib-name' && lower !== 'lib-ver') err(`ERR Unrecognized option '${cstr(attr)}'`);
          if (!validAttribute(argv[3])) err(`ERR ${cstr(attr)} cannot contain spaces, newlines or special characters.`);
          if (lower === 'lib-name') c.libName = argv[3];
          else c.libVersion = argv[3];
          return OK;
        },
      },
    },
  },
};
