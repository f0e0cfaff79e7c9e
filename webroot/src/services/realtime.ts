// Wires the stores to the bridge for a logged-in user: on every (re)connection register
// user.<me> and the open conversation.<id> (the connection store re-registers what is wanted),
// announce presence, chat.sync from the last seq known per conversation, refresh the list,
// presence, and send what the outbox holds. Also: the page's visibility (presence away/online,
// read receipts) and a periodic refresh of the sidebar's summaries.
import { watch } from 'vue';
import { api } from '@/services/api';
import { BusConnection } from '@/services/eventBus';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useConversationsStore } from '@/stores/conversations';
import { useOutboxStore } from '@/stores/outbox';
import { usePresenceStore } from '@/stores/presence';
import { TypingNotifier } from '@/util/typing';
import type { ConversationEvent, Message, UserEvent } from '@/types/contract';

/** Conversations not on screen are not subscribed (user.joined means "has it open"): their summaries are refreshed this often. */
export const LIST_REFRESH_MS = 15_000;

let started = false;
let listTimer: ReturnType<typeof setInterval> | null = null;
let subscribedConversation: string | null = null;
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

function participantsOfAll(): string[] {
  const ids = new Set<string>();
  for (const c of Object.values(useConversationsStore().summaries)) for (const p of c.participants) ids.add(p.id);
  return [...ids];
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
      void presence.load(event.conversation.participants.map((p) => p.id)).catch(() => {});
      break;
    case 'unread':
      conversations.setUnread(event.conversationId, event.unreadCount);
      break;
  }
}

async function onOpen(): Promise<void> {
  const connection = useConnectionStore();
  const conversations = useConversationsStore();
  const presence = usePresenceStore();
  const outbox = useOutboxStore();
  // who is in the open conversation is announced again after the registration
  presence.clearAllConversations();
  connection.request('presence.update', { status: visible() ? 'online' : 'away' }).catch(() => {});
  // the list first (new conversations, authoritative unread counts), then what was missed
  await conversations.refreshList().catch(() => {});
  await conversations.syncAll();
  void presence.load(participantsOfAll()).catch(() => {});
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
  // without a connection nobody's comings and goings are heard: forget who was "here now"
  stopWatchingStatus = watch(
    () => connection.status,
    (status) => {
      if (status !== 'Connected') usePresenceStore().clearAllConversations();
    },
  );
  if (conversations.openId) subscribeConversation(conversations.openId);
  connection.start();

  conversations.setVisible(visible());
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('online', onOnline);
  listTimer = setInterval(() => {
    if (visible() && connection.isConnected()) void conversations.refreshList().catch(() => {});
  }, LIST_REFRESH_MS);
}

/** Stops it (logout): closes the socket, forgets every store's state. */
export function stopRealtime(): void {
  if (!started) return;
  started = false;
  document.removeEventListener('visibilitychange', onVisibility);
  window.removeEventListener('online', onOnline);
  if (listTimer !== null) clearInterval(listTimer);
  listTimer = null;
  subscribedConversation = null;
  stopWatchingStatus?.();
  stopWatchingStatus = null;
  useConnectionStore().reset();
  useConversationsStore().reset();
  usePresenceStore().reset();
  useOutboxStore().reset();
}

/** Hears conversation.<id> while it is open: messages, typing, who is here, receipts. */
function subscribeConversation(id: string): void {
  const connection = useConnectionStore();
  const conversations = useConversationsStore();
  const presence = usePresenceStore();
  if (subscribedConversation && subscribedConversation !== id) {
    connection.unsubscribe(`conversation.${subscribedConversation}`);
    presence.clearConversation(subscribedConversation);
  }
  subscribedConversation = id;
  connection.subscribe(`conversation.${id}`, (body) => conversations.handleEvent(id, body as ConversationEvent));
}

/** The user opened a conversation (or went back to the list with null). */
export function openConversation(id: string | null): void {
  const conversations = useConversationsStore();
  const connection = useConnectionStore();
  const presence = usePresenceStore();
  conversations.setOpen(id);
  if (!started) return;
  if (id) {
    subscribeConversation(id);
  } else if (subscribedConversation) {
    connection.unsubscribe(`conversation.${subscribedConversation}`);
    presence.clearConversation(subscribedConversation);
    subscribedConversation = null;
  }
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
  void usePresenceStore().load(c.participants.map((p) => p.id)).catch(() => {});
  return c;
}
