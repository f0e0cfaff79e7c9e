package io.thrume.store;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What is written before a stop is there after a start on the same data dir: the embedded database, the secret, ended sessions. */
class RestartTest {

  @Test
  void dataAndTokensSurviveARestart() {
    Path dataDir = TestThrume.tempDir();
    // no configured secret: the generated one must be kept in the data dir
    JsonObject config = new JsonObject().put("auth", new JsonObject().put("jwtSecret", (String) null));
    TestThrume first = TestThrume.start(config, dataDir);
    RestClient client = first.client();
    User alice = client.register("alice");
    User bob = client.register("bob");
    String id = client.conversation(alice, bob);
    JsonObject sent = client.sendMessage(alice, id, "still here after a restart?", "persist-1").json();
    assertTrue(Files.exists(dataDir.resolve("jwt-secret")));
    assertTrue(Files.exists(dataDir.resolve("postgres").resolve("PG_VERSION")));
    long migrations = first.count("SELECT count(*) FROM flyway_schema_history WHERE success");
    assertTrue(migrations >= 2);
    // a session ended before the stop stays ended after the start (docs/security.md, "Sessions")
    assertEquals(204, client.post("/api/auth/logout", alice.token(), null).status());
    // what the start's purge removes: a session ended 8 days ago (with its refresh token), and a
    // live session's refresh token replaced 31 days ago; the live session and its current token stay
    assertEquals(2, first.count("WITH s AS (INSERT INTO session (account_id, expires_at, revoked_at, revoked_why) VALUES "
      + "('" + alice.id() + "', now() + interval '20 days', now() - interval '8 days', 'logout'), "
      + "('" + alice.id() + "', now() + interval '20 days', null, null) RETURNING id, revoked_at), "
      + "t AS (INSERT INTO refresh_token (hash, session_id, created_at, replaced_at) "
      + "SELECT decode(md5(id::text || 'a'), 'hex'), id, now() - interval '31 days', CASE WHEN revoked_at IS NULL THEN now() - interval '30 days' END FROM s "
      + "UNION ALL SELECT decode(md5(id::text || 'b'), 'hex'), id, now() - interval '30 days', null FROM s WHERE revoked_at IS NULL RETURNING 1) "
      + "SELECT count(*) FROM s"));

    TestThrume second = first.restart();
    try {
      RestClient again = second.client();
      Response messages = again.get("/api/conversations/" + id + "/messages", bob.token());
      assertEquals(200, messages.status(), "a token from before the restart still works: " + messages);
      assertEquals(sent, messages.json().getJsonArray("messages").getJsonObject(0));
      assertEquals(401, again.get("/api/accounts/me", alice.token()).status(), "a session logged out before the restart");
      assertEquals(0, second.count("SELECT count(*) FROM session WHERE revoked_at < now() - interval '7 days'"), "purged");
      assertEquals(0, second.count("SELECT count(*) FROM refresh_token WHERE created_at < now() - interval '30 days 1 hour'"),
        "replaced refresh tokens older than their lifetime are purged");
      assertEquals(1, second.count("SELECT count(*) FROM refresh_token r JOIN session s ON s.id = r.session_id "
        + "WHERE s.revoked_at IS NULL AND r.replaced_at IS NULL AND r.created_at < now() - interval '29 days'"), "a live session's current token stays");
      Response login = again.post("/api/auth/login", null, new JsonObject().put("username", alice.username())
        .put("password", "correct horse battery"));
      assertEquals(200, login.status());
      assertEquals(2, again.sendMessage(bob, id, "yes", "persist-2").json().getLong("seq"));
      assertEquals(migrations, second.count("SELECT count(*) FROM flyway_schema_history"), "migrations run once");
    } finally {
      second.close();
    }
  }
}
