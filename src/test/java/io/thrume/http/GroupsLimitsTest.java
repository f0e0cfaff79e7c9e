package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adding people and renaming count against the membership limit (limits.membership: 30, then 1
 * every 2 s), on an instance of its own with the default limits: a caller cannot flood. And a
 * browser of an allowed origin may send the PATCH that renames (CORS).
 */
class GroupsLimitsTest {
  static final String ORIGIN = "https://chat.example.test";
  static TestThrume thrume;
  static RestClient client;

  @BeforeAll
  static void start() {
    thrume = TestThrume.start(new JsonObject().put("http", new JsonObject().put("allowedOrigins", new JsonArray().add(ORIGIN))),
      TestThrume.tempDir());
    client = thrume.client();
  }

  @AfterAll
  static void stop() {
    thrume.close();
  }

  static Response rename(User caller, String id, String title) {
    return client.send(HttpMethod.PATCH, "/api/conversations/" + id, caller.token(),
      new JsonObject().put("title", title).toBuffer(), null);
  }

  @Test
  void addingAndRenamingShareTheMembershipLimit() {
    User host = client.register("host");
    User guest = client.register("guest");
    User late = client.register("late");
    String id = client.conversation(host, guest);
    for (int i = 0; i < 29; i++) {
      assertEquals(200, rename(host, id, "title " + i).status());
    }
    // adding someone already in changes nothing but still counts
    assertEquals(200, client.post("/api/conversations/" + id + "/participants", host.token(),
      new JsonObject().put("userIds", new JsonArray().add(guest.id()))).status());
    String before = thrume.tableCounts();
    Response limited = rename(host, id, "one too many");
    assertEquals(429, limited.status(), limited.toString());
    assertTrue(Long.parseLong(limited.header("Retry-After")) >= 1);
    Response add = client.post("/api/conversations/" + id + "/participants", host.token(),
      new JsonObject().put("userIds", new JsonArray().add(late.id())));
    assertEquals(429, add.status(), add.toString());
    assertEquals(429, client.put("/api/blocks/" + guest.id(), host.token()).status(), "blocking shares the bucket");
    assertEquals(before, thrume.tableCounts());
    assertEquals("title 28", thrume.string("SELECT title FROM conversation WHERE id = '" + id + "'"));
  }

  @Test
  void anAllowedOriginMayRename() {
    io.vertx.core.MultiMap preflight = io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("Origin", ORIGIN)
      .add("Access-Control-Request-Method", "PATCH").add("Access-Control-Request-Headers", "authorization,content-type");
    Response pre = client.send(HttpMethod.OPTIONS, "/api/conversations/" + java.util.UUID.randomUUID(), null, null, preflight);
    assertTrue(pre.status() == 204 || pre.status() == 200, pre.toString());
    assertEquals(ORIGIN, pre.header("Access-Control-Allow-Origin"));
    assertTrue(pre.header("Access-Control-Allow-Methods").contains("PATCH"), pre.header("Access-Control-Allow-Methods"));
  }
}
