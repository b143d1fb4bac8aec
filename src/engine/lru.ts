// Per-key access stamps, with Redis's semantics: one 24-bit number per key that is either an
// LRU clock (seconds, wrapping at 2^24) or, under an LFU maxmemory policy, a 16-bit time in
// minutes (high bits) and an 8-bit logarithmic access counter (low 8 bits). Switching policy
// at runtime reinterprets the stamps as Redis does ("will take some time to adjust").

/** Largest LRU clock value (24 bits). */
export const LRU_CLOCK_MAX = (1 << 24) - 1;
/** LRU clock resolution in ms. */
export const LRU_CLOCK_RESOLUTION = 1000;
/** Counter of a new key under LFU, so that new keys are not evicted before they are used. */
export const LFU_INIT_VAL = 5;

/** The LRU clock at `nowMs`. */
export function lruClock(nowMs: number): number {
  return Math.floor(nowMs / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX;
}

/** Milliseconds since an LRU stamp (at least; the clock has a one-second resolution). */
export function idleTimeMs(stamp: number, nowMs: number): number {
  const clock = lruClock(nowMs);
  const ticks = clock >= stamp ? clock - stamp : clock + (LRU_CLOCK_MAX - stamp);
  return ticks * LRU_CLOCK_RESOLUTION;
}

/** The LFU time: minutes, on 16 bits. */
export function lfuMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 65535;
}

/** Minutes elapsed since an LFU time, assuming the 16-bit clock wrapped at most once. */
export function lfuElapsed(ldt: number, nowMs: number): number {
  const now = lfuMinutes(nowMs);
  return now >= ldt ? now - ldt : 65535 - ldt + now;
}

/**
 * The counter of an LFU stamp after decay: one less per `decayMinutes` elapsed since the stamp's
 * time (0 disables decay), never below 0. The stamp itself is not updated (only accesses do).
 */
export function lfuDecayed(stamp: number, decayMinutes: number, nowMs: number): number {
  const counter = stamp & 255;
  if (decayMinutes === 0) return counter;
  const periods = Math.floor(lfuElapsed(stamp >>> 8, nowMs) / decayMinutes);
  if (periods === 0) return counter;
  return periods > counter ? 0 : counter - periods;
}

/**
 * Increments a counter logarithmically: the higher it is, the less likely; saturates at 255.
 * With factor f, reaching counter c takes about f * (c - LFU_INIT_VAL)^2 / 2 accesses.
 */
export function lfuLogIncr(counter: number, logFactor: number): number {
  if (counter === 255) return 255;
  const base = counter - LFU_INIT_VAL;
  const p = 1 / ((base < 0 ? 0 : base) * logFactor + 1);
  return Math.random() < p ? counter + 1 : counter;
}

/** The stamp of a key just created under LFU. */
export function lfuInitial(nowMs: number): number {
  return (lfuMinutes(nowMs) << 8) | LFU_INIT_VAL;
}

/** The stamp after an access under LFU: decay, then a logarithmic increment, at the current time. */
export function lfuAccess(previous: number | undefined, logFactor: number, decayMinutes: number, nowMs: number): number {
  const counter = previous === undefined ? LFU_INIT_VAL : lfuDecayed(previous, decayMinutes, nowMs);
  return (lfuMinutes(nowMs) << 8) | lfuLogIncr(counter, logFactor);
}
