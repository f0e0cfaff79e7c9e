// The messages of each conversation (a "thread"): unique by id, ordered by seq (never by clock);
// the latest page when a conversation is opened, older pages as the user scrolls up, gap detection
// (a message whose seq skips some → fetch what is missing, by chat.sync when connected, else REST
// afterSeq), and on a (re)connection chat.sync from the last seq known per conversation, merged
// once each, in order. Every message that arrives goes through ingest() (a loaded thread) or
// summarize() (a conversation whose thread was never opened).
//
// Changes (edits, deletions, reactions: docs/rest-api.md, "Message changes") replace a held
// message by seq when their changeSeq is newer than the held one's (applyChanged). Each loaded
// thread keeps the conversation's change counter it has seen (lastChange): first asked when the
// thread is loaded (before its page, so nothing changed after the page is missed), moved by
// message.updated events while they come one after the other, and on a (re)connection chat.sync
// asks with `changes` from it (paging while changedHasMore). A counter that skips (an event
// missed) asks for the changes after the held one at once (syncChanges).
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '@/services/api';
import { BusError, NotConnectedError } from '@/services/eventBus';
import { useAttentionStore } from '@/stores/attention';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useConversationListStore } from '@/stores/conversationList';
import { useOutboxStore } from '@/stores/outbox';
import { useReadingStore } from '@/stores/reading';
import { useReceiptsStore } from '@/stores/receipts';
import { errorText } from '@/util/format';
import { contiguousTail, findGaps, mergeMessages } from '@/util/messages';
import type { ChangesPage, ChatSyncReply, Message } from '@/types/contract';

export const PAGE_SIZE = 50;
/** A window opened around a message starts this many messages before it. */
export const AROUND_BEFORE = 25;
const SYNC_MAX_CONVERSATIONS = 100;
const SYNC_MAX_ROUNDS = 50;
/** Times one sync page waits out a RATE_LIMITED before giving up (the next reconnect syncs again). */
const SYNC_LIMITED_RETRIES = 5;
const GAP_MAX_ROUNDS = 20;
/** Updates kept per conversation for seqs not held yet (a message or page still on its way). */
const PENDING_MAX = 200;

/** True when `incoming` is a later state of the message than `held` (a higher changeSeq). */
export function isNewer(held: Message, incoming: Message): boolean {
  return (incoming.changeSeq ?? 0) > (held.changeSeq ?? 0);
}

export interface Thread {
  items: Message[];
  /** Older messages exist on the server before items[0]. */
  hasOlder: boolean;
  /** The latest page was fetched (the thread reaches the present, up to live events). */
  loaded: boolean;
  loadingOlder: boolean;
  loadingLatest: boolean;
  error: string | null;
  /**
   * The thread is a window into the past (opened around a search result): newer messages exist
   * after items' last. Live messages then only update the summary (and set newerArrived); paging
   * forward (loadNewer) or jumpToLatest brings the thread back to the present.
   */
  hasNewer?: boolean;
  loadingNewer?: boolean;
  /** Messages arrived live while the thread was a window into the past. */
  newerArrived?: number;
}

function emptyThread(): Thread {
  return { items: [], hasOlder: false, loaded: false, loadingOlder: false, loadingLatest: false, error: null };
}

