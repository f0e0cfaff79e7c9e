// Receipts seeded from a conversation's answer (participants' readSeq and deliveredSeq): after a
// reload the user's own messages show as they were, and markers only move forward.
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useAuthStore } from '@/stores/auth';
import { useConversationListStore } from '@/stores/conversationList';
import { useMessagesStore } from '@/stores/messages';
import { useReceiptsStore } from '@/stores/receipts';
import { CONV, ME, OTHER, msg } from '@/test/fakes';

describe('receipts from the conversation', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    useAuthStore().session = { token: 't', expiresAt: '2099-01-01T00:00:00Z', account: { id: ME, username: 'me', displayName: 'Me' } };
  });

  it('shows read and delivered from the participants\' markers, before any event', () => {
    useConversationListStore().upsertConversation({
      id: CONV,
      title: null,
      participants: [
        { id: ME, username: 'me', displayName: 'Me', readSeq: 3, deliveredSeq: 3 },
        { id: OTHER, username: 'other', displayName: 'Other', readSeq: 1, deliveredSeq: 2 },
      ],
      createdAt: '2026-01-01T00:00:00Z',
      lastSeq: 3,
      lastMessage: null,
      unreadCount: 0,
    });
    useMessagesStore().ingest(CONV, [msg(1, ME), msg(2, ME), msg(3, ME)]);
    const receipts = useReceiptsStore();
    const states = useMessagesStore().threads[CONV].items.map((m) => receipts.deliveryState(CONV, m));
    expect(states).toEqual(['read', 'delivered', 'sent']);
    // an older answer does not move them back
    receipts.seed({ ...useConversationListStore().summaries[CONV], participants: [{ id: OTHER, username: 'other', displayName: 'Other', readSeq: 0, deliveredSeq: 0 }] });
    expect(receipts.receipts[CONV][OTHER]).toEqual({ read: 1, delivered: 2 });
  });
});
