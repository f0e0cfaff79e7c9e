// Pure helpers for a conversation's messages: always unique by id, ordered by seq.
import type { Message } from '@/types/contract';

/** Merges incoming messages into a seq-ordered list; returns the new list and what was new. */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): { items: Message[]; added: Message[] } {
  const ids = new Set(existing.map((m) => m.id));
  const seqs = new Set(existing.map((m) => m.seq));
  const added: Message[] = [];
  for (const m of incoming) {
    // the server never gives one seq to two messages; a second copy of either is a duplicate
    if (ids.has(m.id) || seqs.has(m.seq)) continue;
    ids.add(m.id);
    seqs.add(m.seq);
    added.push(m);
  }
  if (added.length === 0) return { items: existing as Message[], added };
  added.sort((a, b) => a.seq - b.seq);
  const items = [...existing, ...added].sort((a, b) => a.seq - b.seq);
  return { items, added };
}

/**
 * The last seq of the run of consecutive seqs that starts at the oldest message held: everything
 * from the oldest message up to it is known. 0 when nothing is held.
 */
export function contiguousTail(items: readonly Message[]): number {
  if (items.length === 0) return 0;
  let tail = items[0].seq;
  for (let i = 1; i < items.length; i++) {
    if (items[i].seq !== tail + 1) break;
    tail = items[i].seq;
  }
  return tail;
}

/** Missing ranges between held messages: [{afterSeq, beforeSeq}] (exclusive bounds). */
export function findGaps(items: readonly Message[]): Array<{ afterSeq: number; beforeSeq: number }> {
  const gaps: Array<{ afterSeq: number; beforeSeq: number }> = [];
  for (let i = 1; i < items.length; i++) {
    if (items[i].seq > items[i - 1].seq + 1) gaps.push({ afterSeq: items[i - 1].seq, beforeSeq: items[i].seq });
  }
  return gaps;
}

/** True when a message with this seq, arriving now, shows that some before it were missed. */
export function isAfterGap(items: readonly Message[], seq: number): boolean {
  if (items.length === 0) return false;
  const tail = contiguousTail(items);
  return seq > tail + 1;
}
