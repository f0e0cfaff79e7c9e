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
import { useTimeoutFn } from '@vueuse/core';
import { BusError } from '@/services/eventBus';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useConversationListStore } from '@/stores/conversationList';
import { usePresenceStore } from '@/stores/presence';
import { useReadingStore } from '@/stores/reading';
import { othersOf, partnerOf } from '@/util/format';
import type { ConversationSummary, PresenceWatchReply } from '@/types/contract';

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
    const list = useConversationListStore();
    const openId = useReadingStore().openId;
    const open = openId ? (list.summaries[openId] ?? null) : null;
    return peopleToWatch(list.ordered, open, useAuthStore().account?.id ?? null);
  });
  const wantedKey = computed(() => [...wanted.value].sort().join());

  /** Conversations registered (the connection store registers them again on every new socket). */
  const subscribed = new Set<string>();
  /** Where the events heard on conversation.<id> go (services/dispatch.ts). */
  let onEvent: (conversationId: string, body: unknown) => void = () => {};
  /** Told which conversations were just registered (sent now if connected, else on the next socket). */
  let onRegistered: (conversationIds: string[]) => void = () => {};
  /** A socket is open and its registrations were sent: views and watches may go out. */
  let online = false;
  let stops: WatchStopHandle[] = [];
  /** How long the next watch waits (gathering changes, or after a refusal). */
  let watchDelay = WATCH_DEBOUNCE_MS;
  const watchTimer = useTimeoutFn(() => void sendWatch(), () => watchDelay, { immediate: false });
  /** wantedKey of the watch last sent on this socket ('': it watches nobody). */
  let sentKey = '';
  /** Numbers the watches sent: only the newest one's reply is applied. */
  let watchRound = 0;

  /**
   * Follows the list and the open conversation until stop() (idempotent); their events go to
   * `dispatch`, and `registered` hears of each conversation added to the list and registered.
   */
  function start(dispatch: (conversationId: string, body: unknown) => void, registered: (conversationIds: string[]) => void = () => {}): void {
    if (stops.length > 0) return;
    onEvent = dispatch;
    onRegistered = registered;
    const list = useConversationListStore();
    const reading = useReadingStore();
    stops = [
      watch(
        () => Object.keys(list.summaries).sort().join(),
        () => {
          followList();
          followOpen();
        },
        { immediate: true },
      ),
      watch(() => reading.openId, followOpen),
      watch(wantedKey, scheduleWatch),
      // accepting the open conversation (Accept, or a first message): view it again, now to be seen
      watch(
        () => (reading.openId ? list.summaries[reading.openId]?.myStatus : undefined),
        (status, before) => {
          const id = reading.openId;
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
    watchTimer.stop();
    usePresenceStore().clearAllConversations();
  }

  /** Registers every conversation of the list, and only those. */
  function followList(): void {
    const connection = useConnectionStore();
    const ids = new Set(Object.keys(useConversationListStore().summaries));
    for (const id of [...subscribed]) {
      if (ids.has(id)) continue;
      subscribed.delete(id);
      connection.unsubscribe(`conversation.${id}`);
    }
    const added: string[] = [];
    for (const id of ids) {
      if (subscribed.has(id)) continue;
      subscribed.add(id);
      connection.subscribe(`conversation.${id}`, (body) => onEvent(id, body));
      added.push(id);
    }
    if (added.length > 0) onRegistered(added);
  }

  /** Views the open conversation (once it is registered, so that the server tells us who is there). */
  function followOpen(): void {
    if (!online) return;
    const openId = useReadingStore().openId;
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
    watchTimer.stop();
    if (!online || wantedKey.value === sentKey) return;
    if (sentKey === '') void sendWatch();
    else sendWatchIn(WATCH_DEBOUNCE_MS);
  }

  /** Sends the watch in delayMs, unless asked again before (then the later call's delay counts). */
  function sendWatchIn(delayMs: number): void {
    watchDelay = delayMs;
    watchTimer.start();
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

  /** user.joined, user.left or viewers on conversation.<id>: who is here. */
  function heardViewers(conversationId: string, joined: readonly string[], left: readonly string[]): void {
    const presence = usePresenceStore();
    for (const userId of left) presence.setTyping(conversationId, userId, false);
    // only a viewer is told who was there before: elsewhere the list would be partial
    if (conversationId === viewing.value) presence.viewers(conversationId, joined, left);
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
    watchTimer.stop();
    onEvent = () => {};
    onRegistered = () => {};
  }

  return { viewing, wanted, start, connected, disconnected, refreshWatch, heardViewers, stop };
});
