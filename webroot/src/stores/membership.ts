// Who belongs to a conversation, and consent (docs/web-client.md, "Invitations", "Leaving and
// removing"): whether the user accepted a conversation someone else put them into, accepting,
// leaving, the creator removing someone, adding people and renaming (docs/rest-api.md, "Groups"), and the
// participants and participant.accepted events that tell everyone.
import { defineStore } from 'pinia';
import { api } from '@/services/api';
import { useAuthStore } from '@/stores/auth';
import { useConversationListStore } from '@/stores/conversationList';
import { usePresenceStore } from '@/stores/presence';
import type { Account, Participant } from '@/types/contract';

export const useMembershipStore = defineStore('membership', () => {
  const me = () => useAuthStore().account?.id ?? null;
  const summaryOf = (conversationId: string) => useConversationListStore().summaries[conversationId];

  /** The user was put into the conversation by someone else and has not accepted it yet. */
  function isInvited(conversationId: string): boolean {
    return summaryOf(conversationId)?.myStatus === 'invited';
  }

  /** The user may remove others: they created the conversation. */
  function isCreator(conversationId: string): boolean {
    const myId = me();
    return !!myId && summaryOf(conversationId)?.createdBy === myId;
  }

  /** Accepts an invitation (REST): the user's presence, typing and views show there from now on. */
  async function accept(conversationId: string): Promise<void> {
    useConversationListStore().upsertConversation(await api.acceptConversation(conversationId));
  }

  /** Leaves the conversation (REST) and forgets it. */
  async function leave(conversationId: string): Promise<void> {
    await api.leaveConversation(conversationId);
    useConversationListStore().forget(conversationId);
  }

  /** The creator removes someone (REST); the participants event confirms it to everyone. */
  async function removeParticipant(conversationId: string, userId: string): Promise<void> {
    await api.removeParticipant(conversationId, userId);
    const summary = summaryOf(conversationId);
    if (summary) summary.participants = summary.participants.filter((p) => p.id !== userId);
  }

  /** An accepted participant adds people (REST): they are invited; the participants event tells everyone. */
  async function addPeople(conversationId: string, userIds: string[]): Promise<void> {
    useConversationListStore().upsertConversation(await api.addParticipants(conversationId, userIds));
  }

  /** An accepted participant renames the conversation (REST; null: no title); conversation.updated tells everyone. */
  async function rename(conversationId: string, title: string | null): Promise<void> {
    useConversationListStore().upsertConversation(await api.renameConversation(conversationId, title));
  }

  /** A participants event: people added (invited) and removed; the user removed loses the conversation. */
  function participantsChanged(conversationId: string, added: readonly Account[], removed: readonly string[]): void {
    const summary = summaryOf(conversationId);
    if (!summary) return;
    const gone = new Set(removed);
    const myId = me();
    if (myId && gone.has(myId)) {
      useConversationListStore().forget(conversationId);
      return;
    }
    const kept = summary.participants.filter((p) => !gone.has(p.id));
    for (const a of added) {
      if (!kept.some((p) => p.id === a.id)) kept.push({ ...a, status: 'invited' });
    }
    summary.participants = kept;
    const presence = usePresenceStore();
    for (const id of gone) presence.setTyping(conversationId, id, false);
  }

  /** A participant.accepted event (the user's own, from another device, too). */
  function participantAccepted(conversationId: string, userId: string): void {
    const summary = summaryOf(conversationId);
    if (!summary) return;
    summary.participants = summary.participants.map((p): Participant => (p.id === userId ? { ...p, status: 'accepted' } : p));
    if (userId === me()) summary.myStatus = 'accepted';
  }

  return { isInvited, isCreator, accept, leave, removeParticipant, addPeople, rename, participantsChanged, participantAccepted };
});
