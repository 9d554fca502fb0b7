/**
 * Statistics for the bench: order statistics over repeated measurements and the
 * ratio of a product figure to its baseline. Pure functions, no I/O.
 */

/** Median, spread and count of one figure's samples (same unit as the samples). */
export interface Summary {
  /** Number of samples. */
  n: number;
  median: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

function sorted(samples: readonly number[]): number[] {
  const finite = samples.filter((value) => Number.isFinite(value));
  if (finite.length === 0) throw new RangeError('no finite samples');
  return [...finite].sort((a, b) => a - b);
}

/**
 * The `p`-th percentile (0 to 100) of `samples`, by linear interpolation between
 * the two nearest ranks: Hyndman and Fan's definition 7, which is also numpy's
 * default and Excel's PERCENTILE.INC. Non-finite samples are ignored.
 * @throws RangeError when there is no finite sample or `p` is outside 0 to 100.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile out of range: ${p}`);
  const values = sorted(samples);
  const rank = (p / 100) * (values.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lower = values[low]!;
  const upper = values[high]!;
  return lower + (upper - lower) * (rank - low);
}

/** The median (50th percentile) of `samples`. @throws RangeError when there is no finite sample. */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Count, median, 95th and 99th percentiles, min, max and mean of `samples`. @throws RangeError when there is no finite sample. */
export function summarize(samples: readonly number[]): Summary {
  const values = sorted(samples);
  return {
    n: values.length,
    median: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    min: values[0]!,
    max: values[values.length - 1]!,
    mean: values.reduce((sum, value) => sum + value, 0) / values.length,
  };
}

/**
 * Product figure divided by baseline figure (both in the same unit).
 * For times, above 1 means the product is slower; for rates (throughput),
 * below 1 means the product is slower.
 * @returns `undefined` when the baseline is 0 or either value is not finite.
 */
export function ratio(product: number, baseline: number): number | undefined {
  if (!Number.isFinite(product) || !Number.isFinite(baseline) || baseline === 0) return undefined;
  return product / baseline;
}

/**
 * Paired ratios: for each repetition `i`, `product[i] / baseline[i]`, summarised.
 * With interleaved runs, pairing cancels slow drifts of a noisy machine that
 * affect both sides of one repetition alike.
 * @throws RangeError when the arrays differ in length or no pair has a finite ratio.
 */
export function pairedRatios(product: readonly number[], baseline: readonly number[]): Summary {
  if (product.length !== baseline.length) throw new RangeError('paired samples differ in length');
  const ratios = product.map((value, i) => ratio(value, baseline[i]!)).filter((value): value is number => value !== undefined);
  return summarize(ratios);
}

/** Throughput in MiB/s of `bytes` moved in `ms` milliseconds. */
export function mibPerSecond(bytes: number, ms: number): number {
  return bytes / (1024 * 1024) / (ms / 1000);
}
