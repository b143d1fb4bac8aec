// Settings whose changes act on the process: the listening port and addresses, the OOM score
// Linux gives the process, and warnings Redis logs on some values. Installed by Server.init.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from '../server/server.js';
import { installCommandLogging } from '../commands/slowlog.js';
import { infoState } from '../commands/info.js';
import { maxmemoryChanged, maxmemoryClientsChanged } from '../engine/eviction.js';

/** Adds an apply hook to a setting (after any it has). */
function hook(server: Server, name: string, apply: (value: any, old: any) => string | void): void {
  const s = server.config.lookup(name);
  if (!s) return;
  const prev = s.apply;
  s.apply = prev ? (value, old) => prev(value, old) ?? apply(value, old) : apply;
}

export function wireSettings(server: Server): void {
  // Slowlog and latency events after each command; INFO's startup memory, peak memory and
  // instantaneous rates.
  installCommandLogging(server);
  const info = infoState(server);
  server.cronHooks.push(() => info.tick());

  // The listeners are (re)opened once the server listens; at startup `listen` opens them.
  hook(server, 'port', (port: number) => {
    if (!server.listening || server.boundPorts.includes(port)) return;
    if (port !== 0 && !canListen(server, port, false)) return 'Unable to listen on this port. Check server logs.';
    relisten(server);
  });
  hook(server, 'bind', (_addrs: string[], old: string[]) => {
    if (!server.listening) return;
    // Addresses this server holds on the port may overlap the new ones: only errors other
    // than "in use" show up before the switch.
    const port = server.config.values.port as number;
    if (port !== 0 && !canListen(server, port, true)) return 'Failed to bind to specified addresses.';
    relisten(server, old);
  });
  const oom = oomScore(server);
  hook(server, 'oom-score-adj', oom);
  hook(server, 'oom-score-adj-values', oom);
  // maxmemory: eviction and the OOM check are installed while a limit is set.
  hook(server, 'maxmemory', (bytes: number) => maxmemoryChanged(server, bytes));
  hook(server, 'maxmemory-clients', () => maxmemoryClientsChanged(server));
}

/** Reopens the listeners; when that fails, logs it and goes back to the previous addresses. */
function relisten(server: Server, previousBind?: string[]): void {
  server.openListeners().catch((e: Error) => {
    server.log('warning', `Warning: ${e.message}`);
    server.log('warning', 'Failed to bind, trying to restore old listening sockets.');
    if (previousBind) server.config.values.bind = previousBind;
    server.openListeners().catch((e2: Error) => server.log('warning', `Failed to restore old listening sockets: ${e2.message}`));
  });
}

/**
 * Whether the port can be listened on at every bind address. Node offers no synchronous
 * listen, so a short-lived process tries (CONFIG SET must answer at once).
 */
function canListen(server: Server, port: number, inUseIsFine: boolean): boolean {
  const binds = (server.config.values.bind as string[]).length ? (server.config.values.bind as string[]) : ['*', '-::*'];
  const script = `
    const net = require('node:net');
    const [binds, port, inUseIsFine] = JSON.parse(process.argv[1]);
    (async () => {
      for (const b of binds) {
        const optional = b.startsWith('-');
        const a = optional ? b.slice(1) : b;
        const host = a === '*' ? '0.0.0.0' : a === '::*' ? '::' : a;
        const ok = await new Promise((res) => {
          const s = net.createServer();
          s.once('error', (e) => res(optional && ['EADDRNOTAVAIL', 'EAFNOSUPPORT'].includes(e.code) ? true : e.code));
          s.listen({ port, host, ipv6Only: host.includes(':') }, () => s.close(() => res(true)));
        });
        if (ok !== true && !(inUseIsFine && ok === 'EADDRINUSE')) { process.stdout.write(String(ok)); return; }
      }
      process.stdout.write('ok');
    })();`;
  const r = spawnSync(process.execPath, ['-e', script, JSON.stringify([binds, port, inUseIsFine])], { encoding: 'latin1', timeout: 5000 });
  if (r.stdout === 'ok') return true;
  const reason: Record<string, string> = {
    EADDRINUSE: 'bind: Address already in use', EADDRNOTAVAIL: 'bind: Cannot assign requested address', EACCES: 'bind: Permission denied',
  };
  server.log('warning', `Warning: Could not create server TCP listening socket *:${port}: ${reason[r.stdout] ?? (r.stdout || 'failed')}`);
  return false;
}

/**
 * oom-score-adj: writes the process's OOM score from oom-score-adj-values (relative to the
 * score the process started with, or absolute); "no" restores the original score.
 */
function oomScore(server: Server): () => string | void {
  let base: number | null = null;
  return () => {
    const mode = server.config.values['oom-score-adj'] as string;
    const values = server.config.values['oom-score-adj-values'] as number[];
    const file = '/proc/self/oom_score_adj';
    let val: number;
    if (mode !== 'no') {
      if (base === null) {
        try {
          base = parseInt(fs.readFileSync(file, 'latin1'), 10) || 0;
        } catch (e) {
          if (process.platform !== 'linux') return;
          server.log('warning', `Unable to read oom_score_adj: ${(e as Error).message}`);
          return 'Failed to set current oom_score_adj. Check server logs.';
        }
      }
      const replica = server.config.values.replicaof !== null;
      val = values[replica ? 1 : 0] + (mode === 'yes' ? base : 0);
      val = Math.max(-1000, Math.min(1000, val));
    } else if (base !== null) {
      val = base;
      base = null;
    } else {
      return;
    }
    try {
      fs.writeFileSync(file, `${val}\n`);
    } catch (e) {
      server.log('warning', `Unable to write oom_score_adj: ${(e as Error).message}`);
      return 'Failed to set current oom_score_adj. Check server logs.';
    }
  };
}
