// Active expiry: on each cron tick, walk the keys that have an expiry (never the whole
// keyspace) a few at a time and delete the expired ones, within a time budget, so memory is
// reclaimed without stalling clients. Each database keeps its place between ticks.

import type { Database } from './database.js';
import type { Server } from '../server/server.js';
import { latencySample } from '../server/latency-monitor.js';

const KEYS_PER_LOOP = 20;
/** Share of a cron period the cycle may use, in percent (Redis: 25). */
const SLOW_TIME_PERC = 25;
/** Keep going while more than this percentage of the looked-at keys had expired. */
const ACCEPTABLE_STALE = 10;

let nextDb = 0;

export function activeExpireCycle(server: Server): void {
  if (server.keepExpiredKeys || !server.activeExpire) return;
  const effort = (server.config.values['active-expire-effort'] as number) - 1;
  const perLoop = KEYS_PER_LOOP + Math.floor((KEYS_PER_LOOP / 4) * effort);
  const stale = ACCEPTABLE_STALE - effort;
  const hz = Math.max(server.config.values.hz as number, 1);
  const budgetMs = ((1000 / hz) * (SLOW_TIME_PERC + 2 * effort)) / 100;
  const start = performance.now();
  const dbs = server.dbs;
  let totalSampled = 0;
  let totalExpired = 0;
  for (let d = 0; d < dbs.length; d++) {
    const db = dbs[nextDb++ % dbs.length];
    if (db.expires.size === 0) {
      db.avgTtl = 0;
      continue;
    }
    for (;;) {
      let sampled = 0;
      let expired = 0;
      let ttlSum = 0;
      let ttlCount = 0;
      const n = Math.min(perLoop, db.expires.size);
      const now = server.now;
      for (let i = 0; i < n; i++) {
        const e = db.expires.sample(false);
        if (e === undefined) break;
        sampled++;
        const [key, when] = e;
        if (when <= now) {
          if (db.expires.get(key) === when) {
            server.expireKey(db, key);
            expired++;
          }
        } else {
          ttlSum += Number(when) - now;
          ttlCount++;
        }
      }
      totalSampled += sampled;
      totalExpired += expired;
      if (ttlCount > 0) {
        const avg = ttlSum / ttlCount;
        db.avgTtl = db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50;
      }
      if (performance.now() - start > budgetMs) {
        server.stats.expiredTimeCapReachedCount++;
        return finish(server, totalSampled, totalExpired, start);
      }
      if (sampled === 0 || expired * 100 <= sampled * stale) break;
    }
  }
  finish(server, totalSampled, totalExpired, start);
}

function finish(server: Server, sampled: number, expired: number, start: number): void {
  const current = sampled ? expired / sampled : 0;
  server.stats.expiredStalePerc = current * 0.05 + server.stats.expiredStalePerc * 0.95;
  const elapsed = performance.now() - start;
  server.stats.expireCycleCpuMs += elapsed;
  latencySample(server, 'expire-cycle', Math.floor(elapsed));
}
