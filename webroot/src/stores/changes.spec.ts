// Message changes in the stores: message.updated applied by changeSeq, the list's preview, the
// change counter and its sync (chat.sync with changes, paging), and the user's own changes
// (edit, delete, react: from the server's answer only), replies and the editor's state.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { effectScope } from 'vue';

vi.mock('@/services/api', (original) => import('@/test/modules').then((m) => m.fakeApi(original)));

import { api, ApiError } from '@/services/api';
import { onConversationEvent } from '@/services/dispatch';
import { useComposer } from '@/composables/composer';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useConversationListStore } from '@/stores/conversationList';
import { changeErrorText, excerptOf, MAX_REACTIONS, reactionAllowed, reactionCount, useMessageActionsStore } from '@/stores/messageActions';
import { useMessagesStore } from '@/stores/messages';
import { useOutboxStore } from '@/stores/outbox';
import { CONV, FakeBus, ME, OTHER, msg, refused, settle, summary } from '@/test/fakes';
import type { ChatSyncReply, Message } from '@/types/contract';

const mocked = vi.mocked(api);

/** A changed state of message `seq` with the given changeSeq. */
function changed(seq: number, changeSeq: number, extra: Partial<Message> = {}, sender = OTHER): Message {
  return msg(seq, sender, { changeSeq, editedAt: '2026-01-01T01:00:00.000Z', content: `edit ${changeSeq}`, ...extra });
}

const updated = (m: Message) => onConversationEvent(CONV, { type: 'message.updated', message: m });
const contents = () => useMessagesStore().threads[CONV].items.map((m) => m.content);

async function connect(bus: FakeBus) {
  const connection = useConnectionStore();
  connection.configure({ open: async () => bus });
  connection.start();
  await settle();
  expect(connection.status).toBe('Connected');
}

