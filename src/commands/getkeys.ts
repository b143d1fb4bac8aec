// Key extraction as COMMAND GETKEYS / GETKEYSANDFLAGS report it: key specs first (when they
// describe the keys completely and with fixed flags), otherwise the command-specific key finder
// Redis has for the commands whose keys move around (SORT ... STORE, MIGRATE ... KEYS, SET ...
// GET, EVAL's numkeys …), with the flags those finders report.

import { keysFromSpecs, type Command, type KeyRef } from './command.js';

type Finder = (argv: string[]) => KeyRef[];

const RO_ACCESS = ['RO', 'access'];
const OW_UPDATE = ['OW', 'update'];
const RW_ACCESS_UPDATE = ['RW', 'access', 'update'];
const RW_ACCESS_DELETE = ['RW', 'access', 'delete'];
const NO_FLAGS: string[] = [];

/** C's atoi: optional blanks and sign, then digits, up to the first other character. */
function atoi(s: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const n = Number(m[1]);
  return n > 2147483647 ? 2147483647 : n < -2147483648 ? -2147483648 : n;
}

function eq(arg: string, word: string): boolean {
  return arg.length === word.length && arg.toLowerCase() === word;
}

/**
 * `[destkey] <numkeys> <key> ...`: numkeys keys from `first` (every `step`), then the
 * destination key if there is one. No keys when numkeys is not usable.
 */
function numkeysFinder(store: number, countAt: number, first: number, step: number): Finder {
  return (argv) => {
    const num = atoi(argv[countAt]);
    if (num < 1 || num > Math.trunc((argv.length - first) / step)) return [];
    const keys: KeyRef[] = [];
    for (let i = 0; i < num; i++) keys.push({ pos: first + i * step, flags: NO_FLAGS });
    if (store !== 0) keys.push({ pos: store, flags: NO_FLAGS });
    return keys;
  };
}

function sortKeys(argv: string[]): KeyRef[] {
  const keys: KeyRef[] = [{ pos: 1, flags: RO_ACCESS }];
  let store = -1;
  // Options take 0 arguments unless listed; the last STORE wins.
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (eq(a, 'limit')) i += 2;
    else if (eq(a, 'get') || eq(a, 'by')) i += 1;
    else if (eq(a, 'store') && i + 1 < argv.length) store = i + 1;
  }
  if (store !== -1) keys.push({ pos: store, flags: OW_UPDATE });
  return keys;
}

function migrateKeys(argv: string[]): KeyRef[] {
  let first = 3;
  let num = 1;
  if (argv.length > 6) {
    for (let i = 6; i < argv.length; i++) {
      const a = argv[i];
      if (eq(a, 'keys')) {
        // MIGRATE host port "" db timeout ... KEYS k1 k2: the key argument must be empty.
        if (argv[3].length > 0) {
          num = 0;
        } else {
          first = i + 1;
          num = argv.length - first;
        }
        break;
      }
      if (eq(a, 'auth')) i += 1;
      else if (eq(a, 'auth2')) i += 2;
    }
  }
  const keys: KeyRef[] = [];
  for (let i = 0; i < num; i++) keys.push({ pos: first + i, flags: RW_ACCESS_DELETE });
  return keys;
}

function georadiusKeys(argv: string[]): KeyRef[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    if ((eq(argv[i], 'store') || eq(argv[i], 'storedist')) && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  const keys: KeyRef[] = [{ pos: 1, flags: NO_FLAGS }];
  if (stored !== -1) keys.push({ pos: stored, flags: NO_FLAGS });
  return keys;
}

function xreadKeys(argv: string[]): KeyRef[] {
  let streams = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (eq(a, 'block') || eq(a, 'count')) i++;
    else if (eq(a, 'group')) i += 2;
    else if (eq(a, 'noack')) continue;
    else {
      if (eq(a, 'streams')) streams = i;
      break;
    }
  }
  if (streams === -1) return [];
  const rest = argv.length - streams - 1;
  if (rest === 0 || rest % 2 !== 0) return [];
  const keys: KeyRef[] = [];
  for (let i = streams + 1; i < argv.length - rest / 2; i++) keys.push({ pos: i, flags: NO_FLAGS });
  return keys;
}

