// Wires the stores to the bridge for a logged-in user: on every (re)connection register
// user.<me> and every conversation.<id> of the list (the connection store re-registers what is
// wanted), view the open conversation and watch whom the screen shows (stores/live.ts), announce
// presence, refresh the list, chat.sync from the last seq known per conversation, and send what
// the outbox holds. Also: the page's visibility (presence away/online, read receipts).
import { watch } from 'vue';
import { api } from '@/services/api';
import { BusConnection } from '@/services/eventBus';
import { useAuthStore } from '@/stores/auth';
import { useBlocksStore } from '@/stores/blocks';
import { useConnectionStore } from '@/stores/connection';
import { useConversationsStore } from '@/stores/conversations';
import { useLiveStore } from '@/stores/live';
import { useOutboxStore } from '@/stores/outbox';
import { usePresenceStore } from '@/stores/presence';
import { TypingNotifier } from '@/util/typing';
import type { Message, UserEvent } from '@/types/contract';

let started = false;
let stopWatchingStatus: (() => void) | null = null;

function visible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

function onVisibility(): void {
  const connection = useConnectionStore();
  const conversations = useConversationsStore();
  conversations.setVisible(visible());
  if (connection.isConnected()) {
    connection.request('presence.update', { status: visible() ? 'online' : 'away' }).catch(() => {});
  }
  if (visible()) {
    if (connection.status === 'Disconnected') connection.retryNow();
    void conversations.refreshList().catch(() => {});
  }
}

function onOnline(): void {
  const connection = useConnectionStore();
  if (connection.status !== 'Connected') connection.retryNow();
}

function handleUserEvent(body: unknown): void {
  const event = body as UserEvent;
  const conversations = useConversationsStore();
  const presence = usePresenceStore();
  switch (event?.type) {
    case 'presence':
      presence.set(event.userId, { online: event.online, status: event.status, lastSeen: event.lastSeen });
      break;
    case 'conversation.created':
      conversations.upsertConversation(event.conversation);
      break;
    case 'conversation.removed':
      // left on another device, or removed by the creator: it goes from the list at once
      conversations.forget(event.conversationId);
      break;
    case 'unread':
      conversations.setUnread(event.conversationId, event.unreadCount);
      break;
  }
}

async function onOpen(): Promise<void> {
  const connection = useConnectionStore();
  const conversations = useConversationsStore();
  const outbox = useOutboxStore();
  // views and watches ended with the last socket: view the open conversation, watch who is shown
  useLiveStore().connected();
  connection.request('presence.update', { status: visible() ? 'online' : 'away' }).catch(() => {});
  // the list first (new conversations, authoritative unread counts), then what was missed
  await conversations.refreshList().catch(() => {});
  await conversations.syncAll();
  void outbox.flush();
  if (conversations.openId) void conversations.markOpenRead();
}

/** Starts the real-time side for the logged-in user (idempotent). */
export function startRealtime(): void {
  if (started) return;
  const auth = useAuthStore();
  const me = auth.account?.id;
  if (!me) return;
  started = true;
  const connection = useConnectionStore();
  const conversations = useConversationsStore();
  const outbox = useOutboxStore();

  outbox.load(me);
  outbox.configure({
    canSend: () => connection.isConnected(),
    send: (entry) =>
      connection.request<Message>('chat.send', {
        conversationId: entry.conversationId,
        content: entry.content,
        clientMessageId: entry.clientMessageId,
      }),
    onSent: (message) => {
      conversations.ingest(message.conversationId, [message]);
    },
  });
  connection.configure({
    open: () => BusConnection.connect(),
    onOpen,
    // a 401 for the ticket has logged the user out already (the API's unauthorized hook)
  });
  connection.subscribe(`user.${me}`, handleUserEvent);
  const live = useLiveStore();
  live.start();
  // the socket's views and watches end with it
  stopWatchingStatus = watch(
    () => connection.status,
    (status) => {
      if (status !== 'Connected') live.disconnected();
    },
    { flush: 'sync' },
  );
  connection.start();
  void useBlocksStore().load().catch(() => {});

  conversations.setVisible(visible());
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('online', onOnline);
}

/** Stops it (logout): closes the socket, forgets every store's state. */
export function stopRealtime(): void {
  if (!started) return;
  started = false;
  document.removeEventListener('visibilitychange', onVisibility);
  window.removeEventListener('online', onOnline);
  stopWatchingStatus?.();
  stopWatchingStatus = null;
  useLiveStore().stop();
  useConnectionStore().reset();
  useConversationsStore().reset();
  usePresenceStore().reset();
  useOutboxStore().reset();
  useBlocksStore().reset();
}

/** The user opened a conversation (or went back to the list with null); stores/live.ts views it. */
export function openConversation(id: string | null): void {
  useConversationsStore().setOpen(id);
}

/** A TypingNotifier that sends chat.typing for one conversation (only when connected). */
export function typingNotifier(conversationId: string): TypingNotifier {
  return new TypingNotifier((typing) => {
    const connection = useConnectionStore();
    if (connection.isConnected()) connection.request('chat.typing', { conversationId, typing }).catch(() => {});
  });
}

/** The user pressed Send: into the outbox (sent at once when connected, else when back). */
export function sendMessage(conversationId: string, content: string): void {
  useOutboxStore().enqueue(conversationId, content);
}

/** Starts a conversation with these people (REST; the server announces it on user.<id>). */
export async function startConversation(participantIds: string[], title?: string) {
  const c = await api.createConversation(participantIds, title);
  useConversationsStore().upsertConversation(c);
  return c;
}
