// The settings store: one table of settings behind the command line, config files and
// CONFIG GET/SET. Values are kept parsed; `values[name]` is what the server reads.

import type { SettingType } from './types.js';

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
}

export interface Setting<T = any> {
  name: string;
  alias?: string;
  type: SettingType<T>;
  /** Default, as text (parsed with `type`). */
  default: string;
  flags?: number;
  /**
   * Called after the value changed (at startup and by CONFIG SET). Returns an error message to
   * make CONFIG SET fail and roll back.
   */
  apply?: (value: T, old: T) => string | void;
}

export type SetResult = { ok: true } | { ok: false; message: string };

export class Config {
  private readonly byName = new Map<string, Setting>();
  readonly settings: Setting[];
  readonly values: Record<string, any> = Object.create(null);
  /** Whether apply hooks run (off until the server is wired up). */
  private applying = false;

  constructor(settings: Setting[]) {
    this.settings = settings;
    for (const s of settings) {
      this.byName.set(s.name, s);
      if (s.alias) this.byName.set(s.alias, s);
      const parsed = s.type.parse(s.default);
      if ('error' in parsed) throw new Error(`bad default for ${s.name}: ${parsed.error}`);
      this.values[s.name] = parsed.value;
    }
  }

  lookup(name: string): Setting | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Runs every apply hook once with the current values, and from now on after each change. */
  startApplying(): string | undefined {
    this.applying = true;
    for (const s of this.settings) {
      if (!s.apply) continue;
      const e = s.apply(this.values[s.name], this.values[s.name]);
      if (e) return `${s.name}: ${e}`;
    }
    return undefined;
  }

  format(s: Setting): string {
    return s.type.format(this.values[s.name]);
  }

  get(name: string): string | undefined {
    const s = this.lookup(name);
    return s ? this.format(s) : undefined;
  }

  /**
   * Sets several settings at once, all or none, as CONFIG SET does (and as startup does with
   * `startup` set, where immutable settings are allowed). Names are matched case-insensitively.
   */
  set(pairs: [string, string][], opts: { startup?: boolean; allowProtected?: boolean; loading?: boolean } = {}): SetResult {
    const chosen: Setting[] = [];
    let unknown: string | undefined;
    let failure: { name: string; error: string } | undefined;
    let denyLoading = false;
    for (const [name, value] of pairs) {
      void value;
      const s = this.lookup(name);
      if (!s) {
        unknown ??= name;
        continue;
      }
      if (unknown || failure) continue;
      if (!opts.startup && (s.flags ?? 0) & SettingFlag.Immutable) {
        failure = { name, error: "can't set immutable config" };
        continue;
      }
      if (!opts.startup && (s.flags ?? 0) & SettingFlag.Protected && !opts.allowProtected) {
        failure = { name, error: "can't set protected config" };
        continue;
      }
      if (opts.loading && (s.flags ?? 0) & SettingFlag.DenyLoading) {
        denyLoading = true;
        failure = { name, error: '' };
        continue;
      }
      if (chosen.includes(s)) {
        failure = { name, error: 'duplicate parameter' };
        continue;
      }
      chosen.push(s);
    }
    if (denyLoading) return { ok: false, message: 'LOADING Redis is loading the dataset in memory' };
    if (unknown !== undefined) return { ok: false, message: `ERR Unknown option or number of arguments for CONFIG SET - '${unknown}'` };
    if (failure) return { ok: false, message: `ERR CONFIG SET failed (possibly related to argument '${failure.name}') - ${failure.error}` };

    const old = chosen.map((s) => this.values[s.name]);
    for (let i = 0; i < chosen.length; i++) {
      const s = chosen[i];
      const parsed = s.type.parse(pairs[i][1]);
      if ('error' in parsed) {
        for (let j = 0; j < i; j++) this.values[chosen[j].name] = old[j];
        return { ok: false, message: `ERR CONFIG SET failed (possibly related to argument '${s.name}') - ${parsed.error}` };
      }
      this.values[s.name] = parsed.value;
    }
    if (this.applying) {
      const applied = new Set<Setting['apply']>();
      for (let i = 0; i < chosen.length; i++) {
        const s = chosen[i];
        if (!s.apply || applied.has(s.apply)) continue;
        applied.add(s.apply);
        const e = s.apply(this.values[s.name], old[i]);
        if (e) {
          for (let j = 0; j < chosen.length; j++) this.values[chosen[j].name] = old[j];
          for (let j = 0; j < chosen.length; j++) if (j !== i) chosen[j].apply?.(old[j], old[j]);
          return { ok: false, message: `ERR CONFIG SET failed (possibly related to argument '${s.name}') - ${e}` };
        }
      }
    }
    return { ok: true };
  }

  /** CONFIG GET: name/value pairs for settings matching any of the glob patterns. */
  matching(patterns: string[], match: (pattern: string, name: string) => boolean): [string, string][] {
    const out = new Map<string, string>();
    for (const pattern of patterns) {
      const lower = pattern.toLowerCase();
      const exact = this.byName.get(lower);
      if (exact) {
        // An exact name (or alias) is reported under the name asked for.
        out.set(lower, this.format(exact));
        continue;
      }
      for (const s of this.settings) {
        const hidden = (s.flags ?? 0) & SettingFlag.Hidden;
        if (!hidden && match(lower, s.name)) out.set(s.name, this.format(s));
        if (!hidden && s.alias && match(lower, s.alias)) out.set(s.alias, this.format(s));
      }
    }
    return [...out];
  }
}
