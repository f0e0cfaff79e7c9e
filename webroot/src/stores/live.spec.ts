// The real-time wiring (services/realtime.ts, services/dispatch.ts, stores/live.ts) over a fake bridge: every
// conversation registered, the open one viewed, who is here from user.joined / user.left /
// viewers, whom to watch, presence events, and all of it again after a reconnect.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

vi.mock('@/services/api', (original) => import('@/test/modules').then((m) => m.fakeApi(original)));
vi.mock('@/services/eventBus', (original) => import('@/test/modules').then((m) => m.fakeEventBus(original)));

import { api } from '@/services/api';
import { RealtimeSession } from '@/services/realtime';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useConversationListStore } from '@/stores/conversationList';
import { useMessagesStore } from '@/stores/messages';
import { useReadingStore } from '@/stores/reading';
import { MAX_WATCHED, WATCH_DEBOUNCE_MS, peopleToWatch, useLiveStore } from '@/stores/live';
import { usePresenceStore } from '@/stores/presence';
import { bridge } from '@/test/modules';
import { connectedSession } from '@/test/session';
import { FakeBus, ME, OTHER, msg, refused, settle } from '@/test/fakes';
import type { Account, ConversationSummary, PresenceInfo } from '@/types/contract';

const A = 'a0000000-0000-4000-8000-00000000000a'; // me + OTHER
const B = 'b0000000-0000-4000-8000-00000000000b'; // a group: me + OTHER, THIRD, FOURTH
const C = 'c0000000-0000-4000-8000-00000000000c'; // me + FIFTH
const THIRD = '33333333-3333-4333-8333-333333333333';
const FOURTH = '44444444-4444-4444-8444-444444444444';
const FIFTH = '55555555-5555-4555-8555-555555555555';

function person(id: string): Account {
  return { id, username: `u${id.slice(0, 4)}`, displayName: id === ME ? 'Me' : `User ${id.slice(0, 4)}` };
}

