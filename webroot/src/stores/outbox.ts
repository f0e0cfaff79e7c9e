// The offline send queue. Every message the user sends goes through here with a clientMessageId
// made once, when it was typed: queued (shown pending, with a clock) → sending → gone once the
// server answered with the stored message. While there is no connection it waits and is sent
// when the connection is back; sending again with the same clientMessageId can never store it
// twice (the server answers the stored message). Refused messages are kept as failed, with a
// retry. The queue survives a reload (localStorage, per user). It is written at chosen moments by
// hand rather than bound with VueUse's useStorage: logging out empties the page's queue but keeps
// the stored one for the user's next login, which a bound ref would overwrite.
// A message not sent yet can be edited (its text changes before it goes) or deleted (it never goes).
// While the user edits it or confirms its deletion it is held: the queue stops at it (so that what
// was written after it is not sent before it), and no send of it can start under the editor.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { BusError, NotConnectedError } from '@/services/eventBus';
import { ApiError } from '@/services/api';
import { uuid } from '@/util/ids';
import type { Attachment, Message } from '@/types/contract';

export type OutboxState = 'queued' | 'sending' | 'failed';

export interface OutboxEntry {
  clientMessageId: string;
  conversationId: string;
  content: string;
  createdAt: string;
  state: OutboxState;
  error: string | null;
  attempts: number;
  /** Files uploaded first, sent with it (attachmentIds). */
  attachments?: Attachment[];
  /** The seq of the message this one answers (chat.send's replyToSeq). */
  replyToSeq?: number;
}

export interface OutboxOptions {
  /** Sends one message (chat.send); rejects with NotConnectedError when offline. */
  send: (entry: OutboxEntry) => Promise<Message>;
  /** The stored message came back. */
  onSent: (message: Message) => void;
  /** Whether sending can be tried now (connected). */
  canSend: () => boolean;
  /** Where to wait before trying again after a rate limit or a lost answer (setTimeout by default). */
  schedule?: (fn: () => void, ms: number) => unknown;
}

const KEY_PREFIX = 'thrume.outbox.';
/** A send that got no answer while still connected is tried again after this. */
export const RESEND_AFTER_MS = 2_000;

/** Whether a failure means "try again later" rather than "the server refused this message". */
export function isTransient(error: unknown): boolean {
  if (error instanceof NotConnectedError) return true;
  if (error instanceof BusError) return ['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL', 'CONNECTION_LIMIT'].includes(error.code);
  if (error instanceof ApiError) return error.isNetwork || error.status === 429 || error.status >= 500;
  return false;
}

function retryAfterMs(error: unknown): number {
  const s = error instanceof BusError || error instanceof ApiError ? error.retryAfterSeconds : undefined;
  return s ? s * 1000 : RESEND_AFTER_MS;
}

