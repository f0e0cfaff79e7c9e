// Who is online (presence events on user.<me>, GET /api/presence for the start), who is in a
// conversation right now (user.joined / user.left on conversation.<id>) and who is typing there.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '@/services/api';
import type { PresenceInfo, PresenceStatus } from '@/types/contract';

/** A typing indicator with no news for this long goes away by itself (the server says 6 s). */
export const TYPING_STALE_MS = 8_000;
const PRESENCE_QUERY_MAX = 200;

export interface UserPresence {
  online: boolean;
  status: PresenceStatus;
  lastSeen: string | null;
}

export const usePresenceStore = defineStore('presence', () => {
  const users = ref<Record<string, UserPresence>>({});
  /** conversationId → ids of the users who have it open now. */
  const inConversation = ref<Record<string, string[]>>({});
  /** conversationId → userId → when the indicator goes stale (ms since epoch). */
  const typing = ref<Record<string, Record<string, number>>>({});
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  function set(userId: string, info: PresenceInfo): void {
    const status: PresenceStatus = info.online ? (info.status === 'away' ? 'away' : 'online') : 'offline';
    users.value[userId] = { online: info.online, status, lastSeen: info.lastSeen ?? null };
    if (!info.online) {
      // someone offline has no conversation open and types nothing
      for (const id of Object.keys(inConversation.value)) left(id, userId);
      for (const id of Object.keys(typing.value)) setTyping(id, userId, false);
    }
  }

  function statusOf(userId: string): PresenceStatus {
    return users.value[userId]?.status ?? 'offline';
  }

  function isOnline(userId: string): boolean {
    return users.value[userId]?.online ?? false;
  }

  /** Asks the server about these users (only those sharing a conversation with us are answered). */
  async function load(userIds: string[]): Promise<void> {
    const ids = [...new Set(userIds)];
    for (let i = 0; i < ids.length; i += PRESENCE_QUERY_MAX) {
      const answer = await api.presence(ids.slice(i, i + PRESENCE_QUERY_MAX));
      for (const [id, info] of Object.entries(answer)) set(id, info);
    }
  }

  function joined(conversationId: string, userId: string): void {
    const now = inConversation.value[conversationId] ?? [];
    if (!now.includes(userId)) inConversation.value[conversationId] = [...now, userId];
  }

  function left(conversationId: string, userId: string): void {
    const now = inConversation.value[conversationId];
    if (now?.includes(userId)) inConversation.value[conversationId] = now.filter((u) => u !== userId);
  }

  /** Forgets who is in a conversation (the socket is gone; the server re-announces on register). */
  function clearConversation(conversationId: string): void {
    delete inConversation.value[conversationId];
  }

  function clearAllConversations(): void {
    inConversation.value = {};
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    typing.value = {};
  }

  function setTyping(conversationId: string, userId: string, isTyping: boolean): void {
    const key = `${conversationId}/${userId}`;
    const t = timers.get(key);
    if (t) {
      clearTimeout(t);
      timers.delete(key);
    }
    const here = { ...(typing.value[conversationId] ?? {}) };
    if (isTyping) {
      here[userId] = Date.now() + TYPING_STALE_MS;
      timers.set(key, setTimeout(() => setTyping(conversationId, userId, false), TYPING_STALE_MS));
    } else {
      if (!(userId in here)) return;
      delete here[userId];
    }
    typing.value[conversationId] = here;
  }

  function typingIn(conversationId: string): string[] {
    return Object.keys(typing.value[conversationId] ?? {});
  }

  function reset(): void {
    clearAllConversations();
    users.value = {};
  }

  return {
    users,
    inConversation,
    typing,
    set,
    statusOf,
    isOnline,
    load,
    joined,
    left,
    clearConversation,
    clearAllConversations,
    setTyping,
    typingIn,
    reset,
  };
});
