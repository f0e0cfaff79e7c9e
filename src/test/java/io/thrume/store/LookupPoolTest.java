package io.thrume.store;

import io.thrume.bus.Addresses;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session's reads by key (its sync, its membership checks, where its conversations stand) run on
 * the lookup pool, whose connections keep each statement's generic plan (KeptPlanReadsTest checks
 * those plans); PostgreSQL names each pool's connections, so pg_stat_activity tells which ran what.
 */
@ExtendWith(SharedThrume.class)
class LookupPoolTest {
  @Shared static TestThrume thrume;

  @Test
  void syncMembershipAndLastSeqsRunOnTheLookupPool() throws Exception {
    String user = UUID.randomUUID().toString();
    String conversation = UUID.randomUUID().toString();
    try (Connection c = thrume.jdbc(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO account (id, username, display_name, password_hash) VALUES ('" + user + "', 'lookup_"
        + user.substring(0, 8) + "', 'Lookup', 'x')");
      s.execute("INSERT INTO conversation (id, title) VALUES ('" + conversation + "', 'lookups')");
      s.execute("INSERT INTO participant (conversation_id, account_id) VALUES ('" + conversation + "', '" + user + "')");
    }
    Map<String, String> lastQueries = new HashMap<>();
    JsonObject member = TestThrume.await(thrume.vertx.eventBus().<JsonObject>request(Addresses.STORE_MEMBERSHIP,
      new JsonObject().put("conversationId", conversation).put("userId", user)), 10).body();
    assertEquals(true, member.getBoolean("member"));
    lastQueries.put(ConversationStore.MEMBER, lastQueryOf(ConversationStore.MEMBER));
    JsonObject seqs = TestThrume.await(thrume.vertx.eventBus().<JsonObject>request(Addresses.STORE_LAST_SEQS,
      new JsonObject().put("ids", new JsonArray().add(conversation))), 10).body();
    assertEquals(0L, seqs.getJsonObject("seqs").getLong(conversation));
    lastQueries.put(ConversationStore.LAST_SEQS, lastQueryOf(ConversationStore.LAST_SEQS));
    Object synced = TestThrume.await(thrume.vertx.eventBus().request(Addresses.STORE_MESSAGE_SYNC,
      new JsonObject().put("userId", user).put("positions", new JsonObject().put(conversation, 0L)).put("limit", 10)
        .put("maxBytes", 1 << 20)), 10).body();
    assertTrue(String.valueOf(synced).contains(conversation), "the sync answers for the conversation: " + synced);
    lastQueries.put(MessageStore.SYNC, lastQueryOf(MessageStore.SYNC));
    lastQueries.forEach((sql, pool) -> assertEquals(StoreVerticle.LOOKUPS_NAME, pool, "the pool that ran " + sql));
    // every pool names its connections (a copied options object does not share one pool's name with another)
    Set<String> names = poolNames();
    assertTrue(names.contains(StoreVerticle.LOOKUPS_NAME) && !names.contains("vertx-pg-client"), "pools seen: " + names);
  }

  /** The application name of the connection whose last statement was {@code sql} (null: none). */
  private static String lastQueryOf(String sql) throws Exception {
    try (Connection c = thrume.jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT application_name, query FROM pg_stat_activity WHERE datname = current_database()")) {
      while (rs.next()) {
        // PostgreSQL keeps the first 1,024 bytes of a statement's text there (track_activity_query_size)
        String query = rs.getString(2);
        if (query != null && !query.isEmpty() && sql.startsWith(query)) {
          return rs.getString(1);
        }
      }
    }
    return null;
  }

  private static Set<String> poolNames() throws Exception {
    Set<String> names = new HashSet<>();
    try (Connection c = thrume.jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database()")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