export const useMessagesStore = defineStore('messages', () => {
  const threads = ref<Record<string, Thread>>({});
  const gapFilling = new Set<string>();
  /** The change counter seen per loaded thread (every change up to it is applied). */
  const lastChange = ref<Record<string, number>>({});
  /** Updates of seqs not held yet, per conversation: applied when the message arrives. */
  const pending = new Map<string, Map<number, Message>>();
  const changeSyncing = new Set<string>();
  const changeAgain = new Set<string>();

  const me = () => useAuthStore().account?.id ?? null;

  function thread(id: string): Thread {
    if (!threads.value[id]) threads.value[id] = emptyThread();
    return threads.value[id];
  }

  /**
   * Takes messages from anywhere (history page, live event, sync, send reply): dedups by id,
   * orders by seq, updates the summary, confirms own outbox entries, acknowledges delivery, reads
   * them when the conversation is being read, and when a seq was skipped fetches what is missing.
   */
  function ingest(conversationId: string, incoming: Message[], forward = false): Message[] {
    const t = thread(conversationId);
    if (t.hasNewer && !forward && t.items.length > 0) {
      // a window into the past: what lies after it is not placed in it (it would leave a gap)
      const end = t.items[t.items.length - 1].seq;
      const later = incoming.filter((m) => m.seq > end);
      if (later.length > 0) {
        t.newerArrived = (t.newerArrived ?? 0) + summarizeNewer(conversationId, later);
        incoming = incoming.filter((m) => m.seq <= end);
      }
    }
    const fresh = withPending(conversationId, incoming);
    // a page or sync answered after a change brings a newer state of a message held
    replaceHeld(conversationId, fresh);
    const { items, added } = mergeMessages(t.items, fresh);
    if (added.length === 0) return added;
    t.items = items;
    confirmOwn(added);
    useConversationListStore().noteAdded(conversationId, added);
    useReceiptsStore().acknowledgeDelivery(conversationId);
    const reading = useReadingStore();
    if (reading.isReading(conversationId)) reading.scheduleRead();
    if (t.loaded && findGaps(t.items).length > 0) void fillGaps(conversationId);
    return added;
  }

  /** Incoming messages, each replaced by a newer update that came before it (then forgotten). */
  function withPending(conversationId: string, incoming: Message[]): Message[] {
    const waiting = pending.get(conversationId);
    if (!waiting || waiting.size === 0) return incoming;
    return incoming.map((m) => {
      const update = waiting.get(m.seq);
      if (!update) return m;
      waiting.delete(m.seq);
      return isNewer(m, update) ? update : m;
    });
  }

  /** Replaces held messages by newer states of them (by seq); answers those replaced. */
  function replaceHeld(conversationId: string, changed: Message[], keepMissing = false): Message[] {
    const t = threads.value[conversationId];
    const replaced: Message[] = [];
    if (!t) return replaced;
    let items: Message[] | null = null;
    for (const m of changed) {
      const list: Message[] = items ?? t.items;
      const i = list.findIndex((held: Message) => held.seq === m.seq);
      if (i < 0) {
        if (keepMissing) keepPending(conversationId, m);
        continue;
      }
      if (!isNewer(list[i], m)) continue;
      items = items ?? [...t.items];
      items[i] = m;
      replaced.push(m);
    }
    if (items) t.items = items;
    return replaced;
  }

  function keepPending(conversationId: string, m: Message): void {
    let waiting = pending.get(conversationId);
    if (!waiting) pending.set(conversationId, (waiting = new Map()));
    const known = waiting.get(m.seq);
    if (known && !isNewer(known, m)) return;
    waiting.delete(m.seq);
    waiting.set(m.seq, m);
    if (waiting.size > PENDING_MAX) waiting.delete(waiting.keys().next().value as number);
  }

  /**
   * Changed messages (a message.updated event, a change's reply, a sync's `changed`): each
   * replaces the held message of its seq when its changeSeq is newer; the list's preview follows.
   * An update of a seq not held yet is kept until the message arrives (its event may come later).
   */
  function applyChanged(conversationId: string, changed: Message[]): Message[] {
    const mine = changed.filter((m) => m && m.conversationId === conversationId && typeof m.seq === 'number');
    const replaced = replaceHeld(conversationId, mine, threads.value[conversationId] !== undefined);
    const list = useConversationListStore();
    for (const m of mine) list.noteChanged(conversationId, m);
    return replaced;
  }

  /** A message.updated event: the message, and the change counter (a skipped number asks for what was missed). */
  function receiveUpdate(conversationId: string, message: Message): void {
    applyChanged(conversationId, [message]);
    const seen = lastChange.value[conversationId];
    const c = message.changeSeq ?? 0;
    if (seen === undefined || c <= seen) return;
    if (c === seen + 1) lastChange.value[conversationId] = c;
    else void syncChanges(conversationId);
  }

  function noteLastChange(conversationId: string, reached: number): void {
    if (!threads.value[conversationId]) return;
    lastChange.value[conversationId] = Math.max(lastChange.value[conversationId] ?? 0, reached);
  }

  /** Where the changes of a loaded thread are to be asked from (the highest changeSeq held when the counter was never asked). */
  function changesFrom(conversationId: string): number {
    const seen = lastChange.value[conversationId];
    if (seen !== undefined) return seen;
    return Math.max(0, ...(threads.value[conversationId]?.items ?? []).map((m) => m.changeSeq ?? 0));
  }

  /** Changes after `after`: chat.sync with `changes` when connected, else REST. */
  async function fetchChanges(conversationId: string, after: number): Promise<ChangesPage> {
    const connection = useConnectionStore();
    if (connection.isConnected()) {
      try {
        const reply = await connection.request<ChatSyncReply>('chat.sync', { positions: {}, changes: { [conversationId]: after } });
        const c = reply.conversations[conversationId];
        if (c) return { messages: c.changed ?? [], hasMore: c.changedHasMore === true, lastChange: c.lastChange ?? after };
      } catch (e) {
        if (!(e instanceof NotConnectedError)) throw e;
      }
    }
    return api.changes(conversationId, after);
  }

  /** Asks for the changes after the counter held, page after page, and applies them. */
  async function syncChanges(conversationId: string): Promise<void> {
    if (changeSyncing.has(conversationId)) {
      changeAgain.add(conversationId);
      return;
    }
    changeSyncing.add(conversationId);
    try {
      for (let round = 0; round < SYNC_MAX_ROUNDS; round++) {
        changeAgain.delete(conversationId);
        const from = changesFrom(conversationId);
        const page = await fetchChanges(conversationId, from);
        applyChanged(conversationId, page.messages);
        const last = page.messages[page.messages.length - 1];
        const more = page.hasMore && last !== undefined;
        noteLastChange(conversationId, more ? (last.changeSeq ?? from) : page.lastChange);
        if (!more && !changeAgain.has(conversationId)) return;
      }
    } catch {
      // offline: the next (re)connection syncs
    } finally {
      changeSyncing.delete(conversationId);
    }
  }

  /** A message of a thread held, by seq. */
  function find(conversationId: string, seq: number): Message | undefined {
    return threads.value[conversationId]?.items.find((m) => m.seq === seq);
  }

  /** New messages of a conversation whose thread is not loaded: only the summary changes. */
  function summarize(conversationId: string, messages: Message[]): void {
    const fresh = useConversationListStore().noteUnloaded(conversationId, messages);
    if (fresh.length === 0) return;
    confirmOwn(fresh);
    useReceiptsStore().acknowledgeDelivery(conversationId);
  }

  /** Messages after a window into the past: the summary (and own outbox entries) take them; answers how many were news. */
  function summarizeNewer(conversationId: string, later: Message[]): number {
    confirmOwn(later);
    const list = useConversationListStore();
    const before = list.summaries[conversationId]?.lastSeq ?? 0;
    list.noteAdded(conversationId, later);
    useReceiptsStore().acknowledgeDelivery(conversationId);
    return later.filter((m) => m.seq > before).length;
  }

  /** A live message event: into the thread when it is loaded or on screen, else into the summary only. */
  function receive(conversationId: string, message: Message): void {
    // a thread never opened stays empty until it is (then its latest page is fetched)
    const known = useConversationListStore().summaries[conversationId]?.lastSeq ?? 0;
    if (threads.value[conversationId]?.loaded || useReadingStore().openId === conversationId) ingest(conversationId, [message]);
    else summarize(conversationId, [message]);
    // a repeat publish (docs/bridge-protocol.md) is not news
    if (message.seq > known) useAttentionStore().messageArrived(conversationId, message);
  }

  /** The server has the user's own messages: their outbox entries are done. */
  function confirmOwn(messages: Message[]): void {
    const myId = me();
    const outbox = useOutboxStore();
    for (const m of messages) if (m.senderId === myId) outbox.confirm(m);
  }

  /** Fetches the messages after the contiguous tail until no seq is missing. */
  async function fillGaps(conversationId: string): Promise<void> {
    if (gapFilling.has(conversationId)) return;
    gapFilling.add(conversationId);
    try {
      for (let round = 0; round < GAP_MAX_ROUNDS; round++) {
        const t = thread(conversationId);
        if (findGaps(t.items).length === 0) return;
        const before = t.items.length;
        const page = await fetchAfter(conversationId, contiguousTail(t.items));
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
      if (t.hasNewer) {
        // reopened while it was a window into the past: back to the present
        Object.assign(t, { items: [], loaded: false, hasNewer: false, newerArrived: 0 });
      }
      if (!t.loaded || t.items.length === 0) {
        if (lastChange.value[conversationId] === undefined) {
          // the counter before the page: every change after the page has a higher number
          try {
            const first = await api.changes(conversationId, 0, 1);
            noteLastChange(conversationId, first.lastChange);
          } catch {
            // the highest changeSeq held stands in for it (changesFrom)
          }
        }
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
      thread(conversationId).error = errorText(e);
    } finally {
      thread(conversationId).loadingLatest = false;
    }
  }

  /** Everything after the contiguous tail (used on reconnect and when reopening). */
  async function catchUp(conversationId: string): Promise<void> {
    if (thread(conversationId).hasNewer) return;
    for (let round = 0; round < SYNC_MAX_ROUNDS; round++) {
      const page = await fetchAfter(conversationId, contiguousTail(thread(conversationId).items));
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
      thread(conversationId).hasOlder = page.hasMore;
      return ingest(conversationId, page.messages).length;
    } catch (e) {
      thread(conversationId).error = errorText(e);
      return 0;
    } finally {
      thread(conversationId).loadingOlder = false;
    }
  }

  /**
   * Opens the thread around `seq` (a search result): nothing to fetch when it is held already,
   * else the page of PAGE_SIZE from AROUND_BEFORE before it, which replaces what was held; when that
   * page does not reach the newest message, the thread becomes a window into the past (hasNewer).
   */
  async function loadAround(conversationId: string, seq: number): Promise<void> {
    const held = thread(conversationId);
    if (held.loaded && held.items.some((m) => m.seq === seq)) return;
    held.loadingLatest = true;
    held.error = null;
    try {
      if (lastChange.value[conversationId] === undefined) {
        // the change counter before the page, as loadLatest reads it
        try {
          noteLastChange(conversationId, (await api.changes(conversationId, 0, 1)).lastChange);
        } catch {
          // the highest changeSeq held stands in for it (changesFrom)
        }
      }
      const page = await api.messages(conversationId, { afterSeq: Math.max(0, seq - AROUND_BEFORE), limit: PAGE_SIZE });
      const t = thread(conversationId);
      Object.assign(t, {
        items: [],
        loaded: true,
        hasOlder: page.messages.length > 0 && page.messages[0].seq > 1,
        hasNewer: page.hasMore,
        newerArrived: 0,
      });
      ingest(conversationId, page.messages, true);
      if (!page.hasMore) await catchUp(conversationId);
    } catch (e) {
      thread(conversationId).error = errorText(e);
    } finally {
      thread(conversationId).loadingLatest = false;
    }
  }

  /** Scrolled to the bottom of a window into the past: the page after it; at the newest, the thread is live again. */
  async function loadNewer(conversationId: string): Promise<number> {
    const t = thread(conversationId);
    if (!t.hasNewer || t.loadingNewer || t.items.length === 0) return 0;
    t.loadingNewer = true;
    try {
      const page = await api.messages(conversationId, { afterSeq: t.items[t.items.length - 1].seq, limit: PAGE_SIZE });
      const added = ingest(conversationId, page.messages, true).length;
      if (!page.hasMore) {
        Object.assign(thread(conversationId), { hasNewer: false, newerArrived: 0 });
        // what arrived live while the page was on its way
        await catchUp(conversationId);
      }
      return added;
    } catch (e) {
      thread(conversationId).error = errorText(e);
      return 0;
    } finally {
      thread(conversationId).loadingNewer = false;
    }
  }

  /** "Jump to latest": the window into the past is dropped for the latest page. */
  async function jumpToLatest(conversationId: string): Promise<void> {
    const t = thread(conversationId);
    if (!t.hasNewer) return;
    await loadLatest(conversationId);
  }

  /**
   * The page that holds `seq` read again (an expired signed URL of an attachment): its messages
   * replace the held ones of the same id, with freshly signed URLs.
   */
  async function refreshAround(conversationId: string, seq: number): Promise<void> {
    const page = await api.messages(conversationId, { afterSeq: Math.max(0, seq - 1), limit: PAGE_SIZE });
    const fresh = new Map(page.messages.map((m) => [m.id, m]));
    const t = thread(conversationId);
    t.items = t.items.map((m) => fresh.get(m.id) ?? m);
  }

  /**
   * One chat.sync, waiting as told when the server answers RATE_LIMITED (a socket that asks again
   * without waiting is closed by the server).
   */
  async function syncPage(positions: Record<string, number>, changes: Record<string, number> = {}): Promise<ChatSyncReply> {
    const connection = useConnectionStore();
    const body = Object.keys(changes).length > 0 ? { positions, changes } : { positions };
    for (let attempt = 0; ; attempt++) {
      try {
        return await connection.request<ChatSyncReply>('chat.sync', body);
      } catch (error) {
        const seconds = error instanceof BusError ? error.retryAfterSeconds : undefined;
        if (seconds === undefined || attempt >= SYNC_LIMITED_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      }
    }
  }

  /**
   * chat.sync for every conversation of the list from the last seq known there (the contiguous
   * tail of a loaded thread; the summary's lastSeq otherwise), page after page while hasMore;
   * for every loaded thread also `changes` from its change counter, page after page while
   * changedHasMore (a conversation whose thread is not loaded has its preview from the list).
   * `only`: just these conversations (newly registered ones).
   */
  async function syncAll(only?: readonly string[]): Promise<void> {
    const list = useConversationListStore();
    let positions: Record<string, number> = {};
    let changes: Record<string, number> = {};
    const summaries = only ? only.map((id) => list.summaries[id]).filter((s) => s !== undefined) : Object.values(list.summaries);
    for (const s of summaries) {
      const t = threads.value[s.id];
      positions[s.id] = t?.loaded && !t.hasNewer && t.items.length > 0 ? contiguousTail(t.items) : s.lastSeq;
      if (t?.loaded) changes[s.id] = changesFrom(s.id);
    }
    for (let round = 0; round < SYNC_MAX_ROUNDS && Object.keys(positions).length + Object.keys(changes).length > 0; round++) {
      const next: Record<string, number> = {};
      const nextChanges: Record<string, number> = {};
      const ids = [...new Set([...Object.keys(positions), ...Object.keys(changes)])];
      for (let i = 0; i < ids.length; i += SYNC_MAX_CONVERSATIONS) {
        const chunk: Record<string, number> = {};
        const chunkChanges: Record<string, number> = {};
        for (const id of ids.slice(i, i + SYNC_MAX_CONVERSATIONS)) {
          if (id in positions) chunk[id] = positions[id];
          if (id in changes) chunkChanges[id] = changes[id];
        }
        const reply = await syncPage(chunk, chunkChanges);
        for (const [id, c] of Object.entries(reply.conversations)) {
          if (id in chunk) {
            const messages = c.messages ?? [];
            if (threads.value[id]?.loaded) ingest(id, messages);
            else summarize(id, messages);
            const summary = list.summaries[id];
            if (summary) summary.lastSeq = Math.max(summary.lastSeq, c.lastSeq ?? 0);
            if (c.hasMore && messages.length > 0) next[id] = messages[messages.length - 1].seq;
          }
          if (id in chunkChanges && c.lastChange !== undefined) {
            const changed = c.changed ?? [];
            applyChanged(id, changed);
            const last = changed[changed.length - 1];
            if (c.changedHasMore && last) {
              noteLastChange(id, last.changeSeq ?? chunkChanges[id]);
              nextChanges[id] = changesFrom(id);
            } else noteLastChange(id, c.lastChange);
          }
        }
      }
      positions = next;
      changes = nextChanges;
    }
  }

  /** The conversation is gone from the list. */
  function forget(conversationId: string): void {
    delete threads.value[conversationId];
    delete lastChange.value[conversationId];
    pending.delete(conversationId);
  }

  function reset(): void {
    threads.value = {};
    lastChange.value = {};
    pending.clear();
    gapFilling.clear();
    changeSyncing.clear();
    changeAgain.clear();
  }

  return {
    threads,
    lastChange,
    thread,
    find,
    ingest,
    summarize,
    receive,
    receiveUpdate,
    applyChanged,
    syncChanges,
    loadLatest,
    loadOlder,
    catchUp,
    fillGaps,
    syncAll,
    forget,
    reset,
    loadAround,
    loadNewer,
    jumpToLatest,
    refreshAround,
  };
});
