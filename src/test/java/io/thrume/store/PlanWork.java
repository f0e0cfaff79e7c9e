package io.thrume.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * For tests of kept plans: a new install's small tables, and PostgreSQL's own account of what a plan
 * did (the rows its nodes produced over all their loops), which does not depend on the machine's
 * speed as a timing would.
 */
final class PlanWork {
  private PlanWork() {
  }

  /** A member of a conversation: ids as text. */
  record Member(String conversation, String account) {
  }

  /**
   * 200 accounts in 10 conversations of 20, analyzed; the message table stays empty. Returns one
   * of the members.
   */
  static Member tenConversationsOfTwenty(Statement s, String prefix) throws SQLException {
    s.execute("INSERT INTO account (id, username, display_name, password_hash) SELECT gen_random_uuid(), '"
      + prefix + "_' || i, '" + prefix + " ' || i, 'x' FROM generate_series(0, 199) i");
    s.execute("INSERT INTO conversation (id, title) SELECT gen_random_uuid(), '" + prefix + " ' || i "
      + "FROM generate_series(0, 9) i");
    s.execute("INSERT INTO participant (conversation_id, account_id) SELECT c.id, a.id "
      + "FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM account) a "
      + "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM conversation) c ON c.i = a.i % 10");
    s.execute("ANALYZE");
    try (ResultSet rs = s.executeQuery("SELECT conversation_id, account_id FROM participant LIMIT 1")) {
      rs.next();
      return new Member(rs.getString(1), rs.getString(2));
    }
  }

  /** The session takes the settings of the connections that keep their plans (StoreVerticle.forKeptPlans). */
  static void keptPlanSettings(Statement s) throws SQLException {
    var defaults = new PgConnectOptions().getProperties();
    for (var setting : StoreVerticle.forKeptPlans(new PgConnectOptions()).getProperties().entrySet()) {
      if (!defaults.containsKey(setting.getKey())) {
        s.execute("SET " + setting.getKey() + " = '" + setting.getValue() + "'");
      }
    }
  }

  /** EXPLAIN ANALYZE's JSON for a statement (run for real: roll back what must not stay). */
  static JsonArray explained(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)) {
      rs.next();
      return new JsonArray(rs.getString(1));
    }
  }

  /** Rows a node produced over all its loops, summed over the node and everything under it. */
  static long rows(JsonObject node) {
    long sum = node.getLong("Actual Rows", 0L) * node.getLong("Actual Loops", 1L);
    JsonArray plans = node.getJsonArray("Plans");
    if (plans != null) {
      for (int i = 0; i < plans.size(); i++) {
        sum += rows(plans.getJsonObject(i));
      }
    }
    return sum;
  }
}
