package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SharedThrume.class)
class ConversationTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient client;

  private static Set<String> participantIds(JsonObject conversation) {
    return conversation.getJsonArray("participants").stream()
      .map(p -> ((JsonObject) p).getString("id")).collect(Collectors.toSet());
  }

  @Test
  void theCreatorIsAlwaysAParticipant() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    Response without = client.post("/api/conversations", alice.token(),
      new JsonObject().put("participantIds", new JsonArray().add(bob.id())).put("title", "Plans"));
    assertEquals(201, without.status(), without.toString());
    JsonObject c = without.json();
    assertEquals(Set.of(alice.id(), bob.id()), participantIds(c));
    assertEquals("Plans", c.getString("title"));
    assertEquals(0, c.getLong("lastSeq"));
    assertTrue(c.getString("createdAt").endsWith("Z"));

    Response with = client.post("/api/conversations", alice.token(),
      new JsonObject().put("participantIds", new JsonArray().add(bob.id()).add(alice.id()).add(bob.id())));
    assertEquals(201, with.status());
    assertEquals(Set.of(alice.id(), bob.id()), participantIds(with.json()));
    assertNull(with.json().getString("title"));
    assertEquals(2, thrume.count("SELECT count(*) FROM participant WHERE conversation_id = '" + with.json().getString("id") + "'"));

    Response got = client.get("/api/conversations/" + c.getString("id"), bob.token());
    assertEquals(200, got.status());
    assertEquals(c.getString("id"), got.json().getString("id"));
    assertEquals(Set.of(alice.id(), bob.id()), participantIds(got.json()));
  }

  @Test
  void listIsNewestActivityFirstWithLastMessageAndUnreadCount() throws InterruptedException {
    User alice = client.register("alice");
    User bob = client.register("bob");
    User carol = client.register("carol");
    String first = client.conversation(alice, bob);
    String second = client.conversation(alice, carol);
    String third = client.conversation(bob, alice, carol);

    List<String> order = ids(client.get("/api/conversations", alice.token()).array());
    assertEquals(List.of(third, second, first), order, "newly created first");

    assertEquals(201, client.sendMessage(bob, first, "hello alice", "m-1").status());
    assertEquals(201, client.sendMessage(bob, first, "are you there?", "m-2").status());
    JsonArray list = client.get("/api/conversations", alice.token()).array();
    assertEquals(List.of(first, third, second), ids(list), "a message moves its conversation to the top");
    JsonObject top = list.getJsonObject(0);
    assertEquals(2, top.getLong("lastSeq"));
    assertEquals(2, top.getLong("unreadCount"));
    assertEquals("are you there?", top.getJsonObject("lastMessage").getString("content"));
    assertEquals(bob.id(), top.getJsonObject("lastMessage").getString("senderId"));
    assertNull(list.getJsonObject(1).getJsonObject("lastMessage"));
    assertEquals(0, list.getJsonObject(1).getLong("unreadCount"));

    // bob's own messages are not unread for him
    JsonObject forBob = client.get("/api/conversations", bob.token()).array().getJsonObject(0);
    assertEquals(first, forBob.getString("id"));
    assertEquals(0, forBob.getLong("unreadCount"));

    Response read = client.post("/api/conversations/" + first + "/read", alice.token(), new JsonObject().put("seq", 1));
    assertEquals(200, read.status(), read.toString());
    assertEquals(1, read.json().getLong("unreadCount"));
    assertEquals(1, client.get("/api/conversations", alice.token()).array().getJsonObject(0).getLong("unreadCount"));
    // the marker never moves backward
    Response back = client.post("/api/conversations/" + first + "/read", alice.token(), new JsonObject().put("seq", 0));
    assertEquals(1, back.json().getLong("readSeq"));
    assertEquals(200, client.post("/api/conversations/" + first + "/read", alice.token(), new JsonObject().put("seq", 2)).status());
    assertEquals(0, client.get("/api/conversations", alice.token()).array().getJsonObject(0).getLong("unreadCount"));

    // carol sees only the conversations she is in
    assertEquals(Set.of(second, third), Set.copyOf(ids(client.get("/api/conversations", carol.token()).array())));
  }

  @Test
  void aNonParticipantGets404OnEveryConversationRouteAndChangesNothing() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    User mallory = client.register("mallory");
    String id = client.conversation(alice, bob);
    assertEquals(201, client.sendMessage(alice, id, "secret", "s-1").status());
    String before = thrume.tableCounts();

    List<Response> answers = List.of(
      client.get("/api/conversations/" + id, mallory.token()),
      client.get("/api/conversations/" + id + "/messages", mallory.token()),
      client.get("/api/conversations/" + id + "/messages?afterSeq=0", mallory.token()),
      client.sendMessage(mallory, id, "let me in", "x-1"),
      client.post("/api/conversations/" + id + "/read", mallory.token(), new JsonObject().put("seq", 1)));
    for (Response r : answers) {
      assertEquals(404, r.status(), r.toString());
      assertEquals("application/problem+json", r.header("Content-Type"));
      assertTrue(!r.body().toString().contains("secret"));
    }
    // the same answer as for a conversation that does not exist at all: no existence leak
    Response missing = client.get("/api/conversations/" + java.util.UUID.randomUUID(), mallory.token());
    assertEquals(404, missing.status());
    assertEquals(missing.json(), answers.get(0).json());
    assertEquals(before, thrume.tableCounts());
    assertTrue(ids(client.get("/api/conversations", mallory.token()).array()).isEmpty());
  }

  @Test
  void accountSearchFindsByPrefixAndLeavesOutTheCaller() {
    User me = client.register("searcher");
    User zed = client.register("zed_findme");
    Response r = client.get("/api/accounts?search=ZED_FIND", me.token());
    assertEquals(200, r.status(), r.toString());
    List<String> found = ids(r.array());
    assertTrue(found.contains(zed.id()));
    JsonObject account = r.array().getJsonObject(found.indexOf(zed.id()));
    assertEquals(Set.of("id", "username", "displayName"), account.fieldNames());
    assertTrue(!ids(client.get("/api/accounts?search=searcher", me.token()).array()).contains(me.id()));
    // LIKE wildcards are literal
    assertTrue(client.get("/api/accounts?search=%25", me.token()).array().isEmpty());
    assertEquals(400, client.get("/api/accounts?search=", me.token()).status());
  }

  private static List<String> ids(JsonArray array) {
    return array.stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }
}
