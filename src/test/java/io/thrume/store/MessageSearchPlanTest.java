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
 * Message search reads the GIN index, not the whole table: the plans PostgreSQL makes for the
 * store's own statements, over 100,000 messages, have no sequential scan of {@code message}.
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
          new String[] {MessageSearch.IN_MINE, alice.id(), "'hello':* & 'see':*", "20", null})) {
          String plan = plan(s, statement);
          assertFalse(plan.contains("Seq Scan on message"), "no sequential scan of message:\n" + plan);
          // (in a small conversation, reading its few messages by conversation is the better plan)
          if (statement[2].equals(rare) && !small.equals(statement[4])) {
            assertTrue(plan.contains("message_search"), "a rare word is looked up in the index:\n" + plan);
          }
        }
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
      .replace("$3", statement[3]).replace("$4", "'" + statement[4] + "'::uuid");
    List<String> lines = new ArrayList<>();
    try (ResultSet rs = s.executeQuery("EXPLAIN " + sql)) {
      while (rs.next()) {
        lines.add(rs.getString(1));
      }
    }
    return String.join("\n", lines);
  }
}
