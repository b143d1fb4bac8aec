// The latency monitor: events that took at least latency-monitor-threshold milliseconds
// (slow commands, expiry cycles, fsyncs…) are recorded per event name as a history of one
// sample per second (the worst of that second), 160 samples deep, plus the all-time maximum.
// Any part of the server reports events with `latencySample(server, 'event', ms)`.

import type { Server } from './server.js';

export const LATENCY_HISTORY_LEN = 160;

export interface LatencySample {
  /** Unix time, seconds. */
  time: number;
  /** Milliseconds. */
  latency: number;
}

export class LatencySeries {
  /** Ring of samples; `next` is where the next second's sample goes. */
  readonly samples: (LatencySample | null)[] = new Array(LATENCY_HISTORY_LEN).fill(null);
  next = 0;
  max = 0;

  add(time: number, latency: number): void {
    if (latency > this.max) this.max = latency;
    const prev = this.samples[(this.next + LATENCY_HISTORY_LEN - 1) % LATENCY_HISTORY_LEN];
    if (prev && prev.time === time) {
      if (latency > prev.latency) prev.latency = latency;
      return;
    }
    this.samples[this.next] = { time, latency };
    this.next = (this.next + 1) % LATENCY_HISTORY_LEN;
  }

  /** Samples, oldest first. */
  history(): LatencySample[] {
    const out: LatencySample[] = [];
    for (let j = 0; j < LATENCY_HISTORY_LEN; j++) {
      const s = this.samples[(this.next + j) % LATENCY_HISTORY_LEN];
      if (s) out.push(s);
    }
    return out;
  }

  latest(): LatencySample {
    return this.samples[(this.next + LATENCY_HISTORY_LEN - 1) % LATENCY_HISTORY_LEN] ?? { time: 0, latency: 0 };
  }
}

export class LatencyMonitor {
  /** Event name -> series, in creation order. */
  readonly events = new Map<string, LatencySeries>();
  /** latency-monitor-threshold (ms); 0 disables the monitor. */
  threshold = 0;

  constructor(server: Server) {
    const s = server.config.lookup('latency-monitor-threshold');
    if (s) {
      const prev = s.apply;
      const apply = (v: number) => {
        this.threshold = v;
      };
      s.apply = prev ? (v, o) => prev(v, o) ?? apply(v) : apply;
      this.threshold = server.config.values['latency-monitor-threshold'] as number;
    }
  }

  add(event: string, ms: number): void {
    let series = this.events.get(event);
    if (!series) {
      series = new LatencySeries();
      this.events.set(event, series);
    }
    series.add(Math.floor(Date.now() / 1000), ms);
  }

  /** Forgets one event (case-insensitive) or all of them; returns how many were reset. */
  reset(event?: string): number {
    let n = 0;
    for (const name of [...this.events.keys()]) {
      if (event === undefined || name.toLowerCase() === event.toLowerCase()) {
        this.events.delete(name);
        n++;
      }
    }
    return n;
  }
}

export function latencyMonitor(server: Server): LatencyMonitor {
  return server.state('latency-monitor', () => new LatencyMonitor(server));
}

/** Records an event when it took at least the threshold (Redis's latencyAddSampleIfNeeded). */
export function latencySample(server: Server, event: string, ms: number): void {
  const m = latencyMonitor(server);
  if (m.threshold !== 0 && ms >= m.threshold) m.add(event, ms);
}
