// The conversation list (the sidebar): one summary per conversation of the user (title,
// participants, last message, unread count, whether the user accepted it), newest activity first.
// Kept from GET /api/conversations, from conversations announced or created, and from the messages
// that arrive (stores/messages.ts tells it). A conversation that is no longer the user's (left,
// removed, or missing from a refreshed list) is forgotten here and everywhere else.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '@/services/api';
import { useAuthStore } from '@/stores/auth';
import { useMessagesStore } from '@/stores/messages';
import { useOutboxStore } from '@/stores/outbox';
import { usePresenceStore } from '@/stores/presence';
import { useReadingStore } from '@/stores/reading';
import { useReceiptsStore } from '@/stores/receipts';
import { errorText } from '@/util/format';
import type { Conversation, ConversationSummary, Message } from '@/types/contract';

function activityOf(c: ConversationSummary): string {
  return c.lastMessage?.sentAt ?? c.createdAt;
}

export const useConversationListStore = defineStore('conversationList', () => {
  const summaries = ref<Record<string, ConversationSummary>>({});
  const listLoaded = ref(false);
  const listError = ref<string | null>(null);

  const me = () => useAuthStore().account?.id ?? null;

  /**
   * Per conversation, the seqs of others' messages heard live and counted unread here, above the
   * last count the server gave. A list answer counts up to its own lastSeq; the messages heard
   * live beyond that are added to it (an answer can know message 7 and miss 8, heard live before
   * the answer came). Not reactive: only the counts are shown.
   */
  const countedLive = new Map<string, number[]>();
  /** More are not kept (the oldest go): a count off by a few in such a flood is corrected by the next answer. */
  const MAX_COUNTED_LIVE = 1_000;

  function countLive(conversationId: string, seqs: number[]): void {
    if (seqs.length === 0) return;
    const held = countedLive.get(conversationId) ?? [];
    held.push(...seqs);
    countedLive.set(conversationId, held.length > MAX_COUNTED_LIVE ? held.slice(-MAX_COUNTED_LIVE) : held);
  }

  /** Newest activity first. */
  const ordered = computed(() =>
    Object.values(summaries.value).sort((a, b) => {
      const d = activityOf(b).localeCompare(activityOf(a));
      return d !== 0 ? d : b.id.localeCompare(a.id);
    }),
  );

  function upsertConversation(c: Conversation | ConversationSummary): void {
    useReceiptsStore().seed(c);
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
      const reading = useReadingStore();
      const receipts = useReceiptsStore();
      for (const c of list) {
        const known = summaries.value[c.id];
        if (!known) reading.arrivedUnread(c.id, c.lastSeq, c.unreadCount);
        const held = known?.lastMessage;
        // a message (or a change of it) heard live while the request was answered is newer than the answer's
        const lastMessage =
          held &&
          (!c.lastMessage ||
            held.seq > c.lastMessage.seq ||
            (held.seq === c.lastMessage.seq && (held.changeSeq ?? 0) > (c.lastMessage.changeSeq ?? 0)))
            ? held
            : c.lastMessage;
        // others' messages heard live beyond the answer's lastSeq are not in its count; never more
        // than counted here (what was read here since is not unread)
        const beyond = (countedLive.get(c.id) ?? []).filter((seq) => seq > c.lastSeq);
        if (beyond.length > 0) countedLive.set(c.id, beyond);
        else countedLive.delete(c.id);
        const liveUnread = Math.min(beyond.length, known?.unreadCount ?? 0);
        summaries.value[c.id] = {
          ...c,
          lastMessage,
          lastSeq: Math.max(c.lastSeq, known?.lastSeq ?? 0),
          unreadCount: reading.isReading(c.id) ? 0 : c.unreadCount + liveUnread,
        };
        receipts.seed(c);
        receipts.acknowledgeDelivery(c.id);
      }
      listLoaded.value = true;
    } catch (e) {
      listError.value = errorText(e);
      throw e;
    }
  }

  /** Fetches a conversation we do not know yet (opened by URL, or announced). */
  async function ensure(conversationId: string): Promise<ConversationSummary> {
    const known = summaries.value[conversationId];
    if (known) return known;
    upsertConversation(await api.getConversation(conversationId));
    return summaries.value[conversationId];
  }

  /** Starts a conversation with these people (REST; the server announces it on user.<id> too). */
  async function create(participantIds: string[], title?: string): Promise<Conversation> {
    const c = await api.createConversation(participantIds, title);
    upsertConversation(c);
    return c;
  }

  /**
   * A conversation.updated event (renamed): its title and participants change; the user's own
   * status, last message and unread count stay. An unknown conversation is not added by it.
   */
  function updated(conversationId: string, c: Conversation): void {
    const known = summaries.value[conversationId];
    if (!known || c?.id !== conversationId) return;
    summaries.value[conversationId] = {
      ...known,
      title: c.title ?? null,
      participants: c.participants ?? known.participants,
      lastSeq: Math.max(known.lastSeq, c.lastSeq ?? 0),
    };
  }

  /** An `unread` event (read on another device): the server's count, unless it is being read here. */
  function setUnread(conversationId: string, unreadCount: number): void {
    const summary = summaries.value[conversationId];
    if (summary) summary.unreadCount = useReadingStore().isReading(conversationId) ? 0 : unreadCount;
    countedLive.delete(conversationId);
  }

  /**
   * Messages newly held in a loaded thread (`added`, by seq): the last message, lastSeq and the
   * unread count follow; an own message means the user accepted (the server did so on sending).
   */
  function noteAdded(conversationId: string, added: Message[]): void {
    const summary = summaries.value[conversationId];
    if (!summary || added.length === 0) return;
    const myId = me();
    if (summary.myStatus === 'invited' && added.some((m) => m.senderId === myId)) summary.myStatus = 'accepted';
    const newest = added[added.length - 1];
    if (summary.lastMessage && newest.seq <= summary.lastMessage.seq) return;
    // only messages the summary has not counted yet are unread
    const fresh = added.filter((m) => m.senderId !== myId && m.seq > (summary.lastMessage?.seq ?? summary.lastSeq));
    summary.lastMessage = newest;
    summary.lastSeq = Math.max(summary.lastSeq, newest.seq);
    if (useReadingStore().isReading(conversationId)) {
      summary.unreadCount = 0;
      countedLive.delete(conversationId);
    } else {
      summary.unreadCount += fresh.length;
      countLive(conversationId, fresh.map((m) => m.seq));
    }
  }

  /**
   * New messages of a conversation whose thread is not loaded: only the summary changes.
   * Returns the messages it had not counted yet.
   */
  function noteUnloaded(conversationId: string, messages: Message[]): Message[] {
    const summary = summaries.value[conversationId];
    if (!summary || messages.length === 0) return [];
    const known = summary.lastMessage?.seq ?? summary.lastSeq;
    const fresh = messages.filter((m) => m.seq > known);
    if (fresh.length === 0) return [];
    const myId = me();
    summary.lastMessage = fresh[fresh.length - 1];
    summary.lastSeq = Math.max(summary.lastSeq, summary.lastMessage.seq);
    const unread = fresh.filter((m) => m.senderId !== myId);
    summary.unreadCount += unread.length;
    countLive(conversationId, unread.map((m) => m.seq));
    return fresh;
  }

  /** A message changed (edited, deleted, reacted to): the preview follows when it is the last message. */
  function noteChanged(conversationId: string, m: Message): void {
    const last = summaries.value[conversationId]?.lastMessage;
    if (last && last.seq === m.seq && (m.changeSeq ?? 0) > (last.changeSeq ?? 0)) summaries.value[conversationId].lastMessage = m;
  }

  /** The conversation is no longer the user's (left, removed, or gone from the list): forget it everywhere. */
  function forget(conversationId: string): void {
    delete summaries.value[conversationId];
    countedLive.delete(conversationId);
    useMessagesStore().forget(conversationId);
    useReceiptsStore().forget(conversationId);
    useReadingStore().forget(conversationId);
    const outbox = useOutboxStore();
    for (const entry of outbox.forConversation(conversationId)) outbox.discard(entry.clientMessageId);
    usePresenceStore().clearConversation(conversationId);
  }

  function reset(): void {
    summaries.value = {};
    countedLive.clear();
    listLoaded.value = false;
    listError.value = null;
  }

  return {
    summaries,
    listLoaded,
    listError,
    ordered,
    upsertConversation,
    refreshList,
    ensure,
    create,
    updated,
    setUnread,
    noteAdded,
    noteUnloaded,
    noteChanged,
    forget,
    reset,
  };
});
