// Setting types: how a setting's text is parsed and printed, with Redis's error wording.

export type Parsed<T> = { value: T } | { error: string };

export interface SettingType<T> {
  parse(text: string): Parsed<T>;
  format(value: T): string;
}

export const bool: SettingType<boolean> = {
  parse(text) {
    const t = text.toLowerCase();
    if (t === 'yes') return { value: true };
    if (t === 'no') return { value: false };
    return { error: "argument must be 'yes' or 'no'" };
  },
  format: (v) => (v ? 'yes' : 'no'),
};

/** Integers in [min, max]. */
export function int(min: number, max: number): SettingType<number> {
  return {
    parse(text) {
      if (!/^-?\d+$/.test(text)) return { error: "argument couldn't be parsed into an integer" };
      const v = Number(text);
      if (v < min || v > max) return { error: `argument must be between ${min} and ${max} inclusive` };
      return { value: v };
    },
    format: (v) => String(v),
  };
}

const UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1000, kb: 1024, m: 1000 * 1000, mb: 1024 * 1024, g: 1000 * 1000 * 1000, gb: 1024 * 1024 * 1024,
};

/** Parses a memory amount like "1gb" or "100mb" (memtoull); undefined when invalid. */
export function parseMemory(text: string): number | undefined {
  const m = /^(-?\d+)([a-zA-Z]*)$/.exec(text);
  if (!m) return undefined;
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  return Number(m[1]) * unit;
}

/** Byte amounts with unit suffixes, in [min, max]. CONFIG GET prints plain bytes. */
export function memory(min: number, max: number): SettingType<number> {
  return {
    parse(text) {
      const v = parseMemory(text);
      if (v === undefined) return { error: 'argument must be a memory value' };
      if (v < min || v > max) return { error: `argument must be between ${min} and ${max} inclusive` };
      return { value: v };
    },
    format: (v) => String(v),
  };
}

/** One of a fixed set of names (case-insensitive). */
export function oneOf(names: readonly string[]): SettingType<string> {
  return {
    parse(text) {
      const t = text.toLowerCase();
      if (names.includes(t)) return { value: t };
      return { error: `argument(s) must be one of the following: ${names.join(', ')}` };
    },
    format: (v) => v,
  };
}

/** Free text. */
export const text: SettingType<string> = {
  parse: (t) => ({ value: t }),
  format: (v) => v,
};
