// A thread opened around an old message (a search result): a window into the past that knows it
// does not hold the newest page, so live messages only mark that newer ones exist (never placed
// after the window, which would leave a gap) until the reader pages forward or jumps to the latest.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

vi.mock('@/services/api', (original) => import('@/test/modules').then((m) => m.fakeApi(original)));

import { api } from '@/services/api';
import { onConversationEvent } from '@/services/dispatch';
import { useAuthStore } from '@/stores/auth';
import { useConversationListStore } from '@/stores/conversationList';
import { useMessagesStore } from '@/stores/messages';
import { useReadingStore } from '@/stores/reading';
import { CONV, ME, OTHER, msg, summary } from '@/test/fakes';

const mocked = vi.mocked(api);

/** Messages 1..n of CONV, paged as the server pages them. */
function serverWith(n: number) {
  const all = Array.from({ length: n }, (_, i) => msg(i + 1));
  mocked.messages.mockImplementation(async (_id, q = {}) => {
    if (q.afterSeq !== undefined) {
      const rest = all.filter((m) => m.seq > q.afterSeq!);
      const limit = q.limit ?? 50;
      return { messages: rest.slice(0, limit), hasMore: rest.length > limit };
    }
    const before = all.filter((m) => q.beforeSeq === undefined || m.seq < q.beforeSeq);
    const page = before.slice(-(q.limit ?? 50));
    return { messages: page, hasMore: before.length > page.length };
  });
  return all;
}

const seqs = () => useMessagesStore().threads[CONV].items.map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('a thread opened around an old message', () => {
  let messages: ReturnType<typeof useMessagesStore>;

  beforeEach(() => {
    localStorage.clear();
    vi.clearAllMocks();
    setActivePinia(createPinia());
    useAuthStore().session = { token: 't', expiresAt: '2099-01-01T00:00:00Z', account: { id: ME, username: 'me', displayName: 'Me' } };
    useConversationListStore().upsertConversation(summary({ lastSeq: 200 }));
    useReadingStore().setOpen(CONV);
    messages = useMessagesStore();
  });

  it('loads the page around the seq and knows that older and newer messages exist', async () => {
    serverWith(200);
    await messages.loadAround(CONV, 100);
    expect(mocked.messages).toHaveBeenCalledWith(CONV, { afterSeq: 75, limit: 50 });
    expect(seqs()).toEqual(range(76, 125));
    expect(messages.threads[CONV].hasOlder).toBe(true);
    expect(messages.threads[CONV].hasNewer).toBe(true);
  });

  it('a seq already held is not fetched again', async () => {
    serverWith(60);
    await messages.loadLatest(CONV);
    mocked.messages.mockClear();
    await messages.loadAround(CONV, 30);
    expect(mocked.messages).not.toHaveBeenCalled();
    expect(messages.threads[CONV].hasNewer).toBeFalsy();
  });

  it('a live message while in the past only marks that newer exist; paging forward reaches it in order, without gaps', async () => {
    const all = serverWith(200);
    await messages.loadAround(CONV, 100);
    const live = msg(201, OTHER);
    all.push(live);
    onConversationEvent(CONV, { type: 'message', message: live });
    expect(seqs()).toEqual(range(76, 125));
    expect(messages.threads[CONV].newerArrived).toBe(1);
    expect(useConversationListStore().summaries[CONV].lastSeq).toBe(201);

    for (let i = 0; i < 5 && messages.threads[CONV].hasNewer; i++) await messages.loadNewer(CONV);
    expect(messages.threads[CONV].hasNewer).toBe(false);
    expect(seqs()).toEqual(range(76, 201));
    // live again: the next message lands at the end
    const next = msg(202, OTHER);
    all.push(next);
    onConversationEvent(CONV, { type: 'message', message: next });
    expect(seqs().at(-1)).toBe(202);
  });

  it('a message that arrives while the last page forward is on its way is caught up', async () => {
    const all = serverWith(130);
    await messages.loadAround(CONV, 100);
    expect(messages.threads[CONV].hasNewer).toBe(true);
    const base = mocked.messages.getMockImplementation()!;
    mocked.messages.mockImplementationOnce(async (id, q) => {
      const page = await base(id, q);
      // committed after the page was read; its event arrives before the page does
      const late = msg(131, OTHER);
      all.push(late);
      onConversationEvent(CONV, { type: 'message', message: late });
      return page;
    });
    await messages.loadNewer(CONV);
    expect(messages.threads[CONV].hasNewer).toBe(false);
    expect(seqs()).toEqual(range(76, 131));
  });

  it('"jump to latest" drops the window for the latest page, with what arrived meanwhile', async () => {
    const all = serverWith(200);
    await messages.loadAround(CONV, 100);
    const live = msg(201, OTHER);
    all.push(live);
    onConversationEvent(CONV, { type: 'message', message: live });
    await messages.jumpToLatest(CONV);
    expect(messages.threads[CONV].hasNewer).toBe(false);
    expect(seqs()).toEqual(range(152, 201));
    expect(messages.threads[CONV].hasOlder).toBe(true);
  });

  it('reopening a conversation left in the past opens it at the latest page', async () => {
    serverWith(200);
    await messages.loadAround(CONV, 10);
    expect(seqs()[0]).toBe(1);
    await messages.loadLatest(CONV);
    expect(seqs()).toEqual(range(151, 200));
    expect(messages.threads[CONV].hasNewer).toBe(false);
  });

  it('the page around a recent message reaches the newest: the thread stays live', async () => {
    const all = serverWith(60);
    await messages.loadAround(CONV, 50);
    expect(messages.threads[CONV].hasNewer).toBe(false);
    expect(seqs()).toEqual(range(26, 60));
    const live = msg(61, OTHER);
    all.push(live);
    onConversationEvent(CONV, { type: 'message', message: live });
    expect(seqs().at(-1)).toBe(61);
  });
});