function setKeys(argv: string[]): KeyRef[] {
  for (let i = 3; i < argv.length; i++) {
    if (eq(argv[i], 'get')) return [{ pos: 1, flags: RW_ACCESS_UPDATE }];
  }
  return [{ pos: 1, flags: OW_UPDATE }];
}

function bitfieldKeys(argv: string[]): KeyRef[] {
  let readOnly = true;
  for (let i = 2; i < argv.length; i++) {
    const left = argv.length - i - 1;
    const a = argv[i];
    if (eq(a, 'get') && left >= 2) {
      i += 2;
    } else if ((eq(a, 'set') || eq(a, 'incrby')) && left >= 3) {
      readOnly = false;
      break;
    } else if (eq(a, 'overflow') && left >= 1) {
      i += 1;
    } else {
      readOnly = false;
      break;
    }
  }
  return [{ pos: 1, flags: readOnly ? RO_ACCESS : RW_ACCESS_UPDATE }];
}

/** Redis's command-specific key finders, by command name. */
const FINDERS: Record<string, Finder> = {
  bitfield: bitfieldKeys,
  migrate: migrateKeys,
  sort: sortKeys,
  sort_ro: () => [{ pos: 1, flags: RO_ACCESS }],
  georadius: georadiusKeys,
  georadiusbymember: georadiusKeys,
  blmpop: numkeysFinder(0, 2, 3, 1),
  bzmpop: numkeysFinder(0, 2, 3, 1),
  lmpop: numkeysFinder(0, 1, 2, 1),
  zmpop: numkeysFinder(0, 1, 2, 1),
  eval: numkeysFinder(0, 2, 3, 1),
  evalsha: numkeysFinder(0, 2, 3, 1),
  eval_ro: numkeysFinder(0, 2, 3, 1),
  evalsha_ro: numkeysFinder(0, 2, 3, 1),
  fcall: numkeysFinder(0, 2, 3, 1),
  fcall_ro: numkeysFinder(0, 2, 3, 1),
  sintercard: numkeysFinder(0, 1, 2, 1),
  zdiff: numkeysFinder(0, 1, 2, 1),
  zinter: numkeysFinder(0, 1, 2, 1),
  zintercard: numkeysFinder(0, 1, 2, 1),
  zunion: numkeysFinder(0, 1, 2, 1),
  zdiffstore: numkeysFinder(1, 2, 3, 1),
  zinterstore: numkeysFinder(1, 2, 3, 1),
  zunionstore: numkeysFinder(1, 2, 3, 1),
  xread: xreadKeys,
  xreadgroup: xreadKeys,
  set: setKeys,
};

/**
 * A command-specific key finder as a positions-only function (CommandDef.getKeys), for the
 * commands whose keys key specs cannot locate (used where only positions matter: client-side
 * tracking, snapshot guards).
 */
export function finderPositions(name: string): (argv: string[]) => number[] {
  const finder = FINDERS[name];
  if (finder === undefined) throw new Error(`no key finder for ${name}`);
  return (argv) => finder(argv).map((k) => k.pos);
}

function hasKeySpec(cmd: Command): boolean {
  return cmd.meta.keySpecs.some((s) => !s.flags.includes('not_key'));
}

/** Whether the command takes keys at all (COMMAND GETKEYS refuses those that don't). */
export function commandHasKeys(cmd: Command): boolean {
  return FINDERS[cmd.fullName] !== undefined || hasKeySpec(cmd);
}

/** The keys of a call (argv[0] is the command name), with their flags. */
export function commandKeys(cmd: Command, argv: string[]): KeyRef[] {
  const specs = cmd.meta.keySpecs;
  if (hasKeySpec(cmd) && !specs.some((s) => s.flags.includes('variable_flags'))) {
    const keys = keysFromSpecs(specs, argv);
    if (keys !== null) return keys;
  }
  const finder = FINDERS[cmd.fullName];
  return finder === undefined ? [] : finder(argv);
}
