// The command table: one entry per command (and subcommand), built from the reference metadata
// (src/commands/reference.json, generated from a live redis-server) and the handlers that the
// family modules register. It drives dispatch, COMMAND, key extraction and MULTI queueing.
// A command without a handler is absent: it is neither dispatched nor listed.

import type { Reply } from '../resp/reply.js';
import type { Client } from '../server/client.js';
import reference from './reference.json' with { type: 'json' };
import type { LatencyHistogram } from '../util/histogram.js';

export type Handler = (c: Client, argv: string[]) => Reply;

/** Key specs as COMMAND INFO reports them. */
export interface KeySpec {
  notes?: string;
  flags: string[];
  begin_search: { type: 'index'; spec: { index: number } } | { type: 'keyword'; spec: { keyword: string; startfrom: number } } | { type: 'unknown'; spec: Record<string, never> };
  find_keys: { type: 'range'; spec: { lastkey: number; keystep: number; limit: number } } | { type: 'keynum'; spec: { keynumidx: number; firstkey: number; keystep: number } } | { type: 'unknown'; spec: Record<string, never> };
}

export interface CommandMeta {
  name: string;
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  acl: string[];
  tips: string[];
  keySpecs: KeySpec[];
  subcommands?: Record<string, CommandMeta>;
  docs?: Record<string, unknown>;
}

export interface CommandDef {
  run?: Handler;
  subcommands?: Record<string, CommandDef>;
  /** Metadata for a command the reference lacks; otherwise the reference entry is used. */
  meta?: CommandMeta;
  /** Key positions for commands whose keys key specs can't locate (movable keys). */
  getKeys?: (argv: string[]) => number[];
}

export type Family = Record<string, CommandDef>;

export const enum Flag {
  Write = 1 << 0,
  ReadOnly = 1 << 1,
  DenyOom = 1 << 2,
  Admin = 1 << 3,
  PubSub = 1 << 4,
  NoScript = 1 << 5,
  Blocking = 1 << 6,
  Loading = 1 << 7,
  Stale = 1 << 8,
  SkipMonitor = 1 << 9,
  SkipSlowlog = 1 << 10,
  Asking = 1 << 11,
  Fast = 1 << 12,
  NoAuth = 1 << 13,
  MayReplicate = 1 << 14,
  NoMandatoryKeys = 1 << 15,
  NoAsyncLoading = 1 << 16,
  NoMulti = 1 << 17,
  MovableKeys = 1 << 18,
  AllowBusy = 1 << 19,
  /**
   * Larder's own: runs in bounded time (Redis's `fast` commands, and those Redis leaves unflagged
   * because freeing an overwritten value is O(N) there and not here), so its duration may be
   * measured together with its neighbours' (engine/call-timing.ts).
   */
  Quick = 1 << 20,
}

const FLAG_BITS: Record<string, number> = {
  write: Flag.Write, readonly: Flag.ReadOnly, denyoom: Flag.DenyOom, admin: Flag.Admin,
  pubsub: Flag.PubSub, noscript: Flag.NoScript, blocking: Flag.Blocking, loading: Flag.Loading,
  stale: Flag.Stale, skip_monitor: Flag.SkipMonitor, skip_slowlog: Flag.SkipSlowlog,
  asking: Flag.Asking, fast: Flag.Fast, no_auth: Flag.NoAuth, may_replicate: Flag.MayReplicate,
  no_mandatory_keys: Flag.NoMandatoryKeys, no_async_loading: Flag.NoAsyncLoading,
  no_multi: Flag.NoMulti, movablekeys: Flag.MovableKeys, allow_busy: Flag.AllowBusy,
};

/**
 * Commands with Redis's may_replicate flag, which COMMAND INFO hides (so the reference lacks
 * it): they may produce replication traffic, so CLIENT PAUSE WRITE holds them too.
 */
const MAY_REPLICATE = new Set(['pfcount', 'publish', 'spublish', 'eval', 'evalsha', 'fcall']);