function conversation(id: string, others: string[], minute: number): ConversationSummary {
  return {
    id,
    title: null,
    participants: [ME, ...others].map(person),
    createdAt: `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
    lastSeq: 0,
    lastMessage: null,
    unreadCount: 0,
  };
}

/** Who is online on the fake server; presence.watch answers from it, as Thrume does. */
const online: Record<string, PresenceInfo> = {};
const buses: FakeBus[] = [];

function newBus(): FakeBus {
  const bus = new FakeBus()
    .on('chat.sync', () => ({ conversations: {} }))
    .on('presence.watch', (body: any) =>
      Object.fromEntries((body.userIds as string[]).map((id) => [id, online[id] ?? { online: false, status: 'offline', lastSeen: null }])),
    );
  buses.push(bus);
  return bus;
}

const lastBus = () => buses[buses.length - 1];
const sortedWatch = (bus: FakeBus) => bus.sent('presence.watch').map((b) => [...b.userIds].sort());

/** The real-time side of the test's login. */
let session: RealtimeSession | null = null;

async function started(): Promise<FakeBus> {
  session = await connectedSession();
  return lastBus();
}

async function open(id: string | null): Promise<void> {
  useReadingStore().setOpen(id);
  await settle();
}

describe('live: registrations, views and watches', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    localStorage.clear();
    setActivePinia(createPinia());
    buses.length = 0;
    for (const k of Object.keys(online)) delete online[k];
    bridge.open = async () => newBus();
    useAuthStore().session = { token: 't', expiresAt: '2099-01-01T00:00:00Z', account: person(ME) };
    vi.mocked(api.listConversations).mockResolvedValue([
      conversation(A, [OTHER], 3),
      conversation(B, [OTHER, THIRD, FOURTH], 2),
      conversation(C, [FIFTH], 1),
    ]);
  });

  afterEach(() => {
    session?.stop();
    session = null;
    vi.useRealTimers();
  });

  it('registers every conversation of the list and views only the open one', async () => {
    const bus = await started();
    expect([...bus.subscriptions.keys()].sort()).toEqual([`conversation.${A}`, `conversation.${B}`, `conversation.${C}`, `user.${ME}`]);
    expect(bus.sent('chat.view')).toEqual([]);

    await open(A);
    await open(B);
    await open(null);
    expect(bus.sent('chat.view')).toEqual([
      { conversationId: A, viewing: true },
      { conversationId: A, viewing: false },
      { conversationId: B, viewing: true },
      { conversationId: B, viewing: false },
    ]);

    // a conversation that appears later is registered at once (and viewed when it is the open one)
    const D = 'd0000000-0000-4000-8000-00000000000d';
    bus.emit(`user.${ME}`, { type: 'conversation.created', conversation: conversation(D, [FIFTH, THIRD], 4) });
    await open(D);
    expect(bus.subscriptions.has(`conversation.${D}`)).toBe(true);
    expect(bus.sent('chat.view').at(-1)).toEqual({ conversationId: D, viewing: true });
  });

  it('a message in a conversation that is not open updates its preview and unread count live', async () => {
    const bus = await started();
    await open(A);
    bus.emit(`conversation.${C}`, { type: 'message', message: msg(1, FIFTH, { conversationId: C, content: 'psst', sentAt: '2026-01-01T01:00:00.000Z' }) });
    expect(useConversationListStore().summaries[C].lastMessage?.content).toBe('psst');
    expect(useConversationListStore().summaries[C].unreadCount).toBe(1);
    expect(useConversationListStore().ordered[0].id).toBe(C);
    // its thread stays unloaded (the latest page is fetched when it is opened), its delivery is acknowledged
    expect(useMessagesStore().threads[C]?.items ?? []).toEqual([]);
    expect(bus.sent('chat.delivered')).toContainEqual({ conversationId: C, seq: 1 });
  });

  it('registers, views and watches again after a reconnect (views and watches end with the socket)', async () => {
    const first = await started();
    await open(A);
    first.emit(`conversation.${A}`, { type: 'user.joined', userId: OTHER });
    expect(usePresenceStore().inConversation[A]).toEqual([OTHER]);

    first.drop('server restarting');
    expect(useConnectionStore().status).toBe('Reconnecting');
    // nobody's comings and goings are heard without a socket
    expect(usePresenceStore().inConversation).toEqual({});
    await vi.advanceTimersByTimeAsync(1_500);
    await settle(30);
    const second = lastBus();
    expect(second).not.toBe(first);
    expect(useConnectionStore().status).toBe('Connected');
    expect([...second.subscriptions.keys()].sort()).toEqual([`conversation.${A}`, `conversation.${B}`, `conversation.${C}`, `user.${ME}`]);
    expect(second.sent('chat.view')).toEqual([{ conversationId: A, viewing: true }]);
    expect(sortedWatch(second)).toEqual([[OTHER, FIFTH].sort()]);
    second.emit(`conversation.${A}`, { type: 'user.joined', userId: OTHER });
    expect(usePresenceStore().inConversation[A]).toEqual([OTHER]);
  });

  it('applies user.joined, user.left and the coalesced viewers event to who is here, for the conversation viewed', async () => {
    const bus = await started();
    await open(B);
    const presence = usePresenceStore();
    // who was already there, then changes
    bus.emit(`conversation.${B}`, { type: 'viewers', joined: [OTHER, THIRD], left: [] });
    expect(presence.inConversation[B]).toEqual([OTHER, THIRD]);
    presence.setTyping(B, OTHER, true);
    bus.emit(`conversation.${B}`, { type: 'viewers', joined: [FOURTH], left: [OTHER] });
    expect(presence.inConversation[B]).toEqual([THIRD, FOURTH]);
    expect(presence.typingIn(B)).toEqual([]); // who left types no more
    bus.emit(`conversation.${B}`, { type: 'user.left', userId: THIRD });
    bus.emit(`conversation.${B}`, { type: 'user.joined', userId: OTHER });
    bus.emit(`conversation.${B}`, { type: 'user.joined', userId: OTHER });
    expect(presence.inConversation[B]).toEqual([FOURTH, OTHER]);

    // a conversation registered but not viewed: its announcements do not make a (partial) list
    bus.emit(`conversation.${A}`, { type: 'viewers', joined: [OTHER], left: [] });
    expect(presence.inConversation[A]).toBeUndefined();
    // switching: the one left is forgotten, the new one starts empty until the server tells
    await open(A);
    expect(presence.inConversation[B]).toBeUndefined();
    expect(presence.inConversation[A] ?? []).toEqual([]);
    bus.emit(`conversation.${A}`, { type: 'user.joined', userId: OTHER });
    expect(presence.inConversation[A]).toEqual([OTHER]);
  });

  it('watches the list\'s one-to-one partners and the open conversation\'s members, debounced', async () => {
    const bus = await started();
    // on connection at once: the partners of A and C (B is a group)
    expect(sortedWatch(bus)).toEqual([[OTHER, FIFTH].sort()]);

    await open(B);
    await vi.advanceTimersByTimeAsync(WATCH_DEBOUNCE_MS);
    expect(sortedWatch(bus).at(-1)).toEqual([OTHER, THIRD, FOURTH, FIFTH].sort());

    // back and forth within the debounce: one watch, for where the user ends up
    const before = bus.sent('presence.watch').length;
    await open(A);
    await vi.advanceTimersByTimeAsync(WATCH_DEBOUNCE_MS / 2);
    await open(C);
    await vi.advanceTimersByTimeAsync(WATCH_DEBOUNCE_MS);
    expect(bus.sent('presence.watch').length).toBe(before + 1);
    expect(sortedWatch(bus).at(-1)).toEqual([OTHER, FIFTH].sort());

    // a new one-to-one conversation adds its partner
    const SIXTH = '66666666-6666-4666-8666-666666666666';
    bus.emit(`user.${ME}`, { type: 'conversation.created', conversation: conversation('e0000000-0000-4000-8000-00000000000e', [SIXTH], 5) });
    await vi.advanceTimersByTimeAsync(WATCH_DEBOUNCE_MS);
    expect(sortedWatch(bus).at(-1)).toEqual([OTHER, FIFTH, SIXTH].sort());
    // nothing to change: nothing sent
    const count = bus.sent('presence.watch').length;
    bus.emit(`conversation.${A}`, { type: 'message', message: msg(1, OTHER, { conversationId: A }) });
    await vi.advanceTimersByTimeAsync(WATCH_DEBOUNCE_MS * 2);
    expect(bus.sent('presence.watch').length).toBe(count);
  });

  it('whom to watch: open members first, then partners by activity, without the user, at most 500', () => {
    const many = Array.from({ length: 600 }, (_, i) =>
      conversation(`f${String(i).padStart(7, '0')}-0000-4000-8000-000000000000`, [`p${String(i).padStart(7, '0')}-0000-4000-8000-000000000000`], 0),
    );
    const group = conversation(B, [OTHER, THIRD, FOURTH], 0);
    const ids = peopleToWatch([group, ...many], group, ME);
    expect(ids).toHaveLength(MAX_WATCHED);
    expect(ids.slice(0, 3)).toEqual([OTHER, THIRD, FOURTH]);
    expect(ids[3]).toBe(many[0].participants[1].id);
    expect(ids).not.toContain(ME);
    expect(peopleToWatch([conversation(A, [OTHER], 0), conversation(C, [OTHER], 0)], null, ME)).toEqual([OTHER]);
    expect(peopleToWatch([conversation(A, [], 0)], null, ME)).toEqual([]);
  });

  it('presence: the watch reply sets the state, events on user.<me> change it, the unwatched are forgotten', async () => {
    online[OTHER] = { online: true, status: 'online', lastSeen: null };
    online[THIRD] = { online: true, status: 'away', lastSeen: null };
    const bus = await started();
    const presence = usePresenceStore();
    expect(presence.statusOf(OTHER)).toBe('online');
    expect(presence.statusOf(FIFTH)).toBe('offline');
    expect(presence.statusOf(THIRD)).toBe('offline'); // not watched yet

    await open(B);
    await vi.advanceTimersByTimeAsync(WATCH_DEBOUNCE_MS);
    expect(presence.statusOf(THIRD)).toBe('away');

    bus.emit(`conversation.${B}`, { type: 'viewers', joined: [OTHER, THIRD], left: [] });
    bus.emit(`user.${ME}`, { type: 'presence', userId: OTHER, online: false, status: 'offline', lastSeen: '2026-01-01T00:00:00.000Z' });
    expect(presence.statusOf(OTHER)).toBe('offline');
    expect(presence.users[OTHER].lastSeen).toBe('2026-01-01T00:00:00.000Z');
    expect(presence.inConversation[B]).toEqual([THIRD]); // offline: not here either
    bus.emit(`user.${ME}`, { type: 'presence', userId: FIFTH, online: true, status: 'online', lastSeen: null });
    expect(presence.statusOf(FIFTH)).toBe('online');

    await open(null);
    await vi.advanceTimersByTimeAsync(WATCH_DEBOUNCE_MS);
    expect(presence.users[THIRD]).toBeUndefined(); // no longer watched: no event would correct it
    expect(useLiveStore().viewing).toBeNull();
  });

  it('a refused watch is tried again when the server says; a refused view is not held as viewing', async () => {
    let refusals = 1;
    bridge.open = async () =>
      newBus()
        .on('presence.watch', (body: any) => {
          if (refusals-- > 0) throw refused('RATE_LIMITED', 'retry after 2 s', 429);
          return Object.fromEntries((body.userIds as string[]).map((id) => [id, { online: true, status: 'online', lastSeen: null }]));
        })
        .on('chat.view', () => {
          throw refused('FORBIDDEN', 'not a participant of this conversation', 403);
        });
    const bus = await started();
    expect(bus.sent('presence.watch')).toHaveLength(1);
    expect(usePresenceStore().statusOf(OTHER)).toBe('offline');
    await vi.advanceTimersByTimeAsync(1_900);
    expect(bus.sent('presence.watch')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(bus.sent('presence.watch')).toHaveLength(2);
    expect(usePresenceStore().statusOf(OTHER)).toBe('online');

    await open(A);
    expect(bus.sent('chat.view')).toEqual([{ conversationId: A, viewing: true }]);
    expect(useLiveStore().viewing).toBeNull();
  });
});
