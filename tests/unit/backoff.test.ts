import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '@/lib/session/backoff';

describe('backoffDelay', () => {
  const middle = () => 0.5; // no jitter

  it('doubles from the base up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 20].map((n) => backoffDelay(n, DEFAULT_BACKOFF, middle))).toEqual([
      1000, 2000, 3000, 3000, 3000, 3000, 3000,
    ]);
  });

  it('jitters by at most the configured fraction', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(800);
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.999_999)).toBe(1200);
  });

  it('finds a PeerServer that came back within 3.6 s, whatever the jitter', () => {
    for (const random of [() => 0, () => 0.5, () => 0.999_999]) {
      for (let attempt = 0; attempt < 50; attempt++) expect(backoffDelay(attempt, DEFAULT_BACKOFF, random)).toBeLessThanOrEqual(3600);
    }
  });

  it('survives absurd attempt numbers', () => {
    expect(backoffDelay(-3, DEFAULT_BACKOFF, middle)).toBe(1000);
    expect(backoffDelay(10_000, DEFAULT_BACKOFF, middle)).toBe(3000);
  });
});
