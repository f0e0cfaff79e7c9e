import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

vi.mock('@/services/api', (original) => import('@/test/modules').then((m) => m.fakeApi(original)));

import { api } from '@/services/api';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { messageRows } from '@/composables/messageRows';
import { onConversationEvent } from '@/services/dispatch';
import { useConversationListStore } from '@/stores/conversationList';
import { useMessagesStore } from '@/stores/messages';
import { useReadingStore } from '@/stores/reading';
import { useReceiptsStore } from '@/stores/receipts';
import { useOutboxStore } from '@/stores/outbox';
import { CONV, FakeBus, ME, OTHER, msg, refused, settle, summary } from '@/test/fakes';
import type { ChatSyncReply, ConversationSummary, Message } from '@/types/contract';

const mocked = vi.mocked(api);

/** What the server holds: messages 1..n of CONV; answers REST pages and chat.sync like Thrume. */
function serverWith(n: number) {
  const all = Array.from({ length: n }, (_, i) => msg(i + 1));
  const after = (seq: number, limit: number) => {
    const rest = all.filter((m) => m.seq > seq);
    return { messages: rest.slice(0, limit), hasMore: rest.length > limit };
  };
  mocked.messages.mockImplementation(async (_id, q = {}) => {
    if (q.afterSeq !== undefined) return after(q.afterSeq, q.limit ?? 50);
    const before = all.filter((m) => q.beforeSeq === undefined || m.seq < q.beforeSeq);
    const page = before.slice(-(q.limit ?? 50));
    return { messages: page, hasMore: before.length > page.length };
  });
  const sync = (body: any): ChatSyncReply => {
    const conversations: ChatSyncReply['conversations'] = {};
    for (const [id, seq] of Object.entries(body.positions as Record<string, number>)) {
      conversations[id] = { ...after(seq, 100), lastSeq: all.length };
    }
    return { conversations };
  };
  return { all, sync };
}

async function connect(bus: FakeBus) {
  const connection = useConnectionStore();
  connection.configure({ open: async () => bus });
  connection.start();
  await settle();
  expect(connection.status).toBe('Connected');
}

