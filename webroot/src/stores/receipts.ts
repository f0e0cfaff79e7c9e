// Delivery receipts, both ways: this device tells the server that messages from others reached it
// (chat.delivered), and hears the others' delivered/read markers (delivered and read events on
// conversation.<id>), from which the delivery state of the user's own messages follows.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useConversationListStore } from '@/stores/conversationList';
import { useMessagesStore } from '@/stores/messages';
import type { Conversation, DeliveryState, Message } from '@/types/contract';

export interface Receipt {
  delivered: number;
  read: number;
}

export const useReceiptsStore = defineStore('receipts', () => {
  /** conversationId → userId → highest delivered/read seq reported by that participant. */
  const receipts = ref<Record<string, Record<string, Receipt>>>({});
  /** Highest seq we told the server was delivered, per conversation. */
  const deliveredSent = new Map<string, number>();

  const me = () => useAuthStore().account?.id ?? null;

  /** Tells the server the newest message from someone else has reached this device. */
  function acknowledgeDelivery(conversationId: string): void {
    const myId = me();
    const items = useMessagesStore().threads[conversationId]?.items ?? [];
    const summary = useConversationListStore().summaries[conversationId];
    let seq = 0;
    const fromThread = items.length ? [...items].reverse().find((m) => m.senderId !== myId) : undefined;
    if (fromThread) seq = fromThread.seq;
    if (summary?.lastMessage && summary.lastMessage.senderId !== myId) seq = Math.max(seq, summary.lastMessage.seq);
    if (seq <= (deliveredSent.get(conversationId) ?? 0)) return;
    const connection = useConnectionStore();
    if (!connection.isConnected()) return;
    deliveredSent.set(conversationId, seq);
    connection.request('chat.delivered', { conversationId, seq }).catch(() => {
      // not acknowledged: forget that it was sent, so that the next message acknowledges it again
      if ((deliveredSent.get(conversationId) ?? 0) === seq) deliveredSent.delete(conversationId);
    });
  }

  /** A delivered or read event: that participant's markers move forward (a read message was delivered too). */
  function record(conversationId: string, userId: string, kind: 'delivered' | 'read', seq: number): void {
    const forConv = (receipts.value[conversationId] ??= {});
    const r = (forConv[userId] ??= { delivered: 0, read: 0 });
    if (kind === 'read') r.read = Math.max(r.read, seq);
    r.delivered = Math.max(r.delivered, seq);
  }

  /** The markers a conversation's answer carries (after a reload, before any event): they only move forward. */
  function seed(conversation: Conversation): void {
    for (const p of conversation.participants) {
      if (p.deliveredSeq) record(conversation.id, p.id, 'delivered', p.deliveredSeq);
      if (p.readSeq) record(conversation.id, p.id, 'read', p.readSeq);
    }
  }

  /** The delivery state of one of the user's own stored messages. */
  function deliveryState(conversationId: string, message: Message, wrote = lastWritten(conversationId)): DeliveryState {
    const myId = me();
    const summary = useConversationListStore().summaries[conversationId];
    const others = (summary?.participants ?? []).filter((p) => p.id !== myId);
    if (others.length === 0) return 'sent';
    const forConv = receipts.value[conversationId] ?? {};
    // sending moves the sender's own read marker (docs/rest-api.md), so whoever wrote after a message has read it
    const readBy = (userId: string) => Math.max(forConv[userId]?.read ?? 0, wrote[userId] ?? 0);
    if (others.every((p) => readBy(p.id) >= message.seq)) return 'read';
    if (others.every((p) => Math.max(forConv[p.id]?.delivered ?? 0, readBy(p.id)) >= message.seq)) return 'delivered';
    return 'sent';
  }

  /** Per sender, the highest seq they wrote among the messages held. */
  function lastWritten(conversationId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of useMessagesStore().threads[conversationId]?.items ?? []) out[m.senderId] = Math.max(out[m.senderId] ?? 0, m.seq);
    return out;
  }

  /** The conversation is gone from the list. */
  function forget(conversationId: string): void {
    delete receipts.value[conversationId];
    deliveredSent.delete(conversationId);
  }

  function reset(): void {
    receipts.value = {};
    deliveredSent.clear();
  }

  return { receipts, acknowledgeDelivery, record, seed, deliveryState, lastWritten, forget, reset };
});
