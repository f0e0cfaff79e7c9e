// What this client hears on the bridge, which conversation it says it has open, and whose presence
// it watches (docs/bridge-protocol.md: "Who is here", "Presence"):
// - every conversation of the list is registered (conversation.<id>), so previews, unread counts
//   and receipts stay live for all of them;
// - the open one is viewed (chat.view): that is what the others see as "here now", and the server
//   answers by telling this socket who is there already (user.joined, or viewers for several);
// - the people on screen are watched (presence.watch): the list's one-to-one partners and the
//   open conversation's members; their changes come as presence events on user.<me>.
// Views and watches belong to a socket and end with it, so connected() sends both again.
// Consent: an invited user's view is seen by nobody, so once the open conversation is accepted it
// is viewed again; when someone accepts, the watch is sent again (the server now answers for them).
import { defineStore } from 'pinia';
import { computed, ref, watch, type WatchStopHandle } from 'vue';
import { BusError } from '@/services/eventBus';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useConversationsStore } from '@/stores/conversations';
import { usePresenceStore } from '@/stores/presence';
import { othersOf, partnerOf } from '@/util/format';
import type { ConversationEvent, ConversationSummary, PresenceWatchReply } from '@/types/contract';

/** presence.watch takes at most this many ids. */
export const MAX_WATCHED = 500;
/** A change of whom to watch waits this long for more changes before it is sent. */
export const WATCH_DEBOUNCE_MS = 300;
/** A refused watch (RATE_LIMITED…) is tried again after this long, unless the server says when. */
export const WATCH_RETRY_MS = 5_000;

/**
 * Whom to watch: the open conversation's members, then the list's one-to-one partners in the
 * list's order (newest activity first); never the user; at most `max`.
 */
export function peopleToWatch(
  list: readonly ConversationSummary[],
  open: ConversationSummary | null,
  me: string | null,
  max = MAX_WATCHED,
): string[] {
  const ids = new Set<string>();
  const candidates = [...(open ? othersOf(open, me) : []), ...list.map((c) => partnerOf(c, me))];
  for (const person of candidates) {
    if (ids.size >= max) break;
    if (person) ids.add(person.id);
  }
  return [...ids];
}

