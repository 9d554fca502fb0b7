import { describe, expect, it } from 'vitest';
import { TokenBucket } from '@/lib/session/rate-limit';

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const bucket = new TokenBucket({ burst: 5, perSecond: 2 }, 0);
    expect(Array.from({ length: 7 }, () => bucket.take(0))).toEqual([true, true, true, true, true, false, false]);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true);
    expect(bucket.take(500)).toBe(false);
  });

  it('refills up to the burst only', () => {
    const bucket = new TokenBucket({ burst: 3, perSecond: 100 }, 0);
    const taken = Array.from({ length: 5 }, () => bucket.take(60_000)).filter(Boolean).length;
    expect(taken).toBe(3);
  });
});
