// What INFO reports, open to every family: the INFO command builds Redis's sections with
// Larder's own values, and any family can supply or add fields, replace a whole section or add
// one, without touching the INFO command. Registrations are made when a family first needs
// them (usually where it creates its server state); until then Larder's defaults stand (zeros
// for features that aren't used).
//
//   server.info.field('clients', 'blocked_clients', () => blocking.blockedCount);
//   server.info.field('stats', 'pubsub_channels', () => channels.size);
//   server.info.field('persistence', 'rdb_saves', () => st.saves);           // known field
//   server.info.field('persistence', 'aof_current_size', () => n, { after: 'module_fork_last_cow_size' });
//   server.info.section('replication', () => [['role', 'master'], ...]);   // whole section
//   server.info.onReset(() => { st.saves = 0; });                           // CONFIG RESETSTAT

export type InfoValue = string | number | bigint;
/** A section's content: field name and value pairs, in order. */
export type InfoFields = [string, InfoValue][];

interface FieldProvider {
  name: string;
  value: () => InfoValue | undefined;
  after?: string;
}

export class InfoRegistry {
  private readonly fields = new Map<string, FieldProvider[]>();
  private readonly sections = new Map<string, () => InfoFields>();
  /** Sections families added (not Redis's): their names and titles, in order. */
  readonly extraSections: { name: string; title: string; inDefault: boolean }[] = [];
  private readonly resetHooks: (() => void)[] = [];

  /**
   * Supplies a field of a section. A field INFO already reports gets its value from `value`
   * (undefined keeps the default); a new field goes after `after`, or at the end of the
   * section. Registering the same field again replaces the provider.
   */
  field(section: string, name: string, value: () => InfoValue | undefined, opts: { after?: string } = {}): void {
    const list = this.fields.get(section) ?? [];
    const i = list.findIndex((f) => f.name === name);
    const p = { name, value, after: opts.after };
    if (i >= 0) list[i] = p;
    else list.push(p);
    this.fields.set(section, list);
  }

  /**
   * Replaces a Redis section's generator, or adds a section of Larder's own (reported with
   * `all`, by name, and with the defaults when `inDefault`). `title` is the header ("# Title").
   */
  section(name: string, generate: () => InfoFields, opts: { title?: string; inDefault?: boolean } = {}): void {
    const key = name.toLowerCase();
    this.sections.set(key, generate);
    if (opts.title !== undefined && !this.extraSections.some((s) => s.name === key)) {
      this.extraSections.push({ name: key, title: opts.title, inDefault: opts.inDefault ?? false });
    }
  }

  /** Called by CONFIG RESETSTAT, after Larder's own statistics are reset. */
  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  reset(): void {
    for (const h of this.resetHooks) h();
  }

  /** A replaced section's generator, if any. */
  sectionGenerator(name: string): (() => InfoFields) | undefined {
    return this.sections.get(name);
  }

  /** Applies the registered field providers to a section's default fields. */
  apply(section: string, fields: InfoFields): InfoFields {
    const providers = this.fields.get(section);
    if (!providers) return fields;
    for (const p of providers) {
      const i = fields.findIndex((f) => f[0] === p.name);
      const v = p.value();
      if (i >= 0) {
        if (v !== undefined) fields[i] = [p.name, v];
        continue;
      }
      if (v === undefined) continue;
      const after = p.after === undefined ? -1 : fields.findIndex((f) => f[0] === p.after);
      if (after >= 0) fields.splice(after + 1, 0, [p.name, v]);
      else fields.push([p.name, v]);
    }
    return fields;
  }
}
