import { describe, expect, it } from 'vitest';
import { linkParts, safeHref } from '@/util/links';

describe('links in messages', () => {
  it('finds http and https URLs, keeps the rest as text', () => {
    expect(linkParts('see https://example.com/a?b=1 and http://x.org.')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ' and ' },
      { text: 'http://x.org', href: 'http://x.org/' },
      { text: '.' },
    ]);
  });

  it('never links other schemes', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://example.com', 'www.example.com', 'JAVASCRIPT://%0aalert(1)']) {
      expect(linkParts(text)).toEqual([{ text }]);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
  });

  it('leaves sentence punctuation out, keeps a parenthesis the URL opened', () => {
    expect(linkParts('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([
      { text: '(' },
      { text: 'https://en.wikipedia.org/wiki/Foo_(bar)', href: 'https://en.wikipedia.org/wiki/Foo_(bar)' },
      { text: ')' },
    ]);
    expect(linkParts('https://a.example/x!').map((p) => p.text)).toEqual(['https://a.example/x', '!']);
  });

  it('joins back to the original text', () => {
    const text = 'a https://a.example b\nhttps://b.example/?q="x" c';
    expect(linkParts(text).map((p) => p.text).join('')).toBe(text);
  });
});
