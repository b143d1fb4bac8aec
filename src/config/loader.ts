// Startup configuration, as redis-server reads it: a config file (or stdin), then the command
// line options appended to it as more lines ("--port 6380" becomes "port 6380"). Lines are
// split like inline requests (quotes, escapes), `include` reads other files, and the first
// error ends the process with Redis's "FATAL CONFIG FILE ERROR" report.

import fs from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../resp/split-args.js';
import { globMatch } from '../util/glob.js';
import { SettingFlag, type Config, type Directive } from './config.js';
import { repr } from '../util/repr.js';

export const REDIS_VERSION_FOR_ERRORS = '7.0.15';

export type { Directive };

/** Thrown for a configuration error; main prints it the way Redis does and exits with 1. */
export class ConfigLoadError extends Error {
  constructor(
    message: string,
    /** The offending line and its 1-based number, when the error is about a line. */
    readonly line?: { number: number; text: string },
    /** Logged as a server warning instead of the FATAL report (a file that can't be opened). */
    readonly asLog = false,
  ) {
    super(message);
  }

  /** The report redis-server prints on stderr. */
  report(): string {
    let out = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION_FOR_ERRORS}) ***\n`;
    if (this.line) out += `Reading the configuration file, at line ${this.line.number}\n>>> '${this.line.text}'\n`;
    return out + this.message + '\n';
  }
}

/** What the command line asks for. */
export interface CommandLine {
  /** Absolute path of the config file, if one was given. */
  configFile: string | null;
  fromStdin: boolean;
  /** The options as config text (one directive per line), appended after the file. */
  options: string;
  /** No arguments at all (Redis warns that it runs with the default config). */
  noArguments: boolean;
}

/**
 * Turns redis-server's arguments into config text exactly as Redis does: `--name` starts a
 * directive, following arguments are its (quoted) values, `--name value` in one argument works
 * too, a value may itself start with `--` when the option has none yet, and a bare `--save`
 * means `save ""`.
 */
export function parseCommandLine(args: string[]): CommandLine {
  const out: CommandLine = { configFile: null, fromStdin: false, options: '', noArguments: args.length === 0 };
  if (args.length === 0) return out;
  let j = 0;
  if (!args[0].startsWith('-')) {
    out.configFile = path.resolve(args[0]);
    j = 1;
  }
  let handledLast = true;
  let options = '';
  for (; j < args.length; j++) {
    const a = args[j];
    const last = j === args.length - 1;
    if (a === '-' && (j === 0 || last)) {
      out.fromStdin = true;
    } else if (handledLast && a.startsWith('--')) {
      if (options.length) options += '\n';
      options += a.slice(2) + ' ';
      const words = splitArgs(a);
      if (words !== null && words.length === 1) {
        handledLast = false;
        const next = args[j + 1];
        const isSave = a.toLowerCase() === '--save';
        if (!last && next.startsWith('--') && isSave) {
          options += '""';
          handledLast = true;
        } else if (last && isSave) {
          options += '""';
        } else if (!last && next.startsWith('--') && a.toLowerCase() === '--sentinel') {
          handledLast = true;
        }
      } else {
        handledLast = true;
      }
    } else {
      options += repr(a) + ' ';
      handledLast = true;
    }
  }
  out.options = options;
  return out;
}

/** Directives of old Redis versions that are accepted and ignored. */
const DEPRECATED: Record<string, [number, number]> = {
  'list-max-ziplist-entries': [2, 2],
  'list-max-ziplist-value': [2, 2],
  'lua-replicate-commands': [2, 2],
};

export class ConfigLoader {
  /** Settings already met in this load (a repeated `save` adds to the first). */
  private readonly seen = new Set<string>();
  /** Module settings (`name.setting value`) waiting for a module that will never come. */
  readonly moduleSettings = new Map<string, string>();

  constructor(private readonly config: Config) {}

  /** Reads the file (and stdin) and the options; throws ConfigLoadError. */
  load(cmd: CommandLine, readStdin: () => string = () => fs.readFileSync(0, 'latin1')): void {
    let text = '';
    if (cmd.configFile !== null) text += this.readFile(cmd.configFile);
    if (cmd.fromStdin) text += readStdin();
    text += '\n' + cmd.options;
    this.loadString(text);
  }

  /** Reads a config file (or the files a glob pattern matches), as include does. */
  private readFile(file: string): string {
    if (/[*?[]/.test(file)) {
      let text = '';
      for (const f of expandGlob(file)) text += this.readOne(f);
      return text;
    }
    return this.readOne(file);
  }

  private readOne(file: string): string {
    try {
      return fs.readFileSync(file, 'latin1');
    } catch (e) {
      throw new ConfigLoadError(`Fatal error, can't open config file '${file}': ${errnoText(e)}`, undefined, true);
    }
  }

  /** Applies config text line by line. */
  loadString(text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '' || line[0] === '#') continue;
      const fail = (message: string) => new ConfigLoadError(message, { number: i + 1, text: line });
      const argv = splitArgs(line);
      if (argv === null) throw fail('Unbalanced quotes in configuration line');
      if (argv.length === 0) continue;
      const name = argv[0].toLowerCase();
      const args = argv.slice(1);
      const setting = this.config.lookup(name);
      if (setting) {
        const multi = ((setting.flags ?? 0) & SettingFlag.MultiArg) !== 0;
        let values = args;
        // A multi-argument setting given as one argument ("--save '3600 1'") is split again;
        // an empty one ("--save ''") stays empty.
        if (multi && args.length === 1 && args[0] !== '') values = splitArgs(args[0]) ?? [];
        const e = this.config.setFromArgs(setting, values, this.seen.has(setting.name));
        this.seen.add(setting.name);
        if (e) throw fail(e);
        continue;
      }
      const dep = DEPRECATED[name];
      if (dep && argv.length >= dep[0] && argv.length <= dep[1]) continue;
      if (name === 'include' && argv.length === 2) {
        this.loadString(this.readFile(args[0]));
        continue;
      }
      const directive = this.config.directives.get(name);
      if (directive) {
        const e = directive(args);
        if (e) throw fail(e);
        continue;
      }
      if (name.includes('.')) {
        if (args.length < 1) throw fail('Module config specified without value');
        this.moduleSettings.set(name, args.join(' '));
        continue;
      }
      if (name === 'sentinel') {
        if (args.length !== 0) throw fail('sentinel directive while not in sentinel mode');
        continue;
      }
      throw fail('Bad directive or wrong number of arguments');
    }
  }

  /** The checks Redis makes once everything is read. */
  finish(): void {
    const logfile = this.config.values.logfile as string;
    if (logfile !== '') {
      try {
        fs.closeSync(fs.openSync(logfile, 'a'));
      } catch (e) {
        throw new ConfigLoadError(`Can't open the log file: ${errnoText(e)}`);
      }
    }
  }
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: 'No such file or directory', EACCES: 'Permission denied', EISDIR: 'Is a directory', ENOTDIR: 'Not a directory',
  };
  return (code && known[code]) || (e as Error).message;
}

/** Files matching a glob pattern (wildcards in any path component), sorted as glob(3) does. */
function expandGlob(pattern: string): string[] {
  const abs = path.isAbsolute(pattern);
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let current = [abs ? '/' : '.'];
  for (let i = abs ? 1 : 0; i < parts.length; i++) {
    const part = parts[i];
    const next: string[] = [];
    for (const dir of current) {
      if (!/[*?[]/.test(part)) {
        const p = path.join(dir, part);
        if (fs.existsSync(p)) next.push(p);
        continue;
      }
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        if (n.startsWith('.') && !part.startsWith('.')) continue;
        if (globMatch(part, n)) next.push(path.join(dir, n));
      }
    }
    current = next;
  }
  return abs ? current : current.map((p) => (pattern.startsWith('./') ? './' + p : p));
}
