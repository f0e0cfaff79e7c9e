// What a user does to messages already sent (docs/rest-api.md, "Message changes"): edit and delete
// their own, react to any, and reply to one. Changes are not optimistic: the bridge's chat.edit,
// chat.delete and chat.react (REST when there is no connection) answer the message as it is now,
// and only that answer (or the message.updated event, whichever comes first) changes what is
// shown, so a refused change (403, 409, 400, 429, offline) changes nothing and says why.
// Which message is being edited, and which one the composer answers, live here too: the bubble,
// the composer (ArrowUp edits the last own message) and the reply preview share them.
// A message still in the outbox (not acknowledged yet, e.g. written offline) is edited and deleted
// in the outbox itself (stores/outbox.ts): its text changes before it is sent, or it is never sent.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, ApiError } from '@/services/api';
import { BusError, NotConnectedError } from '@/services/eventBus';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useMessagesStore } from '@/stores/messages';
import { useOutboxStore, type OutboxEntry } from '@/stores/outbox';
import { errorText } from '@/util/format';
import type { Message } from '@/types/contract';

/** The emoji the picker offers, with the names screen readers say. */
export const QUICK_REACTIONS: ReadonlyArray<{ emoji: string; name: string }> = [
  { emoji: '👍', name: 'thumbs up' },
  { emoji: '❤️', name: 'heart' },
  { emoji: '😂', name: 'laughing' },
  { emoji: '🎉', name: 'party' },
  { emoji: '😮', name: 'surprised' },
  { emoji: '😢', name: 'sad' },
];

export const MAX_CODE_POINTS = 4000;
/** The server takes at most this many different emoji on one message (docs/rest-api.md, "Message changes"). */
export const MAX_REACTIONS = 20;

/** What the user sees of a refused change: what could not be done, and the server's reason. */
export function changeErrorText(what: string, error: unknown): string {
  let reason = errorText(error);
  const limited = (error instanceof BusError && error.code === 'RATE_LIMITED') || (error instanceof ApiError && error.status === 429);
  if (limited) {
    const seconds = (error as BusError | ApiError).retryAfterSeconds;
    reason = `too many changes at once; try again${seconds ? ` in ${seconds} s` : ' in a moment'}`;
  } else if (error instanceof NotConnectedError || (error instanceof ApiError && error.isNetwork)) {
    reason = 'the server cannot be reached; nothing was changed';
  }
  reason = reason.replace(/\.$/, '');
  return `Could not ${what}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}.`;
}

/** The different emoji on a message (one given by nobody any more does not count). */
export function reactionCount(m: Message): number {
  return Object.values(m.reactions ?? {}).filter((users) => users.length > 0).length;
}

/** Whether `emoji` can be given on the message: it is there already, or there is room for another. */
export function reactionAllowed(m: Message, emoji: string): boolean {
  return (m.reactions?.[emoji]?.length ?? 0) > 0 || reactionCount(m) < MAX_REACTIONS;
}

/** The first `max` code points of a text, on one line. */
export function excerptOf(text: string, max = 100): string {
  const points = [...text.replace(/\s+/g, ' ').trim()];
  return points.length > max ? `${points.slice(0, max).join('')}…` : points.join('');
}

