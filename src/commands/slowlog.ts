// SLOWLOG: commands that ran for at least slowlog-log-slower-than microseconds, newest first,
// at most slowlog-max-len of them. Each entry keeps an id, the time, the duration, the
// arguments (at most 32, each at most 128 bytes, with a note of what was cut), the client's
// address and name. Blocking commands are logged when they are served, as Redis does.
//
// Sensitive arguments (passwords in AUTH, HELLO, CONFIG SET requirepass, MIGRATE…) must not
// reach the slowlog or MONITOR: a handler replaces them in its argv with `redactArgument`
// once it has read them.

import { Flag, type Command, type Family } from './command.js';
import { ClientFlag, type Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { err, OK, type Reply } from '../resp/reply.js';
import { parseInt64 } from '../util/numbers.js';
import { helpReply, subcommandSyntaxError } from './help.js';
import { latencyMonitor } from '../server/latency-monitor.js';

export const REDACTED = '(redacted)';

/** Replaces a sensitive argument of the running command, for the slowlog and MONITOR. */
export function redactArgument(argv: string[], index: number): void {
  if (index < argv.length) argv[index] = REDACTED;
}

const MAX_ARGS = 32;
const MAX_ARG_BYTES = 128;

export interface SlowlogEntry {
  id: number;
  time: number;
  duration: number;
  args: string[];
  peer: string;
  name: string;
}

export class Slowlog {
  /** Oldest first (replies walk it backwards). */
  entries: SlowlogEntry[] = [];
  nextId = 0;
  slowerThan = 10000;
  maxLen = 128;

  constructor(server: Server) {
    const hook = (name: string, apply: (v: number) => void) => {
      const s = server.config.lookup(name)!;
      const prev = s.apply;
      s.apply = prev ? (v, o) => prev(v, o) ?? apply(v) : apply;
      apply(server.config.values[name] as number);
    };
    hook('slowlog-log-slower-than', (v) => {
      this.slowerThan = v;
    });
    hook('slowlog-max-len', (v) => {
      this.maxLen = v;
      this.trim();
    });
  }

  push(c: Client, argv: string[], usec: number): void {
    if (this.slowerThan < 0) return;
    if (usec >= this.slowerThan) {
      const n = Math.min(argv.length, MAX_ARGS);
      const args: string[] = new Array(n);
      for (let j = 0; j < n; j++) {
        if (n !== argv.length && j === n - 1) {
          args[j] = `... (${argv.length - n + 1} more arguments)`;
        } else {
          const a = argv[j];
          args[j] = a.length > MAX_ARG_BYTES ? `${a.slice(0, MAX_ARG_BYTES)}... (${a.length - MAX_ARG_BYTES} more bytes)` : a;
        }
      }
      this.entries.push({ id: this.nextId++, time: Math.floor(Date.now() / 1000), duration: usec, args, peer: c.addr, name: c.name });
    }
    this.trim();
  }

  private trim(): void {
    const excess = this.entries.length - this.maxLen;
    if (excess > 0) this.entries.splice(0, excess);
  }
}

export function slowlog(server: Server): Slowlog {
  return server.state('slowlog', () => new Slowlog(server));
}

/**
 * Installs the per-command bookkeeping after each call: the slowlog and the latency monitor's
 * "command" events. A command that blocked is logged when it is served.
 */
export function installCommandLogging(server: Server): void {
  const log = slowlog(server);
  const monitor = latencyMonitor(server);
  server.afterCallHooks.push((c: Client, cmd: Command, argv: string[], usec: number) => {
    if (monitor.threshold !== 0 && usec >= monitor.threshold * 1000) {
      monitor.add((cmd.flags & Flag.Fast) !== 0 ? 'fast-command' : 'command', Math.floor(usec / 1000));
    }
    if ((c.flags & ClientFlag.Blocked) !== 0) {
      c.ext.blockedCall = { cmd, argv, usec };
      return;
    }
    log.push(c, argv, usec);
  });
  server.unblockHooks.push((c: Client, timedOut: boolean) => {
    const call = c.ext.blockedCall as { cmd: Command; argv: string[]; usec: number } | undefined;
    if (call === undefined) return;
    c.ext.blockedCall = undefined;
    if (timedOut || call.cmd.is(Flag.SkipSlowlog)) return;
    log.push(c, call.argv, call.usec);
  });
}

function countArg(text: string): number {
  const v = parseInt64(text);
  if (v === undefined || v < -1) err('ERR count should be greater than or equal to -1');
  return Number(v);
}

export const slowlogFamily: Family = {
  slowlog: {
    subcommands: {
      get: {
        run: (c, argv): Reply => {
          if (argv.length > 3) err(subcommandSyntaxError(argv));
          const log = slowlog(c.server);
          let count = argv.length === 3 ? countArg(argv[2]) : 10;
          if (count === -1) count = log.entries.length;
          const out: Reply[] = [];
          for (let i = log.entries.length - 1; i >= 0 && out.length < count; i--) {
            const e = log.entries[i];
            out.push([e.id, e.time, e.duration, [...e.args], e.peer, e.name]);
          }
          return out;
        },
      },
      len: { run: (c) => slowlog(c.server).entries.length },
      reset: {
        run: (c) => {
          slowlog(c.server).entries = [];
          return OK;
        },
      },
      help: {
        run: () =>
          helpReply('slowlog', [
            'GET [<count>]',
            '    Return the <count> newest entries of the slowlog (default: 10, -1 for all).',
            '    An entry is: id, timestamp, time in microseconds, arguments array, client IP and port,',
            '    client name',
            'LEN',
            '    Return the number of entries in the slowlog.',
            'RESET',
            '    Empty the slowlog.',
          ]),
      },
    },
  },
};
