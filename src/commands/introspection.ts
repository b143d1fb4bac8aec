// COMMAND: the command table as clients see it (COMMAND, COUNT, LIST, INFO, DOCS, GETKEYS,
// GETKEYSANDFLAGS, HELP). Generated from the table, so only commands Larder implements (and,
// of container commands, only the subcommands it implements) are listed. Reply shapes follow
// Redis exactly: flags and ACL categories are sets of simple strings, tips sets of bulk
// strings, key specs sets of maps, subcommands arrays (an empty set when there are none).

import { err, Errors, MapReply, SetReply, SimpleString, type Reply } from '../resp/reply.js';
import { globMatch } from '../util/glob.js';
import { Flag, type Command, type CommandTable, type Family, type KeySpec } from './command.js';
import { commandHasKeys, commandKeys } from './getkeys.js';
import { helpReply } from './client.js';

const EMPTY_SET = new SetReply([]);

function simpleSet(words: string[]): SetReply {
  return new SetReply(words.map((w) => new SimpleString(w)));
}

function specMap(spec: Record<string, unknown>): MapReply {
  const items: Reply[] = [];
  for (const [k, v] of Object.entries(spec)) items.push(k, v as Reply);
  return new MapReply(items);
}

function keySpecReply(ks: KeySpec): MapReply {
  const items: Reply[] = [];
  if (ks.notes !== undefined) items.push('notes', ks.notes);
  items.push('flags', simpleSet(ks.flags));
  items.push('begin_search', new MapReply(['type', ks.begin_search.type, 'spec', specMap(ks.begin_search.spec)]));
  items.push('find_keys', new MapReply(['type', ks.find_keys.type, 'spec', specMap(ks.find_keys.spec)]));
  return new MapReply(items);
}

const infoCache = new WeakMap<Command, Reply>();

/** A command's COMMAND INFO entry. */
function infoReply(cmd: Command): Reply {
  let r = infoCache.get(cmd);
  if (r !== undefined) return r;
  const m = cmd.meta;
  r = [
    cmd.fullName,
    m.arity,
    simpleSet(m.flags),
    m.firstKey,
    m.lastKey,
    m.step,
    simpleSet(m.acl),
    new SetReply(m.tips.slice()),
    new SetReply(m.keySpecs.map(keySpecReply)),
    cmd.subcommands !== null ? [...cmd.subcommands.values()].map(infoReply) : EMPTY_SET,
  ];
  infoCache.set(cmd, r);
  return r;
}

interface ArgDoc {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  flags?: string[];
  arguments?: ArgDoc[];
}

function argReply(a: ArgDoc): MapReply {
  const items: Reply[] = ['name', a.name, 'type', a.type];
  if (a.key_spec_index !== undefined) items.push('key_spec_index', a.key_spec_index);
  if (a.token !== undefined) items.push('token', a.token);
  if (a.summary !== undefined) items.push('summary', a.summary);
  if (a.since !== undefined) items.push('since', a.since);
  if (a.deprecated_since !== undefined) items.push('deprecated_since', a.deprecated_since);
  if (a.flags !== undefined) items.push('flags', simpleSet(a.flags));
  if (a.arguments !== undefined) items.push('arguments', a.arguments.map(argReply));
  return new MapReply(items);
}

const docsCache = new WeakMap<Command, Reply>();

/** A command's COMMAND DOCS entry. */
function docsReply(cmd: Command): Reply {
  let r = docsCache.get(cmd);
  if (r !== undefined) return r;
  const d = (cmd.meta.docs ?? {}) as Record<string, unknown>;
  const items: Reply[] = [];
  for (const key of ['summary', 'since', 'group', 'complexity', 'module']) {
    if (d[key] !== undefined) items.push(key, d[key] as string);
  }
  if (d.doc_flags !== undefined) items.push('doc_flags', simpleSet(d.doc_flags as string[]));
  for (const key of ['deprecated_since', 'replaced_by']) {
    if (d[key] !== undefined) items.push(key, d[key] as string);
  }
  if (d.history !== undefined) {
    items.push('history', new SetReply((d.history as [string, string][]).map(([since, change]) => [since, change])));
  }
  if (d.arguments !== undefined) items.push('arguments', (d.arguments as ArgDoc[]).map(argReply));
  if (cmd.subcommands !== null) {
    const subs: Reply[] = [];
    for (const sub of cmd.subcommands.values()) subs.push(sub.fullName, docsReply(sub));
    items.push('subcommands', new MapReply(subs));
  }
  r = new MapReply(items);
  docsCache.set(cmd, r);
  return r;
}

