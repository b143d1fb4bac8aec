// Shutting down, as SHUTDOWN and SIGTERM/SIGINT do: the final save (when save points are set
// or SAVE is asked, not with NOSAVE), removal of the pid file, then exit. Persistence plugs
// its work in through `shutdown(server).steps`; a failing step stops the shutdown unless
// FORCE was given.

import fs from 'node:fs';
import type { Server } from './server.js';
import { ShutdownFlag } from '../config/settings.js';

export interface ShutdownContext {
  flags: number;
  /** Whether the final save is due (save points set and not NOSAVE, or SAVE). */
  save: boolean;
  force: boolean;
}

/** A step of the shutdown: returns false when it failed (it logs why). */
export type ShutdownStep = (ctx: ShutdownContext) => boolean;

export class ShutdownState {
  /** Steps before exiting, in order (flush the AOF, save the RDB…). */
  readonly steps: ShutdownStep[] = [];
  /** A signal asked for a shutdown that has not run yet. */
  asap = false;
  lastSignal: NodeJS.Signals | null = null;
  /** The pid file this process wrote (removed on exit). */
  pidfile: string | null = null;
  /** Exits the process (tests replace it). */
  exit: (code: number) => void = (code) => process.exit(code);
}

export function shutdown(server: Server): ShutdownState {
  return server.state('shutdown', () => new ShutdownState());
}

/**
 * Shuts the server down with SHUTDOWN's flags. Returns false when a step failed and the
 * server keeps running; otherwise the process exits.
 */
export function shutdownServer(server: Server, flags: number): boolean {
  const st = shutdown(server);
  server.log('warning', 'User requested shutdown...');
  const savePoints = (server.config.values.save as unknown[]).length;
  const ctx: ShutdownContext = {
    flags,
    save: (savePoints > 0 && !(flags & ShutdownFlag.NoSave)) || (flags & ShutdownFlag.Save) !== 0,
    force: (flags & ShutdownFlag.Force) !== 0,
  };
  for (const step of st.steps) {
    if (!step(ctx)) {
      server.log('warning', 'Errors trying to shut down the server. Check the logs for more information.');
      st.asap = false;
      st.lastSignal = null;
      return false;
    }
  }
  if (st.pidfile !== null) {
    server.log('notice', 'Removing the pid file.');
    try {
      fs.unlinkSync(st.pidfile);
    } catch {
      // already gone
    }
  }
  const unixsocket = server.config.values.unixsocket as string;
  if (unixsocket) fs.rmSync(unixsocket, { force: true });
  // Pending replies go out before the process ends (the SHUTDOWN caller gets none).
  server.flush();
  server.log('warning', 'Redis is now ready to exit, bye bye...');
  st.exit(0);
  return true;
}

/** SIGTERM/SIGINT: shut down soon, with the flags of shutdown-on-sigterm/sigint. */
export function installSignalHandlers(server: Server): void {
  const onSignal = (signal: NodeJS.Signals) => {
    const st = shutdown(server);
    if (st.asap && signal === 'SIGINT') {
      server.log('warning', 'You insist... exiting now.');
      st.exit(1);
      return;
    }
    server.log('warning', `Received ${signal} scheduling shutdown...`);
    st.asap = true;
    st.lastSignal = signal;
    setImmediate(() => {
      if (!st.asap) return; // SHUTDOWN ABORT came first
      const setting = signal === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm';
      shutdownServer(server, server.config.values[setting] as number);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