describe('messages, the list, receipts and reading of one conversation', () => {
  let list: ReturnType<typeof useConversationListStore>;
  let messages: ReturnType<typeof useMessagesStore>;
  let receipts: ReturnType<typeof useReceiptsStore>;
  let reading: ReturnType<typeof useReadingStore>;

  beforeEach(() => {
    localStorage.clear();
    vi.clearAllMocks();
    setActivePinia(createPinia());
    useAuthStore().session = { token: 't', expiresAt: '2099-01-01T00:00:00Z', account: { id: ME, username: 'me', displayName: 'Me' } };
    list = useConversationListStore();
    messages = useMessagesStore();
    receipts = useReceiptsStore();
    reading = useReadingStore();
    list.upsertConversation(summary());
  });

  // A test's stores outlive it: a read timer it left (real, 250 ms) would fire during a later
  // test and, through the stores of the later test's pinia (the active one), send that test a
  // chat.read of its own (seen under load in "acknowledges delivery…"). End that work here.
  afterEach(() => {
    vi.useRealTimers();
    reading.reset();
    useConnectionStore().stop();
  });

  it('dedups by id: the same message from a page, a live event and a sync is held once', async () => {
    const server = serverWith(3);
    await messages.loadLatest(CONV);
    onConversationEvent(CONV, { type: 'message', message: server.all[2] });
    messages.ingest(CONV, [server.all[1], server.all[2]]);
    expect(messages.threads[CONV].items.map((m) => m.id)).toEqual(['m-1', 'm-2', 'm-3']);
  });

  it('orders by seq when live events arrive out of order', async () => {
    serverWith(0);
    await messages.loadLatest(CONV);
    mocked.messages.mockResolvedValue({ messages: [], hasMore: false });
    for (const seq of [1, 3, 2]) onConversationEvent(CONV, { type: 'message', message: msg(seq) });
    await settle();
    expect(messages.threads[CONV].items.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('gap detection: a skipped seq fetches what is missing (REST afterSeq when offline)', async () => {
    const server = serverWith(2);
    await messages.loadLatest(CONV);
    server.all.push(msg(3), msg(4), msg(5));
    mocked.messages.mockClear();
    onConversationEvent(CONV, { type: 'message', message: msg(5) });
    await vi.waitFor(() => expect(messages.threads[CONV].items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]));
    expect(mocked.messages).toHaveBeenCalledWith(CONV, { afterSeq: 2, limit: 200 });
  });

  it('gap detection: by chat.sync when connected', async () => {
    const server = serverWith(2);
    const bus = new FakeBus().on('chat.sync', (b) => server.sync(b));
    await connect(bus);
    await messages.loadLatest(CONV);
    server.all.push(msg(3), msg(4));
    bus.requests.length = 0;
    mocked.messages.mockClear();
    onConversationEvent(CONV, { type: 'message', message: msg(4) });
    await vi.waitFor(() => expect(messages.threads[CONV].items.map((m) => m.seq)).toEqual([1, 2, 3, 4]));
    expect(bus.sent('chat.sync')).toEqual([{ positions: { [CONV]: 2 } }]);
    expect(mocked.messages).not.toHaveBeenCalled();
  });

  it('on reconnect, chat.sync from the last seq known per conversation; missed messages merged once, in order', async () => {
    const server = serverWith(3);
    const other = '22222222-2222-4222-8222-222222222222';
    list.upsertConversation(summary({ id: other, lastSeq: 7 }));
    const bus = new FakeBus().on('chat.sync', (b: any) => {
      const reply = server.sync({ positions: { [CONV]: b.positions[CONV] } });
      if (other in b.positions) reply.conversations[other] = { messages: [msg(8, OTHER, { id: 'o-8', conversationId: other })], hasMore: false, lastSeq: 8 };
      return reply;
    });
    await messages.loadLatest(CONV);
    server.all.push(...Array.from({ length: 150 }, (_, i) => msg(i + 4))); // 150 missed: two sync pages
    await connect(bus);
    await messages.syncAll();
    expect(bus.sent('chat.sync')).toEqual([{ positions: { [CONV]: 3, [other]: 7 }, changes: { [CONV]: 0 } }, { positions: { [CONV]: 103 } }]);
    const seqs = messages.threads[CONV].items.map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 153 }, (_, i) => i + 1));
    // a second sync (another reconnect) brings nothing twice
    await messages.syncAll();
    expect(messages.threads[CONV].items).toHaveLength(153);
    // the conversation not loaded only got its summary updated
    expect(list.summaries[other].lastMessage?.id).toBe('o-8');
    expect(list.summaries[other].unreadCount).toBe(1);
  });

  it('a sync refused as RATE_LIMITED waits the retry-after, then asks again', async () => {
    const server = serverWith(3);
    let refusals = 1;
    const bus = new FakeBus().on('chat.sync', (b: any) => {
      if (refusals-- > 0) throw refused('RATE_LIMITED', 'retry after 2 s', 429);
      return server.sync(b);
    });
    await messages.loadLatest(CONV);
    server.all.push(msg(4));
    await connect(bus);
    vi.useFakeTimers();
    try {
      const done = messages.syncAll();
      await vi.advanceTimersByTimeAsync(1900);
      expect(bus.sent('chat.sync')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(200);
      await done;
    } finally {
      vi.useRealTimers();
    }
    expect(bus.sent('chat.sync')).toHaveLength(2);
    expect(messages.threads[CONV].items.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('older history pages in before the oldest message held', async () => {
    serverWith(120);
    await messages.loadLatest(CONV);
    expect(messages.threads[CONV].items.map((m) => m.seq)[0]).toBe(71);
    expect(messages.threads[CONV].hasOlder).toBe(true);
    expect(await messages.loadOlder(CONV)).toBe(50);
    expect(await messages.loadOlder(CONV)).toBe(20);
    expect(messages.threads[CONV].hasOlder).toBe(false);
    expect(messages.threads[CONV].items.map((m) => m.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it('unread: counts new messages from others unless the conversation is open and visible', async () => {
    serverWith(0);
    await messages.loadLatest(CONV);
    onConversationEvent(CONV, { type: 'message', message: msg(1) });
    onConversationEvent(CONV, { type: 'message', message: msg(2, ME) });
    onConversationEvent(CONV, { type: 'message', message: msg(3) });
    expect(list.summaries[CONV].unreadCount).toBe(2);
    expect(list.ordered[0].lastMessage?.seq).toBe(3);
    list.setUnread(CONV, 0); // an `unread` event from another device of ours
    expect(list.summaries[CONV].unreadCount).toBe(0);
    reading.setOpen(CONV);
    onConversationEvent(CONV, { type: 'message', message: msg(4) });
    expect(list.summaries[CONV].unreadCount).toBe(0);
  });

  it('a list answer older than a message that arrived meanwhile keeps that message\'s unread count', async () => {
    let answer: (list: ConversationSummary[]) => void = () => {};
    mocked.listConversations.mockImplementation(() => new Promise((resolve) => (answer = resolve)));
    const refreshing = list.refreshList();
    onConversationEvent(CONV, { type: 'message', message: msg(1) }); // live, before the answer
    answer([summary()]); // the server's snapshot from before it: nothing unread, no message
    await refreshing;
    expect(list.summaries[CONV].lastMessage?.seq).toBe(1);
    expect(list.summaries[CONV].unreadCount).toBe(1);
    // an answer that knows the message is taken as it is
    mocked.listConversations.mockResolvedValueOnce([summary({ lastSeq: 1, lastMessage: msg(1), unreadCount: 0 })]);
    await list.refreshList();
    expect(list.summaries[CONV].unreadCount).toBe(0);
  });

  it('a list answer that knows some messages and not one heard live before it counts them all', async () => {
    // the list was read before 6 and 7 were sent; 8 comes live before the next answer, which knows 7
    list.upsertConversation(summary({ lastSeq: 5, lastMessage: msg(5), unreadCount: 0 }));
    onConversationEvent(CONV, { type: 'message', message: msg(8) });
    expect(list.summaries[CONV].unreadCount).toBe(1);
    mocked.listConversations.mockResolvedValueOnce([summary({ lastSeq: 7, lastMessage: msg(7), unreadCount: 2 })]);
    await list.refreshList();
    expect(list.summaries[CONV].lastMessage?.seq).toBe(8);
    expect(list.summaries[CONV].unreadCount).toBe(3);
    // the next answer knows 8: its count is taken as it is, nothing added twice
    mocked.listConversations.mockResolvedValueOnce([summary({ lastSeq: 8, lastMessage: msg(8), unreadCount: 3 })]);
    await list.refreshList();
    expect(list.summaries[CONV].unreadCount).toBe(3);
    // read here meanwhile: a message heard live and then read is not added to an older answer's count
    onConversationEvent(CONV, { type: 'message', message: msg(9) });
    list.summaries[CONV].unreadCount = 0; // what opening it does (stores/reading.ts)
    mocked.listConversations.mockResolvedValueOnce([summary({ lastSeq: 8, lastMessage: msg(8), unreadCount: 0 })]);
    await list.refreshList();
    expect(list.summaries[CONV].unreadCount).toBe(0);
  });

  it('a message event published again (a repeated send) changes nothing: held once, counted unread once', async () => {
    serverWith(0);
    await messages.loadLatest(CONV);
    onConversationEvent(CONV, { type: 'message', message: msg(1) });
    onConversationEvent(CONV, { type: 'message', message: msg(2) });
    onConversationEvent(CONV, { type: 'message', message: msg(1) });
    onConversationEvent(CONV, { type: 'message', message: msg(2) });
    expect(messages.threads[CONV].items.map((m) => m.seq)).toEqual([1, 2]);
    expect(list.summaries[CONV].unreadCount).toBe(2);
    expect(list.ordered[0].lastMessage?.seq).toBe(2);
  });

  it('delivery state of own messages: sent → delivered → read, from receipts of the others', async () => {
    serverWith(0);
    await messages.loadLatest(CONV);
    const mine: Message = msg(1, ME);
    messages.ingest(CONV, [mine, msg(2, ME)]);
    expect(receipts.deliveryState(CONV, mine)).toBe('sent');
    onConversationEvent(CONV, { type: 'delivered', userId: OTHER, seq: 1 });
    expect(receipts.deliveryState(CONV, mine)).toBe('delivered');
    expect(receipts.deliveryState(CONV, msg(2, ME))).toBe('sent');
    onConversationEvent(CONV, { type: 'read', userId: ME, seq: 2 }); // our own read marker tells nothing
    expect(receipts.deliveryState(CONV, msg(2, ME))).toBe('sent');
    onConversationEvent(CONV, { type: 'read', userId: OTHER, seq: 2 });
    expect(receipts.deliveryState(CONV, mine)).toBe('read');
    expect(receipts.deliveryState(CONV, msg(2, ME))).toBe('read');
    // someone who wrote after a message has read it (sending moves the sender's read marker)
    messages.ingest(CONV, [msg(3, ME), msg(4, OTHER)]);
    expect(receipts.deliveryState(CONV, msg(3, ME))).toBe('read');
  });

  it('rows: stored messages by seq, then own messages still in the outbox (pending/failed)', async () => {
    serverWith(1);
    await messages.loadLatest(CONV);
    const outbox = useOutboxStore();
    outbox.load(ME);
    outbox.configure({ send: () => new Promise(() => {}), onSent: () => {}, canSend: () => false });
    const queued = outbox.enqueue(CONV, 'offline words');
    const rows = messageRows(CONV);
    expect(rows.map((r) => [r.kind, r.state])).toEqual([
      ['message', null],
      ['pending', 'pending'],
    ]);
    // the live event of our own message (same clientMessageId) replaces the pending row
    onConversationEvent(CONV, { type: 'message', message: msg(2, ME, { clientMessageId: queued.clientMessageId }) });
    expect(messageRows(CONV).map((r) => r.kind)).toEqual(['message', 'message']);
    expect(outbox.entries).toEqual([]);
  });

  it('acknowledges delivery and reads the open conversation over the bridge', async () => {
    serverWith(2);
    const bus = new FakeBus().on('chat.read', (b: any) => ({ conversationId: b.conversationId, readSeq: b.seq, unreadCount: 0 }));
    await connect(bus);
    vi.useFakeTimers();
    try {
      reading.setOpen(CONV);
      await messages.loadLatest(CONV);
      await vi.advanceTimersByTimeAsync(300);
      expect(bus.sent('chat.delivered')).toEqual([{ conversationId: CONV, seq: 2 }]);
      expect(bus.sent('chat.read')).toEqual([{ conversationId: CONV, seq: 2 }]);
      reading.setVisible(false);
      onConversationEvent(CONV, { type: 'message', message: msg(3) });
      await vi.advanceTimersByTimeAsync(300);
      expect(bus.sent('chat.read')).toHaveLength(1); // hidden: delivered, not read
      expect(bus.sent('chat.delivered').at(-1)).toEqual({ conversationId: CONV, seq: 3 });
      reading.setVisible(true);
      await vi.advanceTimersByTimeAsync(300);
      expect(bus.sent('chat.read').at(-1)).toEqual({ conversationId: CONV, seq: 3 });
    } finally {
      vi.useRealTimers();
    }
  });
});
