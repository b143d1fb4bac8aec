// Helpers for the sorted set and geo tests.

import type { Differential } from './differential.js';

/** Whether Larder answers HELLO 3 (RESP3 comparisons need it). */
export async function larderSpeaksResp3(d: Differential): Promise<boolean> {
  const [a, b] = await d.clients();
  try {
    const r = await a.send('HELLO', '3');
    return r.decoded.type !== 'error';
  } finally {
    a.close();
    b.close();
  }
}

/** A deterministic PRNG (mulberry32) for randomized tests. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
