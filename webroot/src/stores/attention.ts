// Getting the user's attention for messages that arrive elsewhere: the unread total (the tab's
// title shows it, App.vue) and a desktop notification (Notification API) for a message from someone
// else while the page is hidden, once the user has allowed notifications (the list offers a button
// while the browser's answer is still "default"; requestPermission needs a user gesture).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useLocalStorage } from '@vueuse/core';
import { useAuthStore } from '@/stores/auth';
import { useConversationListStore } from '@/stores/conversationList';
import { useReadingStore } from '@/stores/reading';
import { conversationName, preview } from '@/util/format';
import type { Message } from '@/types/contract';

type Permission = 'default' | 'granted' | 'denied' | 'unsupported';

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : (Notification.permission as Permission);
}

export const useAttentionStore = defineStore('attention', () => {
  const permission = ref<Permission>(currentPermission());
  /** The user said "Not now" to the offer (kept on this device). */
  const declined = useLocalStorage('thrume.notifications.declined', false, { flush: 'sync' });
  /** Whether the list offers "Turn on desktop notifications". */
  const offer = computed(() => permission.value === 'default' && !declined.value);
  /** Opens a conversation when its notification is clicked (App.vue sets it to the router). */
  let open: (conversationId: string) => void = () => {};
  /** The notifications shown, by conversation (one per conversation: a newer one replaces it). */
  const shown = new Map<string, Notification>();

  /** Sum of the unread counts of the list (the tab's title shows it). */
  const unreadTotal = computed(() =>
    Object.values(useConversationListStore().summaries).reduce((sum, c) => sum + (c.unreadCount > 0 ? c.unreadCount : 0), 0),
  );

  function configure(opener: (conversationId: string) => void): void {
    open = opener;
  }

  /** The user pressed "Turn on notifications". */
  async function enable(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    try {
      permission.value = (await Notification.requestPermission()) as Permission;
    } catch {
      permission.value = currentPermission();
    }
  }

  function decline(): void {
    declined.value = true;
  }

  /** A live message arrived: notify when it is someone else's, the page is hidden and the user allowed it. */
  function messageArrived(conversationId: string, message: Message): void {
    if (message.senderId === useAuthStore().account?.id) return;
    if (useReadingStore().pageVisible) return;
    permission.value = currentPermission();
    if (permission.value !== 'granted') return;
    const summary = useConversationListStore().summaries[conversationId];
    const title = summary ? conversationName(summary, useAuthStore().account?.id ?? null) : message.senderDisplayName;
    const body = summary && (summary.participants.length > 2 || summary.title) ? `${message.senderDisplayName}: ${preview(message.content, 120)}` : preview(message.content, 120);
    try {
      shown.get(conversationId)?.close();
      const n = new Notification(title, { body, tag: conversationId, icon: '/favicon.svg' });
      n.onclick = () => {
        window.focus();
        open(conversationId);
        n.close();
      };
      n.onclose = () => {
        if (shown.get(conversationId) === n) shown.delete(conversationId);
      };
      shown.set(conversationId, n);
    } catch {
      // some browsers (Chrome on Android) allow only service-worker notifications: the title's count remains
    }
  }

  /** The page became visible or the conversation was opened: its notification is stale. */
  function dismiss(conversationId?: string): void {
    for (const [id, n] of shown) {
      if (conversationId && id !== conversationId) continue;
      n.close();
      shown.delete(id);
    }
  }

  function reset(): void {
    dismiss();
    permission.value = currentPermission();
  }

  return { permission, offer, unreadTotal, configure, enable, decline, messageArrived, dismiss, reset };
});
