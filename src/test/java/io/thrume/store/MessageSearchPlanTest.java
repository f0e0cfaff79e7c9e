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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Message search never reads the whole table: the plans PostgreSQL makes for the store's own
 * statements, over 100,000 messages, have no sequential scan of {@code message}; the index plans
 * look a rare word up in the GIN index (and not a common one beside it), the reading plan reads
 * conversations newest first, a window of each at most.
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
        String window = String.valueOf(ReadWindow.rowsPerConversation(new long[] {MESSAGES, 0}, MessageSearch.READ_BUDGET));
        for (String[] statement : List.of(
          // ($1 user, $2 tsquery, $3 limit, $4 index tsquery or conversation, $5 index tsquery or window)
          new String[] {MessageSearch.IN_MINE, alice.id(), rare, "20", rare},
          new String[] {MessageSearch.IN_ONE, alice.id(), rare, "20", big, rare},
          new String[] {MessageSearch.IN_ONE, alice.id(), rare, "20", small, rare},
          new String[] {MessageSearch.IN_MINE, alice.id(), "'hello':* & 'see':*", "20", "'hello':* & 'see':*"},
          // the reading plan reads by conversation, newest first, the newest READ_BUDGET at most
          new String[] {MessageSearch.READ, alice.id(), rare, "20", null, window},
          new String[] {MessageSearch.READ, alice.id(), rare, "20", small, window})) {
          String plan = plan(s, statement);
          assertFalse(plan.contains("Seq Scan on message"), "no sequential scan of message:\n" + plan);
          // (in a small conversation, reading its few messages by conversation is the better plan)
          if (statement[0].equals(MessageSearch.READ)) {
            assertTrue(plan.contains("Index Scan Backward using message_conversation_seq"), "read newest first:\n" + plan);
          } else if (statement[2].equals(rare) && !small.equals(statement[4])) {
            assertTrue(plan.contains("message_search"), "a rare word is looked up in the index:\n" + plan);
          }
        }
        // through the API: alice's 100,000 messages are beyond READ_BUDGET and the newest 5,000 do not
        // hold the word, so the index answers
        io.vertx.core.json.JsonArray found = rest.get("/api/search/messages?q=" + md5(s, 4242).substring(0, 10), alice.token())
          .json().getJsonArray("messages");
        org.junit.jupiter.api.Assertions.assertEquals(1, found.size(), found.encode());
        org.junit.jupiter.api.Assertions.assertEquals(4242L, found.getJsonObject(0).getLong("seq"));
      } finally {
        s.execute("DELETE FROM conversation WHERE id = '" + big + "'");
      }
    }
  }

  /**
   * A user in 50 conversations of 2,000 messages (100,000 in scope, as W7's heavy group). Each
   * conversation is read newest first within a window (READ_BUDGET in all, not 100,000); when that
   * finds too little, the index looks up only the rare word of "hello &lt;rare&gt;", not "hello",
   * which is in every message: with both, the index would read the whole table's postings of "hello".
   */
  @Test
  void aHeavyScopeIsReadInAWindowAndOnlyRareWordsGoToTheIndex() throws Exception {
    User dave = rest.register("dave");
    User erin = rest.register("erin");
    List<String> ids = new ArrayList<>();
    try (Connection c = thrume.jdbc(); Statement s = c.createStatement()) {
      // written directly: creating 50 conversations through the API is rate-limited
      try (ResultSet rs = s.executeQuery("INSERT INTO conversation (title) SELECT 'heavy ' || i FROM generate_series(1, 50) AS i RETURNING id")) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      String array = "'{" + String.join(",", ids) + "}'::uuid[]";
      s.execute("INSERT INTO participant (conversation_id, account_id) SELECT c.id, u.id FROM unnest(" + array + ") AS c(id), "
        + "unnest('{" + dave.id() + "," + erin.id() + "}'::uuid[]) AS u(id)");
      s.execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) "
        + "SELECT c.id, i, '" + dave.id() + "', 'hello there ' || md5((c.k * 10000 + i)::text) || ' see you', 'heavy-' || c.k || '-' || i "
        + "FROM unnest(" + array + ") WITH ORDINALITY AS c(id, k), generate_series(1, 2000) AS i");
      s.execute("UPDATE conversation SET last_seq = 2000 WHERE id = ANY(" + array + ")");
      s.execute("ANALYZE message");
      try {
        long[] sizes = new long[50];
        java.util.Arrays.fill(sizes, 2000);
        long window = ReadWindow.rowsPerConversation(sizes, MessageSearch.READ_BUDGET);
        assertEquals(MessageSearch.READ_BUDGET / 50, window);
        String rare = md5(s, 7 * 10000 + 1234).substring(0, 10);
        String query = MessageSearch.tsquery(List.of("hello", rare));

        String read = plan(s, new String[] {MessageSearch.READ, dave.id(), query, "20", null, String.valueOf(window)});
        assertFalse(read.contains("Seq Scan on message"), read);
        assertTrue(read.contains("Index Scan Backward using message_conversation_seq"), "read newest first:\n" + read);
        assertTrue(read.contains("(seq > (s.last_seq - " + window + "))"), "only the window is read:\n" + read);

        java.util.NavigableMap<String, Double> known = new java.util.TreeMap<>();
        try (ResultSet rs = s.executeQuery(TermFrequencies.LOAD)) {
          while (rs.next()) {
            known.put(rs.getString(1), rs.getDouble(2));
          }
        }
        assertTrue(TermFrequencies.share(known, "hello") > TermFrequencies.COMMON, "hello is common: " + known.get("hello"));
        List<String> indexWords = TermFrequencies.indexWords(known, List.of("hello", rare));
        assertEquals(List.of(rare), indexWords);
        String index = plan(s, new String[] {MessageSearch.IN_MINE, dave.id(), query, "20", MessageSearch.tsquery(indexWords)});
        assertFalse(index.contains("Seq Scan on message"), index);
        List<String> lookups = index.lines().filter(l -> l.contains("Cond") && l.contains("search @@")).toList();
        assertFalse(lookups.isEmpty(), "the rare word is looked up in the index:\n" + index);
        assertTrue(lookups.stream().noneMatch(l -> l.contains("hello")), "hello is not looked up:\n" + index);

        // through the API: the rare word is found by the index, every word still required
        io.vertx.core.json.JsonArray found = rest.get("/api/search/messages?q=hello%20" + rare, dave.token()).json().getJsonArray("messages");
        assertEquals(1, found.size(), found.encode());
        assertEquals(1234L, found.getJsonObject(0).getLong("seq"));
        assertEquals(ids.get(6), found.getJsonObject(0).getString("conversationId"));
        assertEquals(0, rest.get("/api/search/messages?q=goodbye%20" + rare, dave.token()).json().getJsonArray("messages").size());
        // a common word fills the page from the window: the newest (all sent at once, so the highest seqs)
        found = rest.get("/api/search/messages?q=see%20hel", dave.token()).json().getJsonArray("messages");
        assertEquals(20, found.size());
        for (int i = 0; i < 20; i++) {
          assertEquals(2000L, found.getJsonObject(i).getLong("seq"), found.encode());
        }
      } finally {
        s.execute("DELETE FROM conversation WHERE id = ANY(" + array + ")");
      }
    }
  }

  /**
   * A full page read from the windows is not the answer when something left unread is newer: a
   * dormant conversation's month-old messages fill the page, while the busy one's newer matches are
   * below its window. The read statement reports the busy conversation's newest unread message, and
   * ReadWindow sees that the page's oldest hit is older than it.
   */
  @Test
  void aFullPageOlderThanWhatWasLeftUnreadIsNotTheAnswer() throws Exception {
    User frank = rest.register("frank");
    User grace = rest.register("grace");
    String dormant = rest.acceptedConversation(frank, grace);
    String busy = rest.acceptedConversation(frank, grace);
    long[] sizes = {3000, 3000};
    long window = ReadWindow.rowsPerConversation(sizes, MessageSearch.READ_BUDGET);
    assertTrue(window < 3000 - 400, "the busy conversation's matches are below its window: " + window);
    try (Connection c = thrume.jdbc(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, sent_at) "
        + "SELECT '" + dormant + "', i, '" + grace.id() + "', 'old news ' || i, 'dormant-' || i, now() - interval '30 days' + i * interval '1 second' "
        + "FROM generate_series(1, 3000) AS i");
      s.execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, sent_at) "
        + "SELECT '" + busy + "', i, '" + grace.id() + "', CASE WHEN i <= 400 THEN 'fresh news ' ELSE 'chatter ' END || i, "
        + "'busy-' || i, now() - interval '1 day' + i * interval '1 second' FROM generate_series(1, 3000) AS i");
      s.execute("UPDATE conversation SET last_seq = 3000 WHERE id IN ('" + dormant + "', '" + busy + "')");
      try {
        // the windows' page: 20 of the dormant conversation's, older than the busy one's newest unread message
        String sql = sql(new String[] {MessageSearch.READ, frank.id(), "'news':*", "20", null, String.valueOf(window)});
        List<String> conversations = new ArrayList<>();
        java.time.OffsetDateTime oldestAt = null;
        long oldestSeq = 0;
        java.time.OffsetDateTime horizonAt = null;
        Long horizonSeq = null;
        try (ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            conversations.add(rs.getString("conversation_id"));
            oldestAt = rs.getObject("sent_at", java.time.OffsetDateTime.class);
            oldestSeq = rs.getLong("seq");
            horizonAt = rs.getObject("horizon_at", java.time.OffsetDateTime.class);
            horizonSeq = rs.getLong("horizon_seq");
          }
        }
        assertEquals(java.util.Collections.nCopies(20, dormant), conversations);
        assertEquals(3000 - window, horizonSeq, "the busy conversation's newest unread message");
        assertFalse(ReadWindow.complete(20, 20, true, oldestAt, oldestSeq, horizonAt, horizonSeq), "not the answer");

        // through the API (the windows, wider windows, then the index; or the index at once if the
        // statistics the server read call "news" rare): the busy conversation's newest matches
        io.vertx.core.json.JsonArray found = rest.get("/api/search/messages?q=news", frank.token()).json().getJsonArray("messages");
        assertEquals(20, found.size(), found.encode());
        for (int i = 0; i < 20; i++) {
          assertEquals(busy, found.getJsonObject(i).getString("conversationId"));
          assertEquals(400L - i, found.getJsonObject(i).getLong("seq"));
        }
        // within the dormant conversation alone, its newest
        found = rest.get("/api/search/messages?q=news&conversationId=" + dormant, frank.token()).json().getJsonArray("messages");
        assertEquals(3000L, found.getJsonObject(0).getLong("seq"));
      } finally {
        s.execute("DELETE FROM conversation WHERE id IN ('" + dormant + "', '" + busy + "')");
      }
    }
  }

  /** A parameter as SQL: a number as it is, a tsquery as a string, anything else (a conversation) as a uuid. */
  private static String literal(String value) {
    if (value == null) {
      return "NULL";
    }
    if (value.matches("\\d+")) {
      return value;
    }
    return value.startsWith("'") ? "'" + value.replace("'", "''") + "'" : "'" + value + "'::uuid";
  }

  static String md5(Statement s, int i) throws Exception {
    try (ResultSet rs = s.executeQuery("SELECT md5('" + i + "')")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * EXPLAIN of a statement with its parameters ($1 user, $2 tsquery, $3 limit, $4 conversation or
   * the index's tsquery, $5 the window or the index's tsquery) put in, as the server's custom plans see them.
   */
  static String plan(Statement s, String[] statement) throws Exception {
    List<String> lines = new ArrayList<>();
    try (ResultSet rs = s.executeQuery("EXPLAIN " + sql(statement))) {
      while (rs.next()) {
        lines.add(rs.getString(1));
      }
    }
    return String.join("\n", lines);
  }

  /** A statement with its parameters put in (see {@link #plan}). */
  static String sql(String[] statement) {
    return statement[0].replace("$1", "'" + statement[1] + "'::uuid").replace("$2", literal(statement[2]))
      .replace("$3", statement[3]).replace("$4", literal(statement[4]))
      .replace("$5", statement.length > 5 ? literal(statement[5]) : "NULL");
  }
}
