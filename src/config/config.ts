// The settings store: one table of settings behind the command line, config files and
// CONFIG GET/SET/REWRITE. Values are kept parsed; `values[name]` is what the server reads.

import type { Parsed, RewriteLine, SettingType } from './types.js';
import { globMatch } from '../util/glob.js';

export const enum SettingFlag {
  Immutable = 1 << 0,
  /** Settable only with enable-protected-configs. */
  Protected = 1 << 1,
  /** Redacted from logs, SLOWLOG and MONITOR. */
  Sensitive = 1 << 2,
  /** Not settable while loading. */
  DenyLoading = 1 << 3,
  /** Takes several arguments on the command line or in a config file. */
  MultiArg = 1 << 4,
  /** Not matched by CONFIG GET patterns (only by its exact name). */
  Hidden = 1 << 5,
  /**
   * Larder-internal: readable by the server in `values`, but not a Redis 7.0 setting, so
   * CONFIG GET/SET/REWRITE and config files don't know it.
   */
  Internal = 1 << 6,
}

export interface Setting<T = any> {
  name: string;
  alias?: string;
  type: SettingType<T>;
  /** Default, as text (parsed with `type`). */
  default: string;
  /** The default value itself, for settings whose default can't be written as an argument (replicaof). */
  initial?: T;
  flags?: number;
  /**
   * Called after the value changed (at startup once with the final value, then by CONFIG SET).
   * Returns an error message to make CONFIG SET fail and roll back.
   */
  apply?: (value: T, old: T) => string | void;
  /**
   * Called as soon as a value is set, including while a config file is read (`dir` changes
   * the working directory at once, so later relative paths resolve against it). Returns an
   * error message to reject the value.
   */
  onSet?: (value: T) => string | void;
  /** While one config file is read, a repeated directive adds to the earlier ones (save). */
  accumulate?: (previous: T, next: T) => T;
  /** CONFIG GET's text from live state instead of the stored value (dir). */
  get?: () => string;
  /** CONFIG REWRITE from live state (dir writes the working directory). */
  rewrite?: () => RewriteLine[] | null;
}

export type SetResult = { ok: true } | { ok: false; message: string };

/** A config file directive that is not a setting (rename-command, user…): returns an error text. */
export type Directive = (args: string[]) => string | undefined;

/** Lines another part of the server writes on CONFIG REWRITE (ACL users, renamed commands…). */
export type RewriteContributor = (force: boolean) => { option: string; lines: string[] }[];

export class Config {
  private readonly byName = new Map<string, Setting>();
  readonly settings: Setting[];
  readonly values: Record<string, any> = Object.create(null);
  /** Exact CONFIG GET text for values whose `format` would lose precision (64-bit numbers). */
  private readonly texts = new Map<string, string>();
  private readonly defaults = new Map<string, any>();
  /** Whether apply hooks run (off until the server is wired up). */
  private applying = false;
  /** The config file's absolute path (CONFIG REWRITE), when started with one. */
  file: string | null = null;
  /** Extra directives CONFIG REWRITE writes (see RewriteContributor). */
  readonly rewriteContributors: RewriteContributor[] = [];
  /**
   * Config file directives other than settings, by lowercase name (rename-command; the ACL
   * family adds `user`). They must be registered before the configuration is read.
   */
  readonly directives = new Map<string, Directive>();

  constructor(settings: Setting[]) {
    this.settings = settings;
    for (const s of settings) this.add(s);
  }

  /** Adds a setting (families may define their own at startup). */
  add(s: Setting): void {
    if (!this.settings.includes(s)) this.settings.push(s);
    this.byName.set(s.name, s);
    if (s.alias) this.byName.set(s.alias, s);
    const parsed = 'initial' in s ? { value: s.initial } : this.parseFor(s, s.default, undefined);
    if ('error' in parsed) throw new Error(`bad default for ${s.name}: ${parsed.error}`);
    this.values[s.name] = parsed.value;
    this.defaults.set(s.name, parsed.value);
    if (parsed.text !== undefined) this.texts.set(s.name, parsed.text);
  }

  /** A setting by name or alias (case-insensitive); Larder-internal settings aren't found. */
  lookup(name: string): Setting | undefined {
    const s = this.byName.get(name.toLowerCase());
    return s && ((s.flags ?? 0) & SettingFlag.Internal) === 0 ? s : undefined;
  }