describe('message changes in the stores', () => {
  let list: ReturnType<typeof useConversationListStore>;
  let messages: ReturnType<typeof useMessagesStore>;
  let actions: ReturnType<typeof useMessageActionsStore>;

  beforeEach(() => {
    localStorage.clear();
    vi.clearAllMocks();
    setActivePinia(createPinia());
    useAuthStore().session = { token: 't', expiresAt: '2099-01-01T00:00:00Z', account: { id: ME, username: 'me', displayName: 'Me' } };
    list = useConversationListStore();
    messages = useMessagesStore();
    actions = useMessageActionsStore();
    list.upsertConversation(summary({ lastSeq: 3 }));
  });

  /** The thread holds messages 1..3 (3 is mine); the server's change counter is `counter`. */
  async function loaded(counter = 0) {
    mocked.changes.mockResolvedValueOnce({ messages: [], lastChange: counter, hasMore: false });
    mocked.messages.mockResolvedValueOnce({ messages: [msg(1), msg(2), msg(3, ME)], hasMore: false });
    await messages.loadLatest(CONV);
    mocked.changes.mockClear();
  }

  it('message.updated replaces the held message by seq; an update not newer than the one held is ignored', async () => {
    await loaded(4);
    updated(changed(2, 6));
    expect(contents()).toEqual(['message 1', 'edit 6', 'message 3']);
    // an older state arriving late (events in any order) changes nothing
    updated(changed(2, 5));
    updated(changed(2, 6, { content: 'same number' }));
    expect(contents()).toEqual(['message 1', 'edit 6', 'message 3']);
    expect(messages.threads[CONV].items).toHaveLength(3);
  });

  it('an update of a seq not held yet is kept until the message arrives, and wins over its older state', async () => {
    await loaded(0);
    updated(changed(4, 1, { content: 'edited before it arrived' }));
    expect(messages.threads[CONV].items).toHaveLength(3);
    onConversationEvent(CONV, { type: 'message', message: msg(4) });
    expect(contents()).toEqual(['message 1', 'message 2', 'message 3', 'edited before it arrived']);
    // a page answered before a change does not bring the old text back
    messages.ingest(CONV, [msg(4)]);
    expect(contents()[3]).toBe('edited before it arrived');
  });

  it('a page or sync bringing a newer state of a held message replaces it', async () => {
    await loaded(0);
    messages.ingest(CONV, [changed(1, 3, { content: 'newer' }), msg(2)]);
    expect(contents()).toEqual(['newer', 'message 2', 'message 3']);
  });

  it('the list preview follows a change of the last message (a deletion included); other messages leave it', async () => {
    await loaded(0);
    expect(list.summaries[CONV].lastMessage?.seq).toBe(3);
    updated(changed(2, 1));
    expect(list.summaries[CONV].lastMessage?.content).toBe('message 3');
    updated(changed(3, 2, { content: '', deletedAt: '2026-01-01T02:00:00.000Z', reactions: {} }, ME));
    expect(list.summaries[CONV].lastMessage?.deletedAt).toBe('2026-01-01T02:00:00.000Z');
    expect(messages.threads[CONV].items[2].deletedAt).toBeTruthy();
  });

  it('a refreshed list answered before a change heard live keeps the changed preview', async () => {
    list.upsertConversation(summary({ lastSeq: 5, lastMessage: msg(5) }));
    updated(changed(5, 2, { content: 'edited live' }));
    mocked.listConversations.mockResolvedValueOnce([summary({ lastSeq: 5, lastMessage: changed(5, 1, { content: 'older' }) })]);
    await list.refreshList();
    expect(list.summaries[CONV].lastMessage?.content).toBe('edited live');
    mocked.listConversations.mockResolvedValueOnce([summary({ lastSeq: 5, lastMessage: changed(5, 3, { content: 'newer' }) })]);
    await list.refreshList();
    expect(list.summaries[CONV].lastMessage?.content).toBe('newer');
  });

  it('a conversation whose thread is not loaded: the preview follows, nothing else is held', () => {
    list.upsertConversation(summary({ lastSeq: 5, lastMessage: msg(5) }));
    updated(changed(5, 1, { content: 'edited preview' }));
    expect(list.summaries[CONV].lastMessage?.content).toBe('edited preview');
    expect(messages.threads[CONV]).toBeUndefined();
  });

  it('the counter is asked before the first page; consecutive events move it, a skipped number asks chat.sync for the changes after it', async () => {
    await loaded(4);
    expect(messages.lastChange[CONV]).toBe(4);
    const bus = new FakeBus().on('chat.sync', (): ChatSyncReply => ({
      conversations: { [CONV]: { messages: [], hasMore: false, lastSeq: 3, changed: [changed(1, 6), changed(2, 7)], changedHasMore: false, lastChange: 7 } },
    }));
    await connect(bus);
    updated(changed(3, 5, {}, ME));
    expect(messages.lastChange[CONV]).toBe(5);
    expect(bus.sent('chat.sync')).toEqual([]);
    // 6 was missed: 7 shows it
    updated(changed(2, 7));
    await settle();
    expect(bus.sent('chat.sync')).toEqual([{ positions: {}, changes: { [CONV]: 5 } }]);
    expect(contents()).toEqual(['edit 6', 'edit 7', 'edit 5']);
    expect(messages.lastChange[CONV]).toBe(7);
  });

  it('the skipped-number catch-up pages while hasMore (REST when not connected)', async () => {
    await loaded(0);
    mocked.changes
      .mockResolvedValueOnce({ messages: [changed(1, 1), changed(2, 2)], lastChange: 9, hasMore: true })
      .mockResolvedValueOnce({ messages: [changed(3, 9, {}, ME)], lastChange: 9, hasMore: false });
    updated(changed(1, 9, { content: 'edit 1' }));
    await vi.waitFor(() => expect(messages.lastChange[CONV]).toBe(9));
    expect(mocked.changes.mock.calls.map((c) => c[1])).toEqual([0, 2]);
    expect(contents()).toEqual(['edit 1', 'edit 2', 'edit 9']);
  });

  it('on reconnect chat.sync carries changes from the held counter for loaded threads, pages while changedHasMore, and converges', async () => {
    await loaded(2);
    const other = '22222222-2222-4222-8222-222222222222';
    list.upsertConversation(summary({ id: other, lastSeq: 7 }));
    const pages: ChatSyncReply[] = [
      {
        conversations: {
          [CONV]: { messages: [msg(4)], hasMore: false, lastSeq: 4, changed: [changed(1, 3), changed(4, 4)], changedHasMore: true, lastChange: 6 },
          [other]: { messages: [], hasMore: false, lastSeq: 7 },
        },
      },
      {
        conversations: {
          [CONV]: { messages: [], hasMore: false, lastSeq: 4, changed: [changed(2, 6, { content: '', deletedAt: '2026-01-01T02:00:00.000Z' })], changedHasMore: false, lastChange: 6 },
        },
      },
    ];
    const bus = new FakeBus().on('chat.sync', () => pages.shift());
    await connect(bus);
    await messages.syncAll();
    expect(bus.sent('chat.sync')).toEqual([
      { positions: { [CONV]: 3, [other]: 7 }, changes: { [CONV]: 2 } },
      { positions: {}, changes: { [CONV]: 4 } },
    ]);
    const items = messages.threads[CONV].items;
    expect(items.map((m) => [m.seq, m.content, m.changeSeq ?? 0])).toEqual([
      [1, 'edit 3', 3],
      [2, '', 6],
      [3, 'message 3', 0],
      [4, 'edit 4', 4],
    ]);
    expect(messages.lastChange[CONV]).toBe(6);
    expect(messages.lastChange[other]).toBeUndefined();
  });

  it('edit: over chat.edit, the answer applied; refused (not the sender, 403), nothing changes and the reason shows', async () => {
    await loaded(0);
    const bus = new FakeBus().on('chat.edit', (b: any) => changed(b.seq, 1, { content: b.content }, ME));
    await connect(bus);
    const mine = messages.threads[CONV].items[2];
    expect(actions.startEdit(mine)).toBe(true);
    expect(await actions.saveEdit(mine, 'better')).toBe(true);
    expect(bus.sent('chat.edit')).toEqual([{ conversationId: CONV, seq: 3, content: 'better' }]);
    expect(contents()[2]).toBe('better');
    expect(actions.editing).toBeNull();

    bus.on('chat.edit', () => {
      throw refused('FORBIDDEN', 'only its sender may edit a message', 403);
    });
    const theirs = messages.threads[CONV].items[0];
    expect(actions.startEdit(theirs)).toBe(false); // not offered
    expect(await actions.saveEdit(theirs, 'hijacked')).toBe(false);
    expect(contents()[0]).toBe('message 1');
    expect(actions.failure).toEqual({ conversationId: CONV, seq: 1, text: 'Could not save the edit: only its sender may edit a message.' });
  });

  it('edit: empty, too long or unchanged text sends nothing', async () => {
    await loaded(0);
    const bus = new FakeBus();
    await connect(bus);
    const mine = messages.threads[CONV].items[2];
    actions.startEdit(mine);
    expect(await actions.saveEdit(mine, '  ')).toBe(false);
    expect(actions.failure?.text).toMatch(/cannot be empty/);
    expect(await actions.saveEdit(mine, 'x'.repeat(4001))).toBe(false);
    expect(actions.failure?.text).toMatch(/at most 4000 characters \(this one has 4001\)/);
    expect(actions.editing).not.toBeNull();
    expect(await actions.saveEdit(mine, mine.content)).toBe(true);
    expect(actions.editing).toBeNull();
    expect(bus.sent('chat.edit')).toEqual([]);
  });

  it('delete and react go over REST when not connected; a refusal (409) changes nothing', async () => {
    await loaded(0);
    const mine = messages.threads[CONV].items[2];
    mocked.deleteMessage.mockResolvedValueOnce(changed(3, 1, { content: '', deletedAt: '2026-01-01T02:00:00.000Z', reactions: {} }, ME));
    expect(await actions.remove(mine)).toBe(true);
    expect(mocked.deleteMessage).toHaveBeenCalledWith(CONV, 3);
    expect(messages.threads[CONV].items[2].deletedAt).toBeTruthy();
    // a tombstone can be neither edited nor answered
    expect(actions.canChange(messages.threads[CONV].items[2])).toBe(false);
    actions.startReply(messages.threads[CONV].items[2]);
    expect(actions.replyTo[CONV]).toBeUndefined();

    mocked.react.mockRejectedValueOnce(new ApiError(409, { status: 409, detail: 'a deleted message takes no reactions' }));
    expect(await actions.react(messages.threads[CONV].items[2], '👍', true)).toBe(false);
    expect(actions.failure?.text).toBe('Could not react with 👍: a deleted message takes no reactions.');
    expect(messages.threads[CONV].items[2].reactions ?? {}).toEqual({});
  });

  it('reactions toggle: a chip of the user\'s own takes it back (on: false), another adds it', async () => {
    await loaded(0);
    const bus = new FakeBus().on('chat.react', (b: any) => changed(b.seq, b.on ? 1 : 2, { content: 'message 1', reactions: b.on ? { '👍': [OTHER, ME] } : { '👍': [OTHER] } }));
    await connect(bus);
    const m = () => messages.threads[CONV].items[0];
    expect(actions.reacted(m(), '👍')).toBe(false);
    await actions.toggleReaction(m(), '👍');
    expect(m().reactions).toEqual({ '👍': [OTHER, ME] });
    expect(actions.reacted(m(), '👍')).toBe(true);
    await actions.toggleReaction(m(), '👍');
    expect(bus.sent('chat.react')).toEqual([
      { conversationId: CONV, seq: 1, emoji: '👍', on: true },
      { conversationId: CONV, seq: 1, emoji: '👍', on: false },
    ]);
    expect(m().reactions).toEqual({ '👍': [OTHER] });
    // the event of the first change, arriving after both answers, is old news
    updated(changed(1, 1, { content: 'message 1', reactions: { '👍': [OTHER, ME] } }));
    expect(m().reactions).toEqual({ '👍': [OTHER] });
  });

  it('at 20 different reactions a new emoji is not offered nor sent; one already there still toggles', async () => {
    await loaded(0);
    const twenty = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [String.fromCodePoint(0x1f345 + i), [OTHER]]));
    const full = { ...twenty, '❤️': [OTHER] };
    const bus = new FakeBus().on('chat.react', (b: any) => changed(b.seq, 1, { content: 'message 1', reactions: { ...full, '❤️': [OTHER, ME] } }));
    await connect(bus);
    updated(changed(1, 1, { content: 'message 1', reactions: full }));
    const m = () => messages.threads[CONV].items[0];
    expect(reactionCount(m())).toBe(MAX_REACTIONS);
    expect(reactionAllowed(m(), '👍')).toBe(false);
    expect(reactionAllowed(m(), '❤️')).toBe(true);
    expect(await actions.react(m(), '👍', true)).toBe(false);
    expect(bus.sent('chat.react')).toEqual([]);
    expect(actions.failure?.text).toBe('Could not react with 👍: a message takes at most 20 different reactions.');
    expect(await actions.toggleReaction(m(), '❤️')).toBe(true);
    expect(bus.sent('chat.react')).toEqual([{ conversationId: CONV, seq: 1, emoji: '❤️', on: true }]);
    // a reaction everybody took back leaves room again
    expect(reactionAllowed(msg(5, OTHER, { reactions: { ...twenty, '❤️': [] } }), '👍')).toBe(true);
  });

  it('reply: the composer sends replyToSeq with the message, then the quote goes away; Up edits the last own message', async () => {
    await loaded(0);
    actions.startReply(messages.threads[CONV].items[0]);
    expect(actions.replyTo[CONV]?.seq).toBe(1);
    const scope = effectScope();
    const composer = scope.run(() => useComposer(CONV))!;
    composer.text.value = 'an answer';
    expect(composer.send()).toBe(true);
    scope.stop();
    expect(useOutboxStore().forConversation(CONV).map((e) => [e.content, e.replyToSeq])).toEqual([['an answer', 1]]);
    expect(actions.replyTo[CONV]).toBeUndefined();

    // the last own message is the one not sent yet: Up edits it in the outbox
    const queued = useOutboxStore().forConversation(CONV)[0];
    expect(actions.editLast(CONV)).toBe(true);
    expect(actions.editing).toEqual({ conversationId: CONV, seq: null, clientMessageId: queued.clientMessageId, from: 'composer' });
    actions.discardQueued(queued.clientMessageId);
    expect(actions.editing).toBeNull();
    // then the last stored one
    expect(actions.editLast(CONV)).toBe(true);
    expect(actions.editing).toEqual({ conversationId: CONV, seq: 3, from: 'composer' });
  });

  it('a message still in the outbox: edited in the queue (empty refused unless it has files), deleted without a request', async () => {
    await loaded(0);
    const outbox = useOutboxStore();
    const entry = outbox.enqueue(CONV, 'writen offline');
    expect(actions.startEditQueued(entry)).toBe(true);
    expect(outbox.isHeld(entry.clientMessageId)).toBe(true);
    expect(actions.saveQueued(entry, '   ')).toBe(false);
    expect(actions.failure).toMatchObject({ clientMessageId: entry.clientMessageId, text: 'A message cannot be empty: delete it instead.' });
    expect(actions.saveQueued(entry, 'written offline')).toBe(true);
    expect(actions.editing).toBeNull();
    expect(outbox.isHeld(entry.clientMessageId)).toBe(false);
    expect(outbox.find(entry.clientMessageId)?.content).toBe('written offline');
    expect(mocked.editMessage).not.toHaveBeenCalled();

    const withFile = outbox.enqueue(CONV, 'see attached', undefined, [{ id: 'f1', name: 'a.txt', size: 1, contentType: 'text/plain', url: '/x' }]);
    actions.startEditQueued(withFile);
    expect(actions.saveQueued(withFile, '')).toBe(true);
    expect(outbox.find(withFile.clientMessageId)?.content).toBe('');

    actions.startEditQueued(entry);
    actions.discardQueued(entry.clientMessageId);
    expect(actions.editing).toBeNull();
    expect(outbox.find(entry.clientMessageId)).toBeUndefined();
    expect(mocked.deleteMessage).not.toHaveBeenCalled();
  });

  it('texts: a rate limit says when to try again; excerpts count code points', () => {
    expect(changeErrorText('react with 👍', refused('RATE_LIMITED', 'retry after 3 s', 429))).toBe(
      'Could not react with 👍: too many changes at once; try again in 3 s.',
    );
    expect(excerptOf('😀'.repeat(101))).toBe(`${'😀'.repeat(100)}…`);
    expect(excerptOf('a\n  b')).toBe('a b');
  });
});
