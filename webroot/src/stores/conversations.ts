// Conversations and their messages (plan §5 "messageStore"): the sidebar's summaries, each open
// conversation's messages — unique by id, ordered by seq (never by clock) — paging of older
// history, gap detection (a message whose seq skips some → fetch what is missing, by chat.sync
// when connected, else REST afterSeq), receipts (delivered/read) for the sender's delivery state,
// unread counts, and what happens on a (re)connection: chat.sync from the last seq known per
// conversation, merged once each, in order. Consent: whether the user accepted a conversation
// (myStatus), accepting, leaving, the creator removing someone, and conversations that go away
// (conversation.removed, or missing from the list). Which conversations are registered, viewed and
// whose presence is watched: stores/live.ts.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '@/services/api';
import { BusError, NotConnectedError } from '@/services/eventBus';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useOutboxStore, type OutboxEntry } from '@/stores/outbox';
import { usePresenceStore } from '@/stores/presence';
import { contiguousTail, findGaps, mergeMessages } from '@/util/messages';
import type {
  ChatSyncReply,
  Conversation,
  ConversationEvent,
  ConversationSummary,
  DeliveryState,
  Message,
  Participant,
  ReadMark,
} from '@/types/contract';

export const PAGE_SIZE = 50;
const SYNC_MAX_CONVERSATIONS = 100;
const SYNC_MAX_ROUNDS = 50;
/** Times one sync page waits out a RATE_LIMITED before giving up (the next reconnect syncs again). */
const SYNC_LIMITED_RETRIES = 5;
const GAP_MAX_ROUNDS = 20;

export interface Thread {
  items: Message[];
  /** Older messages exist on the server before items[0]. */
  hasOlder: boolean;
  /** The latest page was fetched (the thread reaches the present, up to live events). */
  loaded: boolean;
  loadingOlder: boolean;
  loadingLatest: boolean;
  error: string | null;
}

export interface Receipt {
  delivered: number;
  read: number;
}

/** One row of MessagesView: a stored message, or one of the user's own still in the outbox. */
export type MessageRow =
  | { kind: 'message'; key: string; message: Message; own: boolean; state: DeliveryState | null }
  | { kind: 'pending'; key: string; entry: OutboxEntry; own: true; state: DeliveryState };

function emptyThread(): Thread {
  return { items: [], hasOlder: false, loaded: false, loadingOlder: false, loadingLatest: false, error: null };
}

function activityOf(c: ConversationSummary): string {
  return c.lastMessage?.sentAt ?? c.createdAt;
}

