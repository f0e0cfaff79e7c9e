// Files in the web client: sizes as people read them, and which attachments show as images.
import type { Attachment } from '@/types/contract';

/** 1536 → "1.5 KB", 10485760 → "10 MB" (powers of 1024, as the server's limits are). */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded} ${units[unit]}`;
}

/** The types the server serves inline (by type and first bytes): these show as a preview. */
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function isInlineImage(a: Pick<Attachment, 'contentType'>): boolean {
  return INLINE_IMAGES.has(a.contentType);
}
