// The peer's group commit without a database: `npm test` (node --test) in src/bench/socketio.
// A fake query stands for PostgreSQL; it answers the statement's rows as the statement would.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createBatcher, BATCH_INSERT } from './batcher.mjs';

/** A fake database: conversation id → last_seq, members, stored messages; each query waits for release(). */
function fakeDb({ members = () => true } = {}) {
  const lastSeq = new Map();
  const stored = new Map();
  const calls = [];
  const waiting = [];
  const query = (text, [conversations, senders, contents, ids]) => {
    assert.equal(text, BATCH_INSERT);
    calls.push(ids.slice());
    return new Promise((resolve, reject) => waiting.push({ resolve, reject, run: () => {
      const rows = conversations.map((c, i) => {
        const key = senders[i] + '|' + ids[i];
        if (stored.has(key)) return { ord: String(i + 1), existed: true, ...stored.get(key) };
        if (!members(senders[i], c)) return { ord: String(i + 1), existed: null, id: null };
        const seq = (lastSeq.get(c) ?? 0) + 1;
        lastSeq.set(c, seq);
        const row = { id: 'm' + c + seq, conversation_id: c, seq: String(seq), sender_id: senders[i], content: contents[i],
          sent_at: new Date(0), client_message_id: ids[i] };
        stored.set(key, row);
        return { ord: String(i + 1), existed: false, ...row };
      });
      return { rows };
    } }));
  };
  const release = async (error) => {
    const w = waiting.shift();
    if (error) w.reject(error); else w.resolve(w.run());
    await new Promise((r) => setImmediate(r));
  };
  return { query, calls, release, waiting, stored };
}

const req = (i, extra = {}) => ({ sender: 's' + (i % 3), conversationId: 'c' + (i % 2), content: 'x' + i,
  clientMessageId: 'k' + i, ...extra });

test('a lone request leaves at once; while all slots are busy, requests queue and leave together', async () => {
  const db = fakeDb();
  const b = createBatcher({ query: db.query, slots: 2, maxBatch: 3 });
  const first = b.insert(req(0));
  assert.deepEqual(db.calls, [['k0']], 'sent at once, no timer');
  const second = b.insert(req(1));
  assert.deepEqual(db.calls, [['k0'], ['k1']], 'a second free slot');
  const queued = [2, 3, 4, 5].map((i) => b.insert(req(i)));
  assert.equal(db.calls.length, 2, 'both slots busy: queued');
  assert.equal(b.queued, 4);
  await db.release();
  assert.deepEqual(db.calls[2], ['k2', 'k3', 'k4'], 'the next batch, at most maxBatch');
  await db.release();
  assert.deepEqual(db.calls[3], ['k5']);
  await db.release();
  await db.release();
  const answers = await Promise.all([first, second, ...queued]);
  assert.ok(answers.every((a) => a.created), 'every request answered');
  // gap-free seqs per conversation, in arrival order
  const seqs = (c) => answers.filter((a) => a.message.conversation_id === c).map((a) => Number(a.message.seq));
  assert.deepEqual(seqs('c0'), [1, 2, 3]);
  assert.deepEqual(seqs('c1'), [1, 2, 3]);
});

test('a repeat is answered with the stored message, created false; within a batch too', async () => {
  const db = fakeDb();
  const b = createBatcher({ query: db.query, slots: 1 });
  const a = b.insert(req(0));
  const again = b.insert(req(0));
  const twice = b.insert(req(0));
  await db.release();
  assert.deepEqual(db.calls[1], ['k0'], 'one leader per (sender, clientMessageId)');
  await db.release();
  const [x, y, z] = await Promise.all([a, again, twice]);
  assert.equal(x.created, true);
  assert.equal(y.created, false);
  assert.equal(z.created, false);
  assert.equal(y.message.id, x.message.id);
  assert.equal(db.stored.size, 1);
});

test('not a participant: FORBIDDEN; the rest of the batch is stored', async () => {
  const db = fakeDb({ members: (sender) => sender !== 's1' });
  const b = createBatcher({ query: db.query, slots: 1 });
  const busy = b.insert(req(0));
  const rest = [1, 2].map((i) => b.insert(req(i)));
  await db.release();
  await db.release();
  await busy;
  const [forbidden, ok] = await Promise.all(rest);
  assert.deepEqual(forbidden, { error: 'FORBIDDEN' });
  assert.equal(ok.created, true);
});

test('SQLSTATE 40001 (thrume_retry): the batch runs again; another failure rejects every request of it', async () => {
  const db = fakeDb();
  const b = createBatcher({ query: db.query, slots: 1 });
  const p = b.insert(req(0));
  await db.release(Object.assign(new Error('retry'), { code: '40001' }));
  assert.equal(db.calls.length, 2, 'run again');
  await db.release();
  assert.equal((await p).created, true);
  const q = Promise.allSettled([b.insert(req(1)), b.insert(req(2))]);
  await db.release(Object.assign(new Error('down'), { code: '57P01' }));
  await db.release(Object.assign(new Error('down'), { code: '57P01' }));
  for (const r of await q) assert.equal(r.reason?.message, 'down');
  assert.equal(b.inFlight, 0);
});

test('with a window: requests closer than it wait and leave together; a lone one and a full batch do not wait', async () => {
  const db = fakeDb();
  const b = createBatcher({ query: db.query, slots: 4, maxBatch: 256, windowMs: 300 });
  const started = performance.now();
  const first = b.insert(req(0));
  assert.deepEqual(db.calls, [['k0']], 'the first leaves at once');
  const close = [1, 2, 3].map((i) => b.insert(req(i)));
  assert.equal(db.calls.length, 1, 'free slots, but a batch started less than a window ago');
  await db.release();
  await first;
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(db.calls[1], ['k1', 'k2', 'k3'], 'together, once the window is over');
  assert.ok(performance.now() - started >= 300);
  await db.release();
  await Promise.all(close);

  // a window later: one leaves at once, and 64 queued behind it leave as a full batch without waiting
  await new Promise((r) => setTimeout(r, 400));
  const lone = b.insert(req(10));
  assert.deepEqual(db.calls[2], ['k10'], 'a window after the last start: at once');
  const burst = Array.from({ length: 64 }, (_, i) => b.insert(req(100 + i)));
  assert.equal(db.calls.length, 4, 'the 64th made the batch full');
  assert.equal(db.calls[3].length, 64);
  await db.release();
  await db.release();
  await lone;
  await Promise.all(burst);
});
