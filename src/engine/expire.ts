// Active expiry (Redis's activeExpireCycle): on each cron tick, walk the keys that have an
// expiry (never the whole keyspace) a few at a time and delete the expired ones, within a time
// budget, so memory is reclaimed without stalling clients. Each database keeps its place in its
// walk between ticks; the next tick starts with the database after the last one looked at.
//
// Per database: look at up to 20 keys (more with active-expire-effort), delete those past their
// time, and go on while more than 10% (less with more effort) of those looked at had expired.
// The time budget, 25% of a cron period (more with effort), is checked every 16 rounds; when it
// runs out the cycle stops (expired_time_cap_reached_count) and the next one visits every db.
// After a cycle that ran out of time, short "fast" cycles (1 ms, at most every 2 ms) run between
// ticks until one finishes within its budget, as Redis runs them before sleeping.

import type { Server } from '../server/server.js';
import { latencySample } from '../server/latency-monitor.js';

const KEYS_PER_LOOP = 20;
/** Share of a cron period the slow cycle may use, in percent. */
const SLOW_TIME_PERC = 25;
/** Budget of a fast cycle, in µs. */
const FAST_DURATION = 1000;
/** Keep going while more than this percentage of the looked-at keys had expired. */
const ACCEPTABLE_STALE = 10;
/** Databases looked at per cycle (unless the previous cycle ran out of time). */
const DBS_PER_CALL = 16;

interface CycleState {
  /** Next database to look at (taken modulo the number of databases). */
  nextDb: number;
  /** Whether the previous cycle stopped because its time ran out. */
  timeLimitExit: boolean;
  /** When the last fast cycle started (performance.now(), ms). */
  lastFast: number;
  /** A fast cycle is scheduled. */
  fastPending: boolean;
}

const states = new WeakMap<Server, CycleState>();

function stateOf(server: Server): CycleState {
  let state = states.get(server);
  if (state === undefined) {
    state = { nextDb: 0, timeLimitExit: false, lastFast: 0, fastPending: false };
    states.set(server, state);
  }
  return state;
}

/** The slow cycle, from the cron; `fast` runs a short one (scheduled after a slow one ran out). */
export function activeExpireCycle(server: Server, fast = false): void {
  // Replicas wait for their master's DELs; a pause keeps the dataset still; DEBUG can turn it off.
  if (!server.activeExpireEnabled || server.keepExpiredKeys || server.expiryPaused()) return;
  const state = stateOf(server);
  const effort = (server.config.values['active-expire-effort'] as number) - 1;
  const perLoop = KEYS_PER_LOOP + Math.floor(KEYS_PER_LOOP / 4) * effort;
  const stale = ACCEPTABLE_STALE - effort;
  const hz = Math.max(server.config.values.hz as number, 1);
  const fastDuration = FAST_DURATION + (FAST_DURATION / 4) * effort;
  const start = performance.now();
  if (fast) {
    // Redis compares the stale ratio (0..1) with a percentage here: in effect only a cycle
    // that ran out of time starts fast ones.
    if (!state.timeLimitExit && server.stats.expiredStalePerc < stale) return;
    if (start < state.lastFast + (fastDuration * 2) / 1000) return;
    state.lastFast = start;
  }
  const budgetUs = fast ? fastDuration : Math.max(Math.floor(((SLOW_TIME_PERC + 2 * effort) * 1000000) / hz / 100), 1);
  const dbs = server.dbs;
  const dbsPerCall = state.timeLimitExit || DBS_PER_CALL > dbs.length ? dbs.length : DBS_PER_CALL;
  state.timeLimitExit = false;
  let totalSampled = 0;
  let totalExpired = 0;
  let iteration = 0;
  for (let d = 0; d < dbsPerCall && !state.timeLimitExit; d++) {
    const db = dbs[state.nextDb % dbs.length];
    state.nextDb = (state.nextDb + 1) % dbs.length;
    for (;;) {
      iteration++;
      const size = db.expires.size;
      if (size === 0) {
        db.avgTtl = 0;
        break;
      }
      let sampled = 0;
      let expired = 0;
      let ttlSum = 0;
      let ttlCount = 0;
      const n = Math.min(perLoop, size);
      const now = server.now;
      for (let i = 0; i < n; i++) {
        const e = db.expires.sample(false);
        if (e === undefined) break;
        sampled++;
        const [key, when] = e;
        const ttl = Number(when) - now;
        if (ttl < 0) {
          server.expireKey(db, key);
          expired++;
        } else if (ttl > 0) {
          ttlSum += ttl;
          ttlCount++;
        }
      }
      totalSampled += sampled;
      totalExpired += expired;
      if (ttlCount > 0) {
        const avg = Math.floor(ttlSum / ttlCount);
        if (db.avgTtl === 0) db.avgTtl = avg;
        db.avgTtl = Math.floor(db.avgTtl / 50) * 49 + Math.floor(avg / 50);
      }
      if ((iteration & 0xf) === 0 && (performance.now() - start) * 1000 > budgetUs) {
        state.timeLimitExit = true;
        server.stats.expiredTimeCapReachedCount++;
        break;
      }
      if (sampled === 0 || Math.floor((expired * 100) / sampled) <= stale) break;
    }
  }
  const current = totalSampled ? totalExpired / totalSampled : 0;
  server.stats.expiredStalePerc = current * 0.05 + server.stats.expiredStalePerc * 0.95;
  const elapsed = performance.now() - start;
  server.stats.expireCycleCpuMs += elapsed;
  latencySample(server, 'expire-cycle', Math.floor(elapsed));
  if (state.timeLimitExit && !state.fastPending) {
    state.fastPending = true;
    setTimeout(() => {
      state.fastPending = false;
      server.refreshTime();
      activeExpireCycle(server, true);
    }, (fastDuration * 2) / 1000).unref();
  }
}
