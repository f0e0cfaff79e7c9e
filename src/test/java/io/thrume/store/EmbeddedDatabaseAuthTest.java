package io.thrume.store;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonObject;
import io.thrume.auth.PasswordHasher;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded PostgreSQL takes no connection without the password kept in the data dir (mode
 * 0600), over TCP as over its Unix socket; Thrume itself keeps working, across restarts, and a
 * data dir left by an older Thrume (trust authentication) is secured without losing its data.
 */
class EmbeddedDatabaseAuthTest {

  @Test
  void everyConnectionNeedsThePasswordKeptInTheDataDir() throws Exception {
    Path dataDir = TestThrume.tempDir();
    TestThrume thrume = TestThrume.start(new JsonObject(), dataDir);
    try {
      Path file = dataDir.resolve("postgres-password");
      assertTrue(Files.isRegularFile(file), "the password file is in the data dir");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      String password = thrume.dbPassword();
      assertTrue(password.length() >= 40, "a long random password: " + password.length());

      assertRefused(thrume.dbPort, null);
      assertRefused(thrume.dbPort, "");
      assertRefused(thrume.dbPort, "wrong-" + password);
      assertRefused(thrume.dbPort, password.substring(1));
      try (Connection c = connect(thrume.dbPort, password)) {
        assertEquals("scram-sha-256", one(c, "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' LIMIT 1"));
        assertEquals("0", one(c, "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method <> 'scram-sha-256'"),
          "no rule lets anyone in without the password");
        assertTrue(one(c, "SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'").startsWith("SCRAM-SHA-256$"));
        assertEquals("256MB", one(c, "SHOW shared_buffers"), "db.embeddedSharedBuffers, not PostgreSQL's 128MB");
      }

      RestClient client = thrume.client();
      User alice = client.register("alice");
      User bob = client.register("bob");
      String id = client.conversation(alice, bob);
      assertEquals(201, client.sendMessage(alice, id, "behind a password", "pw-1").status());

      TestThrume again = thrume.restart();
      thrume = again;
      assertEquals(password, again.dbPassword(), "the password is generated once");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      assertRefused(again.dbPort, null);
      assertRefused(again.dbPort, "wrong");
      RestClient after = again.client();
      assertEquals(200, after.get("/api/conversations/" + id + "/messages", bob.token()).status());
      assertEquals(201, after.sendMessage(bob, id, "still behind it", "pw-2").status());
      assertEquals(2, again.count("SELECT count(*) FROM message"));
    } finally {
      thrume.close();
    }
  }

  @Test
  void aDataDirOfAnOlderThrumeWithTrustIsSecuredAndKeepsItsData() throws Exception {
    Path dataDir = TestThrume.tempDir();
    Path pgData = dataDir.resolve("postgres");
    Files.createDirectories(pgData);
    // what an older Thrume left: zonky's initdb with trust, the schema, an account, no password anywhere
    String hash = new PasswordHasher(1000).hash("written before the upgrade");
    try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false)
      .setServerConfig("listen_addresses", "127.0.0.1").start()) {
      Flyway.configure().dataSource("jdbc:postgresql://127.0.0.1:" + old.getPort() + "/postgres", "postgres", "")
        .locations("classpath:db/migration").load().migrate();
      try (Connection c = connect(old.getPort(), null); Statement s = c.createStatement()) {
        s.execute("INSERT INTO account (username, display_name, password_hash) VALUES ('olduser', 'Old User', '" + hash + "')");
      }
      assertEquals("trust", one(connect(old.getPort(), null),
        "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' LIMIT 1"), "what older data dirs have");
    }
    assertFalse(Files.exists(dataDir.resolve("postgres-password")));

    TestThrume thrume = TestThrume.start(new JsonObject(), dataDir);
    try {
      assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(dataDir.resolve("postgres-password"))));
      assertRefused(thrume.dbPort, null);
      assertRefused(thrume.dbPort, "postgres");
      try (Connection c = thrume.jdbc()) {
        assertEquals("Old User", one(c, "SELECT display_name FROM account WHERE username = 'olduser'"));
      }
      RestClient client = thrume.client();
      RestClient.Response login = client.post("/api/auth/login", null, new JsonObject().put("username", "olduser")
        .put("password", "written before the upgrade"));
      assertEquals(200, login.status(), "the account from before the upgrade logs in: " + login);
      User carol = client.register("carol");
      assertEquals(200, client.get("/api/accounts/me", carol.token()).status());
      assertTrue(Files.readString(pgData.resolve("pg_hba.conf")).contains("scram-sha-256"));
      assertFalse(Files.readString(pgData.resolve("pg_hba.conf")).contains("trust"));
    } finally {
      thrume.close();
    }
  }

  @Test
  void aRemovedPasswordFileIsReplacedAndTheOldPasswordStopsWorking() throws Exception {
    Path dataDir = TestThrume.tempDir();
    TestThrume thrume = TestThrume.start(new JsonObject(), dataDir);
    String first = thrume.dbPassword();
    RestClient client = thrume.client();
    User dave = client.register("dave");
    thrume.close();
    Files.delete(dataDir.resolve("postgres-password"));

    TestThrume again = TestThrume.start(new JsonObject(), dataDir);
    try {
      String second = again.dbPassword();
      assertNotEquals(first, second);
      assertRefused(again.dbPort, first);
      assertEquals(200, again.client().get("/api/accounts/me", dave.token()).status());
    } finally {
      again.close();
    }
  }

  private static void assertRefused(int port, String password) {
    SQLException refused = assertThrows(SQLException.class, () -> {
      try (Connection c = connect(port, password)) {
        one(c, "SELECT 1");
      }
    }, "a connection with password " + (password == null ? "(none)" : "'" + password + "'") + " was accepted");
    // 28P01: invalid_password; 08004 is what the driver reports when the server asks for a password it was not given
    assertTrue("28P01".equals(refused.getSQLState()) || "08004".equals(refused.getSQLState()),
      refused.getSQLState() + " " + refused.getMessage());
  }

  private static Connection connect(int port, String password) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    if (password != null) {
      properties.setProperty("password", password);
    }
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", properties);
  }

  private static String one(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertTrue(rs.next());
      return rs.getString(1);
    }
  }
}
