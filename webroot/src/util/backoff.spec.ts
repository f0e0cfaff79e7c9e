import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, backoffBase, backoffDelay } from '@/util/backoff';

describe('backoff', () => {
  it('doubles from 1 s: 1, 2, 4, 8 s, then stays at the 10 s cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10, 100].map(backoffBase)).toEqual([
      1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000, 10000,
    ]);
  });

  it('without jitter (random = 0.5) the delay is the base', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('jitter stays within ±20 % of the base and never passes the cap', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const base = backoffBase(attempt);
      const low = backoffDelay(attempt, () => 0);
      const high = backoffDelay(attempt, () => 0.999999);
      expect(low).toBe(Math.round(base * 0.8));
      expect(high).toBe(Math.min(Math.round(base * 1.2), BACKOFF_CAP_MS));
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt);
        expect(d).toBeGreaterThanOrEqual(Math.round(base * 0.8));
        expect(d).toBeLessThanOrEqual(Math.min(Math.round(base * 1.2), BACKOFF_CAP_MS));
      }
    }
  });

  it('spreads clients out: random delays for one attempt are not all equal', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(3)));
    expect(seen.size).toBeGreaterThan(10);
  });
});
