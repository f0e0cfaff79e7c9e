package io.thrume.store;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Message search never reads the whole table: the plans PostgreSQL makes for the store's own
 * statements, over 100,000 messages, have no sequential scan of {@code message}; the index plans
 * look a rare word up in the GIN index, the reading plan reads conversations newest first.
 */
@ExtendWith(SharedThrume.class)
class MessageSearchPlanTest {
  static final int MESSAGES = 100_000;
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  @Test
  void searchingAHundredThousandMessagesUsesTheIndex() throws Exception {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String big = rest.acceptedConversation(alice, bob);
    String small = rest.acceptedConversation(alice, bob);
    try (Connection c = thrume.jdbc(); Statement s = c.createStatement()) {
      // 100,000 messages in one conversation, a few words each, one of them rare
      s.execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) "
        + "SELECT '" + big + "', i, '" + alice.id() + "', 'hello there ' || md5(i::text) || ' see you', 'plan-' || i "
        + "FROM generate_series(1, " + MESSAGES + ") AS i");
      s.execute("UPDATE conversation SET last_seq = " + MESSAGES + " WHERE id = '" + big + "'");
      s.execute("ANALYZE message");
      try {
        String rare = "'" + md5(s, 4242).substring(0, 10) + "':*";
        for (String[] statement : List.of(
          new String[] {MessageSearch.IN_MINE, alice.id(), rare, "20", null},
          new String[] {MessageSearch.IN_ONE, alice.id(), rare, "20", big},
          new String[] {MessageSearch.IN_ONE, alice.id(), rare, "20", small},
          new String[] {MessageSearch.IN_MINE, alice.id(), "'hello':* & 'see':*", "20", null},
          // the reading plan (scopes up to SCAN_LIMIT messages) reads by conversation, newest first
          new String[] {MessageSearch.READ, alice.id(), rare, "20", null},
          new String[] {MessageSearch.READ, alice.id(), rare, "20", small})) {
          String plan = plan(s, statement);
          assertFalse(plan.contains("Seq Scan on message"), "no sequential scan of message:\n" + plan);
          // (in a small conversation, reading its few messages by conversation is the better plan)
          if (statement[0].equals(MessageSearch.READ)) {
            assertTrue(plan.contains("Index Scan Backward using message_conversation_seq"), "read newest first:\n" + plan);
          } else if (statement[2].equals(rare) && !small.equals(statement[4])) {
            assertTrue(plan.contains("message_search"), "a rare word is looked up in the index:\n" + plan);
          }
        }
        // through the API: alice's 100,000 messages are beyond SCAN_LIMIT, so the index answers
        io.vertx.core.json.JsonArray found = rest.get("/api/search/messages?q=" + md5(s, 4242).substring(0, 10), alice.token())
          .json().getJsonArray("messages");
        org.junit.jupiter.api.Assertions.assertEquals(1, found.size(), found.encode());
        org.junit.jupiter.api.Assertions.assertEquals(4242L, found.getJsonObject(0).getLong("seq"));
      } finally {
        s.execute("DELETE FROM conversation WHERE id = '" + big + "'");
      }
    }
  }

  static String md5(Statement s, int i) throws Exception {
    try (ResultSet rs = s.executeQuery("SELECT md5('" + i + "')")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** EXPLAIN of a statement with its parameters ($1 user, $2 tsquery, $3 limit, $4 conversation) put in. */
  static String plan(Statement s, String[] statement) throws Exception {
    String sql = statement[0].replace("$1", "'" + statement[1] + "'::uuid").replace("$2", "'" + statement[2].replace("'", "''") + "'")
      .replace("$3", statement[3]).replace("$4", statement[4] == null ? "NULL" : "'" + statement[4] + "'::uuid");
    List<String> lines = new ArrayList<>();
    try (ResultSet rs = s.executeQuery("EXPLAIN " + sql)) {
      while (rs.next()) {
        lines.add(rs.getString(1));
      }
    }
    return String.join("\n", lines);
  }
}
