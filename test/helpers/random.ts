// Helpers for randomized tests: a seeded PRNG (failures can be replayed) and a chi-square
// statistic for uniformity checks.

/** mulberry32: a small deterministic PRNG returning numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded integers in [0, n): `randomInt(seed)(n)`. */
export function randomInt(seed: number): (n: number) => number {
  const r = rng(seed);
  return (n) => Math.floor(r() * n);
}

/** Pearson's chi-square statistic of the counts of each distinct value (uniform expectation). */
export function chiSquare(values: string[]): number {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const expected = values.length / counts.size;
  let x = 0;
  for (const n of counts.values()) x += ((n - expected) ** 2) / expected;
  return x;
}
