import { describe, expect, it } from 'vitest';
import { contiguousTail, findGaps, isAfterGap, mergeMessages } from '@/util/messages';
import { msg } from '@/test/fakes';

describe('mergeMessages', () => {
  it('orders by seq whatever the arrival order', () => {
    const { items } = mergeMessages([], [msg(3), msg(1), msg(2)]);
    expect(items.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('orders by seq, not by sentAt', () => {
    const late = msg(1, undefined, { sentAt: '2030-01-01T00:00:00.000Z' });
    const { items } = mergeMessages([], [msg(2), late]);
    expect(items.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('keeps one copy of a message seen twice (by id, and by seq)', () => {
    const first = mergeMessages([], [msg(1), msg(2)]);
    const again = mergeMessages(first.items, [msg(2), msg(3), msg(3), { ...msg(1), id: 'other-id-same-seq' }]);
    expect(again.items.map((m) => m.id)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(again.added.map((m) => m.id)).toEqual(['m-3']);
  });

  it('returns the same list when nothing is new', () => {
    const first = mergeMessages([], [msg(1)]);
    expect(mergeMessages(first.items, [msg(1)]).items).toBe(first.items);
  });
});

describe('gaps', () => {
  it('contiguousTail is the end of the run that starts at the oldest message', () => {
    expect(contiguousTail([])).toBe(0);
    expect(contiguousTail([msg(5), msg(6), msg(7)])).toBe(7);
    expect(contiguousTail([msg(5), msg(6), msg(9), msg(10)])).toBe(6);
  });

  it('findGaps lists every missing range', () => {
    expect(findGaps([msg(1), msg(2), msg(5), msg(6), msg(9)])).toEqual([
      { afterSeq: 2, beforeSeq: 5 },
      { afterSeq: 6, beforeSeq: 9 },
    ]);
    expect(findGaps([msg(1), msg(2)])).toEqual([]);
  });

  it('isAfterGap: only a seq beyond tail + 1 reveals missed messages', () => {
    const items = [msg(1), msg(2), msg(3)];
    expect(isAfterGap(items, 4)).toBe(false);
    expect(isAfterGap(items, 3)).toBe(false);
    expect(isAfterGap(items, 6)).toBe(true);
    expect(isAfterGap([], 6)).toBe(false);
  });
});
