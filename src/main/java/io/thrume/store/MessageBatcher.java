package io.thrume.store;

import io.thrume.bus.Failure;
import io.thrume.metrics.ThrumeMetrics;
import io.thrume.model.Message;
import io.thrume.model.Participant;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Group commit for message inserts: one transaction per batch instead of one per message, which
 * is what bounds persisted messages per second. A request is sent at once when a transaction slot
 * is free and no batch started within the last window ({@code db.batchWindowMs}): a lone message
 * is not delayed. Requests that come closer together wait, up to the window after the last start,
 * and leave together as the next batch; so do requests queued while all slots are busy. A batch
 * that is full leaves at once. Confined to the store verticle's event loop (the pool completes on
 * the caller's context, and so does the timer), so the queue needs no locking.
 *
 * <p>Why a window: the statement costs PostgreSQL 330 µs of CPU for one message and about 70 µs for
 * each further one (bench/results/2026-11-30-insert-cpu.md). Sent as soon as a slot is free,
 * messages at a few thousand a second left 1.6 at a time, and PostgreSQL spent a core on them;
 * waiting up to 2 ms lets them share statements (docs/performance.md, "Statements per message
 * under load").
 */
final class MessageBatcher {
  // One statement for the whole batch, committed on its own: a lone message costs one round trip
  // to PostgreSQL, not four (BEGIN, a look-up of repeats, the insert, COMMIT).
  // existing: requests already stored, found by (sender, clientMessageId), one look-up of the unique
  // index per request (LATERAL … LIMIT 1 keeps the planner from turning it into a join that reads
  // the whole table, as a plan made while the table was small did); they are answered with the
  // stored message and take no further part. locked: each conversation's row lock, taken once
  // and in id order, so concurrent batches (and nodes) cannot deadlock; the FOR NO KEY UPDATE row
  // is the latest committed one. asked: the new messages of senders who are participants, with the
  // sender's status (invited: this message accepts the conversation), whether the sender may not
  // send there (a conversation of two whose other participant has blocked the sender) and whether
  // its replyToSeq names no message stored before this batch (bad_reply). req: the messages that
  // may be stored, numbered after last_seq in arrival order (ord). Then last_seq moves by that
  // count, each sender's markers move to their last new message and the sender is accepted
  // (participant rows are only touched under their conversation's lock, after all locks are
  // taken), and all messages go in one INSERT, ordered by the unique key so that batches racing on
  // the same clientMessageIds wait for each other in one order. A row of req without an inserted
  // message means a concurrent transaction stored that clientMessageId first (ON CONFLICT DO
  // NOTHING): thrume_retry() (migration V11) then fails the statement, so that nothing of it stays
  // and no seq is used, and the batch runs again, finding the message among the existing ones.
  // Attachments: each request's ids come as one comma-joined text (NULL: none), since arrays of
  // arrays must be rectangular. bad_attachments: one of them is not a file the sender uploaded to
  // that conversation and no message has (two requests naming the same file never share a
  // statement: the later one waits for the next batch, as if the requests had come one after
  // another). attached: the files go to their new message, in the order listed. The statement
  // reads the attachment table as it was before it (the lock waited for on the conversation row
  // re-reads only that row), so a concurrent send that attached a file first, or the sweep that
  // deleted it, leaves fewer rows attached than named: the statement is failed and run again too,
  // and then sees it. The final SELECT also reads the table as it was: a new message's attachments
  // come from its ids, a stored one's from the table.
  // stored: each request paired with its new message once, materialized. PostgreSQL estimates one
  // row for each CTE, so pairing them inside the final join made it pair every request with every
  // inserted message and look each pair's sender up: n³ rows for a batch of n, 15 s for a full one,
  // which kept every later batch full (MessageInsertPlanTest).
  private static final String IDS = "string_to_array(%s.attachment_ids, ',')";
  private static final String MESSAGE_COLUMNS = "m.id, m.conversation_id, m.seq, m.sender_id, m.content, m.sent_at, "
    + "m.client_message_id, m.edited_at, m.deleted_at, m.change_seq, m.reactions, m.reply_to_seq";
  static final String INSERT =
    "WITH input AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::text[]) "
      + "  WITH ORDINALITY AS r (conversation_id, sender_id, content, client_message_id, reply_to_seq, attachment_ids, ord)), "
      + "existing AS MATERIALIZED (SELECT r.ord AS existing_ord, m.* FROM input r "
      + "  CROSS JOIN LATERAL (SELECT " + MESSAGE_COLUMNS + " FROM message m "
      + "    WHERE m.sender_id = r.sender_id AND m.client_message_id = r.client_message_id LIMIT 1) m), "
      + "locked AS MATERIALIZED (SELECT id, last_seq FROM conversation WHERE id = ANY($1::uuid[]) "
      + "  ORDER BY id FOR NO KEY UPDATE), "
      + "asked AS MATERIALIZED (SELECT r.ord, r.conversation_id, r.sender_id, r.content, r.client_message_id, "
      + "  r.reply_to_seq, r.attachment_ids, p.status AS sender_status, "
      + "  r.reply_to_seq IS NOT NULL AND NOT r.reply_to_seq BETWEEN 1 AND l.last_seq AS bad_reply, "
      + "  r.attachment_ids IS NOT NULL AND ("
      + "    (SELECT count(*) FROM attachment t WHERE t.id = ANY (" + IDS.formatted("r") + "::uuid[]) "
      + "      AND t.conversation_id = r.conversation_id AND t.uploader_id = r.sender_id AND t.message_seq IS NULL) "
      + "    <> cardinality(" + IDS.formatted("r") + ")"
      + "  ) AS bad_attachments, "
      + "  EXISTS (SELECT 1 FROM block b JOIN participant o ON o.conversation_id = r.conversation_id "
      + "    AND o.account_id = b.blocker_id WHERE b.blocked_id = r.sender_id) "
      + "  AND (SELECT count(*) FROM participant n WHERE n.conversation_id = r.conversation_id) = 2 AS blocked "
      + "  FROM input r "
      + "  JOIN locked l ON l.id = r.conversation_id "
      + "  JOIN participant p ON p.conversation_id = r.conversation_id AND p.account_id = r.sender_id "
      + "  WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.existing_ord = r.ord)), "
      + "req AS MATERIALIZED (SELECT q.ord, q.conversation_id, q.sender_id, q.content, q.client_message_id, q.reply_to_seq, "
      + "  q.attachment_ids, l.last_seq + row_number() OVER (PARTITION BY q.conversation_id ORDER BY q.ord) AS seq "
      + "  FROM asked q JOIN locked l ON l.id = q.conversation_id "
      + "  WHERE NOT q.blocked AND NOT q.bad_reply AND NOT q.bad_attachments), "
      + "advanced AS (UPDATE conversation c SET last_seq = t.seq, last_activity_at = now() "
      + "  FROM (SELECT conversation_id, max(seq) AS seq FROM req GROUP BY conversation_id) t "
      + "  WHERE c.id = t.conversation_id), "
      + "markers AS (UPDATE participant p SET read_seq = t.seq, delivered_seq = GREATEST(p.delivered_seq, t.seq), "
      + "  status = 'accepted' "
      + "  FROM (SELECT conversation_id, sender_id, max(seq) AS seq FROM req GROUP BY conversation_id, sender_id) t "
      + "  WHERE p.conversation_id = t.conversation_id AND p.account_id = t.sender_id), "
      + "m AS (INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, reply_to_seq) "
      + "  SELECT conversation_id, seq, sender_id, content, client_message_id, reply_to_seq FROM req "
      + "  ORDER BY sender_id, client_message_id "
      + "  ON CONFLICT (sender_id, client_message_id) DO NOTHING RETURNING *), "
      + "attached AS (UPDATE attachment t SET message_seq = req.seq, position = x.ord::int "
      + "  FROM req CROSS JOIN LATERAL unnest(" + IDS.formatted("req") + "::uuid[]) WITH ORDINALITY AS x (id, ord) "
      + "  WHERE t.id = x.id AND t.conversation_id = req.conversation_id AND t.uploader_id = req.sender_id "
      + "  AND t.message_seq IS NULL RETURNING t.conversation_id, t.message_seq), "
      + "stored AS MATERIALIZED (SELECT req.ord AS stored_ord, " + MESSAGE_COLUMNS + ", "
      + "  (SELECT count(*) FROM attached d WHERE d.conversation_id = m.conversation_id AND d.message_seq = m.seq) AS attached "
      + "  FROM req JOIN m ON m.sender_id = req.sender_id AND m.client_message_id = req.client_message_id), "
      + "answer AS (SELECT stored_ord AS answer_ord, false AS existed, attached, " + MESSAGE_COLUMNS.replace("m.", "") + " FROM stored "
      + "  UNION ALL SELECT existing_ord, true, NULL, " + MESSAGE_COLUMNS.replace("m.", "") + " FROM existing) "
      + "SELECT r.ord, q.blocked, q.bad_reply, q.bad_attachments, q.sender_status, m.existed, "
      + MessageStore.COLUMNS_BUT_ATTACHMENTS + ", "
      + "CASE WHEN m.existed THEN (SELECT jsonb_agg(" + MessageStore.ATTACHMENT_JSON + " ORDER BY t.position) "
      + "  FROM attachment t WHERE t.conversation_id = m.conversation_id AND t.message_seq = m.seq) "
      + "ELSE (SELECT jsonb_agg(" + MessageStore.ATTACHMENT_JSON + " ORDER BY x.ord) "
      + "  FROM unnest(" + IDS.formatted("r") + "::uuid[]) WITH ORDINALITY AS x (id, ord) JOIN attachment t ON t.id = x.id) "
      + "END AS attachments, "
      + "CASE WHEN req.ord IS NOT NULL AND (m.id IS NULL "
      + "  OR m.attached <> coalesce(cardinality(" + IDS.formatted("req") + "), 0)) THEN thrume_retry() END AS retry "
      + "FROM input r "
      + "LEFT JOIN asked q ON q.ord = r.ord "
      + "LEFT JOIN req ON req.ord = r.ord "
      + "LEFT JOIN answer m ON m.answer_ord = r.ord "
      + "LEFT JOIN account a ON a.id = m.sender_id";

  /** What thrume_retry() raises: the statement did nothing, run it again. */
  private static final String RETRY = "40001";

  /** At most this many attachments on one message. */
  static final int MAX_ATTACHMENTS = 10;
  /** Batches of up to {@value #SMALL_BATCH} requests: connections that keep the statement's generic plan. */
  private final Pool smallBatches;
  /** Larger batches: connections that plan each run for its size. */
  private final Pool largeBatches;
  private final Message.Urls urls;
  private final ThrumeMetrics metrics;
  private final int maxInFlight;
  private final int maxBatch;
  private final long windowNanos;
  private final Timers timers;
  private final ArrayDeque<Request> queue = new ArrayDeque<>();
  private int inFlight;
  /** When the last batch started (System.nanoTime), and whether a timer waits to send the next. */
  private long lastStart;
  private boolean waiting;

  /** Runs an action on the store's context after a delay (Vert.x' setTimer). */
  @FunctionalInterface
  interface Timers {
    void after(long delayMs, Runnable action);
  }

  /**
   * The largest batch run on the generic plan. That plan assumes about ten requests (PostgreSQL's
   * guess for an array parameter) and pairs the batch's parts in nested loops; at 256 it cost 31.7 ms
   * against 28.4 for a plan made for the size, at 64 6.6 against 9.5 (bench/insert-cost.sh,
   * bench/results/2026-11-30-insert-cost.md).
   */
  static final int SMALL_BATCH = 64;

  /** Without a window: a request leaves as soon as a slot is free. */
  MessageBatcher(Pool pool, ThrumeMetrics metrics, int maxInFlight, int maxBatch) {
    this(pool, pool, id -> null, metrics, maxInFlight, maxBatch, 0, (delayMs, action) -> {
      throw new IllegalStateException("no window, no timer");
    });
  }

  MessageBatcher(Pool smallBatches, Pool largeBatches, Message.Urls urls, ThrumeMetrics metrics, int maxInFlight, int maxBatch,
                 long windowMs, Timers timers) {
    this.smallBatches = smallBatches;
    this.largeBatches = largeBatches;
    this.urls = urls;
    this.metrics = metrics;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.windowNanos = windowMs * 1_000_000L;
    this.timers = timers;
    this.lastStart = System.nanoTime() - windowNanos;
  }

  /**
   * {senderId, conversationId, content, clientMessageId, replyToSeq?, attachmentIds?} → {message, created, accepted}. A repeated
   * clientMessageId answers the stored message with created=false and stores nothing; accepted is
   * true when this message accepted the conversation for its sender (who was invited until then).
   * FORBIDDEN when the sender may not send there (blocked in a conversation of two), INVALID when
   * replyToSeq is not a message of the conversation or an attachment id is not a file the sender
   * uploaded to the conversation that no message has yet (attachmentIds: distinct ids, checked by
   * the caller), NOT_FOUND when the sender is not a participant.
   */
  Future<JsonObject> insert(JsonObject body) {
    io.vertx.core.json.JsonArray ids = body.getJsonArray("attachmentIds");
    List<String> attachments = ids == null ? List.of()
      : ids.stream().map(id -> UUID.fromString((String) id).toString()).toList();
    Request request = new Request(UUID.fromString(body.getString("senderId")),
      UUID.fromString(body.getString("conversationId")), body.getString("content"), body.getString("clientMessageId"),
      body.getLong("replyToSeq"), attachments);
    queue.add(request);
    flush();
    return request.answer.future();
  }

  private void flush() {
    int full = Math.min(maxBatch, SMALL_BATCH);
    while (inFlight < maxInFlight && !queue.isEmpty() && (!waiting || queue.size() >= full)) {
      long now = System.nanoTime();
      long early = lastStart + windowNanos - now;
      if (early > 0 && queue.size() < full) {
        // a batch started less than a window ago: wait for the rest of it, gathering more
        waiting = true;
        timers.after((early + 999_999L) / 1_000_000L, () -> {
          waiting = false;
          flush();
        });
        return;
      }
      lastStart = now;
      List<Request> batch = new ArrayList<>();
      while (batch.size() < maxBatch && !queue.isEmpty()) {
        batch.add(queue.poll());
      }
      inFlight++;
      long started = System.nanoTime();
      transact(batch).onComplete(done -> {
        inFlight--;
        if (done.succeeded()) {
          Outcome outcome = done.result();
          metrics.storeBatch(outcome.answers.size(), started);
          outcome.answers.forEach((request, answer) -> answer.onComplete(request.answer));
          // ahead of newer requests, as they arrived before them
          for (int i = outcome.deferred.size() - 1; i >= 0; i--) {
            queue.addFirst(outcome.deferred.get(i));
          }
        } else {
          batch.forEach(request -> request.answer.fail(done.cause()));
        }
        flush();
      });
    }
  }

  /** One statement for the batch; run again when a concurrent transaction took a clientMessageId or a file first. */
  private Future<Outcome> transact(List<Request> batch) {
    return attempt(batch)
      .recover(e -> e instanceof PgException pg && RETRY.equals(pg.getSqlState()) ? transact(batch) : Future.failedFuture(e));
  }

  private Future<Outcome> attempt(List<Request> batch) {
    // the first request of each (sender, clientMessageId) leads; later ones take its answer
    Map<Key, Request> leaders = new LinkedHashMap<>();
    batch.forEach(request -> leaders.putIfAbsent(request.key(), request));
    Map<Key, Message> stored = new HashMap<>();
    Set<Request> created = new HashSet<>();
    Set<Request> accepting = new HashSet<>();
    Map<Key, RuntimeException> refused = new HashMap<>();
    Set<Request> postponed = new HashSet<>();
    List<Request> sent = new ArrayList<>();
    Set<String> named = new HashSet<>();
    for (Request r : leaders.values()) {
      if (r.attachments.stream().anyMatch(named::contains)) {
        // a file an earlier request of the batch names: decided in the next batch, after that one
        postponed.add(r);
        continue;
      }
      named.addAll(r.attachments);
      sent.add(r);
    }
    Tuple messages = Tuple.tuple()
      .addArrayOfUUID(sent.stream().map(r -> r.conversation).toArray(UUID[]::new))
      .addArrayOfUUID(sent.stream().map(r -> r.sender).toArray(UUID[]::new))
      .addArrayOfString(sent.stream().map(r -> r.content).toArray(String[]::new))
      .addArrayOfString(sent.stream().map(r -> r.clientMessageId).toArray(String[]::new))
      .addArrayOfLong(sent.stream().map(r -> r.replyToSeq).toArray(Long[]::new))
      .addArrayOfString(sent.stream().map(r -> r.attachments.isEmpty() ? null : String.join(",", r.attachments))
        .toArray(String[]::new));
    Pool pool = sent.size() <= SMALL_BATCH ? smallBatches : largeBatches;
    return pool.preparedQuery(INSERT).execute(messages).map(rows -> {
      for (Row row : rows) {
        Request request = sent.get((int) row.getLong("ord").longValue() - 1);
        if (Boolean.TRUE.equals(row.getBoolean("existed"))) {
          // stored earlier (a repeat): its answer, created=false
          stored.put(request.key(), Message.fromRow(row));
        } else if (Boolean.TRUE.equals(row.getBoolean("blocked"))) {
          refused.put(request.key(), Failure.FORBIDDEN.exception(
            "you cannot send here: the other participant does not accept messages from you"));
        } else if (Boolean.TRUE.equals(row.getBoolean("bad_reply"))) {
          refused.put(request.key(), Failure.INVALID.exception("replyToSeq must be the seq of a message of this conversation"));
        } else if (Boolean.TRUE.equals(row.getBoolean("bad_attachments"))) {
          refused.put(request.key(), Failure.INVALID.exception("attachmentIds must name files you uploaded to this "
            + "conversation that no message has yet"));
        } else if (row.getUUID("id") != null) {
          stored.put(request.key(), Message.fromRow(row));
          created.add(request);
          if (Participant.INVITED.equals(row.getString("sender_status"))) {
            accepting.add(request);
          }
        }
        // else: the sender is not a participant (or no such conversation): NOT_FOUND below
      }
      return decide(batch, leaders, stored, created, accepting, refused, postponed);
    });
  }

  /** Each request's answer, as if the batch's requests had been sent one after another. */
  private Outcome decide(List<Request> batch, Map<Key, Request> leaders, Map<Key, Message> stored,
                          Set<Request> created, Set<Request> accepting, Map<Key, RuntimeException> refused,
                          Set<Request> postponed) {
    Map<Request, Future<JsonObject>> answers = new LinkedHashMap<>();
    List<Request> deferred = new ArrayList<>();
    for (Request request : batch) {
      if (postponed.contains(leaders.get(request.key()))) {
        deferred.add(request);
        continue;
      }
      Message m = stored.get(request.key());
      boolean sameConversation = leaders.get(request.key()).conversation.equals(request.conversation);
      if (m == null && sameConversation && refused.containsKey(request.key())) {
        answers.put(request, Future.failedFuture(refused.get(request.key())));
      } else if (m == null && sameConversation) {
        // not a participant (or no such conversation); a follower in the same conversation too
        answers.put(request, Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found")));
      } else if (m == null) {
        // its leader, in another conversation, stored nothing: this one may still be stored, next batch
        deferred.add(request);
      } else if (!m.conversationId().equals(request.conversation)) {
        answers.put(request, Future.failedFuture(
          Failure.INVALID.exception("clientMessageId was already used for another conversation")));
      } else {
        answers.put(request, Future.succeededFuture(new JsonObject().put("message", m.toJson(urls))
          .put("created", created.contains(request)).put("accepted", accepting.contains(request))));
      }
    }
    return new Outcome(answers, deferred);
  }

  /** What one committed transaction decided: an answer per request, and requests left for the next batch. */
  private record Outcome(Map<Request, Future<JsonObject>> answers, List<Request> deferred) {
  }

  private record Key(UUID sender, String clientMessageId) {
  }

  /** One queued insert; identity matters (two requests may be equal in content). */
  private static final class Request {
    final UUID sender;
    final UUID conversation;
    final String content;
    final String clientMessageId;
    /** The seq of the message this one replies to, or null. */
    final Long replyToSeq;
    /** The ids of the files it carries, lower-case, distinct (none: empty). */
    final List<String> attachments;
    final Promise<JsonObject> answer = Promise.promise();

    Request(UUID sender, UUID conversation, String content, String clientMessageId, Long replyToSeq,
            List<String> attachments) {
      this.replyToSeq = replyToSeq;
      this.attachments = attachments;
      this.sender = sender;
      this.conversation = conversation;
      this.content = content;
      this.clientMessageId = clientMessageId;
    }

    Key key() {
      return new Key(sender, clientMessageId);
    }
  }
}
