import { describe, expect, it } from 'vitest';
import { GROUP_GAP_MS, layOut } from '@/composables/messageRows';

interface Row {
  sender: string;
  at: string;
  groupStart: boolean;
  day: string | null;
}

const row = (sender: string, at: string): Row => ({ sender, at, groupStart: true, day: null });

describe('message rows: groups and days', () => {
  it('groups consecutive messages of one sender within 5 minutes, and starts each day with its label', () => {
    const now = new Date(2026, 10, 30, 12, 0);
    const rows = layOut(
      [
        row('a', new Date(2026, 10, 28, 9, 0).toISOString()),
        row('a', new Date(2026, 10, 29, 9, 0).toISOString()),
        row('a', new Date(2026, 10, 29, 9, 1).toISOString()),
        row('b', new Date(2026, 10, 29, 9, 2).toISOString()),
        row('b', new Date(new Date(2026, 10, 29, 9, 2).getTime() + GROUP_GAP_MS + 1).toISOString()),
        row('b', new Date(2026, 10, 30, 8, 0).toISOString()),
      ],
      (r) => r.sender,
      (r) => r.at,
      now,
    );
    expect(rows.map((r) => r.groupStart)).toEqual([true, true, false, true, true, true]);
    expect(rows.map((r) => r.day)).toEqual([expect.stringMatching(/28/), 'Yesterday', null, null, null, 'Today']);
  });
});