export const useConversationsStore = defineStore('conversations', () => {
  const summaries = ref<Record<string, ConversationSummary>>({});
  const threads = ref<Record<string, Thread>>({});
  /** conversationId → userId → highest delivered/read seq reported by that participant. */
  const receipts = ref<Record<string, Record<string, Receipt>>>({});
  /** The conversation on screen (null: the list). */
  const openId = ref<string | null>(null);
  /** Whether the page is visible (document.visibilityState), kept by the app. */
  const pageVisible = ref(true);
  const listLoaded = ref(false);
  const listError = ref<string | null>(null);

  /** Highest seq we told the server was delivered / read, per conversation. */
  const deliveredSent = new Map<string, number>();
  const readSent = new Map<string, number>();
  const gapFilling = new Set<string>();
  let readTimer: ReturnType<typeof setTimeout> | null = null;

  const me = () => useAuthStore().account?.id ?? null;

  /** Newest activity first. */
  const ordered = computed(() =>
    Object.values(summaries.value).sort((a, b) => {
      const d = activityOf(b).localeCompare(activityOf(a));
      return d !== 0 ? d : b.id.localeCompare(a.id);
    }),
  );

  function thread(id: string): Thread {
    if (!threads.value[id]) threads.value[id] = emptyThread();
    return threads.value[id];
  }

  function upsertConversation(c: Conversation | ConversationSummary): void {
    const known = summaries.value[c.id];
    const s = c as Partial<ConversationSummary>;
    summaries.value[c.id] = {
      ...c,
      lastMessage: s.lastMessage !== undefined ? s.lastMessage : (known?.lastMessage ?? null),
      unreadCount: s.unreadCount !== undefined ? s.unreadCount : (known?.unreadCount ?? 0),
      lastSeq: Math.max(c.lastSeq, known?.lastSeq ?? 0),
      createdBy: c.createdBy !== undefined ? c.createdBy : (known?.createdBy ?? null),
      myStatus: c.myStatus ?? known?.myStatus,
    };
  }

  /** The user was put into the conversation by someone else and has not accepted it yet. */
  function isInvited(conversationId: string): boolean {
    return summaries.value[conversationId]?.myStatus === 'invited';
  }

  /** The user may remove others: they created the conversation. */
  function isCreator(conversationId: string): boolean {
    const myId = me();
    return !!myId && summaries.value[conversationId]?.createdBy === myId;
  }

  /** The conversation is no longer the user's (left, removed, or gone from the list): forget it. */
  function forget(conversationId: string): void {
    delete summaries.value[conversationId];
    delete threads.value[conversationId];
    delete receipts.value[conversationId];
    deliveredSent.delete(conversationId);
    readSent.delete(conversationId);
    const outbox = useOutboxStore();
    for (const entry of outbox.forConversation(conversationId)) outbox.discard(entry.clientMessageId);
    usePresenceStore().clearConversation(conversationId);
  }

  /** Accepts an invitation (REST): the user's presence, typing and views show there from now on. */
  async function accept(conversationId: string): Promise<void> {
    upsertConversation(await api.acceptConversation(conversationId));
  }

  /** Leaves the conversation (REST) and forgets it. */
  async function leave(conversationId: string): Promise<void> {
    await api.leaveConversation(conversationId);
    forget(conversationId);
  }

  /** The creator removes someone (REST); the participants event confirms it to everyone. */
  async function removeParticipant(conversationId: string, userId: string): Promise<void> {
    await api.removeParticipant(conversationId, userId);
    const summary = summaries.value[conversationId];
    if (summary) summary.participants = summary.participants.filter((p) => p.id !== userId);
  }

  /**
   * GET /api/conversations; live knowledge newer than the answer is kept. A conversation known
   * before the request and missing from the answer was left or removed meanwhile (its
   * conversation.removed may have come while offline): it is forgotten.
   */
  async function refreshList(): Promise<void> {
    try {
      const knownBefore = Object.keys(summaries.value);
      const list = await api.listConversations();
      listError.value = null;
      const listed = new Set(list.map((c) => c.id));
      for (const id of knownBefore) if (!listed.has(id)) forget(id);
      for (const c of list) {
        const known = summaries.value[c.id];
        const lastMessage =
          known?.lastMessage && (!c.lastMessage || known.lastMessage.seq > c.lastMessage.seq) ? known.lastMessage : c.lastMessage;
        const reading = isReading(c.id);
        summaries.value[c.id] = {
          ...c,
          lastMessage,
          lastSeq: Math.max(c.lastSeq, known?.lastSeq ?? 0),
          unreadCount: reading ? 0 : c.unreadCount,
        };
        acknowledgeDelivery(c.id);
      }
      listLoaded.value = true;
    } catch (e) {
      listError.value = e instanceof Error ? e.message : String(e);
      throw e;
    }
  }

  /** The conversation is on screen and the page visible: new messages count as read. */
  function isReading(id: string): boolean {
    return openId.value === id && pageVisible.value;
  }

  /**
   * Takes messages from anywhere (history page, live event, sync, send reply): dedups by id,
   * orders by seq, updates the summary, confirms own outbox entries, counts unread, and when a
   * seq was skipped fetches what is missing.
   */
  function ingest(conversationId: string, incoming: Message[]): Message[] {
    const t = thread(conversationId);
    const { items, added } = mergeMessages(t.items, incoming);
    if (added.length === 0) return added;
    t.items = items;
    const outbox = useOutboxStore();
    const myId = me();
    const summary = summaries.value[conversationId];
    for (const m of added) {
      if (m.senderId === myId) outbox.confirm(m);
    }
    // sending accepts the conversation (the server did so in the same transaction)
    if (summary?.myStatus === 'invited' && added.some((m) => m.senderId === myId)) summary.myStatus = 'accepted';
    if (summary) {
      const newest = added[added.length - 1];
      if (!summary.lastMessage || newest.seq > summary.lastMessage.seq) {
        // only messages the summary has not counted yet are unread
        const fresh = added.filter((m) => m.senderId !== myId && m.seq > (summary.lastMessage?.seq ?? summary.lastSeq)).length;
        summary.lastMessage = newest;
        summary.lastSeq = Math.max(summary.lastSeq, newest.seq);
        if (isReading(conversationId)) summary.unreadCount = 0;
        else summary.unreadCount += fresh;
      }
    }
    acknowledgeDelivery(conversationId);
    if (isReading(conversationId)) scheduleRead();
    if (t.loaded && findGaps(t.items).length > 0) void fillGaps(conversationId);
    return added;
  }

  /** Fetches the messages after the contiguous tail until no seq is missing. */
  async function fillGaps(conversationId: string): Promise<void> {
    if (gapFilling.has(conversationId)) return;
    gapFilling.add(conversationId);
    try {
      for (let round = 0; round < GAP_MAX_ROUNDS; round++) {
        const t = thread(conversationId);
        if (findGaps(t.items).length === 0) return;
        const from = contiguousTail(t.items);
        const before = t.items.length;
        const page = await fetchAfter(conversationId, from);
        ingest(conversationId, page.messages);
        if (thread(conversationId).items.length === before) return; // no progress: give up for now
      }
    } catch {
      // offline: the next (re)connection syncs
    } finally {
      gapFilling.delete(conversationId);
    }
  }

  /** Messages after a seq: chat.sync when connected, else REST afterSeq. */
  async function fetchAfter(conversationId: string, afterSeq: number): Promise<{ messages: Message[]; hasMore: boolean }> {
    const connection = useConnectionStore();
    if (connection.isConnected()) {
      try {
        const reply = await connection.request<ChatSyncReply>('chat.sync', { positions: { [conversationId]: afterSeq } });
        const c = reply.conversations[conversationId];
        if (c) return { messages: c.messages, hasMore: c.hasMore };
      } catch (e) {
        if (!(e instanceof NotConnectedError)) throw e;
      }
    }
    return api.messages(conversationId, { afterSeq, limit: 200 });
  }

  /** Opening a conversation: the latest page once, then only what came after what we have. */
  async function loadLatest(conversationId: string): Promise<void> {
    const t = thread(conversationId);
    if (t.loadingLatest) return;
    t.loadingLatest = true;
    t.error = null;
    try {
      if (!t.loaded || t.items.length === 0) {
        const page = await api.messages(conversationId, { limit: PAGE_SIZE });
        const fresh = thread(conversationId);
        if (fresh.items.length === 0 || page.messages.length === 0 || page.messages[0].seq <= fresh.items[0].seq) {
          fresh.hasOlder = page.hasMore;
        }
        fresh.loaded = true;
        ingest(conversationId, page.messages);
      }
      await catchUp(conversationId);
    } catch (e) {
      thread(conversationId).error = e instanceof Error ? e.message : String(e);
    } finally {
      thread(conversationId).loadingLatest = false;
    }
  }

  /** Everything after the contiguous tail (used on reconnect and when reopening). */
  async function catchUp(conversationId: string): Promise<void> {
    for (let round = 0; round < SYNC_MAX_ROUNDS; round++) {
      const t = thread(conversationId);
      const from = contiguousTail(t.items);
      const page = await fetchAfter(conversationId, from);
      ingest(conversationId, page.messages);
      if (!page.hasMore || page.messages.length === 0) return;
    }
  }

  /** Scrolled to the top: the page before the oldest message held. */
  async function loadOlder(conversationId: string): Promise<number> {
    const t = thread(conversationId);
    if (!t.hasOlder || t.loadingOlder || t.items.length === 0) return 0;
    t.loadingOlder = true;
    try {
      const page = await api.messages(conversationId, { beforeSeq: t.items[0].seq, limit: PAGE_SIZE });
      const fresh = thread(conversationId);
      fresh.hasOlder = page.hasMore;
      return ingest(conversationId, page.messages).length;
    } catch (e) {
      thread(conversationId).error = e instanceof Error ? e.message : String(e);
      return 0;
    } finally {
      thread(conversationId).loadingOlder = false;
    }
  }

  /**
   * chat.sync for every known conversation from the last seq known there (the contiguous tail of
   * a loaded thread; the summary's lastSeq otherwise), page after page while hasMore.
   */
  /**
   * One chat.sync, waiting as told when the server answers RATE_LIMITED (a socket that asks again
   * without waiting is closed by the server).
   */
  async function syncPage(positions: Record<string, number>): Promise<ChatSyncReply> {
    const connection = useConnectionStore();
    for (let attempt = 0; ; attempt++) {
      try {
        return await connection.request<ChatSyncReply>('chat.sync', { positions });
      } catch (error) {
        const seconds = error instanceof BusError ? error.retryAfterSeconds : undefined;
        if (seconds === undefined || attempt >= SYNC_LIMITED_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      }
    }
  }

  async function syncAll(): Promise<void> {
    let positions: Record<string, number> = {};
    for (const s of Object.values(summaries.value)) {
      const t = threads.value[s.id];
      positions[s.id] = t?.loaded && t.items.length > 0 ? contiguousTail(t.items) : s.lastSeq;
    }
    for (let round = 0; round < SYNC_MAX_ROUNDS && Object.keys(positions).length > 0; round++) {
      const next: Record<string, number> = {};
      const ids = Object.keys(positions);
      for (let i = 0; i < ids.length; i += SYNC_MAX_CONVERSATIONS) {
        const chunk: Record<string, number> = {};
        for (const id of ids.slice(i, i + SYNC_MAX_CONVERSATIONS)) chunk[id] = positions[id];
        const reply = await syncPage(chunk);
        for (const [id, c] of Object.entries(reply.conversations)) {
          const t = threads.value[id];
          if (t?.loaded) {
            ingest(id, c.messages);
          } else {
            summarize(id, c.messages);
          }
          const summary = summaries.value[id];
          if (summary) summary.lastSeq = Math.max(summary.lastSeq, c.lastSeq);
          if (c.hasMore && c.messages.length > 0) next[id] = c.messages[c.messages.length - 1].seq;
        }
      }
      positions = next;
    }
  }

  /** New messages of a conversation whose thread is not loaded: only the summary changes. */
  function summarize(conversationId: string, messages: Message[]): void {
    const summary = summaries.value[conversationId];
    if (!summary || messages.length === 0) return;
    const myId = me();
    const known = summary.lastMessage?.seq ?? summary.lastSeq;
    const fresh = messages.filter((m) => m.seq > known);
    if (fresh.length === 0) return;
    summary.lastMessage = fresh[fresh.length - 1];
    summary.lastSeq = Math.max(summary.lastSeq, summary.lastMessage.seq);
    for (const m of fresh) if (m.senderId === myId) useOutboxStore().confirm(m);
    summary.unreadCount += fresh.filter((m) => m.senderId !== myId).length;
    acknowledgeDelivery(conversationId);
  }

  /** Tells the server the newest message from someone else has reached this device. */
  function acknowledgeDelivery(conversationId: string): void {
    const myId = me();
    const t = threads.value[conversationId];
    const summary = summaries.value[conversationId];
    let seq = 0;
    const fromThread = t?.items.length ? [...t.items].reverse().find((m) => m.senderId !== myId) : undefined;
    if (fromThread) seq = fromThread.seq;
    if (summary?.lastMessage && summary.lastMessage.senderId !== myId) seq = Math.max(seq, summary.lastMessage.seq);
    if (seq <= (deliveredSent.get(conversationId) ?? 0)) return;
    const connection = useConnectionStore();
    if (!connection.isConnected()) return;
    deliveredSent.set(conversationId, seq);
    connection.request('chat.delivered', { conversationId, seq }).catch(() => {
      if ((deliveredSent.get(conversationId) ?? 0) === seq) deliveredSent.delete(conversationId);
    });
  }

  /** Marks the open conversation read up to its newest message (debounced; bridge, else REST). */
  function scheduleRead(): void {
    if (readTimer !== null) return;
    readTimer = setTimeout(() => {
      readTimer = null;
      void markOpenRead();
    }, 250);
  }

  async function markOpenRead(): Promise<void> {
    const id = openId.value;
    if (!id || !pageVisible.value) return;
    const t = threads.value[id];
    const summary = summaries.value[id];
    const newest = Math.max(t?.items.length ? t.items[t.items.length - 1].seq : 0, 0);
    if (newest <= (readSent.get(id) ?? 0)) {
      if (summary) summary.unreadCount = 0;
      return;
    }
    readSent.set(id, newest);
    if (summary) summary.unreadCount = 0;
    const connection = useConnectionStore();
    try {
      const mark = connection.isConnected()
        ? await connection.request<ReadMark>('chat.read', { conversationId: id, seq: newest })
        : await api.markRead(id, newest);
      if (summaries.value[id] && !isReading(id)) summaries.value[id].unreadCount = mark.unreadCount;
    } catch {
      if ((readSent.get(id) ?? 0) === newest) readSent.delete(id);
    }
  }

  /** Events on conversation.<id> (who is here: stores/live.ts). Every conversation of the list is registered. */
  function handleEvent(conversationId: string, event: ConversationEvent): void {
    const presence = usePresenceStore();
    switch (event.type) {
      case 'message':
        if (event.message?.conversationId === conversationId) {
          presence.setTyping(conversationId, event.message.senderId, false);
          // a thread never opened stays empty until it is (then its latest page is fetched)
          if (threads.value[conversationId]?.loaded || openId.value === conversationId) ingest(conversationId, [event.message]);
          else summarize(conversationId, [event.message]);
        }
        break;
      case 'typing':
        if (event.userId !== me()) presence.setTyping(conversationId, event.userId, event.typing === true);
        break;
      case 'participants': {
        const summary = summaries.value[conversationId];
        if (!summary) break;
        const gone = new Set(event.removed ?? []);
        const myId = me();
        if (myId && gone.has(myId)) {
          forget(conversationId);
          break;
        }
        const kept = summary.participants.filter((p) => !gone.has(p.id));
        for (const a of event.added ?? []) {
          if (!kept.some((p) => p.id === a.id)) kept.push({ ...a, status: 'invited' });
        }
        summary.participants = kept;
        for (const id of gone) presence.setTyping(conversationId, id, false);
        break;
      }
      case 'participant.accepted': {
        const summary = summaries.value[conversationId];
        if (!summary) break;
        summary.participants = summary.participants.map((p): Participant => (p.id === event.userId ? { ...p, status: 'accepted' } : p));
        if (event.userId === me()) summary.myStatus = 'accepted';
        break;
      }
      case 'delivered':
      case 'read': {
        const forConv = (receipts.value[conversationId] ??= {});
        const r = (forConv[event.userId] ??= { delivered: 0, read: 0 });
        if (event.type === 'read') {
          r.read = Math.max(r.read, event.seq);
          r.delivered = Math.max(r.delivered, event.seq);
        } else {
          r.delivered = Math.max(r.delivered, event.seq);
        }
        break;
      }
    }
  }

  /** The delivery state of one of the user's own stored messages. */
  function deliveryState(conversationId: string, message: Message, wrote = lastWritten(conversationId)): DeliveryState {
    const myId = me();
    const summary = summaries.value[conversationId];
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
    for (const m of threads.value[conversationId]?.items ?? []) out[m.senderId] = Math.max(out[m.senderId] ?? 0, m.seq);
    return out;
  }

  /** What MessagesView shows: stored messages by seq, then the user's pending ones. */
  function rows(conversationId: string): MessageRow[] {
    const myId = me();
    const t = threads.value[conversationId];
    const wrote = lastWritten(conversationId);
    const out: MessageRow[] = (t?.items ?? []).map((m) => {
      const own = m.senderId === myId;
      return { kind: 'message', key: m.id, message: m, own, state: own ? deliveryState(conversationId, m, wrote) : null };
    });
    for (const entry of useOutboxStore().forConversation(conversationId)) {
      out.push({ kind: 'pending', key: entry.clientMessageId, entry, own: true, state: entry.state === 'failed' ? 'failed' : 'pending' });
    }
    return out;
  }

  function setOpen(id: string | null): void {
    openId.value = id;
    if (id) {
      const summary = summaries.value[id];
      if (summary && pageVisible.value) summary.unreadCount = 0;
      scheduleRead();
    }
  }

  function setVisible(visible: boolean): void {
    pageVisible.value = visible;
    if (visible && openId.value) scheduleRead();
  }

  function setUnread(conversationId: string, unreadCount: number): void {
    const summary = summaries.value[conversationId];
    if (summary) summary.unreadCount = isReading(conversationId) ? 0 : unreadCount;
  }

  /** Fetches a conversation we do not know yet (opened by URL, or announced). */
  async function ensure(conversationId: string): Promise<ConversationSummary> {
    const known = summaries.value[conversationId];
    if (known) return known;
    const c = await api.getConversation(conversationId);
    upsertConversation(c);
    return summaries.value[conversationId];
  }

  function reset(): void {
    summaries.value = {};
    threads.value = {};
    receipts.value = {};
    openId.value = null;
    listLoaded.value = false;
    listError.value = null;
    deliveredSent.clear();
    readSent.clear();
    gapFilling.clear();
    if (readTimer !== null) clearTimeout(readTimer);
    readTimer = null;
  }

  return {
    summaries,
    threads,
    receipts,
    openId,
    pageVisible,
    listLoaded,
    listError,
    ordered,
    thread,
    upsertConversation,
    refreshList,
    ingest,
    fillGaps,
    loadLatest,
    loadOlder,
    catchUp,
    syncAll,
    handleEvent,
    deliveryState,
    rows,
    setOpen,
    setVisible,
    setUnread,
    ensure,
    markOpenRead,
    isInvited,
    isCreator,
    forget,
    accept,
    leave,
    removeParticipant,
    reset,
  };
});
