// Group commit for the Socket.IO peer's message inserts, with the policy of Thrume's
// store/MessageBatcher.java: a request is sent at once when a slot is free and no batch started
// within the last window (windowMs: a lone message is not delayed); requests that come closer
// wait for the rest of the window and leave together, as do requests queued while all slots (half
// the pool) are busy; a full batch (64, or maxBatch if smaller) leaves at once; at most maxBatch
// (256) per statement. Each batch is ONE statement committed on its own
// (autocommit: one round trip), which
//  - answers requests already stored, found by (sender_id, client_message_id), with the stored
//    message (created: false), storing nothing for them;
//  - locks each conversation's row once, in id order (FOR NO KEY UPDATE), so concurrent batches
//    cannot deadlock;
//  - keeps the requests whose sender is a participant, numbers them gap-free after last_seq per
//    conversation in arrival order, moves last_seq and the sender's markers (read_seq,
//    delivered_seq), and inserts them all, ordered by the unique key, ON CONFLICT DO NOTHING;
//  - when a request found no message inserted (a concurrent statement stored its clientMessageId
//    first), calls thrume_retry() (migration V11, SQLSTATE 40001): nothing of the statement stays,
//    no seq is used, and the batch runs again, finding that message among the stored ones.
// Simpler than Thrume's: no attachments, replies, blocks or invitations. Every request is answered:
// {message, created} or {error: 'FORBIDDEN'} (not a participant, or no such conversation), or the
// promise rejects when the statement fails otherwise.

const COLUMNS = 'id, conversation_id, seq, sender_id, content, sent_at, client_message_id';
const M_COLUMNS = COLUMNS.split(', ').map((c) => 'm.' + c).join(', ');

export const BATCH_INSERT =
  'WITH input AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) ' +
  '  WITH ORDINALITY AS r (conversation_id, sender_id, content, client_message_id, ord)), ' +
  `existing AS MATERIALIZED (SELECT r.ord AS existing_ord, ${M_COLUMNS} FROM input r ` +
  '  JOIN message m ON m.sender_id = r.sender_id AND m.client_message_id = r.client_message_id), ' +
  'locked AS MATERIALIZED (SELECT id, last_seq FROM conversation WHERE id = ANY($1::uuid[]) ' +
  '  ORDER BY id FOR NO KEY UPDATE), ' +
  'req AS MATERIALIZED (SELECT r.ord, r.conversation_id, r.sender_id, r.content, r.client_message_id, ' +
  '  l.last_seq + row_number() OVER (PARTITION BY r.conversation_id ORDER BY r.ord) AS seq ' +
  '  FROM input r JOIN locked l ON l.id = r.conversation_id ' +
  '  JOIN participant p ON p.conversation_id = r.conversation_id AND p.account_id = r.sender_id ' +
  '  WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.existing_ord = r.ord)), ' +
  'advanced AS (UPDATE conversation c SET last_seq = t.seq, last_activity_at = now() ' +
  '  FROM (SELECT conversation_id, max(seq) AS seq FROM req GROUP BY conversation_id) t ' +
  '  WHERE c.id = t.conversation_id), ' +
  'markers AS (UPDATE participant p SET read_seq = t.seq, delivered_seq = GREATEST(p.delivered_seq, t.seq) ' +
  '  FROM (SELECT conversation_id, sender_id, max(seq) AS seq FROM req GROUP BY conversation_id, sender_id) t ' +
  '  WHERE p.conversation_id = t.conversation_id AND p.account_id = t.sender_id), ' +
  'm AS (INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) ' +
  '  SELECT conversation_id, seq, sender_id, content, client_message_id FROM req ' +
  '  ORDER BY sender_id, client_message_id ' +
  '  ON CONFLICT (sender_id, client_message_id) DO NOTHING RETURNING *), ' +
  // materialized: PostgreSQL estimates one row per CTE and would otherwise pair every request
  // with every inserted row in the final join (see MessageInsertPlanTest on Thrume's side)
  `stored AS MATERIALIZED (SELECT req.ord AS stored_ord, ${M_COLUMNS} FROM req ` +
  '  JOIN m ON m.sender_id = req.sender_id AND m.client_message_id = req.client_message_id), ' +
  `answer AS (SELECT stored_ord AS answer_ord, false AS existed, ${COLUMNS} FROM stored ` +
  `  UNION ALL SELECT existing_ord, true, ${COLUMNS} FROM existing) ` +
  `SELECT r.ord, m.existed, ${M_COLUMNS}, a.display_name, ` +
  'CASE WHEN req.ord IS NOT NULL AND m.id IS NULL THEN thrume_retry() END AS retry ' +
  'FROM input r ' +
  'LEFT JOIN req ON req.ord = r.ord ' +
  'LEFT JOIN answer m ON m.answer_ord = r.ord ' +
  'LEFT JOIN account a ON a.id = m.sender_id ' +
  'ORDER BY r.ord';

