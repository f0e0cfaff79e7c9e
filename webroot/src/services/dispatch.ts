// Real-time event dispatch: every event heard on the bridge goes to the one store whose job it is.
// conversation.<id> carries the conversation's events (every conversation of the list is
// registered, stores/live.ts); user.<me> carries the user's own (docs/bridge-protocol.md).
import { useConversationListStore } from '@/stores/conversationList';
import { useAuthStore } from '@/stores/auth';
import { useLiveStore } from '@/stores/live';
import { useMembershipStore } from '@/stores/membership';
import { useMessagesStore } from '@/stores/messages';
import { usePresenceStore } from '@/stores/presence';
import { useReceiptsStore } from '@/stores/receipts';
import type { ConversationEvent, UserEvent } from '@/types/contract';

/** An event on conversation.<conversationId>. */
export function onConversationEvent(conversationId: string, body: unknown): void {
  const event = body as ConversationEvent;
  const me = useAuthStore().account?.id ?? null;
  const presence = usePresenceStore();
  switch (event?.type) {
    case 'user.joined':
      useLiveStore().heardViewers(conversationId, [event.userId], []);
      break;
    case 'user.left':
      useLiveStore().heardViewers(conversationId, [], [event.userId]);
      break;
    case 'viewers':
      useLiveStore().heardViewers(conversationId, event.joined ?? [], event.left ?? []);
      break;
    case 'message':
      if (event.message?.conversationId === conversationId) {
        presence.setTyping(conversationId, event.message.senderId, false);
        useMessagesStore().receive(conversationId, event.message);
      }
      break;
    case 'message.updated':
      if (event.message?.conversationId === conversationId) useMessagesStore().receiveUpdate(conversationId, event.message);
      break;
    case 'typing':
      if (event.userId !== me) presence.setTyping(conversationId, event.userId, event.typing === true);
      break;
    case 'participants':
      useMembershipStore().participantsChanged(conversationId, event.added ?? [], event.removed ?? []);
      break;
    case 'conversation.updated':
      useConversationListStore().updated(conversationId, event.conversation);
      break;
    case 'participant.accepted':
      useMembershipStore().participantAccepted(conversationId, event.userId);
      // the server now answers (and watches) them: send the watch again
      if (event.userId !== me) useLiveStore().refreshWatch();
      break;
    case 'delivered':
    case 'read':
      useReceiptsStore().record(conversationId, event.userId, event.type, event.seq);
      break;
  }
}

/** An event on user.<me>. */
export function onUserEvent(body: unknown): void {
  const event = body as UserEvent;
  const list = useConversationListStore();
  switch (event?.type) {
    case 'presence':
      usePresenceStore().set(event.userId, { online: event.online, status: event.status, lastSeen: event.lastSeen });
      break;
    case 'conversation.created':
      list.upsertConversation(event.conversation);
      break;
    case 'conversation.removed':
      // left on another device, or removed by the creator: it goes from the list at once
      list.forget(event.conversationId);
      break;
    case 'unread':
      list.setUnread(event.conversationId, event.unreadCount);
      break;
  }
}
