package io.thrume.http;

import io.thrume.support.BridgeClient;
import io.thrume.support.Jwts;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions (docs/security.md, "Sessions"): refresh with rotation and reuse detection, logout, logout-all, password change. */
@ExtendWith(SharedThrume.class)
class SessionsTest {
  static final String PASSWORD = "correct horse battery";
  @Shared static TestThrume thrume;
  @Shared static RestClient client;

  /** A user's login: what the server answered. */
  record Login(String userId, String username, String token, String refreshToken) {
  }

  static Login register(String prefix) {
    String username = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    Response r = client.post("/api/auth/register", null, new JsonObject().put("username", username)
      .put("password", PASSWORD).put("displayName", prefix));
    assertEquals(201, r.status(), r.toString());
    return login(r.json(), username);
  }

  static Login login(String username, String password) {
    Response r = client.post("/api/auth/login", null, new JsonObject().put("username", username).put("password", password));
    assertEquals(200, r.status(), r.toString());
    return login(r.json(), username);
  }

  static Login login(JsonObject body, String username) {
    return new Login(body.getJsonObject("account").getString("id"), username, body.getString("token"), body.getString("refreshToken"));
  }

  static Response refresh(String refreshToken) {
    return client.post("/api/auth/refresh", null, new JsonObject().put("refreshToken", refreshToken));
  }

  static int me(String token) {
    return client.get("/api/accounts/me", token).status();
  }

  static JsonObject claims(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  @Test
  void registerAndLoginGiveARefreshTokenKeptOnlyAsAHash() throws Exception {
    Login a = register("sess");
    assertNotNull(a.refreshToken());
    assertTrue(a.refreshToken().matches("[A-Za-z0-9_-]{43}"), a.refreshToken());
    JsonObject claims = claims(a.token());
    assertTrue(claims.getValue("exp") instanceof Number, claims.encode());
    String sid = claims.getString("sid");
    assertNotNull(UUID.fromString(sid));
    Login again = login(a.username(), PASSWORD);
    assertNotEquals(sid, claims(again.token()).getString("sid"), "each login is a session of its own");
    assertNotEquals(a.refreshToken(), again.refreshToken());

    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(a.refreshToken().getBytes(StandardCharsets.US_ASCII)));
    assertEquals(1, thrume.count("SELECT count(*) FROM refresh_token WHERE hash = '\\x" + hash + "'::bytea AND session_id = '" + sid + "'"));
    assertEquals(0, thrume.count("SELECT count(*) FROM refresh_token r JOIN session s ON s.id = r.session_id "
      + "WHERE position('" + a.refreshToken() + "' in r::text || s::text) > 0"), "the token itself is stored nowhere");
  }

  @Test
  void refreshRotatesAndARotatedTokenPresentedAgainEndsTheSession() {
    Login a = register("rot");
    Response first = refresh(a.refreshToken());
    assertEquals(200, first.status(), first.toString());
    JsonObject body = first.json();
    assertEquals(a.userId(), body.getJsonObject("account").getString("id"));
    assertNotNull(body.getString("expiresAt"));
    String token2 = body.getString("token");
    String refresh2 = body.getString("refreshToken");
    assertNotEquals(a.refreshToken(), refresh2);
    assertEquals(claims(a.token()).getString("sid"), claims(token2).getString("sid"), "the same session goes on");
    assertEquals(200, me(token2));
    assertEquals(200, me(a.token()), "the earlier access token lives until it expires");

    // the first refresh token again: someone holds a copy; the whole session ends
    Response reused = refresh(a.refreshToken());
    assertEquals(401, reused.status(), reused.toString());
    assertEquals("application/problem+json", reused.header("Content-Type"));
    assertEquals(401, refresh(refresh2).status(), "the current refresh token died with the session");
    assertEquals(401, me(token2), "and so did its access tokens");
    assertEquals(401, me(a.token()));
    assertEquals("reuse", thrume.string("SELECT revoked_why FROM session WHERE id = '" + claims(token2).getString("sid") + "'"));
  }

