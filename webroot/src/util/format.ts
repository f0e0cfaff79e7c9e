import type { Conversation, Participant } from '@/types/contract';

/** The conversation's title, or the names of the others in it. */
export function conversationName(c: Conversation, meId: string | null): string {
  if (c.title) return c.title;
  const others = c.participants.filter((p) => p.id !== meId);
  if (others.length === 0) return 'Just you';
  return others.map((p) => p.displayName).join(', ');
}

export function othersOf(c: Conversation, meId: string | null): Participant[] {
  return c.participants.filter((p) => p.id !== meId);
}

/** The other person of a one-to-one conversation (exactly one other participant), else null. */
export function partnerOf(c: Conversation, meId: string | null): Participant | null {
  const others = othersOf(c, meId);
  return others.length === 1 ? others[0] : null;
}

/** 14:05 today, "Mon 14:05" this week, else a date. */
export function shortTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const sameDay = d.toDateString() === now.toDateString();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (sameDay) return time;
  const days = (now.getTime() - d.getTime()) / 86_400_000;
  if (days < 6) return `${d.toLocaleDateString([], { weekday: 'short' })} ${time}`;
  return d.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A day separator's label: "Today", "Yesterday", else "Monday 3 March" (with the year when not this year's). */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  if (d.toDateString() === now.toDateString()) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return d.toLocaleDateString([], {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric',
  });
}

/** "last seen just now", "last seen 5 min ago", "last seen today at 14:05", "… yesterday at …", "… on 3 Mar". */
export function lastSeenText(iso: string | null, now = new Date()): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const minutes = Math.floor((now.getTime() - d.getTime()) / 60_000);
  if (minutes < 1) return 'last seen just now';
  if (minutes < 60) return `last seen ${minutes} min ago`;
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const day = dayLabel(iso, now);
  if (day === 'Today' || day === 'Yesterday') return `last seen ${day.toLowerCase()} at ${time}`;
  return `last seen on ${d.toLocaleDateString([], { day: 'numeric', month: 'short', year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric' })}`;
}

export function fullTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

/** A preview on one line (content is text: it is never parsed as HTML anywhere). */
export function preview(text: string, max = 80): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** What to show the user of a failure: its message. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
