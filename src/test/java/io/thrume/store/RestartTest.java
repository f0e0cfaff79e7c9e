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

    TestThrume second = first.restart();
    try {
      RestClient again = second.client();
      Response messages = again.get("/api/conversations/" + id + "/messages", bob.token());
      assertEquals(200, messages.status(), "a token from before the restart still works: " + messages);
      assertEquals(sent, messages.json().getJsonArray("messages").getJsonObject(0));
      assertEquals(401, again.get("/api/accounts/me", alice.token()).status(), "a session logged out before the restart");
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
