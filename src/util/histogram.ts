// A compact latency histogram with the bucketing of an HDR histogram tracking 1 ns to 1 s with
// two significant digits (the configuration Redis uses for per-command latency), so that
// percentiles and LATENCY HISTOGRAM buckets come out as Redis computes them.
//
// Values are split into buckets of doubling size; each bucket has 128 sub-buckets (256 for
// the first), which keeps every recorded value within 1% of its true value.

const SUB_BUCKET_HALF_MAGNITUDE = 7;
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_MAGNITUDE; // 128
const SUB_BUCKET_COUNT = SUB_BUCKET_HALF * 2; // 256
const SUB_BUCKET_MASK = SUB_BUCKET_COUNT - 1;
const BUCKET_COUNT = 23; // enough doublings of 256 to pass 1e9
const COUNTS_LEN = (BUCKET_COUNT + 1) * SUB_BUCKET_HALF;

export const HISTOGRAM_MIN = 1;
export const HISTOGRAM_MAX = 1_000_000_000;

function bucketIndex(value: number): number {
  // The highest set bit of (value | 255): 32-bit arithmetic for the values recorded (below
  // 2^31); reporting levels beyond that use floating point.
  const pow2ceiling = value < 0x80000000 ? 32 - Math.clz32(value | SUB_BUCKET_MASK) : Math.floor(Math.log2(value)) + 1;
  return pow2ceiling - (SUB_BUCKET_HALF_MAGNITUDE + 1);
}

function subBucketIndex(value: number, bucket: number): number {
  return value < 0x80000000 ? value >>> bucket : Math.floor(value / 2 ** bucket);
}

function countsIndexFor(value: number): number {
  const b = bucketIndex(value);
  return ((b + 1) << SUB_BUCKET_HALF_MAGNITUDE) + (subBucketIndex(value, b) - SUB_BUCKET_HALF);
}

function valueAtIndex(index: number): number {
  let b = (index >> SUB_BUCKET_HALF_MAGNITUDE) - 1;
  let sub = (index & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;
  if (b < 0) {
    sub -= SUB_BUCKET_HALF;
    b = 0;
  }
  return sub * 2 ** b;
}

export function lowestEquivalent(value: number): number {
  const b = bucketIndex(value);
  return subBucketIndex(value, b) * 2 ** b;
}

function rangeSize(value: number): number {
  const b = bucketIndex(value);
  return 2 ** (subBucketIndex(value, b) >= SUB_BUCKET_COUNT ? b + 1 : b);
}

export function highestEquivalent(value: number): number {
  return lowestEquivalent(value) + rangeSize(value) - 1;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(COUNTS_LEN);
  total = 0;

  /** Records a value (nanoseconds), clamped to [1 ns, 1 s]. */
  record(ns: number): void {
    const v = ns < HISTOGRAM_MIN ? HISTOGRAM_MIN : ns > HISTOGRAM_MAX ? HISTOGRAM_MAX : Math.trunc(ns);
    this.counts[countsIndexFor(v)]++;
    this.total++;
  }

  /** The value at a percentile (0..100), as the highest value equivalent to it. */
  valueAtPercentile(percentile: number): number {
    const p = percentile < 100 ? percentile : 100;
    let want = Math.floor((p / 100) * this.total + 0.5);
    if (want < 1) want = 1;
    let seen = 0;
    let value = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      seen += this.counts[i];
      if (seen >= want) {
        value = valueAtIndex(i);
        break;
      }
    }
    return percentile === 0 ? lowestEquivalent(value) : highestEquivalent(value);
  }

  /**
   * Cumulative counts at power-of-two reporting levels starting at `first` (LATENCY
   * HISTOGRAM walks 1024 ns, 2048 ns…): [highest value equivalent to the level's bucket,
   * values recorded up to it] for each level where the count grew.
   */
  cumulative(first = 1024, base = 2): [number, number][] {
    const out: [number, number][] = [];
    let index = -1;
    let value = 0;
    let cumulative = 0;
    let highest = 0;
    let level = first;
    let levelLowest = lowestEquivalent(level);
    let previous = 0;
    const move = (): boolean => {
      index++;
      if (index >= COUNTS_LEN) return false;
      cumulative += this.counts[index];
      value = valueAtIndex(index);
      highest = lowestEquivalent(value) + rangeSize(value) - 1;
      return true;
    };
    for (;;) {
      const more = cumulative < this.total || (index < COUNTS_LEN && valueAtIndex(index + 1) > levelLowest);
      if (!more) break;
      let ended = false;
      for (;;) {
        if (value >= levelLowest) {
          level *= base;
          levelLowest = lowestEquivalent(level);
          break;
        }
        if (!move()) {
          ended = true;
          break;
        }
      }
      if (cumulative > previous) out.push([highest, cumulative]);
      previous = cumulative;
      if (ended) break;
    }
    return out;
  }
}