  defaultOf(s: Setting): any {
    return this.defaults.get(s.name);
  }

  /** Runs every apply hook once with the current values, and from now on after each change. */
  startApplying(): string | undefined {
    this.applying = true;
    const done = new Set<Setting['apply']>();
    for (const s of this.settings) {
      if (!s.apply || done.has(s.apply)) continue;
      done.add(s.apply);
      const e = s.apply(this.values[s.name], this.values[s.name]);
      if (e) return `${s.name}: ${e}`;
    }
    return undefined;
  }

  format(s: Setting): string {
    if (s.get) return s.get();
    return this.texts.get(s.name) ?? s.type.format(this.values[s.name]);
  }

  get(name: string): string | undefined {
    const s = this.lookup(name);
    return s ? this.format(s) : undefined;
  }

  private parseFor(s: Setting, text: string, current: unknown): Parsed<any> {
    const t = s.type as SettingType<any>;
    if ((s.flags ?? 0) & SettingFlag.MultiArg && t.parseArgs) {
      // CONFIG SET splits a multi-argument value at single spaces (empty pieces included).
      return t.parseArgs(text === '' ? [] : text.split(' '), current);
    }
    return t.parse(text, current);
  }

  /** Stores a parsed value (and its exact text). */
  private store(s: Setting, parsed: { value: any; text?: string }): void {
    // A setting shown from live state (dir) keeps that state as its value, so that a
    // rollback restores the absolute directory.
    this.values[s.name] = s.get ? s.get() : parsed.value;
    if (parsed.text !== undefined) this.texts.set(s.name, parsed.text);
    else this.texts.delete(s.name);
  }

  /**
   * Sets a setting from a config file line or command line option (arguments after the
   * name). Returns Redis's error text, or undefined. `accumulateAfterFirst`: the setting was
   * already met while reading this configuration, so an accumulating setting (save) adds to
   * it instead of replacing it.
   */
  setFromArgs(s: Setting, args: string[], accumulateAfterFirst: boolean): string | undefined {
    const multi = ((s.flags ?? 0) & SettingFlag.MultiArg) !== 0;
    if (!multi && args.length !== 1) return 'wrong number of arguments';
    const current = this.values[s.name];
    let parsed: Parsed<any>;
    const t = s.type as SettingType<any>;
    if (multi && t.parseArgs) parsed = t.parseArgs(args, current);
    else parsed = t.parse(multi ? args.join(' ') : args[0], current);
    if ('error' in parsed) return parsed.error;
    if (s.onSet) {
      const e = s.onSet(parsed.value);
      if (e) return e;
    }
    // A repeated directive adds to the earlier ones, but an explicit empty value resets them.
    if (s.accumulate && accumulateAfterFirst && !(args.length === 1 && args[0] === '')) {
      this.store(s, { value: s.accumulate(current, parsed.value) });
    } else {
      this.store(s, parsed);
    }
    return undefined;
  }

