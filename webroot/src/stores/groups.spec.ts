// Groups in the web client (docs/rest-api.md "Groups", docs/bridge-protocol.md "Groups"): a conversation the
// user is added to appears and is registered at once; participants events with added people and
// conversation.updated (renamed) update the member list and the title, in the list entry too;
// adding and renaming go through REST and take the server's answer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

vi.mock('@/services/api', (original) => import('@/test/modules').then((m) => m.fakeApi(original)));
vi.mock('@/services/eventBus', (original) => import('@/test/modules').then((m) => m.fakeEventBus(original)));

import { api } from '@/services/api';
import { RealtimeSession } from '@/services/realtime';
import { useAuthStore } from '@/stores/auth';
import { useConversationListStore } from '@/stores/conversationList';
import { useMembershipStore } from '@/stores/membership';
import { bridge } from '@/test/modules';
import { connectedSession } from '@/test/session';
import { FakeBus, ME, OTHER, msg, settle } from '@/test/fakes';
import { conversationName } from '@/util/format';
import type { Account, ConversationSummary, ParticipantStatus } from '@/types/contract';

const B = 'b0000000-0000-4000-8000-00000000000b';
const C = 'c0000000-0000-4000-8000-00000000000c';
const THIRD = '33333333-3333-4333-8333-333333333333';
const mocked = vi.mocked(api);

function person(id: string, status: ParticipantStatus = 'accepted'): Account & { status: ParticipantStatus } {
  return { id, username: `u${id.slice(0, 4)}`, displayName: id === ME ? 'Me' : `User ${id.slice(0, 4)}`, status };
}

function pair(): ConversationSummary {
  return {
    id: B,
    title: null,
    participants: [person(ME), person(OTHER)],
    createdAt: '2026-01-01T00:01:00.000Z',
    lastSeq: 3,
    lastMessage: msg(3, OTHER, { conversationId: B }),
    unreadCount: 2,
    createdBy: OTHER,
    myStatus: 'accepted',
  };
}

const buses: FakeBus[] = [];
let session: RealtimeSession | null = null;

async function started(): Promise<FakeBus> {
  session = await connectedSession();
  return buses[buses.length - 1];
}

describe('groups in the web client', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.clearAllMocks();
    localStorage.clear();
    setActivePinia(createPinia());
    buses.length = 0;
    bridge.open = async () => {
      const bus = new FakeBus()
        .on('chat.sync', () => ({ conversations: {} }))
        .on('presence.watch', (body: any) =>
          Object.fromEntries((body.userIds as string[]).map((id) => [id, { online: false, status: 'offline', lastSeen: null }])),
        );
      buses.push(bus);
      return bus;
    };
    useAuthStore().session = { token: 't', expiresAt: '2099-01-01T00:00:00Z', account: person(ME) };
    mocked.listConversations.mockResolvedValue([pair()]);
  });

  afterEach(() => {
    session?.stop();
    session = null;
    vi.useRealTimers();
  });

  it('a participants event with added people adds them, invited, once; the list entry names them', async () => {
    const bus = await started();
    const list = useConversationListStore();
    expect(conversationName(list.summaries[B], ME)).toBe('User bbbb');
    bus.emit(`conversation.${B}`, { type: 'participants', added: [person(THIRD)], removed: [], by: OTHER });
    bus.emit(`conversation.${B}`, { type: 'participants', added: [person(THIRD)], removed: [], by: OTHER });
    const participants = list.summaries[B].participants;
    expect(participants.map((p) => p.id)).toEqual([ME, OTHER, THIRD]);
    expect(participants.find((p) => p.id === THIRD)?.status).toBe('invited');
    expect(conversationName(list.ordered[0], ME)).toBe('User bbbb, User 3333');
  });

  it('conversation.updated renames the conversation and keeps what is the user\'s own', async () => {
    const bus = await started();
    const list = useConversationListStore();
    const renamed = { ...pair(), title: 'Team', participants: [person(ME), person(OTHER), person(THIRD, 'invited')] } as any;
    delete renamed.myStatus;
    delete renamed.lastMessage;
    delete renamed.unreadCount;
    bus.emit(`conversation.${B}`, { type: 'conversation.updated', conversation: renamed });
    const summary = list.summaries[B];
    expect(summary.title).toBe('Team');
    expect(conversationName(list.ordered[0], ME)).toBe('Team');
    expect(summary.participants.map((p) => p.id)).toEqual([ME, OTHER, THIRD]);
    expect(summary.myStatus).toBe('accepted');
    expect(summary.unreadCount).toBe(2);
    expect(summary.lastMessage?.seq).toBe(3);
    // the title removed: named by its participants again
    bus.emit(`conversation.${B}`, { type: 'conversation.updated', conversation: { ...renamed, title: null } });
    expect(list.summaries[B].title).toBeNull();
    // an event of another conversation, or about one not known, adds nothing
    bus.emit(`conversation.${C}`, { type: 'conversation.updated', conversation: { ...renamed, id: C } });
    bus.emit(`conversation.${B}`, { type: 'conversation.updated', conversation: { ...renamed, id: C, title: 'Wrong' } });
    expect(list.summaries[C]).toBeUndefined();
    expect(list.summaries[B].title).toBeNull();
  });

  it('added to a conversation: it appears at once, invited, and is registered', async () => {
    const bus = await started();
    const added: ConversationSummary = {
      ...pair(),
      id: C,
      title: 'Lunch',
      participants: [person(OTHER), person(THIRD), person(ME, 'invited')],
      myStatus: 'invited',
      lastMessage: null,
      unreadCount: 0,
    };
    bus.emit(`user.${ME}`, { type: 'conversation.created', conversation: added });
    await settle();
    const list = useConversationListStore();
    expect(list.summaries[C].myStatus).toBe('invited');
    expect(useMembershipStore().isInvited(C)).toBe(true);
    expect(list.ordered.map((c) => c.id)).toContain(C);
    expect(bus.subscriptions.has(`conversation.${C}`)).toBe(true);
  });

  it('adding people and renaming go through REST and take the answer', async () => {
    await started();
    const membership = useMembershipStore();
    const list = useConversationListStore();
    mocked.addParticipants.mockResolvedValue({ ...pair(), participants: [person(ME), person(OTHER), person(THIRD, 'invited')] });
    await membership.addPeople(B, [THIRD]);
    expect(mocked.addParticipants).toHaveBeenCalledWith(B, [THIRD]);
    expect(list.summaries[B].participants.map((p) => p.id)).toEqual([ME, OTHER, THIRD]);
    expect(list.summaries[B].unreadCount).toBe(2);
    mocked.renameConversation.mockResolvedValue({ ...pair(), title: 'Team' });
    await membership.rename(B, 'Team');
    expect(mocked.renameConversation).toHaveBeenCalledWith(B, 'Team');
    expect(list.summaries[B].title).toBe('Team');
    mocked.renameConversation.mockRejectedValue(new Error('refused'));
    await expect(membership.rename(B, 'Other')).rejects.toThrow('refused');
    expect(list.summaries[B].title).toBe('Team');
  });
});
