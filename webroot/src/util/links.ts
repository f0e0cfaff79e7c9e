// Links in message text: http:// and https:// URLs only (never javascript:, data: or anything
// else), cut before trailing punctuation that usually ends a sentence. The text is split into
// parts that the template renders as text or as <a rel="noopener noreferrer" target="_blank">:
// nothing is ever parsed as HTML.

export type TextPart = { text: string; href?: undefined } | { text: string; href: string };

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Trailing characters that belong to the sentence rather than the URL. */
const TRAILING = /[.,;:!?'")\]}>]+$/;

/** A URL the browser may open: parsed, and http or https. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function linkParts(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    let raw = match[0];
    // keep a closing parenthesis that closes one opened inside the URL (Wikipedia links)
    const trail = TRAILING.exec(raw);
    if (trail) {
      let cut = trail[0];
      if (cut.startsWith(')') && (raw.match(/\(/g)?.length ?? 0) > (raw.slice(0, -cut.length).match(/\)/g)?.length ?? 0)) {
        cut = cut.slice(1);
      }
      raw = raw.slice(0, raw.length - cut.length);
    }
    const start = match.index ?? 0;
    const href = safeHref(raw);
    if (!href) continue;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
