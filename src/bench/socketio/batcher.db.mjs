// The peer's group commit against a real PostgreSQL with Thrume's schema (THRUME_DB_URL, seeded
// with conversations of members; run by SocketIoBatcherTest, which starts the database): many
// senders at once through two batchers on one pool (so that statements race on the same
// conversations and the same clientMessageIds), repeats within and across batches, and a sender
// who is not a participant. Checks that every request is answered, each (sender,
// clientMessageId) is stored once and every repeat gets that message, and each conversation's
// seqs are 1..n with last_seq = n. Exits 1 with what was wrong.
import pg from 'pg';
import assert from 'node:assert/strict';
import { createBatcher } from './batcher.mjs';

const pool = new pg.Pool({ connectionString: process.env.THRUME_DB_URL, max: 8 });
try {
  const { rows: members } = await pool.query(
    'SELECT conversation_id, account_id FROM participant ORDER BY conversation_id, account_id');
  const conversations = [...new Set(members.map((m) => m.conversation_id))];
  assert.ok(conversations.length >= 2 && members.length >= 10, 'seeded');
  const query = (text, values) => pool.query(text, values);
  let retries = 0;
  const onRetry = () => retries++;
  const a = createBatcher({ query, slots: 2, maxBatch: 256, onRetry });
  const b = createBatcher({ query, slots: 2, maxBatch: 256, onRetry });
  // open the pool's connections first, so that the two batchers' statements really run at once
  await Promise.all(Array.from({ length: 8 }, () => pool.query('SELECT pg_sleep(0.05)')));
  const requests = [];
  for (let wave = 0; wave < 60; wave++) {
    const sent = [];
    for (let i = wave * 50; i < wave * 50 + 50; i++) {
      const m = members[i % members.length];
      // every third message is sent again, through the other batcher, at once: a race on its key;
      // every seventh once more through the same one: a repeat within a batch
      const r = { sender: m.account_id, conversationId: m.conversation_id, content: 'm' + i, clientMessageId: 'k' + i };
      sent.push({ r, answer: a.insert(r) });
      if (i % 3 === 0) sent.push({ r, answer: b.insert(r) });
      if (i % 7 === 0) sent.push({ r, answer: a.insert(r) });
    }
    requests.push(...sent);
    await Promise.all(sent.map((q) => q.answer));
  }
  // not a participant of that conversation
  const stranger = members.find((m) => m.conversation_id !== conversations[0]);
  const forbidden = a.insert({ sender: stranger.account_id, conversationId: conversations[0], content: 'x', clientMessageId: 'x' });
  const answers = await Promise.all(requests.map((q) => q.answer));
  assert.deepEqual(await forbidden, { error: 'FORBIDDEN' });
  const byKey = new Map();
  answers.forEach((answer, i) => {
    const { r } = requests[i];
    assert.ok(answer.message, 'answered with a message: ' + JSON.stringify(answer));
    const key = r.sender + '|' + r.clientMessageId;
    const seen = byKey.get(key) ?? { id: answer.message.id, created: 0 };
    assert.equal(answer.message.id, seen.id, 'a repeat gets the stored message');
    assert.equal(answer.message.content, r.content);
    if (answer.created) seen.created++;
    byKey.set(key, seen);
  });
  assert.equal(byKey.size, 3000);
  for (const [key, seen] of byKey) assert.equal(seen.created, 1, 'created once: ' + key);
  const { rows: stored } = await pool.query(
    'SELECT conversation_id, count(*)::int AS n, min(seq)::int AS lo, max(seq)::int AS hi, ' +
    '(SELECT last_seq FROM conversation c WHERE c.id = m.conversation_id)::int AS last FROM message m GROUP BY conversation_id');
  let total = 0;
  for (const s of stored) {
    assert.deepEqual([s.lo, s.hi, s.last], [1, s.n, s.n], 'gap-free seqs in ' + s.conversation_id);
    total += s.n;
  }
  assert.equal(total, 3000);
  const { rows: markers } = await pool.query(
    'SELECT count(*)::int AS n FROM participant p WHERE read_seq <> (SELECT max(seq) FROM message m ' +
    'WHERE m.conversation_id = p.conversation_id AND m.sender_id = p.account_id)');
  assert.equal(markers[0].n, 0, "each sender's read_seq is its last message");
  assert.ok(retries > 0, 'the two batchers raced on a clientMessageId at least once');
  console.log(`ok: 3000 messages in ${conversations.length} conversations, ${requests.length} requests, ` +
    `${retries} statements run again, seqs gap-free`);
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await pool.end();
}
