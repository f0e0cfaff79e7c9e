package io.thrume.store;

import io.thrume.metrics.ThrumeMetrics;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.micrometer.core.instrument.DistributionSummary;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Group commit of message inserts: many messages per transaction, with the answers and seqs that
 * sending them one after another would give. The burst tests drive a {@link MessageBatcher} of
 * their own (one transaction at a time) on the shared database, so that a burst queued behind a
 * lead message is exactly one batch.
 */
@ExtendWith(SharedThrume.class)
class MessageBatchTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient client;
  static Context context;
  static Pool pool;
  static ThrumeMetrics metrics;
  static MessageBatcher batcher;
  static User lead;
  static String leadConversation;

  @BeforeAll
  static void start() {
    context = thrume.vertx.getOrCreateContext();
    pool = thrume.pool(2);
    metrics = ThrumeMetrics.create();
    batcher = new MessageBatcher(pool, metrics, 1, 256);
    lead = client.register("lead");
    leadConversation = client.conversation(lead, client.register("other"));
  }

  @AfterAll
  static void stop() {
    TestThrume.await(pool.close(), 10);
  }

  @Test
  void manyConcurrentSendsAreStoredGapFreeInFewerTransactionsThanMessages() {
    List<User> users = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      users.add(client.register("burst" + i));
    }
    List<String> conversations = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      User creator = users.get(i % 5);
      conversations.add(client.conversation(creator, users.stream().filter(u -> u != creator).toArray(User[]::new)));
    }
    double[] before = batchMeter();
    WebClient web = WebClient.create(thrume.vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(thrume.port), new PoolOptions().setHttp1MaxSize(100));
    List<Future<JsonObject>> sends = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      String conversation = conversations.get(i % 20);
      User sender = users.get((i / 20) % 5);
      sends.add(web.post("/api/conversations/" + conversation + "/messages")
        .putHeader("Authorization", "Bearer " + sender.token())
        .sendJsonObject(new JsonObject().put("content", "burst " + i).put("clientMessageId", "burst-" + i))
        .map(r -> {
          if (r.statusCode() != 201) {
            throw new IllegalStateException(r.statusCode() + " " + r.bodyAsString());
          }
          return r.bodyAsJsonObject();
        }));
    }
    TestThrume.await(Future.all(sends), 120);
    web.close();
    double[] after = batchMeter();

    Map<String, List<Long>> seqs = new HashMap<>();
    sends.forEach(f -> seqs.computeIfAbsent(f.result().getString("conversationId"), k -> new ArrayList<>())
      .add(f.result().getLong("seq")));
    for (String id : conversations) {
      assertEquals(LongStream.rangeClosed(1, 20).boxed().toList(), seqs.get(id).stream().sorted().toList(), id);
      assertEquals(20, thrume.count("SELECT count(*) FROM message WHERE conversation_id = '" + id + "'"));
      assertEquals(20, thrume.count("SELECT last_seq FROM conversation WHERE id = '" + id + "'"));
      // each sender's read marker is on their own last message; delivered is never behind it
      assertEquals(0, thrume.count("SELECT count(*) FROM participant p WHERE conversation_id = '" + id + "' AND ("
        + "read_seq <> (SELECT coalesce(max(seq), 0) FROM message m WHERE m.conversation_id = p.conversation_id "
        + "AND m.sender_id = p.account_id) OR delivered_seq < read_seq)"));
    }
    double transactions = after[0] - before[0];
    assertEquals(400, after[1] - before[1], "every send was answered by some transaction");
    assertTrue(transactions < 400, "messages shared transactions: " + transactions + " transactions for 400 messages");
  }

  @Test
  void aBurstAnswersEachRequestAsIfSentOneAfterAnother() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    User eve = client.register("eve");
    String x = client.conversation(alice, bob);
    String y = client.conversation(alice, bob);
    JsonObject pre = client.sendMessage(alice, x, "before the burst", "pre").json();
    long transactionsBefore = summary().count();

    List<JsonObject> answers = burst(
      request(alice, x, "one", "a1"),
      request(eve, x, "not mine", "e1"),
      request(bob, x, "two", "b1"),
      request(alice, x, "one, again", "a1"),
      request(alice, x, "before, again", "pre"),
      request(alice, y, "elsewhere", "a1"),
      request(bob, x, "three", "b2"));

    assertEquals(2, summary().count() - transactionsBefore, "the lead, then the whole burst in one transaction");
    assertEquals(7, summary().max());
    JsonObject one = answers.get(0);
    assertTrue(one.getBoolean("created"));
    assertEquals(2, one.getJsonObject("message").getLong("seq"));
    assertEquals("NOT_FOUND: conversation not found", answers.get(1).getString("failure"));
    assertEquals(3, answers.get(2).getJsonObject("message").getLong("seq"));
    assertEquals(one.getJsonObject("message"), answers.get(3).getJsonObject("message"), "the duplicate answers the first");
    assertFalse(answers.get(3).getBoolean("created"));
    assertEquals(pre.getString("id"), answers.get(4).getJsonObject("message").getString("id"));
    assertFalse(answers.get(4).getBoolean("created"));
    assertEquals("INVALID: clientMessageId was already used for another conversation", answers.get(5).getString("failure"));
    assertEquals(4, answers.get(6).getJsonObject("message").getLong("seq"));

    assertEquals(List.of(1L, 2L, 3L, 4L), seqs(x));
    assertEquals(4, thrume.count("SELECT last_seq FROM conversation WHERE id = '" + x + "'"));
    assertEquals(0, thrume.count("SELECT last_seq FROM conversation WHERE id = '" + y + "'"));
    assertEquals(0, thrume.count("SELECT count(*) FROM message WHERE sender_id = '" + eve.id() + "'"));
    assertEquals(2, marker("read_seq", x, alice));
    assertEquals(4, marker("read_seq", x, bob));
    assertEquals(4, marker("delivered_seq", x, bob));
  }

  @Test
  void aRepeatOfARefusedClientMessageIdInAnotherConversationIsStoredThere() {
    User eve = client.register("eve");
    String notHers = client.conversation(client.register("alice"), client.register("bob"));
    String hers = client.conversation(eve, client.register("carol"));
    List<JsonObject> answers = burst(request(eve, notHers, "wrong door", "d1"), request(eve, hers, "right door", "d1"));
    assertEquals("NOT_FOUND: conversation not found", answers.get(0).getString("failure"));
    assertTrue(answers.get(1).getBoolean("created"), answers.toString());
    assertEquals(List.of(1L), seqs(hers));
    assertEquals(List.of(), seqs(notHers));
  }

  @Test
  void aClientMessageIdStoredConcurrentlyElsewhereRollsTheBatchBackAndRedoesIt() throws Exception {
    User alice = client.register("alice");
    User bob = client.register("bob");
    String z = client.conversation(alice, bob);
    List<JsonObject> answers;
    // another node's transaction: holds the conversation's lock and has stored alice's "race", uncommitted
    try (Connection other = thrume.jdbc()) {
      other.setAutoCommit(false);
      other.createStatement().execute("UPDATE conversation SET last_seq = last_seq + 1 WHERE id = '" + z + "'");
      try (PreparedStatement insert = other.prepareStatement("INSERT INTO message (conversation_id, seq, sender_id, content, "
        + "client_message_id) VALUES (?::uuid, 1, ?::uuid, 'from another node', 'race')")) {
        insert.setString(1, z);
        insert.setString(2, alice.id());
        insert.executeUpdate();
      }
      Future<List<JsonObject>> pending = burstAsync(
        request(alice, z, "mine", "race"),
        request(bob, z, "after it", "r-b1"),
        request(alice, z, "after that", "r-a2"));
      waitUntilABatchWaitsOnALock();
      other.commit();
      answers = TestThrume.await(pending, 30);
    }
    JsonObject race = answers.get(0);
    assertFalse(race.getBoolean("created"));
    assertEquals("from another node", race.getJsonObject("message").getString("content"));
    assertEquals(1, race.getJsonObject("message").getLong("seq"));
    assertEquals(2, answers.get(1).getJsonObject("message").getLong("seq"));
    assertEquals(3, answers.get(2).getJsonObject("message").getLong("seq"));
    assertEquals(List.of(1L, 2L, 3L), seqs(z));
    assertEquals(3, thrume.count("SELECT last_seq FROM conversation WHERE id = '" + z + "'"), "no seq burnt");
  }

  @Test
  void aFailedBatchFailsEachOfItsRequestsAndTheNextBatchWorks() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    String id = client.conversation(alice, bob);
    // PostgreSQL refuses a NUL in text: the batch's statement fails as a whole
    List<JsonObject> failed = burst(request(alice, id, "bad \u0000 byte", "f1"), request(bob, id, "fine", "f2"));
    assertTrue(failed.get(0).containsKey("failure"), failed.toString());
    assertTrue(failed.get(1).containsKey("failure"), failed.toString());
    assertEquals(0, thrume.count("SELECT last_seq FROM conversation WHERE id = '" + id + "'"));

    List<JsonObject> next = burst(request(bob, id, "fine", "f2"), request(alice, id, "after", "f3"));
    assertEquals(1, next.get(0).getJsonObject("message").getLong("seq"));
    assertTrue(next.get(0).getBoolean("created"));
    assertEquals(2, next.get(1).getJsonObject("message").getLong("seq"));
    assertEquals(List.of(1L, 2L), seqs(id));
  }

  /** A batcher of 4 slots with a window of {@code windowMs}, its own meter, on the test's context. */
  private static MessageBatcher windowed(long windowMs, ThrumeMetrics meter) {
    return new MessageBatcher(pool, pool, id -> null, meter, 4, 256, windowMs,
      (delayMs, action) -> thrume.vertx.setTimer(delayMs, id -> action.run()));
  }

  /** {@code count} new messages from the sender to the conversation. */
  private static List<JsonObject> requests(User sender, String conversationId, int count) {
    List<JsonObject> requests = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      requests.add(request(sender, conversationId, "m" + i, "m-" + i));
    }
    return requests;
  }

  /** Inserts on the context; each answer with the ms after the first insert when it came. */
  private static List<long[]> timed(MessageBatcher on, List<JsonObject> requests) {
    Promise<List<long[]>> done = Promise.promise();
    context.runOnContext(v -> {
      long start = System.nanoTime();
      List<Future<long[]>> answers = new ArrayList<>();
      for (JsonObject request : requests) {
        answers.add(on.insert(request).map(a -> new long[] {a.getJsonObject("message").getLong("seq"),
          (System.nanoTime() - start) / 1_000_000}));
      }
      Future.all(answers).map(all -> answers.stream().map(Future::result).toList()).onComplete(done);
    });
    return TestThrume.await(done.future(), 30);
  }

  @Test
  void sendsCloserThanTheWindowWaitForItAndShareOneStatementALoneSendDoesNotWait() {
    User alice = client.register("alice");
    String id = client.conversation(alice, client.register("bob"));
    ThrumeMetrics meter = ThrumeMetrics.create();
    List<long[]> answers = timed(windowed(3_000, meter), requests(alice, id, 6));
    DistributionSummary batches = meter.registry().get("thrume.store.batch.messages").summary();
    assertEquals(2, batches.count(), "the first alone, the five after it together");
    assertEquals(5, batches.max());
    assertTrue(answers.get(0)[1] < 2_000, "the first did not wait for the window: " + answers.get(0)[1] + " ms");
    for (int i = 1; i < 6; i++) {
      assertTrue(answers.get(i)[1] >= 2_900, "send " + i + " waited out the window: " + answers.get(i)[1] + " ms");
    }
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), answers.stream().map(a -> a[0]).toList());
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), seqs(id));
  }

  @Test
  void aFullBatchDoesNotWaitForTheWindow() {
    User alice = client.register("alice");
    String id = client.conversation(alice, client.register("bob"));
    ThrumeMetrics meter = ThrumeMetrics.create();
    List<long[]> answers = timed(windowed(10_000, meter), requests(alice, id, MessageBatcher.SMALL_BATCH + 1));
    DistributionSummary batches = meter.registry().get("thrume.store.batch.messages").summary();
    assertEquals(2, batches.count(), "the first alone, then a full batch");
    assertEquals(MessageBatcher.SMALL_BATCH, batches.max());
    long last = answers.stream().mapToLong(a -> a[1]).max().orElseThrow();
    assertTrue(last < 8_000, "a full batch left before the window's end: the last answer came after " + last + " ms");
    assertEquals(MessageBatcher.SMALL_BATCH + 1L, seqs(id).size());
  }

  private static String upload(User user, String conversationId, String name) {
    io.thrume.support.Uploads.Answer a = new io.thrume.support.Uploads(thrume.port)
      .raw(user.token(), conversationId, name.getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/plain", name);
    assertEquals(201, a.status(), a.toString());
    return a.json().getString("id");
  }

  @Test
  void twoSendsOfOneBatchThatNameTheSameFileAttachItOnceAsIfSentInTurn() {
    User alice = client.register("alice");
    String id = client.conversation(alice, client.register("bob"));
    String file = upload(alice, id, "shared.txt");
    String other = upload(alice, id, "other.txt");
    List<JsonObject> answers = burst(
      request(alice, id, "first", "a-1").put("attachmentIds", new io.vertx.core.json.JsonArray().add(file)),
      request(alice, id, "second", "a-2").put("attachmentIds", new io.vertx.core.json.JsonArray().add(other).add(file)),
      request(alice, id, "third", "a-3").put("attachmentIds", new io.vertx.core.json.JsonArray().add(other)));
    assertTrue(answers.get(0).containsKey("message"), answers.toString());
    assertEquals(file, answers.get(0).getJsonObject("message").getJsonArray("attachments").getJsonObject(0).getString("id"));
    assertTrue(answers.get(1).getString("failure", "").startsWith("INVALID"), answers.toString());
    assertEquals(other, answers.get(2).getJsonObject("message").getJsonArray("attachments").getJsonObject(0).getString("id"));
    assertEquals(List.of(1L, 2L), seqs(id));
    assertEquals(1, thrume.count("SELECT message_seq FROM attachment WHERE id = '" + file + "'"));
    assertEquals(2, thrume.count("SELECT message_seq FROM attachment WHERE id = '" + other + "'"));
  }

  @Test
  void aFileAttachedConcurrentlyElsewhereRollsTheBatchBackAndItsSendIsRefused() throws Exception {
    User alice = client.register("alice");
    String id = client.conversation(alice, client.register("bob"));
    String file = upload(alice, id, "raced.txt");
    List<JsonObject> answers;
    // another node's transaction: holds the conversation's lock and has attached the file, uncommitted
    try (Connection other = thrume.jdbc()) {
      other.setAutoCommit(false);
      other.createStatement().execute("UPDATE conversation SET last_seq = last_seq + 1 WHERE id = '" + id + "'");
      other.createStatement().execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) "
        + "VALUES ('" + id + "', 1, '" + alice.id() + "', 'from another node', 'elsewhere')");
      other.createStatement().execute("UPDATE attachment SET message_seq = 1, position = 1 WHERE id = '" + file + "'");
      Future<List<JsonObject>> pending = burstAsync(
        request(alice, id, "mine too", "r-1").put("attachmentIds", new io.vertx.core.json.JsonArray().add(file)));
      waitUntilABatchWaitsOnALock();
      other.commit();
      answers = TestThrume.await(pending, 30);
    }
    assertTrue(answers.get(0).getString("failure", "").startsWith("INVALID"), answers.toString());
    assertEquals(List.of(1L), seqs(id), "nothing stored");
    assertEquals(1, thrume.count("SELECT last_seq FROM conversation WHERE id = '" + id + "'"), "no seq burnt");
    assertEquals(1, thrume.count("SELECT message_seq FROM attachment WHERE id = '" + file + "'"));
  }

  private static JsonObject request(User sender, String conversationId, String content, String clientMessageId) {
    return new JsonObject().put("senderId", sender.id()).put("conversationId", conversationId).put("content", content)
      .put("clientMessageId", clientMessageId);
  }

  /** Sends a lead message, then the requests while it is in flight: they leave together as the next batch. */
  private static Future<List<JsonObject>> burstAsync(JsonObject... requests) {
    Promise<List<JsonObject>> done = Promise.promise();
    context.runOnContext(v -> {
      batcher.insert(request(lead, leadConversation, "lead", UUID.randomUUID().toString()));
      List<Future<JsonObject>> answers = new ArrayList<>();
      for (JsonObject request : requests) {
        answers.add(batcher.insert(request).otherwise(e -> new JsonObject().put("failure", e.getMessage())));
      }
      Future.all(answers).map(all -> answers.stream().map(Future::result).toList()).onComplete(done);
    });
    return done.future();
  }

  private static List<JsonObject> burst(JsonObject... requests) {
    return TestThrume.await(burstAsync(requests), 30);
  }

  private static io.micrometer.core.instrument.DistributionSummary summary() {
    return metrics.registry().get("thrume.store.batch.messages").summary();
  }

  /** {transactions, requests answered} of the shared Thrume's batch meter, read from GET /metrics. */
  private static double[] batchMeter() {
    double[] out = new double[2];
    for (String line : client.get("/metrics", null).body().toString().split("\n")) {
      if (line.startsWith("thrume_store_batch_messages_count ")) {
        out[0] = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      } else if (line.startsWith("thrume_store_batch_messages_sum ")) {
        out[1] = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    }
    return out;
  }

  private static List<Long> seqs(String conversationId) {
    String list = thrume.string("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM message WHERE conversation_id = '"
      + conversationId + "'");
    return list == null ? List.of() : java.util.Arrays.stream(list.split(",")).map(Long::valueOf).toList();
  }

  private static long marker(String column, String conversationId, User user) {
    return thrume.count("SELECT " + column + " FROM participant WHERE conversation_id = '" + conversationId
      + "' AND account_id = '" + user.id() + "'");
  }

  private static void waitUntilABatchWaitsOnALock() throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      if (thrume.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") > 0) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("no batch waited on the other transaction's lock");
  }
}