/** Quick commands beyond Redis's `fast` ones (see Flag.Quick). */
const QUICK = new Set(['set', 'setex', 'psetex']);

export class Command {
  readonly flags: number;
  readonly arity: number;
  /** The enable-*-command setting that must allow this command (DEBUG, MODULE), if any. */
  readonly protectedBy: string | null;
  /** Per-command statistics (INFO commandstats). */
  calls = 0;
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;
  /** Latency distribution (INFO latencystats, LATENCY HISTOGRAM); created on first call. */
  latency: LatencyHistogram | null = null;

  constructor(
    readonly name: string,
    /** `container|sub` for subcommands, as Redis names them in errors and stats. */
    readonly fullName: string,
    readonly meta: CommandMeta,
    readonly run: Handler | undefined,
    readonly subcommands: Map<string, Command> | null,
    readonly parent: Command | null,
    private readonly getKeysFn: ((argv: string[]) => number[]) | undefined,
  ) {
    let flags = 0;
    for (const f of meta.flags) flags |= FLAG_BITS[f] ?? 0;
    if (parent === null && MAY_REPLICATE.has(name)) flags |= Flag.MayReplicate;
    if ((flags & Flag.Fast) !== 0 || (parent === null && QUICK.has(name))) flags |= Flag.Quick;
    this.flags = flags;
    this.arity = meta.arity;
    this.protectedBy = parent === null && (name === 'debug' || name === 'module') ? `enable-${name}-command` : null;
  }

  is(flag: Flag): boolean {
    return (this.flags & flag) !== 0;
  }

  /** Positions in argv of the keys this call touches; null when argv doesn't fit the specs. */
  keyPositions(argv: string[]): number[] | null {
    if (this.getKeysFn) return this.getKeysFn(argv);
    return keysFromSpecs(this.meta.keySpecs, argv)?.map((k) => k.pos) ?? null;
  }

  /** Whether a command-specific key finder exists (used over key specs when keys move). */
  get hasKeyFinder(): boolean {
    return this.getKeysFn !== undefined;
  }

  /** A child of a container command, by (case-insensitive) name. */
  subcommand(name: string): Command | undefined {
    return this.subcommands?.get(name.toLowerCase());
  }
}

export interface KeyRef {
  pos: number;
  flags: string[];
}

/**
 * Finds keys by following key specs, as Redis does: null when the arguments don't fit the specs
 * (unless `partial`, which keeps what was found). Specs flagged not_key are skipped.
 */
export function keysFromSpecs(specs: KeySpec[], argv: string[], partial = false): KeyRef[] | null {
  const keys: KeyRef[] = [];
  const argc = argv.length;
  for (const spec of specs) {
    if (spec.flags.includes('not_key')) continue;
    let valid = true;
    let first = 0;
    let last = 0;
    let step = 1;
    const bs = spec.begin_search;
    if (bs.type === 'index') {
      first = bs.spec.index;
    } else if (bs.type === 'keyword') {
      const { keyword, startfrom } = bs.spec;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === keyword.toLowerCase()) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else {
      valid = false;
    }
    const fk = spec.find_keys;
    if (valid && fk.type === 'range') {
      step = fk.spec.keystep;
      if (fk.spec.lastkey >= 0) last = first + fk.spec.lastkey;
      else if (!fk.spec.limit) last = argc + fk.spec.lastkey;
      else last = first + (Math.floor((argc - first) / fk.spec.limit) + fk.spec.lastkey);
    } else if (valid && fk.type === 'keynum') {
      step = fk.spec.keystep;
      const numkeys = fk.spec.keynumidx < argc ? parseKeyCount(argv[first + fk.spec.keynumidx]) : -1;
      if (numkeys < 0) valid = false;
      first += fk.spec.firstkey;
      last = first + numkeys - 1;
    } else {
      valid = false;
    }
    if (valid && (last >= argc || last < first || first >= argc)) valid = false;
    if (valid) {
      for (let i = first; i <= last; i += step) {
        if (i >= argc || i < first) continue;
        keys.push({ pos: i, flags: spec.flags });
      }
      if (spec.flags.includes('incomplete')) valid = false;
    }
    if (!valid && !partial) return null;
  }
  return keys;
}

