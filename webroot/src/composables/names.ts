// Who someone is in a conversation, as the message actions show it: "You" for the user, else the
// participant's display name (a message held of theirs when they left), else "Someone".
import { useAuthStore } from '@/stores/auth';
import { useConversationListStore } from '@/stores/conversationList';
import { useMessagesStore } from '@/stores/messages';

export function nameIn(conversationId: string, userId: string): string {
  if (userId === useAuthStore().account?.id) return 'You';
  const p = useConversationListStore().summaries[conversationId]?.participants.find((x) => x.id === userId);
  if (p) return p.displayName;
  const held = useMessagesStore().threads[conversationId]?.items.find((m) => m.senderId === userId);
  return held?.senderDisplayName ?? 'Someone';
}

/** "You", "You and Bob", "Alice, Bob and You": who gave a reaction (the user first). */
export function namesOf(conversationId: string, userIds: readonly string[]): string {
  const me = useAuthStore().account?.id;
  const ordered = [...userIds.filter((id) => id === me), ...userIds.filter((id) => id !== me)];
  const names = ordered.map((id) => nameIn(conversationId, id));
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
