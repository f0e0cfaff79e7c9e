import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useOutboxStore, type OutboxEntry } from '@/stores/outbox';
import { NotConnectedError } from '@/services/eventBus';
import { CONV, ME, msg, refused, settle } from '@/test/fakes';
import type { Message } from '@/types/contract';

/** A server that stores each clientMessageId once, like Thrume's. */
function fakeServer() {
  const stored = new Map<string, Message>();
  const calls: OutboxEntry[] = [];
  let seq = 0;
  return {
    stored,
    calls,
    send: async (entry: OutboxEntry): Promise<Message> => {
      calls.push(entry);
      const known = stored.get(entry.clientMessageId);
      if (known) return known;
      const m = msg(++seq, ME, { id: `stored-${seq}`, content: entry.content, clientMessageId: entry.clientMessageId });
      stored.set(entry.clientMessageId, m);
      return m;
    },
  };
}

describe('outbox (offline send queue)', () => {
  let online: boolean;
  let sentBack: Message[];
  let server: ReturnType<typeof fakeServer>;

  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
    online = false;
    sentBack = [];
    server = fakeServer();
  });

  function setUp(send: (e: OutboxEntry) => Promise<Message> = server.send, schedule?: (fn: () => void, ms: number) => unknown) {
    const outbox = useOutboxStore();
    outbox.load(ME);
    outbox.configure({
      send: (e) => (online ? send(e) : Promise.reject(new NotConnectedError())),
      onSent: (m) => sentBack.push(m),
      canSend: () => online,
      schedule: schedule ?? (() => undefined),
    });
    return outbox;
  }

  it('keeps messages typed offline queued (pending), with a clientMessageId each', async () => {
    const outbox = setUp();
    const a = outbox.enqueue(CONV, 'first');
    const b = outbox.enqueue(CONV, 'second');
    await settle();
    expect(server.calls).toEqual([]);
    expect(outbox.forConversation(CONV).map((e) => [e.content, e.state])).toEqual([
      ['first', 'queued'],
      ['second', 'queued'],
    ]);
    expect(a.clientMessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.clientMessageId).not.toBe(b.clientMessageId);
  });

  it('sends them once, in order, with the same clientMessageId, when the connection is back', async () => {
    const outbox = setUp();
    const a = outbox.enqueue(CONV, 'first');
    const b = outbox.enqueue(CONV, 'second');
    online = true;
    // reconnection and a user action may both flush at once: still one send per message
    await Promise.all([outbox.flush(), outbox.flush(), outbox.flush()]);
    await settle();
    expect(server.calls.map((c) => c.clientMessageId)).toEqual([a.clientMessageId, b.clientMessageId]);
    expect(server.stored.size).toBe(2);
    expect(sentBack.map((m) => m.content)).toEqual(['first', 'second']);
    expect(outbox.entries).toEqual([]);
  });

  it('a send whose answer was lost is sent again with the same clientMessageId: stored once', async () => {
    let first = true;
    const outbox = setUp(async (e) => {
      const m = await server.send(e);
      if (first) {
        first = false;
        throw new NotConnectedError('lost before the answer came'); // stored, but we never heard
      }
      return m;
    });
    online = true;
    const a = outbox.enqueue(CONV, 'hello');
    await settle();
    expect(outbox.find(a.clientMessageId)?.state).toBe('queued');
    await outbox.flush();
    expect(server.calls.map((c) => c.clientMessageId)).toEqual([a.clientMessageId, a.clientMessageId]);
    expect(server.stored.size).toBe(1);
    expect(outbox.entries).toEqual([]);
    expect(sentBack).toHaveLength(1);
  });

  it('a refused message is shown failed; retry sends it with the same clientMessageId', async () => {
    let refuse = true;
    const outbox = setUp(async (e) => {
      if (refuse) throw refused('INVALID', 'content must hold a non-blank character');
      return server.send(e);
    });
    online = true;
    const a = outbox.enqueue(CONV, 'bad at first');
    const b = outbox.enqueue(CONV, 'after it');
    await settle(20);
    expect(outbox.find(a.clientMessageId)).toMatchObject({ state: 'failed', error: 'content must hold a non-blank character' });
    // a failed message does not block the ones after it
    expect(outbox.find(b.clientMessageId)?.state).toBe('failed');
    refuse = false;
    outbox.retry(a.clientMessageId);
    await settle(20);
    expect(outbox.find(a.clientMessageId)).toBeUndefined();
    expect([...server.stored.keys()]).toEqual([a.clientMessageId]);
    expect(outbox.find(b.clientMessageId)?.state).toBe('failed');
  });

  it('rate limited: stays queued and is tried again after the server\'s retry-after', async () => {
    let limited = true;
    const waits: number[] = [];
    let again: (() => void) | null = null;
    const outbox = setUp(
      async (e) => {
        if (limited) throw refused('RATE_LIMITED', 'retry after 3 s', 429);
        return server.send(e);
      },
      (fn, ms) => {
        waits.push(ms);
        again = fn;
      },
    );
    online = true;
    const a = outbox.enqueue(CONV, 'slow down');
    await settle(20);
    expect(outbox.find(a.clientMessageId)?.state).toBe('queued');
    expect(waits).toEqual([3000]);
    limited = false;
    again!();
    await settle(20);
    expect(outbox.entries).toEqual([]);
    expect(server.stored.size).toBe(1);
  });

  it('database restarting (UNAVAILABLE): stays queued, tried again after the retry-after, stored once', async () => {
    let down = true;
    const waits: number[] = [];
    let again: (() => void) | null = null;
    const outbox = setUp(
      async (e) => {
        if (down) throw refused('UNAVAILABLE', 'the database is not available, retry after 1 s', 503);
        return server.send(e);
      },
      (fn, ms) => {
        waits.push(ms);
        again = fn;
      },
    );
    online = true;
    const a = outbox.enqueue(CONV, 'during the restart');
    await settle(20);
    expect(outbox.find(a.clientMessageId)?.state).toBe('queued');
    expect(waits).toEqual([1000]);
    down = false;
    again!();
    await settle(20);
    expect(outbox.entries).toEqual([]);
    expect(server.stored.size).toBe(1);
    expect(server.calls.map((c) => c.clientMessageId)).toEqual([a.clientMessageId]);
  });

  it('a message not sent yet can be edited: the new text is what is sent, and the kept copy has it', async () => {
    const outbox = setUp();
    const a = outbox.enqueue(CONV, 'typo hree');
    const b = outbox.enqueue(CONV, 'after it');
    expect(outbox.edit(a.clientMessageId, 'typo here')).toBe(true);
    const kept = () => JSON.parse(localStorage.getItem(`thrume.outbox.${ME}`) ?? '[]').map((e: OutboxEntry) => e.content);
    expect(kept()).toEqual(['typo here', 'after it']);
    online = true;
    await outbox.flush();
    expect(server.calls.map((c) => [c.clientMessageId, c.content])).toEqual([
      [a.clientMessageId, 'typo here'],
      [b.clientMessageId, 'after it'],
    ]);
    expect(localStorage.getItem(`thrume.outbox.${ME}`)).toBeNull();
  });

  it('a message not sent yet can be deleted: it is never sent, and leaves the kept copy', async () => {
    const outbox = setUp();
    const a = outbox.enqueue(CONV, 'never mind');
    const b = outbox.enqueue(CONV, 'this one');
    outbox.discard(a.clientMessageId);
    expect(JSON.parse(localStorage.getItem(`thrume.outbox.${ME}`)!).map((e: OutboxEntry) => e.clientMessageId)).toEqual([b.clientMessageId]);
    online = true;
    await outbox.flush();
    expect(server.calls.map((c) => c.clientMessageId)).toEqual([b.clientMessageId]);
  });

  it('a held message (being edited or deleted) is not sent, nor what was written after it, until released; one being sent cannot be changed', async () => {
    let answer: ((m: Message) => void) | null = null;
    const outbox = setUp((e) => new Promise<Message>((resolve) => (answer = resolve)).then(() => server.send(e)));
    const a = outbox.enqueue(CONV, 'first');
    const b = outbox.enqueue(CONV, 'second');
    expect(outbox.hold(a.clientMessageId)).toBe(true);
    online = true;
    await outbox.flush();
    expect(server.calls).toEqual([]);
    expect(outbox.find(b.clientMessageId)?.state).toBe('queued');
    expect(outbox.edit(a.clientMessageId, 'first, edited')).toBe(true);
    outbox.release(a.clientMessageId);
    await settle();
    // now being sent: neither editable nor held
    expect(outbox.find(a.clientMessageId)?.state).toBe('sending');
    expect(outbox.changeable(a.clientMessageId)).toBe(false);
    expect(outbox.hold(a.clientMessageId)).toBe(false);
    expect(outbox.edit(a.clientMessageId, 'too late')).toBe(false);
    answer!(msg(1));
    await settle(20);
    answer!(msg(2));
    await settle(20);
    expect(server.calls.map((c) => c.content)).toEqual(['first, edited', 'second']);
    expect(outbox.entries).toEqual([]);
  });

  it('a live event with our clientMessageId confirms the entry', () => {
    const outbox = setUp();
    const a = outbox.enqueue(CONV, 'echo');
    outbox.confirm(msg(7, ME, { clientMessageId: a.clientMessageId }));
    expect(outbox.entries).toEqual([]);
  });

  it('survives a reload: the queue is kept per user, an interrupted send is queued again', async () => {
    const outbox = setUp(() => new Promise<Message>(() => {})); // never answers
    online = true;
    const a = outbox.enqueue(CONV, 'kept');
    await settle();
    expect(outbox.find(a.clientMessageId)?.state).toBe('sending');
    setActivePinia(createPinia());
    const reloaded = useOutboxStore();
    reloaded.load(ME);
    expect(reloaded.entries.map((e) => [e.clientMessageId, e.state])).toEqual([[a.clientMessageId, 'queued']]);
  });
});

describe('outbox timers', () => {
  it('uses setTimeout by default for a retry after a lost answer', async () => {
    vi.useFakeTimers();
    try {
      localStorage.clear();
      setActivePinia(createPinia());
      const outbox = useOutboxStore();
      outbox.load(ME);
      let calls = 0;
      outbox.configure({
        send: async (e) => {
          calls++;
          if (calls === 1) throw new NotConnectedError('no answer');
          return msg(1, ME, { clientMessageId: e.clientMessageId });
        },
        onSent: () => {},
        canSend: () => true,
      });
      outbox.enqueue(CONV, 'x');
      await vi.advanceTimersByTimeAsync(0);
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(calls).toBe(2);
      expect(outbox.entries).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