  @Test
  void refreshRefusesBadInputClearlyAndChangesNothing() {
    Login a = register("badref");
    String before = thrume.tableCounts() + sessionCounts();
    Response missing = client.post("/api/auth/refresh", null, new JsonObject());
    assertEquals(400, missing.status(), missing.toString());
    assertTrue(missing.json().getString("detail").contains("refreshToken"), missing.toString());
    assertEquals(400, client.post("/api/auth/refresh", null, new JsonObject().put("refreshToken", 42)).status());
    assertEquals(400, client.postRaw("/api/auth/refresh", null, "not json").status());
    assertEquals(401, refresh("x".repeat(43)).status(), "well formed, unknown");
    assertEquals(401, refresh("short").status());
    assertEquals(401, refresh(a.refreshToken() + "\u0000").status());
    assertEquals(before, thrume.tableCounts() + sessionCounts());
    assertEquals(200, refresh(a.refreshToken()).status(), "the real one still works");
  }

  @Test
  void logoutEndsTheSessionAndItsSocketButNotTheOthers() {
    Login a = register("out");
    Login other = login(a.username(), PASSWORD);
    try (BridgeClient socket = BridgeClient.connect(thrume, a.token());
         BridgeClient otherSocket = BridgeClient.connect(thrume, other.token())) {
      socket.register("user." + a.userId());
      otherSocket.register("user." + a.userId());
      socket.ping();
      long started = System.nanoTime();
      Response out = client.post("/api/auth/logout", a.token(), null);
      assertEquals(204, out.status(), out.toString());
      assertEquals(0, out.body().length());
      assertEquals(401, me(a.token()), "the access token is refused at once");
      assertEquals(401, refresh(a.refreshToken()).status());
      JsonObject err = socket.await(f -> "err".equals(f.getString("type")), Duration.ofSeconds(2));
      assertNotNull(err, "the socket is told");
      assertTrue(err.getString("message").startsWith("UNAUTHORIZED"), err.encode());
      assertTrue(socket.awaitClosed(Duration.ofSeconds(2)));
      assertTrue(System.nanoTime() - started < Duration.ofSeconds(1).toNanos() + Duration.ofMillis(500).toNanos());
      assertEquals(401, client.post("/api/realtime/ticket", a.token(), null).status(), "no new socket either");

      assertEquals(200, me(other.token()), "the user's other session goes on");
      assertEquals(200, refresh(other.refreshToken()).status());
      assertTrue(!otherSocket.isClosed());
      assertEquals(401, client.post("/api/auth/logout", a.token(), null).status(), "a second logout: that token is dead");
    }
  }

  @Test
  void logoutAllEndsEverySessionAndSocket() {
    Login a = register("all");
    Login b = login(a.username(), PASSWORD);
    Login stranger = register("stranger");
    try (BridgeClient sa = BridgeClient.connect(thrume, a.token()); BridgeClient sb = BridgeClient.connect(thrume, b.token());
         BridgeClient ss = BridgeClient.connect(thrume, stranger.token())) {
      assertEquals(204, client.post("/api/auth/logout-all", b.token(), null).status());
      assertTrue(sa.awaitClosed(Duration.ofSeconds(2)));
      assertTrue(sb.awaitClosed(Duration.ofSeconds(2)));
      for (String token : new String[]{a.token(), b.token()}) {
        assertEquals(401, me(token));
      }
      assertEquals(401, refresh(a.refreshToken()).status());
      assertEquals(401, refresh(b.refreshToken()).status());
      assertEquals(200, me(stranger.token()), "nobody else's");
      assertTrue(!ss.isClosed());
      Login back = login(a.username(), PASSWORD);
      assertEquals(200, me(back.token()), "logging in again starts a new session");
    }
  }

