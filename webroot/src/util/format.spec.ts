import { describe, expect, it } from 'vitest';
import { dayLabel, lastSeenText } from '@/util/format';

describe('format: days and "last seen"', () => {
  const now = new Date(2026, 10, 30, 12, 0);

  it('labels days: Today, Yesterday, then a date (with the year when not this year\'s)', () => {
    expect(dayLabel(new Date(2026, 10, 30, 0, 5).toISOString(), now)).toBe('Today');
    expect(dayLabel(new Date(2026, 10, 29, 23, 59).toISOString(), now)).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 10, 20, 9, 0).toISOString(), now)).toMatch(/20/);
    expect(dayLabel(new Date(2025, 10, 20, 9, 0).toISOString(), now)).toMatch(/2025/);
  });

  it('says when someone was last seen, coarser as it gets older; nothing without a time', () => {
    expect(lastSeenText(null, now)).toBeNull();
    expect(lastSeenText(new Date(now.getTime() - 20_000).toISOString(), now)).toBe('last seen just now');
    expect(lastSeenText(new Date(now.getTime() - 5 * 60_000).toISOString(), now)).toBe('last seen 5 min ago');
    expect(lastSeenText(new Date(2026, 10, 30, 8, 15).toISOString(), now)).toMatch(/^last seen today at /);
    expect(lastSeenText(new Date(2026, 10, 29, 8, 15).toISOString(), now)).toMatch(/^last seen yesterday at /);
    expect(lastSeenText(new Date(2026, 9, 3, 8, 15).toISOString(), now)).toMatch(/^last seen on .*3/);
  });
});