function parseKeyCount(s: string | undefined): number {
  if (s === undefined || !/^(0|-?[1-9][0-9]*)$/.test(s)) return -1;
  return Number(s);
}

const referenceCommands = (reference as { commands: Record<string, CommandMeta> }).commands;

export class CommandTable {
  private readonly byName = new Map<string, Command>();

  /**
   * Adds a family's commands. An entry with only `subcommands` for a container command that is
   * already registered adds those subcommands to it (e.g. CLIENT TRACKING from the tracking
   * family).
   */
  register(family: Family): void {
    for (const [name, def] of Object.entries(family)) {
      const existing = this.byName.get(name);
      if (existing !== undefined) {
        if (def.run !== undefined || def.subcommands === undefined || existing.subcommands === null) {
          throw new Error(`command ${name} registered twice`);
        }
        for (const [sub, subDef] of Object.entries(def.subcommands)) {
          if (existing.subcommands.has(sub)) throw new Error(`command ${name}|${sub} registered twice`);
          const child = this.build(sub, `${name}|${sub}`, subDef, existing.meta.subcommands?.[sub] ?? referenceCommands[name]?.subcommands?.[sub], existing);
          existing.subcommands.set(sub, child);
          existing.meta.subcommands![sub] = child.meta;
        }
        continue;
      }
      this.byName.set(name, this.build(name, name, def, referenceCommands[name], null));
    }
  }

  private build(name: string, fullName: string, def: CommandDef, ref: CommandMeta | undefined, parent: Command | null): Command {
    const meta = def.meta ?? ref;
    if (!meta) throw new Error(`no metadata for command ${fullName}`);
    let subs: Map<string, Command> | null = null;
    const command = new Command(name, fullName, meta, def.run, null, parent, def.getKeys);
    if (def.subcommands) {
      subs = new Map();
      const children: Record<string, CommandMeta> = {};
      for (const [sub, subDef] of Object.entries(def.subcommands)) {
        const child = this.build(sub, `${fullName}|${sub}`, subDef, meta.subcommands?.[sub], command);
        subs.set(sub, child);
        children[sub] = child.meta;
      }
      (command as { subcommands: Map<string, Command> | null }).subcommands = subs;
      // Only the subcommands that exist are listed by COMMAND.
      (command as { meta: CommandMeta }).meta = { ...meta, subcommands: children };
    }
    return command;
  }

  // Pipelines mostly repeat one command: comparing with the last name found avoids hashing.
  private lastName = '';
  private lastCommand: Command | undefined;

  /** The command named by argv[0] (case-insensitive). */
  get(name: string): Command | undefined {
    if (name === this.lastName) return this.lastCommand;
    const cmd = this.byName.get(name) ?? this.byName.get(name.toLowerCase());
    if (cmd !== undefined) {
      this.lastName = name;
      this.lastCommand = cmd;
    }
    return cmd;
  }

  all(): IterableIterator<Command> {
    return this.byName.values();
  }

  /**
   * rename-command: the command answers to `to` instead (to nothing when `to` is empty).
   * Returns Redis's error text, or undefined.
   */
  rename(from: string, to: string): string | undefined {
    const cmd = this.byName.get(from.toLowerCase());
    if (cmd === undefined) return 'No such command in rename-command';
    this.byName.delete(from.toLowerCase());
    this.lastName = '';
    this.lastCommand = undefined;
    if (to === '') return undefined;
    if (this.byName.has(to.toLowerCase())) return 'Target command name already exists';
    this.byName.set(to.toLowerCase(), cmd);
    return undefined;
  }

  get size(): number {
    return this.byName.size;
  }
}
