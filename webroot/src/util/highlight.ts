// Search results' text (MessageSearch): the query's words as the server matches them (runs of
// letters and digits, each the start of a word of the message, in any case; docs/rest-api.md,
// "Message search"), found in a message's content so that the matched part of each word can be
// drawn highlighted. The parts are plain strings the component renders as text nodes (never HTML).

/** A piece of the text: `match` is the start of a word that one of the query's words begins. */
export interface TextPart {
  text: string;
  match: boolean;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The query's words, lower case, longest first (so "hello" wins over "he" on the same word). */
export function queryWords(query: string): string[] {
  const words = new Set((query.match(WORD) ?? []).map((w) => w.toLowerCase()));
  return [...words].sort((a, b) => b.length - a.length);
}

/** Splits text into parts, the matched prefix of every word that a query word starts marked. */
export function highlightParts(text: string, query: string): TextPart[] {
  const words = queryWords(query);
  const parts: TextPart[] = [];
  let plain = '';
  let last = 0;
  for (const m of text.matchAll(WORD)) {
    const word = m[0];
    const lower = word.toLowerCase();
    const hit = words.find((q) => lower.startsWith(q));
    if (!hit) continue;
    const at = m.index ?? 0;
    // the matched prefix in the original text (lower-casing may change lengths: count by code points)
    const prefix = [...word].slice(0, [...hit].length).join('');
    plain += text.slice(last, at);
    if (plain) parts.push({ text: plain, match: false });
    plain = '';
    parts.push({ text: prefix, match: true });
    last = at + prefix.length;
  }
  plain += text.slice(last);
  if (plain) parts.push({ text: plain, match: false });
  return parts;
}

/**
 * At most about `max` characters of text around its first match (the whole text when it is short),
 * with "…" where something was left out; line breaks become spaces.
 */
export function excerpt(text: string, query: string, max = 140): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const first = highlightParts(flat, query).findIndex((p) => p.match);
  const at = first < 0 ? 0 : highlightParts(flat, query).slice(0, first).reduce((n, p) => n + p.text.length, 0);
  let start = Math.max(0, at - Math.floor(max / 3));
  // not in the middle of a word
  if (start > 0) {
    const space = flat.lastIndexOf(' ', start);
    start = space >= 0 && at - space < max / 2 ? space + 1 : start;
  }
  const end = Math.min(flat.length, start + max);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
