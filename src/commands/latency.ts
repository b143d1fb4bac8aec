// LATENCY: the latency monitor's events (LATEST, HISTORY, RESET, GRAPH, DOCTOR) and the
// per-command latency histograms (HISTOGRAM).

import type { Command, Family } from './command.js';
import type { Server } from '../server/server.js';
import { err, MapReply, VerbatimReply, type Reply } from '../resp/reply.js';
import { helpReply, subcommandSyntaxError } from './help.js';
import { latencyMonitor, type LatencySeries } from '../server/latency-monitor.js';

/** A command by name, or `container|sub` for a subcommand (case-insensitive). */
export function commandByFullName(server: Server, name: string): Command | undefined {
  const bar = name.indexOf('|');
  if (bar < 0) return server.commands.get(name);
  const base = server.commands.get(name.slice(0, bar));
  if (!base || name.indexOf('|', bar + 1) >= 0) return undefined;
  return base.subcommand(name.slice(bar + 1));
}

/** Every command and subcommand, parents first. */
export function* allCommands(server: Server): Generator<Command> {
  for (const cmd of server.commands.all()) {
    yield cmd;
    if (cmd.subcommands) yield* cmd.subcommands.values();
  }
}

function histogramReply(cmd: Command): Reply {
  const h = cmd.latency!;
  const buckets: Reply[] = [];
  for (const [highestNs, count] of h.cumulative(1024, 2)) buckets.push(Math.floor(highestNs / 1000), count);
  return new MapReply(['calls', h.total, 'histogram_usec', new MapReply(buckets)]);
}

/** A small ASCII chart of an event's history, newest at the right. */
function graph(event: string, series: LatencySeries): string {
  const samples = series.history();
  const values = samples.map((s) => s.latency);
  const max = Math.max(...values);
  const min = Math.min(...values);
  let out = `${event} - high ${max} ms, low ${min} ms (all time high ${series.max} ms)\n`;
  out += '-'.repeat(80) + '\n';
  const shown = samples.slice(-80);
  const rows = 4;
  const levels = ' _.-*#';
  for (let r = rows - 1; r >= 0; r--) {
    let line = '';
    for (const s of shown) {
      const relative = max === min ? rows : ((s.latency - min) / (max - min)) * (rows - 1) + 1;
      const fill = relative - r;
      line += fill >= 1 ? '#' : fill > 0 ? levels[Math.max(1, Math.round(fill * 4))] : ' ';
    }
    out += line.replace(/\s+$/, '') + '\n';
  }
  // Age labels, written vertically under each column.
  const now = Math.floor(Date.now() / 1000);
  const labels = shown.map((s) => {
    const ago = now - s.time;
    return ago < 60 ? `${ago}s` : ago < 3600 ? `${Math.floor(ago / 60)}m` : ago < 86400 ? `${Math.floor(ago / 3600)}h` : `${Math.floor(ago / 86400)}d`;
  });
  const height = Math.max(0, ...labels.map((l) => l.length));
  for (let r = 0; r < height; r++) out += labels.map((l) => l[r] ?? ' ').join('').replace(/\s+$/, '') + '\n';
  return out;
}

/** A plain-language report on the recorded latency events. */
function doctor(server: Server): string {
  const m = latencyMonitor(server);
  if (m.events.size === 0 && m.threshold === 0) {
    return 'The latency monitor is disabled: no latency events are recorded. Use "CONFIG SET latency-monitor-threshold <milliseconds>" to record events that take at least that long.\n';
  }
  if (m.events.size === 0) {
    return `No latency event took ${m.threshold} ms or more since the monitor was enabled (or last reset).\n`;
  }
  let out = 'Latency events recorded by this server:\n\n';
  let i = 0;
  const advice = new Set<string>();
  for (const [event, series] of m.events) {
    const samples = series.history().map((s) => s.latency);
    const avg = Math.floor(samples.reduce((a, b) => a + b, 0) / samples.length);
    const mad = Math.floor(samples.reduce((a, b) => a + Math.abs(avg - b), 0) / samples.length);
    const oldest = Math.min(...series.history().map((s) => s.time));
    const period = Math.max(1, Math.floor(Date.now() / 1000) - oldest);
    out += `${++i}. ${event}: ${samples.length} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${(period / samples.length).toFixed(2)} sec). Worst all time event ${series.max}ms.\n`;
    if (event === 'command' || event === 'fast-command') {
      advice.add('- Look at the slow log (SLOWLOG GET) to find which commands run long, and consider splitting work on very large keys.');
      const slower = server.config.values['slowlog-log-slower-than'] as number;
      if (slower < 0 || slower / 1000 > m.threshold) {
        advice.add(`- The slow log does not record every command this monitor flags: try CONFIG SET slowlog-log-slower-than ${m.threshold * 1000}.`);
      }
    }
    if (event === 'expire-cycle') advice.add('- Expiring many keys at once, or very large keys, stalls the server: spread expiry times, or split large values.');
  }
  if (advice.size) out += '\nSuggestions:\n\n' + [...advice].join('\n') + '\n';
  return out;
}

export const latencyFamily: Family = {
  latency: {
    subcommands: {
      latest: {
        run: (c) => {
          const out: Reply[] = [];
          for (const [event, series] of latencyMonitor(c.server).events) {
            const last = series.latest();
            out.push([event, last.time, last.latency, series.max]);
          }
          return out;
        },
      },
      history: {
        run: (c, argv) => {
          const series = latencyMonitor(c.server).events.get(argv[2]);
          return series ? series.history().map((s) => [s.time, s.latency]) : [];
        },
      },
      reset: {
        run: (c, argv) => {
          const m = latencyMonitor(c.server);
          if (argv.length === 2) return m.reset();
          let n = 0;
          for (let i = 2; i < argv.length; i++) n += m.reset(argv[i]);
          return n;
        },
      },
      graph: {
        run: (c, argv) => {
          const series = latencyMonitor(c.server).events.get(argv[2]);
          if (!series) err(`ERR No samples available for event '${argv[2]}'`);
          return new VerbatimReply(graph(argv[2], series));
        },
      },
      doctor: { run: (c) => new VerbatimReply(doctor(c.server)) },
      histogram: {
        run: (c, argv) => {
          const out: Reply[] = [];
          if (argv.length === 2) {
            for (const cmd of allCommands(c.server)) if (cmd.latency) out.push(cmd.fullName, histogramReply(cmd));
            return new MapReply(out);
          }
          for (let i = 2; i < argv.length; i++) {
            const cmd = commandByFullName(c.server, argv[i]);
            if (!cmd) continue;
            if (cmd.latency) out.push(cmd.fullName, histogramReply(cmd));
            if (cmd.subcommands) for (const sub of cmd.subcommands.values()) if (sub.latency) out.push(sub.fullName, histogramReply(sub));
          }
          return new MapReply(out);
        },
      },
      help: {
        run: (_c, argv) => {
          if (argv.length !== 2) err(subcommandSyntaxError(argv));
          return helpReply('latency', [
            'DOCTOR',
            '    Return a report on the latency events recorded, with suggestions.',
            'GRAPH <event>',
            '    Return an ASCII chart of the latency of an <event> class over time.',
            'HISTORY <event>',
            '    Return the time and latency of the recorded samples of an <event> class.',
            'LATEST',
            '    Return the latest sample of every event class.',
            'RESET [<event> ...]',
            '    Forget the samples of the given <event> classes (of all of them by default).',
            'HISTOGRAM [COMMAND ...]',
            '    Return the cumulative distribution of the latencies of the given commands,',
            '    or of every command that ran when none is given.',
          ]);
        },
      },
    },
  },
};
