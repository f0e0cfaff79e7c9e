package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.TestThrume;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Security headers on every response; CORS only for the configured origins. */
class SecurityHeadersTest {
  static final String ALLOWED = "https://chat.example.test";
  static TestThrume thrume;
  static RestClient client;

  @BeforeAll
  static void start() {
    thrume = TestThrume.start(new JsonObject().put("http", new JsonObject().put("allowedOrigins", new JsonArray().add(ALLOWED))),
      TestThrume.tempDir());
    client = thrume.client();
  }

  @AfterAll
  static void stop() {
    thrume.close();
  }

  @Test
  void everyResponseCarriesTheSecurityHeaders() {
    List<Response> responses = List.of(
      client.get("/", null),
      client.get("/health/live", null),
      client.get("/health/ready", null),
      client.get("/api/accounts/me", null),
      client.get("/no-such-page", null),
      client.postRaw("/api/auth/login", null, "{oops"));
    for (Response r : responses) {
      assertEquals("nosniff", r.header("X-Content-Type-Options"), r.toString());
      assertEquals("DENY", r.header("X-Frame-Options"));
      assertEquals("no-referrer", r.header("Referrer-Policy"));
      String csp = r.header("Content-Security-Policy");
      assertTrue(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'")
        && csp.contains("object-src 'none'"), csp);
    }
    assertEquals(200, responses.get(0).status());
    assertTrue(responses.get(0).body().toString().contains("Thrume"));
    assertEquals("UP", responses.get(1).json().getString("status"));
    assertEquals("UP", responses.get(2).json().getString("database"));
  }

  @Test
  void corsOnlyForConfiguredOrigins() {
    MultiMap allowed = MultiMap.caseInsensitiveMultiMap().add("Origin", ALLOWED);
    Response ok = client.send(HttpMethod.GET, "/health/live", null, null, allowed);
    assertEquals(ALLOWED, ok.header("Access-Control-Allow-Origin"));

    MultiMap preflight = MultiMap.caseInsensitiveMultiMap().add("Origin", ALLOWED)
      .add("Access-Control-Request-Method", "POST").add("Access-Control-Request-Headers", "authorization,content-type");
    Response pre = client.send(HttpMethod.OPTIONS, "/api/conversations", null, null, preflight);
    assertTrue(pre.status() == 204 || pre.status() == 200, pre.toString());
    assertEquals(ALLOWED, pre.header("Access-Control-Allow-Origin"));

    MultiMap evil = MultiMap.caseInsensitiveMultiMap().add("Origin", "https://evil.example.test");
    Response refused = client.send(HttpMethod.GET, "/health/live", null, null, evil);
    assertEquals(403, refused.status(), refused.toString());
    assertEquals("application/problem+json", refused.header("Content-Type"));
    assertNull(refused.header("Access-Control-Allow-Origin"));

    // the web client's own (same-origin) requests carry Origin too, and pass
    MultiMap own = MultiMap.caseInsensitiveMultiMap().add("Origin", "http://127.0.0.1:" + thrume.port);
    Response same = client.send(HttpMethod.POST, "/api/auth/login", null,
      new JsonObject().put("username", "nobody-here").put("password", "whatever-1").toBuffer(), own);
    assertEquals(401, same.status(), same.toString());
  }
}
