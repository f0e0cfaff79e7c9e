// What MessagesView shows of a conversation: its stored messages by seq (the user's own with
// their delivery state), then the user's messages still in the outbox (pending, or failed).
// Consecutive messages of one sender within GROUP_GAP_MS form a group (only its first row shows
// the name and time), and a row that starts a new day carries that day's label (a separator).
import { useAuthStore } from '@/stores/auth';
import { useMessagesStore } from '@/stores/messages';
import { useOutboxStore, type OutboxEntry } from '@/stores/outbox';
import { useReceiptsStore } from '@/stores/receipts';
import { dayLabel } from '@/util/format';
import type { DeliveryState, Message } from '@/types/contract';

/** Messages of one sender closer together than this are one group. */
export const GROUP_GAP_MS = 5 * 60_000;

interface Layout {
  /** The first row of a group: it shows the sender and the time. */
  groupStart: boolean;
  /** The label of the day this row starts ("Today", "Yesterday", a date), else null. */
  day: string | null;
}

/** One row of MessagesView: a stored message, or one of the user's own still in the outbox. */
export type MessageRow = Layout &
  (
    | { kind: 'message'; key: string; message: Message; own: boolean; state: DeliveryState | null }
    | { kind: 'pending'; key: string; entry: OutboxEntry; own: true; state: DeliveryState }
  );

/** Sets groupStart and day on rows in order (sender and time of each row given). */
export function layOut<T extends Layout>(rows: T[], senderOf: (row: T) => string, timeOf: (row: T) => string, now = new Date()): T[] {
  let previous: { sender: string; at: number; day: string } | null = null;
  for (const row of rows) {
    const iso = timeOf(row);
    const at = new Date(iso).getTime();
    const day = new Date(iso).toDateString();
    const sender = senderOf(row);
    row.day = previous?.day === day ? null : dayLabel(iso, now);
    row.groupStart = !previous || previous.sender !== sender || row.day !== null || Math.abs(at - previous.at) > GROUP_GAP_MS;
    previous = { sender, at, day };
  }
  return rows;
}

export function messageRows(conversationId: string): MessageRow[] {
  const myId = useAuthStore().account?.id ?? null;
  const receipts = useReceiptsStore();
  const wrote = receipts.lastWritten(conversationId);
  const out: MessageRow[] = (useMessagesStore().threads[conversationId]?.items ?? []).map((m) => {
    const own = m.senderId === myId;
    return {
      kind: 'message',
      key: m.id,
      message: m,
      own,
      state: own ? receipts.deliveryState(conversationId, m, wrote) : null,
      groupStart: true,
      day: null,
    };
  });
  for (const entry of useOutboxStore().forConversation(conversationId)) {
    out.push({
      kind: 'pending',
      key: entry.clientMessageId,
      entry,
      own: true,
      state: entry.state === 'failed' ? 'failed' : 'pending',
      groupStart: true,
      day: null,
    });
  }
  return layOut(
    out,
    (r) => (r.kind === 'message' ? r.message.senderId : (myId ?? '')),
    (r) => (r.kind === 'message' ? r.message.sentAt : r.entry.createdAt),
  );
}
