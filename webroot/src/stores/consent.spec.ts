// Consent in the web client (docs/rest-api.md and docs/bridge-protocol.md, "Consent"): invitations are marked
// and answered, leaving and removal take a conversation out of the list (live, by
// conversation.removed, or when it is missing from the list), an accepted conversation is viewed
// again so that the others see the user, and someone accepting makes the watch go out again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

vi.mock('@/services/api', (original) => import('@/test/modules').then((m) => m.fakeApi(original)));
vi.mock('@/services/eventBus', (original) => import('@/test/modules').then((m) => m.fakeEventBus(original)));

import { api } from '@/services/api';
import { RealtimeSession } from '@/services/realtime';
import { useAuthStore } from '@/stores/auth';
import { useBlocksStore } from '@/stores/blocks';
import { useConversationListStore } from '@/stores/conversationList';
import { useMembershipStore } from '@/stores/membership';
import { useMessagesStore } from '@/stores/messages';
import { useReadingStore } from '@/stores/reading';
import { useOutboxStore } from '@/stores/outbox';
import { bridge } from '@/test/modules';
import { connectedSession } from '@/test/session';
import { FakeBus, ME, OTHER, msg, settle } from '@/test/fakes';
import type { Account, ConversationSummary, ParticipantStatus } from '@/types/contract';

const A = 'a0000000-0000-4000-8000-00000000000a'; // created by OTHER, I am invited
const B = 'b0000000-0000-4000-8000-00000000000b'; // created by me, with OTHER and THIRD
const THIRD = '33333333-3333-4333-8333-333333333333';
const mocked = vi.mocked(api);

function person(id: string, status: ParticipantStatus = 'accepted'): Account & { status: ParticipantStatus } {
  return { id, username: `u${id.slice(0, 4)}`, displayName: id === ME ? 'Me' : `User ${id.slice(0, 4)}`, status };
}

function invitation(): ConversationSummary {
  return {
    id: A,
    title: null,
    participants: [person(OTHER), person(ME, 'invited')],
    createdAt: '2026-01-01T00:02:00.000Z',
    lastSeq: 0,
    lastMessage: null,
    unreadCount: 0,
    createdBy: OTHER,
    myStatus: 'invited',
  };
}

function mine(): ConversationSummary {
  return {
    id: B,
    title: 'Mine',
    participants: [person(ME), person(OTHER, 'invited'), person(THIRD, 'invited')],
    createdAt: '2026-01-01T00:01:00.000Z',
    lastSeq: 0,
    lastMessage: null,
    unreadCount: 0,
    createdBy: ME,
    myStatus: 'accepted',
  };
}

const buses: FakeBus[] = [];
const lastBus = () => buses[buses.length - 1];

/** The real-time side of the test's login. */
let session: RealtimeSession | null = null;

async function started(): Promise<FakeBus> {
  session = await connectedSession();
  return lastBus();
}

