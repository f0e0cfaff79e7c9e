// Who is online (the presence.watch reply, then presence events on user.<me> for the watched
// users), who has a conversation open right now (user.joined / user.left / viewers on
// conversation.<id>, for the conversation this socket views) and who is typing there.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { PresenceInfo, PresenceStatus } from '@/types/contract';

/** A typing indicator with no news for this long goes away by itself (the server says 6 s). */
export const TYPING_STALE_MS = 8_000;

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

  /**
   * The presence.watch reply: the current state of the watched users the server answered for.
   * Anyone else (no longer watched, or not visible to us) is forgotten: no event would correct them.
   */
  function watched(userIds: string[], answer: Record<string, PresenceInfo>): void {
    const keep = new Set(userIds);
    for (const id of Object.keys(users.value)) if (!keep.has(id) || !answer[id]) delete users.value[id];
    for (const id of userIds) if (answer[id]) set(id, answer[id]);
  }

  function statusOf(userId: string): PresenceStatus {
    return users.value[userId]?.status ?? 'offline';
  }

  function isOnline(userId: string): boolean {
    return users.value[userId]?.online ?? false;
  }

  function joined(conversationId: string, userId: string): void {
    viewers(conversationId, [userId], []);
  }

  function left(conversationId: string, userId: string): void {
    viewers(conversationId, [], [userId]);
  }

  /** Several users started (joined) or stopped (left) viewing the conversation. */
  function viewers(conversationId: string, joinedIds: readonly string[], leftIds: readonly string[]): void {
    const before = inConversation.value[conversationId] ?? [];
    const gone = new Set(leftIds);
    const now = before.filter((u) => !gone.has(u));
    for (const u of joinedIds) if (!now.includes(u)) now.push(u);
    if (now.length !== before.length || now.some((u, i) => u !== before[i])) inConversation.value[conversationId] = now;
  }

  /** Forgets who is in a conversation (we stopped viewing it; viewing again re-announces). */
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
    watched,
    statusOf,
    isOnline,
    joined,
    left,
    viewers,
    clearConversation,
    clearAllConversations,
    setTyping,
    typingIn,
    reset,
  };
});