export const useOutboxStore = defineStore('outbox', () => {
  const entries = ref<OutboxEntry[]>([]);
  let options: OutboxOptions | null = null;
  let userId: string | null = null;
  let flushing = false;
  let again = false;
  let waiting = false;
  /** clientMessageIds the user is editing or deleting: not sent until released (not kept: a reload ends the editing). */
  const held = new Set<string>();

  function configure(next: OutboxOptions): void {
    options = next;
  }

  function persist(): void {
    if (!userId) return;
    if (entries.value.length === 0) localStorage.removeItem(KEY_PREFIX + userId);
    else localStorage.setItem(KEY_PREFIX + userId, JSON.stringify(entries.value));
  }

  /** Loads the user's kept queue (after a reload); an interrupted send is queued again. */
  function load(forUser: string): void {
    userId = forUser;
    try {
      const raw = localStorage.getItem(KEY_PREFIX + forUser);
      const list = raw ? (JSON.parse(raw) as OutboxEntry[]) : [];
      entries.value = list
        .filter((e) => e && typeof e.clientMessageId === 'string' && typeof e.content === 'string')
        .map((e) => ({ ...e, state: e.state === 'failed' ? 'failed' : 'queued' }));
    } catch {
      // not JSON (written by something else): nothing can be sent from it
      entries.value = [];
    }
  }

  /** Queues a new message and tries to send it at once. */
  function enqueue(conversationId: string, content: string, replyToSeq?: number, attachments: Attachment[] = []): OutboxEntry {
    const entry: OutboxEntry = {
      ...(attachments.length ? { attachments } : {}),
      clientMessageId: uuid(),
      conversationId,
      content,
      createdAt: new Date().toISOString(),
      state: 'queued',
      error: null,
      attempts: 0,
      ...(replyToSeq !== undefined ? { replyToSeq } : {}),
    };
    entries.value.push(entry);
    persist();
    void flush();
    return entry;
  }

  function find(clientMessageId: string): OutboxEntry | undefined {
    return entries.value.find((e) => e.clientMessageId === clientMessageId);
  }

  function remove(clientMessageId: string): void {
    held.delete(clientMessageId);
    const before = entries.value.length;
    entries.value = entries.value.filter((e) => e.clientMessageId !== clientMessageId);
    if (entries.value.length !== before) persist();
  }

  /** The server has the message (its reply, a live event or a sync brought it): done. */
  function confirm(message: Message): void {
    remove(message.clientMessageId);
  }

  function forConversation(conversationId: string): OutboxEntry[] {
    return entries.value.filter((e) => e.conversationId === conversationId);
  }

  /** Sends what is queued, oldest first, one at a time; never two sends of one entry at once. */
  async function flush(): Promise<void> {
    if (!options) return;
    if (flushing) {
      again = true;
      return;
    }
    flushing = true;
    try {
      do {
        again = false;
        for (;;) {
          if (!options.canSend()) return;
          const entry = entries.value.find((e) => e.state === 'queued');
          if (!entry || held.has(entry.clientMessageId)) break;
          entry.state = 'sending';
          entry.attempts += 1;
          let message: Message;
          try {
            message = await options.send({ ...entry });
          } catch (error) {
            const current = find(entry.clientMessageId);
            if (!current) continue; // confirmed meanwhile by a live event
            if (isTransient(error)) {
              current.state = 'queued';
              current.error = null;
              persist();
              if (options.canSend()) later(retryAfterMs(error));
              return;
            }
            current.state = 'failed';
            current.error = error instanceof Error ? error.message : String(error);
            persist();
            continue;
          }
          remove(entry.clientMessageId);
          options.onSent(message);
        }
      } while (again);
    } finally {
      flushing = false;
    }
  }

  function later(ms: number): void {
    if (waiting || !options) return;
    waiting = true;
    const run = () => {
      waiting = false;
      void flush();
    };
    (options.schedule ?? setTimeout)(run, ms);
  }

  /** The user's retry of a failed message: same clientMessageId, so never stored twice. */
  function retry(clientMessageId: string): void {
    const entry = find(clientMessageId);
    if (!entry || entry.state !== 'failed') return;
    entry.state = 'queued';
    entry.error = null;
    persist();
    void flush();
  }

  function discard(clientMessageId: string): void {
    remove(clientMessageId);
  }

  /** Whether the user may change the message: it is not being sent (queued or failed). */
  function changeable(clientMessageId: string): boolean {
    const entry = find(clientMessageId);
    return !!entry && entry.state !== 'sending';
  }

  /** Holds a message the user is editing or deleting (false: it is being sent, or gone). */
  function hold(clientMessageId: string): boolean {
    if (!changeable(clientMessageId)) return false;
    held.add(clientMessageId);
    return true;
  }

  /** The editing or the deleting ended: the queue goes on. */
  function release(clientMessageId: string): void {
    if (held.delete(clientMessageId)) void flush();
  }

  function isHeld(clientMessageId: string): boolean {
    return held.has(clientMessageId);
  }

  /** Changes the text of a message not sent yet (kept in localStorage too); false when it is being sent or gone. */
  function edit(clientMessageId: string, content: string): boolean {
    const entry = find(clientMessageId);
    if (!entry || entry.state === 'sending') return false;
    entry.content = content;
    persist();
    return true;
  }

  function reset(): void {
    entries.value = [];
    userId = null;
    held.clear();
  }

  return {
    entries,
    configure,
    load,
    enqueue,
    confirm,
    forConversation,
    flush,
    retry,
    discard,
    find,
    changeable,
    hold,
    release,
    isHeld,
    edit,
    reset,
  };
});
