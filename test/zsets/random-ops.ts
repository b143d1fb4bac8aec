// Random sorted set commands for model tests: the same sequence is replayed on Larder and a
// real Redis and every reply compared. Only deterministic commands (no ZRANDMEMBER, no ZSCAN of
// hash-ordered sets, lex ranges only on a key whose scores are all equal).

import type { Script } from '../helpers/differential.js';

const KEYS = ['k0', 'k1', 'k2', 'k3'];
const SCORES = ['0', '1', '2', '3', '-1', '1.5', '2.25', '-0', '10', '0.1', '0.2', '100', 'inf', '-inf', '1e17', '3.0000000000000004', '-7.5'];

export function randomScript(rand: () => number, length: number, longMembers: boolean): Script {
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const member = () => (longMembers && rand() < 0.1 ? 'long-member-' + int(0, 9) : 'm' + int(0, 30));
  const key = () => pick(KEYS);
  const score = () => pick(SCORES);
  const bound = () => {
    const s = pick(['-inf', '+inf', '0', '1', '2', '3', '1.5', '10', '-1', '100', '0.1']);
    return rand() < 0.3 ? '(' + s : s;
  };
  const lexBound = () => {
    const r = rand();
    if (r < 0.1) return '-';
    if (r < 0.2) return '+';
    return (rand() < 0.5 ? '(' : '[') + pick(['a', 'b', 'ba', 'c', 'd', 'dd', 'e', '']);
  };
  const keysArgs = (n: number) => Array.from({ length: n }, key);
  const out: Script = [];
  for (let i = 0; i < length; i++) {
    const r = rand();
    if (r < 0.22) {
      const opts: string[] = [];
      for (const o of ['NX', 'XX', 'GT', 'LT', 'CH']) if (rand() < 0.12) opts.push(o);
      const incr = rand() < 0.1;
      if (incr) opts.push('INCR');
      const pairs: string[] = [];
      const n = incr ? 1 : int(1, 4);
      for (let j = 0; j < n; j++) pairs.push(score(), member());
      out.push(['ZADD', key(), ...opts, ...pairs]);
    } else if (r < 0.27) out.push(['ZINCRBY', key(), score(), member()]);
    else if (r < 0.32) out.push(['ZREM', key(), member(), member()]);
    else if (r < 0.35) out.push(['ZSCORE', key(), member()]);
    else if (r < 0.37) out.push(['ZMSCORE', key(), member(), member()]);
    else if (r < 0.40) out.push([pick(['ZRANK', 'ZREVRANK']), key(), member()]);
    else if (r < 0.42) out.push(['ZCARD', key()]);
    else if (r < 0.45) out.push(['ZCOUNT', key(), bound(), bound()]);
    else if (r < 0.50) {
      const cmd = ['ZRANGE', key(), String(int(-8, 8)), String(int(-8, 8))];
      if (rand() < 0.3) cmd.push('REV');
      if (rand() < 0.5) cmd.push('WITHSCORES');
      out.push(cmd);
    } else if (r < 0.56) {
      const rev = rand() < 0.5;
      const cmd = rev ? ['ZRANGE', key(), bound(), bound(), 'BYSCORE', 'REV'] : [pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), key(), bound(), bound()];
      if (rand() < 0.5) cmd.push('WITHSCORES');
      if (rand() < 0.4) cmd.push('LIMIT', String(int(-1, 5)), String(int(-1, 5)));
      out.push(cmd);
    } else if (r < 0.59) out.push(['ZREMRANGEBYRANK', key(), String(int(-5, 5)), String(int(-5, 5))]);
    else if (r < 0.62) out.push(['ZREMRANGEBYSCORE', key(), bound(), bound()]);
    else if (r < 0.66) out.push([pick(['ZPOPMIN', 'ZPOPMAX']), key(), ...(rand() < 0.5 ? [String(int(0, 4))] : [])]);
    else if (r < 0.68) out.push(['ZMPOP', '2', key(), key(), pick(['MIN', 'MAX']), 'COUNT', String(int(1, 3))]);
    else if (r < 0.74) {
      const n = int(1, 3);
      const cmd = [pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), pick(['d0', 'd1', ...KEYS]), String(n), ...keysArgs(n)];
      if (cmd[0] !== 'ZDIFFSTORE') {
        if (rand() < 0.4) cmd.push('WEIGHTS', ...Array.from({ length: n }, () => pick(['1', '2', '0', '-1', '0.5', 'inf'])));
        if (rand() < 0.4) cmd.push('AGGREGATE', pick(['SUM', 'MIN', 'MAX']));
      }
      out.push(cmd);
    } else if (r < 0.78) {
      const n = int(1, 3);
      const cmd = [pick(['ZUNION', 'ZINTER', 'ZDIFF']), String(n), ...keysArgs(n)];
      if (cmd[0] !== 'ZDIFF' && rand() < 0.4) cmd.push('AGGREGATE', pick(['SUM', 'MIN', 'MAX']));
      cmd.push('WITHSCORES');
      out.push(cmd);
    } else if (r < 0.80) out.push(['ZINTERCARD', '2', key(), key(), 'LIMIT', String(int(0, 3))]);
    else if (r < 0.83) {
      const cmd = ['ZRANGESTORE', pick(['d0', 'd1']), key()];
      if (rand() < 0.5) cmd.push(String(int(-5, 5)), String(int(-5, 5)));
      else cmd.push(bound(), bound(), 'BYSCORE', 'LIMIT', '0', String(int(-1, 6)));
      out.push(cmd);
    } else if (r < 0.88) {
      // The lex key: equal scores only.
      const lr = rand();
      if (lr < 0.4) out.push(['ZADD', 'lex', '0', pick(['a', 'b', 'ba', 'c', 'd', 'dd', 'e', 'f', 'ab', '']), '0', pick(['a', 'c', 'e', 'g'])]);
      else if (lr < 0.55) out.push(['ZLEXCOUNT', 'lex', lexBound(), lexBound()]);
      else if (lr < 0.75) out.push([pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']), 'lex', lexBound(), lexBound(), ...(rand() < 0.4 ? ['LIMIT', String(int(-1, 3)), String(int(-1, 4))] : [])]);
      else if (lr < 0.85) out.push(['ZREMRANGEBYLEX', 'lex', lexBound(), lexBound()]);
      else out.push(['ZRANGESTORE', 'd2', 'lex', lexBound(), lexBound(), 'BYLEX', ...(rand() < 0.5 ? ['REV'] : [])]);
    } else {
      out.push(['ZRANGE', key(), '0', '-1', 'WITHSCORES']);
    }
  }
  for (const k of [...KEYS, 'd0', 'd1', 'd2', 'lex']) out.push(['ZRANGE', k, '0', '-1', 'WITHSCORES']);
  return out;
}
