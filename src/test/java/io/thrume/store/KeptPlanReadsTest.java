package io.thrume.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reads every session makes (sync, the membership check, where conversations stand) run on the
 * lookup pool, whose connections plan each statement once and keep that generic plan
 * (StoreVerticle.forKeptPlans). A plan made on a new install's empty tables must stay a walk down
 * the indexes once the tables have grown: checked on PostgreSQL's own account (EXPLAIN ANALYZE of
 * the kept plan), as the rows all plan nodes produced over all their loops, not a timing.
 */
class KeptPlanReadsTest {
  private static final int MESSAGES_PER_CONVERSATION = 2_000;
  private static EmbeddedPostgres pg;
  private static Connection c;
  private static Statement s;
  private static String conversation;
  private static String member;

  @BeforeAll
  static void emptyInstall() throws Exception {
    pg = EmbeddedPostgres.builder().start();
    c = pg.getPostgresDatabase().getConnection();
    s = c.createStatement();
    Flyway.configure().dataSource(pg.getPostgresDatabase()).locations("classpath:db/migration").load().migrate();
    PlanWork.Member one = PlanWork.tenConversationsOfTwenty(s, "kept");
    conversation = one.conversation();
    member = one.account();
    // the lookup pool's settings; each plan is made at its statement's first run, on the empty message table
    PlanWork.keptPlanSettings(s);
    s.execute("PREPARE kept_sync(uuid, uuid[], bigint[], int) AS " + MessageStore.SYNC);
    s.execute("PREPARE kept_changes(uuid, uuid[], bigint[], int) AS " + MessageStore.SYNC_CHANGES);
    s.execute("PREPARE kept_member(uuid, uuid) AS " + ConversationStore.MEMBER);
    s.execute("PREPARE kept_last_seqs(uuid[]) AS " + ConversationStore.LAST_SEQS);
    s.execute("EXECUTE kept_sync(" + syncArguments(0) + ")");
    s.execute("EXECUTE kept_changes(" + syncArguments(0) + ")");
    s.execute("EXECUTE kept_member('" + conversation + "', '" + member + "')");
    s.execute("EXECUTE kept_last_seqs('{" + conversation + "}')");
    // then 20,000 messages, a tenth of them changed (edited), under the same kept plans
    s.execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id, change_seq, edited_at) "
      + "SELECT p.conversation_id, g, p.account_id, 'kept ' || g, 'kept-' || p.conversation_id || '-' || g, "
      + "CASE WHEN g % 10 = 0 THEN g / 10 ELSE 0 END, CASE WHEN g % 10 = 0 THEN now() END "
      + "FROM (SELECT DISTINCT ON (conversation_id) conversation_id, account_id FROM participant ORDER BY conversation_id) p "
      + "CROSS JOIN generate_series(1, " + MESSAGES_PER_CONVERSATION + ") g");
    s.execute("UPDATE conversation SET last_seq = " + MESSAGES_PER_CONVERSATION + ", last_change = "
      + MESSAGES_PER_CONVERSATION / 10);
  }

  @AfterAll
  static void stop() throws Exception {
    c.close();
    pg.close();
  }

  @Test
  void aSyncFromTheStartReadsAPageNotTheConversation() throws Exception {
    JsonObject plan = explained("EXECUTE kept_sync(" + syncArguments(0) + ")");
    // a page of 100 and the one that says there is more
    assertEquals(101, plan.getLong("Actual Rows"), plan.encodePrettily());
    assertReadsAtMost(plan, 1_000, "a sync of 101 messages");
    assertOnlyGenericPlans("kept_sync");
  }

  @Test
  void aSyncNearTheEndReadsWhatFollows() throws Exception {
    JsonObject plan = explained("EXECUTE kept_sync(" + syncArguments(MESSAGES_PER_CONVERSATION - 3) + ")");
    assertEquals(3, plan.getLong("Actual Rows"), plan.encodePrettily());
    assertReadsAtMost(plan, 100, "a sync of 3 messages");
  }

  @Test
  void aSyncOfChangesReadsThemByTheirIndex() throws Exception {
    JsonObject plan = explained("EXECUTE kept_changes(" + syncArguments(MESSAGES_PER_CONVERSATION / 10 - 3) + ")");
    assertEquals(3, plan.getLong("Actual Rows"), plan.encodePrettily());
    assertReadsAtMost(plan, 100, "a sync of 3 changed messages");
    assertOnlyGenericPlans("kept_changes");
  }

  @Test
  void theMembershipCheckAndLastSeqsAreOneIndexProbeEach() throws Exception {
    JsonObject member = explained("EXECUTE kept_member('" + conversation + "', '" + KeptPlanReadsTest.member + "')");
    assertEquals(1, member.getLong("Actual Rows"));
    assertReadsAtMost(member, 2, "a membership check");
    JsonObject seqs = explained("EXECUTE kept_last_seqs('{" + conversation + "}')");
    assertEquals(1, seqs.getLong("Actual Rows"));
    assertReadsAtMost(seqs, 2, "where one conversation stands");
    assertOnlyGenericPlans("kept_member");
    assertOnlyGenericPlans("kept_last_seqs");
  }

  /** ($1 member, $2 {conversation}, $3 {after}, $4 the page + 1), as MessageStore.after binds them. */
  private static String syncArguments(long after) {
    return "'" + member + "', '{" + conversation + "}', '{" + after + "}', 101";
  }

  private static JsonObject explained(String execute) throws Exception {
    return PlanWork.explained(s, execute).getJsonObject(0).getJsonObject("Plan");
  }

  private static void assertReadsAtMost(JsonObject plan, long bound, String what) {
    long work = PlanWork.rows(plan);
    System.out.println("[KeptPlanReadsTest] " + what + " on its kept plan: rows produced over all loops: " + work);
    assertTrue(work <= bound, what + " produced " + work + " rows over all loops:\n" + plan.encodePrettily());
  }

  /** The statement ran on its generic plan every time: PostgreSQL never planned it for its parameters. */
  private static void assertOnlyGenericPlans(String name) throws Exception {
    try (ResultSet rs = s.executeQuery("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = '"
      + name + "'")) {
      assertTrue(rs.next(), name + " is prepared");
      assertTrue(rs.getLong(1) >= 2, name + " ran on its generic plan");
      assertEquals(0L, rs.getLong(2), name + " was never planned for its parameters");
    }
  }
}