/** A command by its full name (`get`, `client|list`), case-insensitive; exact, as COMMAND INFO looks it up. */
function byFullName(table: CommandTable, name: string): Command | undefined {
  if (name === '') return undefined;
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const base = table.get(parts[0]);
  if (base === undefined) return undefined;
  if (parts.length === 1) return base;
  if (base.subcommands === null) return undefined;
  return base.subcommand(parts[1]);
}

/** The command a full call (argv[0] a command name) would run. */
function byCall(table: CommandTable, argv: string[]): Command | undefined {
  const base = table.get(argv[0]);
  if (base === undefined || base.subcommands === null || argv.length === 1) return base;
  return base.subcommand(argv[1]);
}

function allInfo(table: CommandTable): Reply {
  const out: Reply[] = [];
  for (const cmd of table.all()) out.push(infoReply(cmd));
  return out;
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS: `argv` is the whole request (COMMAND, GETKEYS, the call…). */
export function getKeys(table: CommandTable, argv: string[], withFlags: boolean): Reply {
  const call = argv.slice(2);
  const cmd = byCall(table, call);
  if (cmd === undefined) err('ERR Invalid command specified');
  if (!commandHasKeys(cmd)) err('ERR The command has no key arguments');
  const n = call.length;
  if ((cmd.arity > 0 && cmd.arity !== n) || n < -cmd.arity) err('ERR Invalid number of arguments specified for command');
  const keys = commandKeys(cmd, call);
  if (keys.length === 0) {
    if (cmd.is(Flag.NoMandatoryKeys)) return [];
    err('ERR Invalid arguments specified for command');
  }
  return keys.map((k) => (withFlags ? [call[k.pos], simpleSet(k.flags)] : call[k.pos]));
}

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

function list(table: CommandTable, argv: string[]): Reply {
  let filter: ((cmd: Command) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (argv[i].toLowerCase() !== 'filterby' || more !== 2) err(Errors.syntax);
    const type = argv[i + 1].toLowerCase();
    const arg = argv[i + 2];
    if (type === 'module') {
      filter = () => false; // no modules
    } else if (type === 'aclcat') {
      const category = '@' + arg.toLowerCase();
      filter = (cmd) => cmd.meta.acl.includes(category);
    } else if (type === 'pattern') {
      filter = (cmd) => globMatch(arg, cmd.fullName, true);
    } else {
      err(Errors.syntax);
    }
    i += 2;
  }
  const out: string[] = [];
  const visit = (cmd: Command) => {
    if (filter === null || filter(cmd)) out.push(cmd.fullName);
    if (cmd.subcommands !== null) for (const sub of cmd.subcommands.values()) visit(sub);
  };
  for (const cmd of table.all()) visit(cmd);
  return out;
}

export const introspection: Family = {
  command: {
    run: (c) => allInfo(c.server.commands),
    subcommands: {
      count: { run: (c) => c.server.commands.size },
      list: { run: (c, argv) => list(c.server.commands, argv) },
      info: {
        run: (c, argv): Reply => {
          const table = c.server.commands;
          if (argv.length === 2) return allInfo(table);
          const out: Reply[] = [];
          for (let i = 2; i < argv.length; i++) {
            const cmd = byFullName(table, argv[i]);
            out.push(cmd === undefined ? null : infoReply(cmd));
          }
          return out;
        },
      },
      docs: {
        run: (c, argv): Reply => {
          const table = c.server.commands;
          const items: Reply[] = [];
          if (argv.length === 2) {
            for (const cmd of table.all()) items.push(cmd.fullName, docsReply(cmd));
          } else {
            for (let i = 2; i < argv.length; i++) {
              const cmd = byFullName(table, argv[i]);
              if (cmd !== undefined) items.push(cmd.fullName, docsReply(cmd));
            }
          }
          return new MapReply(items);
        },
      },
      getkeys: { run: (c, argv) => getKeys(c.server.commands, argv, false) },
      getkeysandflags: { run: (c, argv) => getKeys(c.server.commands, argv, true) },
      help: { run: (_c, argv) => helpReply(argv, HELP) },
    },
  },
};