  /**
   * CONFIG SET: sets several settings at once, all or none, with Redis's checks and error
   * texts (names are matched case-insensitively). Apply hooks run after every value is set,
   * once per hook, for changed settings only; a failing hook restores every value.
   */
  set(pairs: [string, string][], opts: { allowProtected?: boolean; loading?: boolean; startup?: boolean } = {}): SetResult {
    const chosen: Setting[] = [];
    const names: string[] = [];
    let unknown: string | undefined;
    let failure: { name: string; error: string } | undefined;
    let invalid = false;
    let denyLoading = false;
    for (const [name] of pairs) {
      const s = this.lookup(name);
      if (!s) {
        if (!invalid) {
          unknown = name;
          invalid = true;
        }
        continue;
      }
      if (invalid) continue;
      const flags = s.flags ?? 0;
      if (!opts.startup && (flags & SettingFlag.Immutable || (flags & SettingFlag.Protected && !opts.allowProtected))) {
        failure = { name, error: flags & SettingFlag.Immutable ? "can't set immutable config" : "can't set protected config" };
        invalid = true;
        continue;
      }
      if (opts.loading && flags & SettingFlag.DenyLoading) {
        denyLoading = true;
        invalid = true;
        continue;
      }
      if (chosen.includes(s)) {
        failure = { name, error: 'duplicate parameter' };
        invalid = true;
        continue;
      }
      chosen.push(s);
      names.push(name.toLowerCase());
    }
    if (denyLoading) return { ok: false, message: 'LOADING Redis is loading the dataset in memory' };
    if (unknown !== undefined) return { ok: false, message: `ERR Unknown option or number of arguments for CONFIG SET - '${unknown}'` };
    if (failure) return { ok: false, message: `ERR CONFIG SET failed (possibly related to argument '${failure.name}') - ${failure.error}` };

    const old = chosen.map((s) => this.values[s.name]);
    const oldTexts = chosen.map((s) => this.texts.get(s.name));
    const restore = (upTo: number) => {
      for (let j = 0; j < upTo; j++) {
        if (chosen[j].onSet && this.values[chosen[j].name] !== old[j]) chosen[j].onSet!(old[j]);
        this.values[chosen[j].name] = old[j];
        if (oldTexts[j] === undefined) this.texts.delete(chosen[j].name);
        else this.texts.set(chosen[j].name, oldTexts[j]!);
      }
    };
    const changed: boolean[] = [];
    for (let i = 0; i < chosen.length; i++) {
      const s = chosen[i];
      const before = this.format(s);
      const parsed = this.parseFor(s, pairs[i][1], this.values[s.name]);
      let error = 'error' in parsed ? parsed.error : undefined;
      if (!error && s.onSet) error = s.onSet((parsed as { value: unknown }).value) || undefined;
      if (error) {
        restore(i);
        return { ok: false, message: `ERR CONFIG SET failed (possibly related to argument '${names[i]}') - ${error}` };
      }
      this.store(s, parsed as { value: any; text?: string });
      changed.push(this.format(s) !== before);
    }
    if (this.applying) {
      const applied: { s: Setting; i: number }[] = [];
      for (let i = 0; i < chosen.length; i++) {
        const s = chosen[i];
        if (!s.apply || !changed[i] || applied.some((a) => a.s.apply === s.apply)) continue;
        applied.push({ s, i });
      }
      for (let k = 0; k < applied.length; k++) {
        const { s, i } = applied[k];
        const e = s.apply!(this.values[s.name], old[i]);
        if (e) {
          const current = chosen.map((c) => this.values[c.name]);
          restore(chosen.length);
          for (const a of applied) a.s.apply!(this.values[a.s.name], current[a.i]);
          return { ok: false, message: `ERR CONFIG SET failed (possibly related to argument '${names[i]}') - ${e}` };
        }
      }
    }
    return { ok: true };
  }

  /**
   * CONFIG GET: name/value pairs for the settings matching any of the patterns. A name
   * without glob characters is looked up exactly (hidden settings too) and reported as asked;
   * patterns match names and aliases case-insensitively, skipping hidden settings.
   */
  matching(patterns: string[]): [string, string][] {
    const out = new Map<string, [string, string]>();
    for (const pattern of patterns) {
      if (!/[[*?]/.test(pattern)) {
        const key = pattern.toLowerCase();
        if (out.has(key)) continue;
        const s = this.lookup(pattern);
        if (s) out.set(key, [pattern, this.format(s)]);
        continue;
      }
      for (const s of this.settings) {
        const flags = s.flags ?? 0;
        if (flags & (SettingFlag.Hidden | SettingFlag.Internal)) continue;
        for (const name of s.alias ? [s.name, s.alias] : [s.name]) {
          if (out.has(name)) continue;
          if (globMatch(pattern, name, true)) out.set(name, [name, this.format(s)]);
        }
      }
    }
    return [...out.values()];
  }

  /** CONFIG REWRITE's lines for one setting, or null when it must not appear in the file. */
  rewriteLines(s: Setting): RewriteLine[] | null {
    if (s.rewrite) return s.rewrite();
    const value = this.values[s.name];
    const def = this.defaults.get(s.name);
    if (s.type.rewrite) return s.type.rewrite(value, def, this.texts.get(s.name));
    const text = this.format(s);
    return [{ args: text, force: text !== s.type.format(def) }];
  }

  /** The settings Redis knows (all but Larder-internal ones). */
  visibleSettings(): Setting[] {
    return this.settings.filter((s) => ((s.flags ?? 0) & SettingFlag.Internal) === 0);
  }
}