describe('consent in the web client', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.clearAllMocks();
    localStorage.clear();
    setActivePinia(createPinia());
    buses.length = 0;
    bridge.open = async () => {
      const bus = new FakeBus()
        .on('chat.sync', () => ({ conversations: {} }))
        // a send stays unanswered: what the outbox holds is what the test looks at
        .on('chat.send', () => new Promise(() => {}))
        .on('presence.watch', (body: any) =>
          Object.fromEntries((body.userIds as string[]).map((id) => [id, { online: false, status: 'offline', lastSeen: null }])),
        );
      buses.push(bus);
      return bus;
    };
    useAuthStore().session = { token: 't', expiresAt: '2099-01-01T00:00:00Z', account: person(ME) };
    mocked.listConversations.mockResolvedValue([invitation(), mine()]);
  });

  afterEach(() => {
    session?.stop();
    session = null;
    vi.useRealTimers();
  });

  it('knows which conversations are invitations and which the user created', async () => {
    await started();
    expect(useMembershipStore().isInvited(A)).toBe(true);
    expect(useMembershipStore().isInvited(B)).toBe(false);
    expect(useMembershipStore().isCreator(B)).toBe(true);
    expect(useMembershipStore().isCreator(A)).toBe(false);
  });

  it('accepting takes the server\'s answer and views the open conversation again, now to be seen', async () => {
    const bus = await started();
    useReadingStore().setOpen(A);
    await settle();
    expect(bus.sent('chat.view')).toEqual([{ conversationId: A, viewing: true }]);
    mocked.acceptConversation.mockResolvedValue({ ...invitation(), myStatus: 'accepted', participants: [person(OTHER), person(ME)] });
    await useMembershipStore().accept(A);
    await settle();
    expect(mocked.acceptConversation).toHaveBeenCalledWith(A);
    expect(useMembershipStore().isInvited(A)).toBe(false);
    expect(bus.sent('chat.view')).toEqual([
      { conversationId: A, viewing: true },
      { conversationId: A, viewing: true },
    ]);
  });

  it('a first message of the user accepts the conversation (as the server did)', async () => {
    await started();
    useReadingStore().setOpen(A);
    await settle();
    useMessagesStore().ingest(A, [msg(1, ME, { conversationId: A })]);
    expect(useMembershipStore().isInvited(A)).toBe(false);
  });

  it('leaving forgets the conversation and unregisters it; its pending messages are dropped', async () => {
    const bus = await started();
    expect(bus.subscriptions.has(`conversation.${A}`)).toBe(true);
    useOutboxStore().enqueue(A, 'never mind');
    await useMembershipStore().leave(A);
    await settle();
    expect(mocked.leaveConversation).toHaveBeenCalledWith(A);
    expect(useConversationListStore().summaries[A]).toBeUndefined();
    expect(useConversationListStore().ordered.map((c) => c.id)).toEqual([B]);
    expect(bus.subscriptions.has(`conversation.${A}`)).toBe(false);
    expect(useOutboxStore().forConversation(A)).toEqual([]);
  });

  it('conversation.removed on user.<me> takes the conversation out of the list at once', async () => {
    const bus = await started();
    bus.emit(`user.${ME}`, { type: 'conversation.removed', conversationId: A });
    await settle();
    expect(useConversationListStore().summaries[A]).toBeUndefined();
    expect(bus.subscriptions.has(`conversation.${A}`)).toBe(false);
  });

  it('a conversation missing from a refreshed list is forgotten (removed while offline)', async () => {
    await started();
    mocked.listConversations.mockResolvedValue([mine()]);
    await useConversationListStore().refreshList();
    expect(Object.keys(useConversationListStore().summaries)).toEqual([B]);
  });

  it('participants events update who is in; one that removes the user forgets the conversation', async () => {
    const bus = await started();
    bus.emit(`conversation.${B}`, { type: 'participants', added: [], removed: [THIRD], by: ME });
    expect(useConversationListStore().summaries[B].participants.map((p) => p.id)).toEqual([ME, OTHER]);
    bus.emit(`conversation.${A}`, { type: 'participants', added: [], removed: [ME], by: OTHER });
    expect(useConversationListStore().summaries[A]).toBeUndefined();
  });

  it('someone accepting marks them accepted and sends the watch again (the server now answers for them)', async () => {
    const bus = await started();
    useReadingStore().setOpen(B);
    await settle();
    await vi.advanceTimersByTimeAsync(1_000);
    const watches = bus.sent('presence.watch').length;
    bus.emit(`conversation.${B}`, { type: 'participant.accepted', userId: OTHER });
    expect(useConversationListStore().summaries[B].participants.find((p) => p.id === OTHER)?.status).toBe('accepted');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(bus.sent('presence.watch').length).toBe(watches + 1);
  });

  it('the creator removes someone: gone from the participants', async () => {
    await started();
    await useMembershipStore().removeParticipant(B, THIRD);
    expect(mocked.removeParticipant).toHaveBeenCalledWith(B, THIRD);
    expect(useConversationListStore().summaries[B].participants.map((p) => p.id)).toEqual([ME, OTHER]);
  });

  it('blocks: loaded at start, blocked and unblocked', async () => {
    mocked.blocks.mockResolvedValue([person(THIRD)]);
    await started();
    const blocks = useBlocksStore();
    await settle();
    expect(blocks.isBlocked(THIRD)).toBe(true);
    await blocks.block(person(OTHER));
    expect(mocked.block).toHaveBeenCalledWith(OTHER);
    expect(blocks.isBlocked(OTHER)).toBe(true);
    await blocks.unblock(THIRD);
    expect(mocked.unblock).toHaveBeenCalledWith(THIRD);
    expect(blocks.isBlocked(THIRD)).toBe(false);
  });
});
