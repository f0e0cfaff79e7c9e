package io.thrume.store;

import io.thrume.auth.PasswordHasher;
import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * V4__consent upgrades a database made by an earlier Thrume: participants that exist become
 * accepted (they keep seeing each other), conversations get no creator (created_by NULL: nobody
 * may remove anyone there, anyone may leave), and what consent adds works on it.
 */
class ConsentMigrationTest {
  static final String PASSWORD = "correct horse battery";

  @Test
  void aDatabaseOfTheSchemaBeforeConsentIsUpgradedAndKeepsWorking() throws Exception {
    try (EmbeddedPostgres external = EmbeddedPostgres.builder().start()) {
      try (Connection c = external.getPostgresDatabase().getConnection()) {
        c.createStatement().execute("CREATE USER thrume WITH PASSWORD 'pw-thrume'");
        c.createStatement().execute("CREATE DATABASE chat OWNER thrume");
      }
      String jdbc = "jdbc:postgresql://127.0.0.1:" + external.getPort() + "/chat";
      // the schema before consent (V1, V2), with three people in a conversation, as Thrume wrote them then
      Flyway.configure().dataSource(jdbc, "thrume", "pw-thrume").locations("classpath:db/migration").target("2").load().migrate();
      String run = UUID.randomUUID().toString().substring(0, 6);
      String conversation = UUID.randomUUID().toString();
      String[] names = {"alice_" + run, "bob_" + run, "carol_" + run};
      String hash = new PasswordHasher(1000).hash(PASSWORD);
      try (Connection c = external.getDatabase("thrume", "chat").getConnection(); Statement s = c.createStatement()) {
        s.execute("INSERT INTO conversation (id, title) VALUES ('" + conversation + "', 'old times')");
        for (String name : names) {
          s.execute("INSERT INTO account (username, display_name, password_hash) VALUES ('" + name + "', '" + name + "', '" + hash + "')");
          s.execute("INSERT INTO participant (conversation_id, account_id) SELECT '" + conversation + "', id FROM account "
            + "WHERE username = '" + name + "'");
        }
      }

      String url = "postgresql://thrume:pw-thrume@127.0.0.1:" + external.getPort() + "/chat";
      TestThrume thrume = TestThrume.start(new JsonObject().put("db", new JsonObject().put("url", url)), TestThrume.tempDir());
      try {
        try (Connection c = external.getDatabase("thrume", "chat").getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE version = '4' AND success")) {
          assertTrue(rs.next());
          assertEquals(1, rs.getInt(1), "V4 applied");
        }
        RestClient rest = thrume.client();
        JsonObject[] session = new JsonObject[3];
        for (int i = 0; i < 3; i++) {
          Response r = rest.post("/api/auth/login", null, new JsonObject().put("username", names[i]).put("password", PASSWORD));
          assertEquals(200, r.status(), r.toString());
          session[i] = r.json();
        }
        String alice = session[0].getJsonObject("account").getString("id");
        String bob = session[1].getJsonObject("account").getString("id");
        String aliceToken = session[0].getString("token");
        String bobToken = session[1].getString("token");
        String carolToken = session[2].getString("token");

        JsonObject forBob = rest.get("/api/conversations/" + conversation, bobToken).json();
        assertEquals("accepted", forBob.getString("myStatus"), forBob.encode());
        assertTrue(forBob.containsKey("createdBy"));
        assertNull(forBob.getString("createdBy"));
        assertTrue(forBob.getJsonArray("participants").stream().allMatch(p -> "accepted".equals(((JsonObject) p).getString("status"))),
          forBob.encode());
        // people who shared a conversation before still see each other
        assertTrue(rest.get("/api/presence?userIds=" + alice, bobToken).json().containsKey(alice));
        try (BridgeClient b = BridgeClient.connect(thrume, bobToken)) {
          assertEquals(Set.of(alice), b.call("presence.watch", new JsonObject().put("userIds", new JsonArray().add(alice))).fieldNames());
        }
        // no creator: nobody removes anyone; anyone leaves
        String path = "/api/conversations/" + conversation + "/participants/";
        assertEquals(403, rest.delete(path + bob, aliceToken).status());
        assertEquals(204, rest.delete(path + "me", carolToken).status());
        // a conversation made on the upgraded schema has a creator and an invitation; blocks work
        String fresh = rest.post("/api/conversations", aliceToken, new JsonObject().put("participantIds", new JsonArray().add(bob)))
          .json().getString("id");
        JsonObject invited = rest.get("/api/conversations/" + fresh, bobToken).json();
        assertEquals("invited", invited.getString("myStatus"));
        assertEquals(alice, invited.getString("createdBy"));
        assertEquals(204, rest.put("/api/blocks/" + bob, aliceToken).status());
      } finally {
        thrume.close();
      }
    }
  }
}