/** What thrume_retry() raises: the statement did nothing, run it again. */
const RETRY = '40001';

/**
 * query(text, values) → Promise<{rows}> (a pg Pool's query: each call takes a connection, runs the
 * statement in autocommit and gives it back); slots: statements in flight at most; maxBatch:
 * requests per statement at most; windowMs: the least time between two batches' starts unless
 * the later one is full (0: none); onBatch(size) and onRetry(size) are told of each statement sent
 * and each one run again. insert({sender, conversationId, content, clientMessageId}) →
 * Promise<{message: row, created} | {error: 'FORBIDDEN'}>, row as the statement returns it.
 */
export function createBatcher({ query, slots, maxBatch = 256, windowMs = 0, onBatch = () => {}, onRetry = () => {} }) {
  const queue = [];
  const full = Math.min(maxBatch, 64);
  let inFlight = 0;
  let lastStart = -Infinity;
  let waiting = false;

  const flush = () => {
    while (inFlight < slots && queue.length && (!waiting || queue.length >= full)) {
      const now = performance.now();
      const early = lastStart + windowMs - now;
      if (early > 0 && queue.length < full) {
        // a batch started less than a window ago: wait for the rest of it, gathering more
        waiting = true;
        setTimeout(() => {
          waiting = false;
          flush();
        }, Math.ceil(early));
        return;
      }
      lastStart = now;
      const batch = queue.splice(0, maxBatch);
      inFlight++;
      onBatch(batch.length);
      transact(batch).then(({ answers, deferred }) => {
        answers.forEach(([request, answer]) => request.resolve(answer));
        // ahead of newer requests, as they arrived before them
        queue.unshift(...deferred);
      }, (error) => {
        batch.forEach((request) => request.reject(error));
      }).finally(() => {
        inFlight--;
        flush();
      });
    }
  };

  const transact = async (batch) => {
    for (;;) {
      try {
        return await attempt(batch);
      } catch (e) {
        if (e && e.code === RETRY) {
          onRetry(batch.length);
          continue;
        }
        throw e;
      }
    }
  };

  const attempt = async (batch) => {
    // the first request of each (sender, clientMessageId) leads; later ones take its answer
    const leaders = new Map();
    for (const r of batch) {
      const key = r.sender + '\u0000' + r.clientMessageId;
      if (!leaders.has(key)) leaders.set(key, r);
    }
    const sent = [...leaders.values()];
    const { rows } = await query(BATCH_INSERT, [
      sent.map((r) => r.conversationId), sent.map((r) => r.sender),
      sent.map((r) => r.content), sent.map((r) => r.clientMessageId),
    ]);
    const outcome = new Map();
    for (const row of rows) {
      const leader = sent[Number(row.ord) - 1];
      outcome.set(leader, row.id == null ? null : row);
    }
    const answers = [];
    const deferred = [];
    for (const r of batch) {
      const leader = leaders.get(r.sender + '\u0000' + r.clientMessageId);
      const row = outcome.get(leader);
      if (row == null && leader.conversationId !== r.conversationId) {
        // its leader, in another conversation, stored nothing: this one may still be stored, next batch
        deferred.push(r);
      } else if (row == null) {
        answers.push([r, { error: 'FORBIDDEN' }]);
      } else {
        answers.push([r, { message: row, created: r === leader && row.existed === false }]);
      }
    }
    return { answers, deferred };
  };

  return {
    insert(request) {
      return new Promise((resolve, reject) => {
        queue.push({ ...request, resolve, reject });
        flush();
      });
    },
    get queued() {
      return queue.length;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
