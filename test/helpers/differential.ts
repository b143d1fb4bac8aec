// Differential testing: the same commands against Larder and a real redis-server, replies
// compared byte for byte.

import assert from 'node:assert/strict';
import { RespClient, type Reply } from './resp-client.js';
import { startLarder, startRedis, type RunningServer } from './servers.js';

export type Script = (string | number | Buffer)[][];

export interface CheckOptions {
  /** RESP protocol for the script's connection (default 2). */
  resp?: 2 | 3;
  /** Compare replies after this transformation (for replies that legitimately differ). */
  normalize?: (command: string[], raw: string) => string;
}

export class Differential {
  private constructor(readonly larder: RunningServer, readonly redis: RunningServer) {}

  static async start(larderArgs: string[] = [], redisArgs: string[] = []): Promise<Differential> {
    const started = await Promise.allSettled([startLarder({ args: larderArgs }), startRedis({ args: redisArgs })]);
    const [larder, redis] = started;
    if (larder.status === 'fulfilled' && redis.status === 'fulfilled') return new Differential(larder.value, redis.value);
    // One did not start: stop the other, so that it doesn't keep the test process alive.
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.kill() : undefined)));
    throw larder.status === 'rejected' ? larder.reason : (redis as PromiseRejectedResult).reason;
  }

  /** Runs `script` on a fresh connection to each server (after FLUSHALL) and compares every reply. */
  async check(script: Script, opts: CheckOptions = {}): Promise<void> {
    const [a, b] = await Promise.all([this.larder.client(), this.redis.client()]);
    try {
      await Promise.all([a.send('FLUSHALL'), b.send('FLUSHALL')]);
      if (opts.resp === 3) await Promise.all([a.send('HELLO', '3'), b.send('HELLO', '3')]);
      for (const command of script) {
        const [ra, rb] = await Promise.all([a.send(...command), b.send(...command)]);
        const text = (r: Reply) => {
          const raw = r.raw.latin1Slice(0, r.raw.length);
          return opts.normalize ? opts.normalize(command.map(String), raw) : raw;
        };
        assert.equal(text(ra), text(rb), `reply to ${JSON.stringify(command.map(String))} differs (larder, then redis)`);
      }
    } finally {
      a.close();
      b.close();
    }
  }

  /** A connection to each server, for tests that drive both by hand. */
  async clients(): Promise<[RespClient, RespClient]> {
    return Promise.all([this.larder.client(), this.redis.client()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.larder.stop(), this.redis.stop()]);
  }
}
