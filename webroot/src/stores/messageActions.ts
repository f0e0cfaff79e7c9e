// What a user does to messages already sent (docs/rest-api.md, "Message changes"): edit and delete
// their own, react to any, and reply to one. Changes are not optimistic: the bridge's chat.edit,
// chat.delete and chat.react (REST when there is no connection) answer the message as it is now,
// and only that answer (or the message.updated event, whichever comes first) changes what is
// shown, so a refused change (403, 409, 400, 429, offline) changes nothing and says why.
// Which message is being edited, and which one the composer answers, live here too: the bubble,
// the composer (ArrowUp edits the last own message) and the reply preview share them.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, ApiError } from '@/services/api';
import { BusError, NotConnectedError } from '@/services/eventBus';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useMessagesStore } from '@/stores/messages';
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

/** The first `max` code points of a text, on one line. */
export function excerptOf(text: string, max = 100): string {
  const points = [...text.replace(/\s+/g, ' ').trim()];
  return points.length > max ? `${points.slice(0, max).join('')}…` : points.join('');
}

export const useMessageActionsStore = defineStore('messageActions', () => {
  /** The message the composer answers, per conversation. */
  const replyTo = ref<Record<string, Message>>({});
  /** The message being edited (one at a time), and where the focus goes when the editor closes. */
  const editing = ref<{ conversationId: string; seq: number; from: 'composer' | 'message' } | null>(null);
  /** The last refused change, shown at its message until the next action. */
  const failure = ref<{ conversationId: string; seq: number; text: string } | null>(null);
  /** `${conversationId}:${seq}` of the changes under way (their buttons wait). */
  const busy = ref<Record<string, boolean>>({});

  const me = () => useAuthStore().account?.id ?? null;

  function canChange(m: Message): boolean {
    return m.senderId === me() && !m.deletedAt;
  }

  function startReply(m: Message): void {
    if (m.deletedAt) return;
    replyTo.value[m.conversationId] = m;
    if (editing.value?.conversationId === m.conversationId) editing.value = null;
  }

  function cancelReply(conversationId: string): void {
    delete replyTo.value[conversationId];
  }

  function startEdit(m: Message, from: 'composer' | 'message' = 'message'): boolean {
    if (!canChange(m)) return false;
    failure.value = null;
    editing.value = { conversationId: m.conversationId, seq: m.seq, from };
    return true;
  }

  /** ArrowUp in an empty composer: the user's last message there that can still be edited. */
  function editLast(conversationId: string): boolean {
    const items = useMessagesStore().threads[conversationId]?.items ?? [];
    for (let i = items.length - 1; i >= 0; i--) if (canChange(items[i])) return startEdit(items[i], 'composer');
    return false;
  }

  function stopEdit(): void {
    editing.value = null;
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
    const length = [...content].length;
    if (content.trim().length === 0) {
      failure.value = { conversationId: m.conversationId, seq: m.seq, text: 'A message cannot be empty: delete it instead.' };
      return false;
    }
    if (length > MAX_CODE_POINTS) {
      failure.value = {
        conversationId: m.conversationId,
        seq: m.seq,
        text: `A message holds at most ${MAX_CODE_POINTS} characters (this one has ${length}).`,
      };
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
    editing.value = null;
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
    editLast,
    stopEdit,
    saveEdit,
    remove,
    react,
    reacted,
    toggleReaction,
    dismissFailure,
    reset,
  };
});