  @Test
  void passwordChangeKeepsTheCallersSessionAndEndsTheOthers() {
    Login a = register("pw");
    Login other = login(a.username(), PASSWORD);
    String before = thrume.tableCounts() + sessionCounts() + passwordHash(a);

    Response wrong = client.post("/api/auth/password", a.token(), new JsonObject().put("currentPassword", "not the password")
      .put("newPassword", "a brand new password"));
    assertEquals(403, wrong.status(), wrong.toString());
    Response weak = client.post("/api/auth/password", a.token(), new JsonObject().put("currentPassword", PASSWORD)
      .put("newPassword", "short"));
    assertEquals(400, weak.status(), weak.toString());
    assertTrue(weak.json().getString("detail").contains("password"), weak.toString());
    assertEquals(400, client.post("/api/auth/password", a.token(), new JsonObject().put("newPassword", "a brand new password")).status());
    assertEquals(401, client.post("/api/auth/password", null, new JsonObject().put("currentPassword", PASSWORD)
      .put("newPassword", "a brand new password")).status());
    assertEquals(before, thrume.tableCounts() + sessionCounts() + passwordHash(a), "refused changes change nothing");
    assertEquals(200, me(other.token()));

    try (BridgeClient otherSocket = BridgeClient.connect(thrume, other.token())) {
      Response ok = client.post("/api/auth/password", a.token(), new JsonObject().put("currentPassword", PASSWORD)
        .put("newPassword", "a brand new password"));
      assertEquals(204, ok.status(), ok.toString());
      assertTrue(otherSocket.awaitClosed(Duration.ofSeconds(2)), "the other session's socket is closed");
    }
    assertEquals(200, me(a.token()), "the caller's session goes on");
    assertEquals(200, refresh(a.refreshToken()).status());
    assertEquals(401, me(other.token()));
    assertEquals(401, refresh(other.refreshToken()).status());
    assertEquals(401, client.post("/api/auth/login", null, new JsonObject().put("username", a.username()).put("password", PASSWORD)).status());
    login(a.username(), "a brand new password");
  }

  @Test
  void tokensWithoutANumericExpiryOrASessionAreRefused() {
    Login a = register("exp");
    long now = Jwts.now();
    String sid = claims(a.token()).getString("sid");
    JsonObject base = new JsonObject().put("sub", a.userId()).put("sid", sid).put("iat", now);
    assertEquals(200, me(Jwts.hs256(TestThrume.JWT_SECRET, base.copy().put("exp", now + 600))), "the control: well formed");
    Response noExp = client.get("/api/accounts/me", Jwts.hs256(TestThrume.JWT_SECRET, base.copy()));
    assertEquals(401, noExp.status(), noExp.toString());
    assertEquals("application/problem+json", noExp.header("Content-Type"));
    for (Object exp : new Object[]{String.valueOf(now + 600), "soon", true, new JsonObject(), null}) {
      JsonObject claims = base.copy();
      claims.put("exp", exp);
      Response r = client.get("/api/accounts/me", Jwts.hs256(TestThrume.JWT_SECRET, claims));
      assertEquals(401, r.status(), "exp " + exp + ": " + r);
    }
    assertEquals(401, me(Jwts.hs256(TestThrume.JWT_SECRET, new JsonObject().put("sub", a.userId()).put("iat", now).put("exp", now + 600))),
      "no session");
    assertEquals(401, me(Jwts.hs256(TestThrume.JWT_SECRET, base.copy().put("exp", now + 600).put("sid", "not-a-uuid"))));
    assertEquals(401, me(Jwts.hs256(TestThrume.JWT_SECRET, base.copy().put("exp", now + 600).put("sub", 7))));
  }

  private static String sessionCounts() {
    return " sessions=" + thrume.count("SELECT count(*) FROM session") + "/" + thrume.count("SELECT count(*) FROM session WHERE revoked_at IS NOT NULL")
      + " refresh=" + thrume.count("SELECT count(*) FROM refresh_token") + "/" + thrume.count("SELECT count(*) FROM refresh_token WHERE replaced_at IS NOT NULL");
  }

  private static String passwordHash(Login a) {
    return thrume.string("SELECT password_hash FROM account WHERE id = '" + a.userId() + "'");
  }
}
