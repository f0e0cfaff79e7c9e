package io.thrume.store;

import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
 * nodes produced over all their loops, not a timing.
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
        assertBatchWorkIsAtMostSquare(c, s, conversations, senderIds);
      } finally {
        c.setAutoCommit(true);
        s.execute("DELETE FROM conversation WHERE title LIKE 'plan %'");
        s.execute("DELETE FROM account WHERE username LIKE 'plan\\_%'");
      }
    }
  }

  /** The insert of one batch, explained and rolled back: rows produced over all loops by all plan nodes ≤ 4 n². */
  private static void assertBatchWorkIsAtMostSquare(Connection c, Statement s, List<String> conversations, List<String> senderIds) throws Exception {
    List<String> contents = new ArrayList<>();
    List<String> clientIds = new ArrayList<>();
    for (int i = 0; i < BATCH; i++) {
      contents.add("\"plan " + i + "\"");
      clientIds.add("plan-" + UUID.randomUUID());
    }
    String sql = MessageBatcher.INSERT
      .replace("$1", array(conversations)).replace("$2", array(senderIds)).replace("$3", array(contents))
      .replace("$4", array(clientIds)).replace("$5", array(Collections.nCopies(BATCH, "NULL")))
      .replace("$6", array(Collections.nCopies(BATCH, "NULL")));
    c.setAutoCommit(false);
    JsonArray explained;
    try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)) {
      rs.next();
      explained = new JsonArray(rs.getString(1));
    } finally {
      c.rollback();
    }
    JsonObject root = explained.getJsonObject(0).getJsonObject("Plan");
    assertEquals(BATCH, root.getLong("Actual Rows"), "one row per request:\n" + explained.encodePrettily());
    long work = work(root);
    System.out.println("[MessageInsertPlanTest] rows produced over all loops for " + BATCH + " messages: " + work);
    assertTrue(work <= 4L * BATCH * BATCH,
      "rows produced over all loops: " + work + " for " + BATCH + " messages:\n" + explained.encodePrettily());
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
