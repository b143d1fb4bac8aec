// Differential testing against an in-process Larder (see inprocess.ts): the same commands on a
// real Redis and on Larder, replies compared byte for byte. The protocol version is set on the
// Larder client directly, so RESP3 replies can be compared whatever HELLO supports.

import assert from 'node:assert/strict';
import { InProcessLarder } from './inprocess.js';
import { startRedis, type RunningServer } from './servers.js';
import type { CheckOptions, Script } from './differential.js';
import type { Reply } from './resp-client.js';

export class InProcessDifferential {
  private constructor(readonly larder: InProcessLarder, readonly redis: RunningServer) {}

  static async start(settings: [string, string][] = []): Promise<InProcessDifferential> {
    const redisArgs = settings.flatMap(([k, v]) => [`--${k}`, v]);
    const redis = await startRedis({ args: redisArgs });
    return new InProcessDifferential(new InProcessLarder(settings), redis);
  }

  async check(script: Script, opts: CheckOptions = {}): Promise<void> {
    const resp = opts.resp ?? 2;
    const b = await this.redis.client();
    const a = this.larder.client(resp);
    try {
      await Promise.all([a.send('FLUSHALL'), b.send('FLUSHALL')]);
      if (resp === 3) await b.send('HELLO', '3');
      for (const command of script) {
        const ra = await a.send(...command);
        const rb = await b.send(...command);
        const text = (r: Reply) => {
          const raw = r.raw.latin1Slice(0, r.raw.length);
          return opts.normalize ? opts.normalize(command.map(String), raw) : raw;
        };
        assert.equal(text(ra), text(rb), `RESP${resp} reply to ${JSON.stringify(command.map(String))} differs (larder, then redis)`);
      }
    } finally {
      a.close();
      b.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.larder.close(), this.redis.stop()]);
  }
}
