// What the user is reading: the conversation on screen, whether the page is visible, and the read
// marker this device sends for it (chat.read over the bridge, else REST). A conversation that is
// open while the page is visible is "being read": its new messages are read at once, not unread.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useTimeoutFn } from '@vueuse/core';
import { api } from '@/services/api';
import { useConnectionStore } from '@/stores/connection';
import { useConversationListStore } from '@/stores/conversationList';
import { useMessagesStore } from '@/stores/messages';
import type { ReadMark } from '@/types/contract';

/** New messages of the conversation being read are marked read this long after the first of them. */
export const READ_DELAY_MS = 250;

export const useReadingStore = defineStore('reading', () => {
  /** The conversation on screen (null: the list). */
  const openId = ref<string | null>(null);
  /** Whether the page is visible (document.visibilityState), kept by the real-time session. */
  const pageVisible = ref(true);
  /**
   * Where the unread messages started when the conversation was opened (MessagesView draws the
   * "New messages" divider above that seq); null when nothing was unread.
   */
  const unreadFrom = ref<{ conversationId: string; seq: number } | null>(null);
  /** Highest seq we told the server was read, per conversation. */
  const readSent = new Map<string, number>();
  const readTimer = useTimeoutFn(() => void markOpenRead(), READ_DELAY_MS, { immediate: false });

  /** The conversation is on screen and the page visible: new messages count as read. */
  function isReading(id: string): boolean {
    return openId.value === id && pageVisible.value;
  }

  /** The user opened a conversation (or went back to the list with null); stores/live.ts views it. */
  function setOpen(id: string | null): void {
    if (id !== openId.value) {
      const summary = id ? useConversationListStore().summaries[id] : undefined;
      // unreadCount is lastSeq minus the read marker (docs/rest-api.md)
      unreadFrom.value =
        id && summary && summary.unreadCount > 0 ? { conversationId: id, seq: Math.max(1, summary.lastSeq - summary.unreadCount + 1) } : null;
    }
    openId.value = id;
    if (id) {
      const summary = useConversationListStore().summaries[id];
      if (summary && pageVisible.value) summary.unreadCount = 0;
      scheduleRead();
    }
  }

  /** The open conversation's summary arrived after it was opened (a reload on /c/<id>): where its unread messages start. */
  function arrivedUnread(id: string, lastSeq: number, unreadCount: number): void {
    if (openId.value === id && !unreadFrom.value && unreadCount > 0) {
      unreadFrom.value = { conversationId: id, seq: Math.max(1, lastSeq - unreadCount + 1) };
    }
  }

  function setVisible(visible: boolean): void {
    pageVisible.value = visible;
    if (visible && openId.value) scheduleRead();
  }

  /** Marks the open conversation read up to its newest message, once for what comes in READ_DELAY_MS. */
  function scheduleRead(): void {
    if (!readTimer.isPending.value) readTimer.start();
  }

  async function markOpenRead(): Promise<void> {
    const id = openId.value;
    if (!id || !pageVisible.value) return;
    const items = useMessagesStore().threads[id]?.items ?? [];
    const list = useConversationListStore();
    const newest = items.length ? items[items.length - 1].seq : 0;
    if (list.summaries[id]) list.summaries[id].unreadCount = 0;
    if (newest <= (readSent.get(id) ?? 0)) return;
    readSent.set(id, newest);
    const connection = useConnectionStore();
    try {
      const mark = connection.isConnected()
        ? await connection.request<ReadMark>('chat.read', { conversationId: id, seq: newest })
        : await api.markRead(id, newest);
      if (list.summaries[id] && !isReading(id)) list.summaries[id].unreadCount = mark.unreadCount;
    } catch {
      // not marked: forget that it was sent, so that the next message or opening marks it again
      if ((readSent.get(id) ?? 0) === newest) readSent.delete(id);
    }
  }

  /** The conversation is gone from the list. */
  function forget(conversationId: string): void {
    readSent.delete(conversationId);
  }

  function reset(): void {
    openId.value = null;
    unreadFrom.value = null;
    readSent.clear();
    readTimer.stop();
  }

  return { openId, pageVisible, unreadFrom, isReading, setOpen, arrivedUnread, setVisible, scheduleRead, markOpenRead, forget, reset };
});