export const useLiveStore = defineStore('live', () => {
  /** The conversation this socket views (chat.view true was sent on it); null: none. */
  const viewing = ref<string | null>(null);
  /** Whom to watch now. */
  const wanted = computed(() => {
    const conversations = useConversationsStore();
    const open = conversations.openId ? (conversations.summaries[conversations.openId] ?? null) : null;
    return peopleToWatch(conversations.ordered, open, useAuthStore().account?.id ?? null);
  });
  const wantedKey = computed(() => [...wanted.value].sort().join());

  /** Conversations registered (the connection store registers them again on every new socket). */
  const subscribed = new Set<string>();
  /** A socket is open and its registrations were sent: views and watches may go out. */
  let online = false;
  let stops: WatchStopHandle[] = [];
  let watchTimer: ReturnType<typeof setTimeout> | null = null;
  /** wantedKey of the watch last sent on this socket ('': it watches nobody). */
  let sentKey = '';
  /** Numbers the watches sent: only the newest one's reply is applied. */
  let watchRound = 0;

  /** Follows the list and the open conversation until stop() (idempotent). */
  function start(): void {
    if (stops.length > 0) return;
    const conversations = useConversationsStore();
    stops = [
      watch(
        () => Object.keys(conversations.summaries).sort().join(),
        () => {
          followList();
          followOpen();
        },
        { immediate: true },
      ),
      watch(() => conversations.openId, followOpen),
      watch(wantedKey, scheduleWatch),
      // accepting the open conversation (Accept, or a first message): view it again, now to be seen
      watch(
        () => (conversations.openId ? conversations.summaries[conversations.openId]?.myStatus : undefined),
        (status, before) => {
          const id = conversations.openId;
          if (online && id && status === 'accepted' && before === 'invited' && viewing.value === id) sendView(id, true);
        },
      ),
    ];
  }

  /** Someone accepted: send the watch again, as the server now answers (and watches) them. */
  function refreshWatch(): void {
    if (!online) return;
    sentKey = '\u0000stale';
    sendWatchIn(WATCH_DEBOUNCE_MS);
  }

  /** A new socket is open and has sent its registrations: view the open conversation, watch who is shown. */
  function connected(): void {
    online = true;
    viewing.value = null;
    sentKey = '';
    followOpen();
    scheduleWatch();
  }

  /** The socket is gone, and its views and watches with it: nobody's comings and goings are heard. */
  function disconnected(): void {
    online = false;
    viewing.value = null;
    clearWatchTimer();
    usePresenceStore().clearAllConversations();
  }

  /** Registers every conversation of the list, and only those. */
  function followList(): void {
    const connection = useConnectionStore();
    const ids = new Set(Object.keys(useConversationsStore().summaries));
    for (const id of [...subscribed]) {
      if (ids.has(id)) continue;
      subscribed.delete(id);
      connection.unsubscribe(`conversation.${id}`);
    }
    for (const id of ids) {
      if (subscribed.has(id)) continue;
      subscribed.add(id);
      connection.subscribe(`conversation.${id}`, (body) => onEvent(id, body));
    }
  }

  /** Views the open conversation (once it is registered, so that the server tells us who is there). */
  function followOpen(): void {
    if (!online) return;
    const openId = useConversationsStore().openId;
    const next = openId && subscribed.has(openId) ? openId : null;
    const previous = viewing.value;
    if (next === previous) return;
    const presence = usePresenceStore();
    if (previous) {
      presence.clearConversation(previous);
      sendView(previous, false);
    }
    viewing.value = next;
    if (next) {
      presence.clearConversation(next);
      sendView(next, true);
    }
  }

  function sendView(conversationId: string, flag: boolean): void {
    useConnectionStore()
      .request('chat.view', { conversationId, viewing: flag })
      .catch((error) => {
        // not connected: the next socket views again; refused: this socket does not view it
        if (flag && error instanceof BusError && viewing.value === conversationId) viewing.value = null;
      });
  }

  /** Sends whom to watch when it changed: at once if the socket watches nobody yet, else gathered a little. */
  function scheduleWatch(): void {
    clearWatchTimer();
    if (!online || wantedKey.value === sentKey) return;
    if (sentKey === '') void sendWatch();
    else sendWatchIn(WATCH_DEBOUNCE_MS);
  }

  function sendWatchIn(delayMs: number): void {
    clearWatchTimer();
    watchTimer = setTimeout(() => {
      watchTimer = null;
      void sendWatch();
    }, delayMs);
  }

  async function sendWatch(): Promise<void> {
    if (!online) return;
    const ids = wanted.value;
    sentKey = wantedKey.value;
    const round = ++watchRound;
    try {
      const answer = await useConnectionStore().request<PresenceWatchReply>('presence.watch', { userIds: ids });
      if (round === watchRound) usePresenceStore().watched(ids, answer ?? {});
    } catch (error) {
      // not connected: the next socket watches again; refused (RATE_LIMITED…): try again later
      if (round === watchRound && error instanceof BusError) {
        sentKey = '\u0000refused';
        sendWatchIn((error.retryAfterSeconds ?? 0) * 1000 || WATCH_RETRY_MS);
      }
    }
  }

  function clearWatchTimer(): void {
    if (watchTimer !== null) clearTimeout(watchTimer);
    watchTimer = null;
  }

  /** Events on conversation.<id>: who is here (for the conversation viewed), the rest to the conversations store. */
  function onEvent(conversationId: string, body: unknown): void {
    const event = body as ConversationEvent;
    const presence = usePresenceStore();
    switch (event?.type) {
      case 'user.joined':
      case 'user.left':
      case 'viewers': {
        const joined = event.type === 'viewers' ? event.joined : event.type === 'user.joined' ? [event.userId] : [];
        const left = event.type === 'viewers' ? event.left : event.type === 'user.left' ? [event.userId] : [];
        for (const userId of left) presence.setTyping(conversationId, userId, false);
        // only a viewer is told who was there before: elsewhere the list would be partial
        if (conversationId === viewing.value) presence.viewers(conversationId, joined ?? [], left ?? []);
        break;
      }
      case 'participant.accepted':
        useConversationsStore().handleEvent(conversationId, event);
        if (event.userId !== useAuthStore().account?.id) refreshWatch();
        break;
      default:
        useConversationsStore().handleEvent(conversationId, event);
    }
  }

  /** Stops following (logout); the connection store forgets the registrations itself. */
  function stop(): void {
    for (const s of stops) s();
    stops = [];
    const connection = useConnectionStore();
    for (const id of subscribed) connection.unsubscribe(`conversation.${id}`);
    subscribed.clear();
    online = false;
    viewing.value = null;
    clearWatchTimer();
  }

  return { viewing, wanted, start, connected, disconnected, refreshWatch, stop };
});
