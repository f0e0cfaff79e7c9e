package io.thrume.store;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With THRUME_DB_URL set (db.url), Thrume uses that PostgreSQL and starts none of its own. */
class ExternalDatabaseTest {

  @Test
  void usesTheConfiguredDatabase() throws Exception {
    try (EmbeddedPostgres external = EmbeddedPostgres.builder().start()) {
      try (Connection c = external.getPostgresDatabase().getConnection()) {
        c.createStatement().execute("CREATE USER thrume WITH PASSWORD 'pw-thrume'");
        c.createStatement().execute("CREATE DATABASE chat OWNER thrume");
      }
      String url = "postgresql://thrume:pw-thrume@127.0.0.1:" + external.getPort() + "/chat";
      Path dataDir = TestThrume.tempDir();
      TestThrume thrume = TestThrume.start(new JsonObject().put("db", new JsonObject().put("url", url)), dataDir);
      try {
        RestClient client = thrume.client();
        User alice = client.register("alice");
        User bob = client.register("bob");
        String id = client.conversation(alice, bob);
        assertEquals(201, client.sendMessage(alice, id, "stored elsewhere", "ext-1").status());
        assertFalse(Files.exists(dataDir.resolve("postgres")), "no embedded database was started");
      } finally {
        thrume.close();
      }
      try (Connection c = external.getDatabase("thrume", "chat").getConnection();
           ResultSet rs = c.createStatement().executeQuery("SELECT content FROM message")) {
        assertTrue(rs.next());
        assertEquals("stored elsewhere", rs.getString(1));
      }
    }
  }
}
