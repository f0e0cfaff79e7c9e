package io.thrume.store;

import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batch insert's work grows with the square of the batch at most. Its plan once joined each
 * request to every inserted message and, per pair, looked the sender up: a cube. 100 messages took
 * a second, a full batch of 256 about fifteen, and under sustained load every batch was full, so
 * sending stalled for good (the benchmark's W6 at 400 msgs/s acknowledged 604 of 60,000). Checked
 * on PostgreSQL's own account of a full batch (EXPLAIN ANALYZE, rolled back): the rows all plan
 * nodes produced over all their loops, not a timing. Both plans are checked: one made for the
 * batch's own arrays, and the generic plan the batcher's connections use (made once, for arrays of
 * unknown size; StoreVerticle.forInserts). And a generic plan made on an empty message table, as on
 * a new install, must not read the table whole once it has grown: such a plan once looked a
 * request's earlier copy up by scanning every message (2.7 ms at 10,000 messages, 25 ms a
 * statement at a few tens of thousands).
 */
@ExtendWith(SharedThrume.class)
class MessageInsertPlanTest {
  static final int BATCH = 256;
  @Shared static TestThrume thrume;

  @Test
  void aFullBatchCostsAtMostTheSquareOfItsSize() throws Exception {
    try (Connection c = thrume.jdbc(); Statement s = c.createStatement()) {
      // the shape the stall was seen in: 2,000 accounts in 100 conversations of 20, analyzed
      s.execute("INSERT INTO account (id, username, display_name, password_hash) SELECT gen_random_uuid(), "
        + "'plan_' || i, 'Plan ' || i, 'x' FROM generate_series(0, 1999) i");
      s.execute("INSERT INTO conversation (id, title) SELECT gen_random_uuid(), 'plan ' || i FROM generate_series(0, 99) i");
      s.execute("INSERT INTO participant (conversation_id, account_id) SELECT c.id, a.id "
        + "FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM account WHERE username LIKE 'plan\\_%') a "
        + "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM conversation WHERE title LIKE 'plan %') c "
        + "ON c.i = a.i % 100");
      s.execute("ANALYZE");
      List<String> conversations = new ArrayList<>();
      List<String> senderIds = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT p.conversation_id, p.account_id FROM participant p "
        + "JOIN account a ON a.id = p.account_id WHERE a.username LIKE 'plan\\_%' ORDER BY random() LIMIT " + BATCH)) {
        while (rs.next()) {
          conversations.add(rs.getString(1));
          senderIds.add(rs.getString(2));
        }
      }
      try {
        assertBatchWorkIsAtMostSquare(c, s, conversations, senderIds, false);
        // the largest batch the kept generic plan runs
        assertBatchWorkIsAtMostSquare(c, s, conversations.subList(0, MessageBatcher.SMALL_BATCH),
          senderIds.subList(0, MessageBatcher.SMALL_BATCH), true);
      } finally {
        c.setAutoCommit(true);
        s.execute("DELETE FROM conversation WHERE title LIKE 'plan %'");
        s.execute("DELETE FROM account WHERE username LIKE 'plan\\_%'");
      }
    }
  }

  /** The insert of one batch, explained and rolled back: rows produced over all loops by all plan nodes ≤ 4 n² for n requests (8 n² on the generic plan). */
  private static void assertBatchWorkIsAtMostSquare(Connection c, Statement s, List<String> conversations, List<String> senderIds,
                                                    boolean generic) throws Exception {
    int n = conversations.size();
    List<String> contents = new ArrayList<>();
    List<String> clientIds = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      contents.add("\"plan " + i + "\"");
      clientIds.add("plan-" + UUID.randomUUID());
    }
    String[] arrays = {array(conversations), array(senderIds), array(contents), array(clientIds),
      array(Collections.nCopies(n, "NULL")), array(Collections.nCopies(n, "NULL"))};
    String sql;
    if (generic) {
      s.execute("PREPARE plan_insert(uuid[], uuid[], text[], text[], bigint[], text[]) AS " + MessageBatcher.INSERT);
      sql = "EXECUTE plan_insert(" + String.join(", ", arrays) + ")";
    } else {
      sql = MessageBatcher.INSERT;
      for (int i = arrays.length; i >= 1; i--) {
        sql = sql.replace("$" + i, arrays[i - 1]);
      }
    }
    c.setAutoCommit(false);
    JsonArray explained;
    try {
      s.execute("SET LOCAL plan_cache_mode = " + (generic ? "force_generic_plan" : "force_custom_plan"));
      // the batcher's connections' other setting (StoreVerticle.forInserts)
      s.execute("SET LOCAL enable_seqscan = " + (generic ? "off" : "on"));
      try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)) {
        rs.next();
        explained = new JsonArray(rs.getString(1));
      }
    } finally {
      c.rollback();
      if (generic) {
        s.execute("DEALLOCATE plan_insert");
      }
    }
    JsonObject root = explained.getJsonObject(0).getJsonObject("Plan");
    assertEquals(n, root.getLong("Actual Rows"), "one row per request:\n" + explained.encodePrettily());
    long work = work(root);
    String plan = generic ? "generic plan" : "plan for the batch";
    System.out.println("[MessageInsertPlanTest] " + plan + ": rows produced over all loops for " + n + " messages: " + work);
    // the generic plan, made for about ten requests, pairs the batch's parts in nested loops (n² rows
    // each, a few times over); a plan gone cubic would still be 8 times over at 64
    long bound = (generic ? 8L : 4L) * n * n;
    assertTrue(work <= bound,
      plan + ": rows produced over all loops: " + work + " for " + n + " messages:\n" + explained.encodePrettily());
  }

  @Test
  void aGenericPlanMadeOnAnEmptyTableReadsNoMoreOfItOnceItHasGrown() throws Exception {
    // a database of its own: the message table must be empty when the plan is made, as on a new install
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
         Connection c = pg.getPostgresDatabase().getConnection();
         Statement s = c.createStatement()) {
      Flyway.configure().dataSource(pg.getPostgresDatabase()).locations("classpath:db/migration").load().migrate();
      s.execute("INSERT INTO account (id, username, display_name, password_hash) SELECT gen_random_uuid(), "
        + "'grow_' || i, 'Grow ' || i, 'x' FROM generate_series(0, 199) i");
      s.execute("INSERT INTO conversation (id, title) SELECT gen_random_uuid(), 'grow ' || i FROM generate_series(0, 9) i");
      s.execute("INSERT INTO participant (conversation_id, account_id) SELECT c.id, a.id "
        + "FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM account) a "
        + "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM conversation) c ON c.i = a.i % 10");
      s.execute("ANALYZE");
      String conversation;
      String sender;
      try (ResultSet rs = s.executeQuery("SELECT conversation_id, account_id FROM participant LIMIT 1")) {
        rs.next();
        conversation = rs.getString(1);
        sender = rs.getString(2);
      }
      // the batcher's connections' settings (StoreVerticle.forInserts); the plan is made at the first run
      s.execute("SET plan_cache_mode = force_generic_plan");
      s.execute("SET enable_seqscan = off");
      s.execute("PREPARE grown_insert(uuid[], uuid[], text[], text[], bigint[], text[]) AS " + MessageBatcher.INSERT);
      s.execute("EXECUTE grown_insert(" + one(conversation, sender) + ")");
      // 20,000 messages later, under the same kept plan
      s.execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) "
        + "SELECT p.conversation_id, 1000 + g * 100 + p.k, p.account_id, 'grown ' || g, 'grown-' || g || '-' || p.account_id "
        + "FROM (SELECT *, row_number() OVER (PARTITION BY conversation_id) AS k FROM participant) p "
        + "CROSS JOIN generate_series(1, 100) g");
      JsonArray explained;
      try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE grown_insert(" + one(conversation, sender) + ")")) {
        rs.next();
        explained = new JsonArray(rs.getString(1));
      }
      long work = work(explained.getJsonObject(0).getJsonObject("Plan"));
      System.out.println("[MessageInsertPlanTest] kept generic plan, one message after 20,000: rows produced over all loops: " + work);
      assertTrue(work <= 1_000, "one message read " + work + " rows:\n" + explained.encodePrettily());
    }
  }

  /** The batcher's arrays for one new message from {@code sender} to {@code conversation}. */
  private static String one(String conversation, String sender) {
    return "'{" + conversation + "}', '{" + sender + "}', '{\"grown\"}', '{" + UUID.randomUUID() + "}', '{NULL}', '{NULL}'";
  }

  /** An array literal, quoted as a SQL string. */
  private static String array(List<String> items) {
    return "'{" + String.join(",", items) + "}'";
  }

  /** Rows a node produced over all its loops, summed over the node and everything under it. */
  private static long work(JsonObject node) {
    long sum = node.getLong("Actual Rows", 0L) * node.getLong("Actual Loops", 1L);
    JsonArray plans = node.getJsonArray("Plans");
    if (plans != null) {
      for (int i = 0; i < plans.size(); i++) {
        sum += work(plans.getJsonObject(i));
      }
    }
    return sum;
  }
}
