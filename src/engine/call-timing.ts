// Command durations (INFO commandstats usec, latency histograms, the slowlog, the latency
// monitor) come from one clock read at the end of each command: it starts where the one before
// it ended. On virtual machines a read costs about 40 ns, as much as the rest of a pipelined
// PING, so quick commands (Flag.Quick: bounded time, never blocking) that a client's pipeline
// runs back to back share one read: their stretch of time is split evenly among them when it
// ends, before a command that is not quick and when the client's batch ends.

import type { Command } from '../commands/command.js';
import type { Client } from '../server/client.js';

export class UntimedCalls {
  /** Whether fast top-level commands may join the untimed run (inside a client's batch). */
  open = false;
  count = 0;
  private readonly clients: (Client | undefined)[] = [];
  private readonly commands: (Command | undefined)[] = [];
  private readonly argvs: (string[] | undefined)[] = [];

  add(c: Client, cmd: Command, argv: string[]): void {
    const i = this.count++;
    this.clients[i] = c;
    this.commands[i] = cmd;
    this.argvs[i] = argv;
  }

  /** Hands each call of the run its share of `usec` (see `record`) and empties the run. */
  settle(usec: number, record: (c: Client, cmd: Command, argv: string[], usec: number) => void): void {
    const n = this.count;
    this.count = 0;
    const share = Math.round(usec / n);
    for (let i = 0; i < n; i++) {
      const c = this.clients[i]!;
      const cmd = this.commands[i]!;
      const argv = this.argvs[i]!;
      this.clients[i] = undefined;
      this.commands[i] = undefined;
      this.argvs[i] = undefined;
      record(c, cmd, argv, share);
    }
  }
}
