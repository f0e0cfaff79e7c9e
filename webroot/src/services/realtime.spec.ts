// The real-time session as an instance: what it does on the page's visibility and on the browser
// coming back online, that stop() ends all of it and forgets the stores, and that a failure it
// does not wait for (the blocked people's load, presence.update) is not silent.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

vi.mock('@/services/api', (original) => import('@/test/modules').then((m) => m.fakeApi(original)));
vi.mock('@/services/eventBus', (original) => import('@/test/modules').then((m) => m.fakeEventBus(original)));

import { api, ApiError } from '@/services/api';
import { RealtimeSession } from '@/services/realtime';
import { useAuthStore } from '@/stores/auth';
import { useBlocksStore } from '@/stores/blocks';
import { useConnectionStore } from '@/stores/connection';
import { useConversationListStore } from '@/stores/conversationList';
import { useReadingStore } from '@/stores/reading';
import { bridge } from '@/test/modules';
import { connectedSession } from '@/test/session';
import { CONV, FakeBus, ME, msg, refused, settle, summary } from '@/test/fakes';

const mocked = vi.mocked(api);
let visibility: DocumentVisibilityState = 'visible';
const buses: FakeBus[] = [];
let session: RealtimeSession | null = null;

function setVisibility(state: DocumentVisibilityState): void {
  visibility = state;
  document.dispatchEvent(new Event('visibilitychange'));
}

async function started(): Promise<FakeBus> {
  session = await connectedSession();
  return buses[buses.length - 1];
}

describe('the real-time session', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.clearAllMocks();
    localStorage.clear();
    setActivePinia(createPinia());
    buses.length = 0;
    visibility = 'visible';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
    bridge.open = async () => {
      const bus = new FakeBus().on('chat.sync', () => ({ conversations: {} }));
      buses.push(bus);
      return bus;
    };
    useAuthStore().session = { token: 't', expiresAt: '2099-01-01T00:00:00Z', account: { id: ME, username: 'me', displayName: 'Me' } };
  });

  afterEach(() => {
    session?.stop();
    session = null;
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('the page hidden: away, and nothing counts as read; visible again: online, and the list is refreshed', async () => {
    const bus = await started();
    expect(bus.sent('presence.update')).toEqual([{ status: 'online' }]);
    const lists = mocked.listConversations.mock.calls.length;
    setVisibility('hidden');
    expect(useReadingStore().pageVisible).toBe(false);
    expect(bus.sent('presence.update').at(-1)).toEqual({ status: 'away' });
    expect(mocked.listConversations.mock.calls.length).toBe(lists);
    setVisibility('visible');
    expect(useReadingStore().pageVisible).toBe(true);
    expect(bus.sent('presence.update').at(-1)).toEqual({ status: 'online' });
    expect(mocked.listConversations.mock.calls.length).toBe(lists + 1);
  });

  it('the browser back online: a connection that gave up tries again at once', async () => {
    const first = await started();
    first.drop('replaced', true); // evicted: Disconnected until the user (or the network) says otherwise
    expect(useConnectionStore().status).toBe('Disconnected');
    window.dispatchEvent(new Event('offline'));
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    await settle(30);
    expect(buses).toHaveLength(2);
    expect(useConnectionStore().status).toBe('Connected');
  });

  it('stop() ends its listeners and forgets the stores; starting is once per instance', async () => {
    const bus = await started();
    session!.start();
    expect(buses).toHaveLength(1);
    expect(Object.keys(useConversationListStore().summaries)).toEqual([]);
    useConversationListStore().upsertConversation({
      id: 'c1',
      title: null,
      participants: [],
      createdAt: '2026-01-01T00:00:00.000Z',
      lastSeq: 0,
    });
    session!.stop();
    expect(useConnectionStore().status).toBe('Disconnected');
    expect(useConversationListStore().summaries).toEqual({});
    const sent = bus.requests.length;
    setVisibility('hidden');
    setVisibility('visible');
    expect(bus.requests.length).toBe(sent);
    expect(useReadingStore().pageVisible).toBe(true);
    window.dispatchEvent(new Event('offline'));
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(buses).toHaveLength(1);
  });

  it('a failed load of the blocked people is kept to be shown, not dropped', async () => {
    mocked.blocks.mockRejectedValueOnce(new ApiError(0, { title: 'Network error', detail: 'The server cannot be reached.' }));
    await started();
    expect(useBlocksStore().loadError).toBe('The server cannot be reached.');
  });

  it('on a new socket the list is asked for only after the server answered presence.update, which follows the register of user.<me>', async () => {
    // the bridge acts on a socket's frames in order, REST does not: a list read before the register
    // took effect could miss a conversation.created the socket was not yet there to hear
    let answer: () => void = () => {};
    bridge.open = async () => {
      const bus = new FakeBus()
        .on('chat.sync', () => ({ conversations: {} }))
        .on('presence.update', () => new Promise((resolve) => (answer = () => resolve({}))));
      buses.push(bus);
      return bus;
    };
    session = new RealtimeSession(ME);
    session.start();
    await vi.advanceTimersByTimeAsync(0);
    await settle(30);
    const bus = buses[0];
    expect([...bus.subscriptions.keys()]).toEqual([`user.${ME}`]);
    expect(bus.sent('presence.update')).toEqual([{ status: 'online' }]);
    expect(mocked.listConversations).not.toHaveBeenCalled();
    expect(bus.sent('chat.sync')).toEqual([]);
    answer();
    await settle(30);
    expect(mocked.listConversations).toHaveBeenCalledTimes(1);
  });

  it('a conversation announced after the list was synced is registered, then synced by itself: a message stored before the register shows', async () => {
    bridge.open = async () => {
      const bus = new FakeBus().on('chat.sync', (body: any) =>
        CONV in (body.positions ?? {}) ? { conversations: { [CONV]: { messages: [msg(1)], lastSeq: 1, hasMore: false } } } : { conversations: {} },
      );
      buses.push(bus);
      return bus;
    };
    const bus = await started();
    expect(bus.sent('chat.sync')).toEqual([]); // an empty list has nothing to sync
    bus.emit(`user.${ME}`, { type: 'conversation.created', conversation: { ...summary(), myStatus: 'invited' } });
    await settle(30);
    const register = bus.frames.indexOf(`register conversation.${CONV}`);
    const sync = bus.frames.lastIndexOf('send chat.sync');
    expect(register).toBeGreaterThan(-1);
    expect(sync).toBeGreaterThan(register);
    expect(bus.sent('chat.sync').at(-1)).toEqual({ positions: { [CONV]: 0 } });
    expect(useConversationListStore().summaries[CONV].lastMessage?.seq).toBe(1);
  });

  it('the conversations of the list registered on a new socket are synced once, by the sync of the whole list', async () => {
    mocked.listConversations.mockResolvedValue([summary()]);
    const bus = await started();
    expect(bus.frames).toContain(`register conversation.${CONV}`);
    expect(bus.sent('chat.sync')).toEqual([{ positions: { [CONV]: 0 } }]);
  });

  it('a refused presence.update is logged with what was asked, and the list is refreshed all the same', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    bridge.open = async () => {
      const bus = new FakeBus()
        .on('chat.sync', () => ({ conversations: {} }))
        .on('presence.update', () => {
          throw refused('RATE_LIMITED', 'retry after 1 s', 429);
        });
      buses.push(bus);
      return bus;
    };
    await started();
    expect(warn).toHaveBeenCalledWith('[thrume] presence.update failed:', expect.objectContaining({ code: 'RATE_LIMITED' }));
    expect(mocked.listConversations).toHaveBeenCalledTimes(1);
  });
});
