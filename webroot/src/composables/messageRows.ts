// What MessagesView shows of a conversation: its stored messages by seq (the user's own with
// their delivery state), then the user's messages still in the outbox (pending, or failed).
import { useAuthStore } from '@/stores/auth';
import { useMessagesStore } from '@/stores/messages';
import { useOutboxStore, type OutboxEntry } from '@/stores/outbox';
import { useReceiptsStore } from '@/stores/receipts';
import type { DeliveryState, Message } from '@/types/contract';

/** One row of MessagesView: a stored message, or one of the user's own still in the outbox. */
export type MessageRow =
  | { kind: 'message'; key: string; message: Message; own: boolean; state: DeliveryState | null }
  | { kind: 'pending'; key: string; entry: OutboxEntry; own: true; state: DeliveryState };

export function messageRows(conversationId: string): MessageRow[] {
  const myId = useAuthStore().account?.id ?? null;
  const receipts = useReceiptsStore();
  const wrote = receipts.lastWritten(conversationId);
  const out: MessageRow[] = (useMessagesStore().threads[conversationId]?.items ?? []).map((m) => {
    const own = m.senderId === myId;
    return { kind: 'message', key: m.id, message: m, own, state: own ? receipts.deliveryState(conversationId, m, wrote) : null };
  });
  for (const entry of useOutboxStore().forConversation(conversationId)) {
    out.push({ kind: 'pending', key: entry.clientMessageId, entry, own: true, state: entry.state === 'failed' ? 'failed' : 'pending' });
  }
  return out;
}