export const useMessageActionsStore = defineStore('messageActions', () => {
  /** The message the composer answers, per conversation. */
  const replyTo = ref<Record<string, Message>>({});
  /**
   * The message being edited (one at a time), and where the focus goes when the editor closes: a
   * stored one by its seq, or one still in the outbox by its clientMessageId (seq null).
   */
  const editing = ref<{ conversationId: string; seq: number | null; clientMessageId?: string; from: 'composer' | 'message' } | null>(null);
  /** The last refused change, shown at its message (a queued one: by clientMessageId) until the next action. */
  const failure = ref<{ conversationId: string; seq: number | null; clientMessageId?: string; text: string } | null>(null);
  /** `${conversationId}:${seq}` of the changes under way (their buttons wait). */
  const busy = ref<Record<string, boolean>>({});

  const me = () => useAuthStore().account?.id ?? null;

  function canChange(m: Message): boolean {
    return m.senderId === me() && !m.deletedAt;
  }

  function startReply(m: Message): void {
    if (m.deletedAt) return;
    replyTo.value[m.conversationId] = m;
    if (editing.value?.conversationId === m.conversationId) stopEdit();
  }

  function cancelReply(conversationId: string): void {
    delete replyTo.value[conversationId];
  }

  function startEdit(m: Message, from: 'composer' | 'message' = 'message'): boolean {
    if (!canChange(m)) return false;
    stopEdit();
    failure.value = null;
    editing.value = { conversationId: m.conversationId, seq: m.seq, from };
    return true;
  }

  /** Edits a message still in the outbox; it is held (not sent) until the editor closes. False while it is being sent. */
  function startEditQueued(entry: OutboxEntry, from: 'composer' | 'message' = 'message'): boolean {
    stopEdit();
    if (!useOutboxStore().hold(entry.clientMessageId)) return false;
    failure.value = null;
    editing.value = { conversationId: entry.conversationId, seq: null, clientMessageId: entry.clientMessageId, from };
    return true;
  }

  /** ArrowUp in an empty composer: the user's last message there that can still be edited (one not sent yet comes last). */
  function editLast(conversationId: string): boolean {
    const outbox = useOutboxStore();
    const queued = outbox.forConversation(conversationId);
    for (let i = queued.length - 1; i >= 0; i--) if (outbox.changeable(queued[i].clientMessageId)) return startEditQueued(queued[i], 'composer');
    const items = useMessagesStore().threads[conversationId]?.items ?? [];
    for (let i = items.length - 1; i >= 0; i--) if (canChange(items[i])) return startEdit(items[i], 'composer');
    return false;
  }

  function stopEdit(): void {
    const queued = editing.value?.clientMessageId;
    editing.value = null;
    if (queued) useOutboxStore().release(queued);
  }

  /** Why an edit's text cannot be saved (null: it can). */
  function refusedText(content: string, allowEmpty = false): string | null {
    const length = [...content].length;
    if (content.trim().length === 0 && !allowEmpty) return 'A message cannot be empty: delete it instead.';
    if (length > MAX_CODE_POINTS) return `A message holds at most ${MAX_CODE_POINTS} characters (this one has ${length}).`;
    return null;
  }

  /**
   * One change: over the bridge when connected (REST when not, or when the connection went away
   * before the answer: each change asked again changes nothing more), then the answer applied.
   */
  async function change(
    m: Message,
    what: string,
    bridge: { address: string; body: Record<string, unknown> },
    rest: () => Promise<Message>,
  ): Promise<boolean> {
    const key = `${m.conversationId}:${m.seq}`;
    if (busy.value[key]) return false;
    busy.value[key] = true;
    failure.value = null;
    try {
      const connection = useConnectionStore();
      let answer: Message | null = null;
      if (connection.isConnected()) {
        try {
          answer = await connection.request<Message>(bridge.address, bridge.body);
        } catch (e) {
          if (!(e instanceof NotConnectedError)) throw e;
        }
      }
      answer ??= await rest();
      useMessagesStore().applyChanged(m.conversationId, [answer]);
      return true;
    } catch (e) {
      failure.value = { conversationId: m.conversationId, seq: m.seq, text: changeErrorText(what, e) };
      return false;
    } finally {
      delete busy.value[key];
    }
  }

  /** Saves an edit; the same text again only closes the editor. Refused: the editor stays, with the reason. */
  async function saveEdit(m: Message, content: string): Promise<boolean> {
    const refused = refusedText(content);
    if (refused) {
      failure.value = { conversationId: m.conversationId, seq: m.seq, text: refused };
      return false;
    }
    if (content === m.content) {
      stopEdit();
      return true;
    }
    const ok = await change(
      m,
      'save the edit',
      { address: 'chat.edit', body: { conversationId: m.conversationId, seq: m.seq, content } },
      () => api.editMessage(m.conversationId, m.seq, content),
    );
    if (ok && editing.value?.conversationId === m.conversationId && editing.value.seq === m.seq) stopEdit();
    return ok;
  }

  /**
   * Saves the edit of a message still in the outbox: the queued text changes (and its kept copy),
   * then the queue goes on. Its files stay, so with files the text may be empty.
   */
  function saveQueued(entry: OutboxEntry, content: string): boolean {
    const id = entry.clientMessageId;
    const refused = refusedText(content, (entry.attachments?.length ?? 0) > 0);
    if (refused) {
      failure.value = { conversationId: entry.conversationId, seq: null, clientMessageId: id, text: refused };
      return false;
    }
    if (content !== entry.content && !useOutboxStore().edit(id, content)) {
      failure.value = { conversationId: entry.conversationId, seq: null, clientMessageId: id, text: 'Could not save the edit: the message is being sent.' };
      return false;
    }
    if (editing.value?.clientMessageId === id) stopEdit();
    return true;
  }

  /** Deletes a message still in the outbox: it is never sent (and leaves the kept copy). */
  function discardQueued(clientMessageId: string): void {
    if (editing.value?.clientMessageId === clientMessageId) stopEdit();
    if (failure.value?.clientMessageId === clientMessageId) failure.value = null;
    useOutboxStore().discard(clientMessageId);
  }

  function remove(m: Message): Promise<boolean> {
    if (editing.value?.conversationId === m.conversationId && editing.value.seq === m.seq) stopEdit();
    return change(
      m,
      'delete the message',
      { address: 'chat.delete', body: { conversationId: m.conversationId, seq: m.seq } },
      () => api.deleteMessage(m.conversationId, m.seq),
    );
  }

  /** Gives or takes back the user's `emoji` on a message (on: whether to give it). */
  function react(m: Message, emoji: string, on: boolean): Promise<boolean> {
    // the picker does not offer it; the server would refuse it (INVALID), so it is not sent
    if (on && !reactionAllowed(m, emoji)) {
      failure.value = { conversationId: m.conversationId, seq: m.seq, text: `Could not react with ${emoji}: a message takes at most ${MAX_REACTIONS} different reactions.` };
      return Promise.resolve(false);
    }
    return change(
      m,
      on ? `react with ${emoji}` : `take back ${emoji}`,
      { address: 'chat.react', body: { conversationId: m.conversationId, seq: m.seq, emoji, on } },
      () => api.react(m.conversationId, m.seq, emoji, on),
    );
  }

  /** Whether the user gave `emoji` on the message. */
  function reacted(m: Message, emoji: string): boolean {
    const id = me();
    return id !== null && (m.reactions?.[emoji] ?? []).includes(id);
  }

  function toggleReaction(m: Message, emoji: string): Promise<boolean> {
    return react(m, emoji, !reacted(m, emoji));
  }

  function dismissFailure(): void {
    failure.value = null;
  }

  function reset(): void {
    replyTo.value = {};
    editing.value = null; // the outbox is reset too, its holds with it
    failure.value = null;
    busy.value = {};
  }

  return {
    replyTo,
    editing,
    failure,
    busy,
    canChange,
    startReply,
    cancelReply,
    startEdit,
    startEditQueued,
    editLast,
    stopEdit,
    saveEdit,
    saveQueued,
    discardQueued,
    remove,
    react,
    reacted,
    toggleReaction,
    dismissFailure,
    reset,
  };
});
