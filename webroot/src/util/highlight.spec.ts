import { describe, expect, it } from 'vitest';
import { excerpt, highlightParts, queryWords } from '@/util/highlight';

describe('highlightParts', () => {
  it('marks the start of every word a query word begins, in any case', () => {
    expect(highlightParts('Hello, world! Hellish work', 'hel WOR')).toEqual([
      { text: 'Hel', match: true },
      { text: 'lo, ', match: false },
      { text: 'wor', match: true },
      { text: 'ld! ', match: false },
      { text: 'Hel', match: true },
      { text: 'lish ', match: false },
      { text: 'wor', match: true },
      { text: 'k', match: false },
    ]);
  });

  it('does not mark the middle of a word', () => {
    expect(highlightParts('the other', 'her')).toEqual([{ text: 'the other', match: false }]);
  });

  it('keeps markup as text: joined back, the parts are the text itself', () => {
    const text = '<img src=x onerror=alert(1)> <b>bold</b> & more';
    const parts = highlightParts(text, 'img bold');
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.filter((p) => p.match).map((p) => p.text)).toEqual(['img', 'bold']);
  });

  it('takes the longest query word on one word, and letters of any script', () => {
    expect(highlightParts('Grüße aus Köln', 'grü grüße köl')).toEqual([
      { text: 'Grüße', match: true },
      { text: ' aus ', match: false },
      { text: 'Köl', match: true },
      { text: 'n', match: false },
    ]);
  });

  it('a query of punctuation only marks nothing', () => {
    expect(queryWords('?!')).toEqual([]);
    expect(highlightParts('what?!', '?!')).toEqual([{ text: 'what?!', match: false }]);
  });
});

describe('excerpt', () => {
  it('keeps a short text whole, on one line', () => {
    expect(excerpt('one\ntwo', 'two')).toBe('one two');
  });

  it('cuts a long text around its first match', () => {
    const text = `${'lorem ipsum '.repeat(30)}needle here ${'dolor sit '.repeat(30)}`;
    const e = excerpt(text, 'need', 80);
    expect(e.startsWith('…')).toBe(true);
    expect(e.endsWith('…')).toBe(true);
    expect(e).toContain('needle here');
    expect(e.length).toBeLessThanOrEqual(82);
  });
});
