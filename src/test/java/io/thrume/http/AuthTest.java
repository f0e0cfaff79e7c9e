package io.thrume.http;

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

import java.time.Instant;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SharedThrume.class)
class AuthTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient client;

  @Test
  void registerAnswersAccountAndAWorkingToken() {
    String username = "Reg_" + UUID.randomUUID().toString().substring(0, 8);
    Response r = client.post("/api/auth/register", null, new JsonObject()
      .put("username", username).put("password", "s3cret-password").put("displayName", "Régine ✓"));
    assertEquals(201, r.status(), r.toString());
    JsonObject body = r.json();
    JsonObject account = body.getJsonObject("account");
    assertEquals(username, account.getString("username"));
    assertEquals("Régine ✓", account.getString("displayName"));
    assertNotNull(UUID.fromString(account.getString("id")));
    Instant expiresAt = Instant.parse(body.getString("expiresAt"));
    assertTrue(expiresAt.isAfter(Instant.now().plusSeconds(59 * 60)), "tokens live 60 minutes by default");
    assertTrue(expiresAt.isBefore(Instant.now().plusSeconds(61 * 60)));

    Response me = client.get("/api/accounts/me", body.getString("token"));
    assertEquals(200, me.status());
    assertEquals(account, me.json());
  }

  @Test
  void passwordsAreStoredAsSlowSaltedHashes() {
    User u = client.register("hash");
    String stored = thrume.string("SELECT password_hash FROM account WHERE id = '" + u.id() + "'");
    assertTrue(stored.startsWith("pbkdf2-sha512$210000$"), stored);
    assertTrue(!stored.contains("correct horse battery"));
    User v = client.register("hash");
    String other = thrume.string("SELECT password_hash FROM account WHERE id = '" + v.id() + "'");
    assertNotEquals(stored, other, "same password, different salt");
  }

  @Test
  void usernamesAreUniqueRegardlessOfCase() {
    User u = client.register("dup");
    String before = thrume.tableCounts();
    Response r = client.post("/api/auth/register", null, new JsonObject()
      .put("username", u.username().toUpperCase()).put("password", "another-password").put("displayName", "Other"));
    assertEquals(409, r.status(), r.toString());
    assertEquals("application/problem+json", r.header("Content-Type"));
    assertEquals(before, thrume.tableCounts());
  }

  @Test
  void loginWorksCaseInsensitivelyAndRefusesTheSameWayForUnknownUserAndWrongPassword() {
    User u = client.register("login");
    Response ok = client.post("/api/auth/login", null, new JsonObject()
      .put("username", u.username().toUpperCase()).put("password", "correct horse battery"));
    assertEquals(200, ok.status(), ok.toString());
    assertEquals(u.id(), ok.json().getJsonObject("account").getString("id"));
    assertEquals(200, client.get("/api/accounts/me", ok.json().getString("token")).status());

    Response wrongPassword = client.post("/api/auth/login", null, new JsonObject()
      .put("username", u.username()).put("password", "not the password"));
    Response unknownUser = client.post("/api/auth/login", null, new JsonObject()
      .put("username", "nobody_" + UUID.randomUUID().toString().substring(0, 8)).put("password", "not the password"));
    assertEquals(401, wrongPassword.status());
    assertEquals(401, unknownUser.status());
    assertEquals(wrongPassword.json(), unknownUser.json(), "no hint whether the user exists");
  }

  @Test
  void aUsernameWithAControlCharacterIsUnknownAtLogin() {
    User u = client.register("ctrl");
    Response unknownUser = client.post("/api/auth/login", null, new JsonObject()
      .put("username", "nobody_" + UUID.randomUUID().toString().substring(0, 8)).put("password", "not the password"));
    for (String name : new String[]{u.username() + "\u0000", "\u0000", "a\u0000b", u.username() + "\u0007", "ab\u001bcd",
        u.username().substring(0, 3) + "\u0000" + u.username().substring(3)}) {
      Response r = client.post("/api/auth/login", null, new JsonObject().put("username", name).put("password", "correct horse battery"));
      assertEquals(401, r.status(), name + ": " + r);
      assertEquals(unknownUser.json(), r.json(), "the same answer as for any unknown name");
    }
  }

  /**
   * Every route of docs/rest-api.md's table, read from the document itself so that a route added there
   * is checked too, answers 401 without a token, and with a token that is not one; but register,
   * login, refresh (which takes a refresh token in its body), the OpenAPI document, and the rows
   * marked "(no token)" (a file's signed URL), which must not.
   */
  @Test
  void everyApiRouteButRegisterLoginAndRefreshNeedsAToken() throws Exception {
    String doc = java.nio.file.Files.readString(java.nio.file.Path.of("docs", "rest-api.md"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\| `(GET|POST|PUT|PATCH|DELETE) (/api/[^`]*)`( \\(no token\\))?")
      .matcher(doc);
    java.util.Set<String> routes = new java.util.TreeSet<>();
    java.util.Set<String> open = new java.util.TreeSet<>(
      java.util.Set.of("POST /api/auth/register", "POST /api/auth/login", "POST /api/auth/refresh", "GET /api/openapi.json"));
    java.util.Set<String> marked = new java.util.TreeSet<>();
    while (m.find()) {
      routes.add(m.group(1) + " " + m.group(2));
      if (m.group(3) != null) {
        marked.add(m.group(1) + " " + m.group(2));
      }
    }
    assertTrue(routes.size() >= 20 && routes.containsAll(open), "routes read from docs/rest-api.md: " + routes);
    assertTrue(marked.contains("POST /api/auth/refresh") && marked.contains("GET /api/attachments/{id}?exp={exp}&sig={sig}"),
      "rows marked (no token): " + marked);
    open.addAll(marked);
    String someId = UUID.randomUUID().toString();
    for (String route : routes) {
      String[] parts = route.split(" ", 2);
      String path = parts[1].replaceAll("\\{[^}]+}", someId).replace("userIds=a,b", "userIds=" + someId);
      io.vertx.core.http.HttpMethod method = io.vertx.core.http.HttpMethod.valueOf(parts[0]);
      io.vertx.core.buffer.Buffer body = method == io.vertx.core.http.HttpMethod.GET ? null : new JsonObject().toBuffer();
      for (String token : new String[] {null, "not-a-jwt"}) {
        Response r = client.send(method, path, token, body, null);
        if (open.contains(route)) {
          assertNotEquals(401, r.status(), route + " must not need a token: " + r);
        } else {
          assertEquals(401, r.status(), route + " without a valid token: " + r);
        }
      }
    }
    Response r = client.get("/api/accounts/me", "not-a-jwt");
    assertEquals(401, r.status());
    assertEquals("Bearer", r.header("WWW-Authenticate"));
    assertEquals("application/problem+json", r.header("Content-Type"));
  }

  @Test
  void expiredTokensAreRefused() {
    User u = client.register("expiry");
    long now = Jwts.now();
    String expired = Jwts.hs256(TestThrume.JWT_SECRET, new JsonObject().put("sub", u.id()).put("sid", UUID.randomUUID().toString())
      .put("iat", now - 7200).put("exp", now - 3600));
    assertEquals(401, client.get("/api/accounts/me", expired).status());
    // the same token, unexpired, signed with the same secret, is accepted: only the expiry differs
    String sid = UUID.randomUUID().toString();
    String fresh = Jwts.hs256(TestThrume.JWT_SECRET, new JsonObject().put("sub", u.id()).put("sid", sid).put("iat", now).put("exp", now + 600));
    assertEquals(200, client.get("/api/accounts/me", fresh).status());
  }

  @Test
  void forgedTokensAreRefused() {
    User u = client.register("forge");
    long now = Jwts.now();
    JsonObject claims = new JsonObject().put("sub", u.id()).put("iat", now).put("exp", now + 600);
    assertEquals(401, client.get("/api/accounts/me", Jwts.hs256("some-other-secret-of-enough-length-000000", claims)).status());
    assertEquals(401, client.get("/api/accounts/me", Jwts.none(claims)).status(), "alg none");
    String[] real = u.token().split("\\.");
    String tampered = real[0] + "." + Jwts.none(claims).split("\\.")[1] + "." + real[2];
    assertEquals(401, client.get("/api/accounts/me", tampered).status(), "payload swapped under a real signature");
  }
}
