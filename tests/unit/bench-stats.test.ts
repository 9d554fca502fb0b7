import { describe, expect, it } from 'vitest';
import { median, mibPerSecond, pairedRatios, percentile, ratio, summarize } from '../../bench/lib/stats';

describe('bench statistics', () => {
  it('takes the median of odd and even counts, in any order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('interpolates percentiles between ranks (numpy default, Hyndman-Fan 7)', () => {
    const samples = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile(samples, 100)).toBe(10);
    // rank = 0.95 * 9 = 8.55: between 9 and 10.
    expect(percentile(samples, 95)).toBeCloseTo(9.55, 10);
    expect(percentile(samples, 50)).toBe(5.5);
    expect(percentile([5, 5, 5], 95)).toBe(5);
  });

  it('ignores non-finite samples and refuses empty input or a bad percentile', () => {
    expect(median([1, Number.NaN, 3, Number.POSITIVE_INFINITY])).toBe(2);
    expect(() => median([])).toThrow(RangeError);
    expect(() => median([Number.NaN])).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });

  it('summarizes count, median, p95, p99, min, max and mean', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(samples)).toEqual({ n: 100, median: 50.5, p95: 95.05, p99: 99.01, min: 1, max: 100, mean: 50.5 });
  });

  it('divides product by baseline, and has no ratio for a zero or missing baseline', () => {
    expect(ratio(30, 10)).toBe(3);
    expect(ratio(5, 10)).toBe(0.5);
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(Number.NaN, 1)).toBeUndefined();
  });

  it('pairs ratios repetition by repetition', () => {
    const paired = pairedRatios([10, 20, 40], [5, 10, 10]);
    expect(paired.median).toBe(2);
    expect(paired.max).toBe(4);
    expect(() => pairedRatios([1, 2], [1])).toThrow(RangeError);
  });

  it('converts bytes over ms to MiB/s', () => {
    expect(mibPerSecond(1024 * 1024, 1000)).toBe(1);
    expect(mibPerSecond(8 * 1024 * 1024, 500)).toBe(16);
  });
});
