package io.thrume.http;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Groups over REST (docs/rest-api.md, "Groups"): adding participants and renaming, who may, the limits
 * and the bad requests, which change nothing.
 */
@ExtendWith(SharedThrume.class)
class GroupsTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  static Response add(User caller, String conversationId, Object userIds) {
    return rest.post("/api/conversations/" + conversationId + "/participants", caller.token(),
      new JsonObject().put("userIds", userIds));
  }

  static JsonArray ids(User... users) {
    JsonArray ids = new JsonArray();
    for (User u : users) {
      ids.add(u.id());
    }
    return ids;
  }

  static Response rename(User caller, String conversationId, JsonObject body) {
    return rest.send(HttpMethod.PATCH, "/api/conversations/" + conversationId, caller.token(),
      body == null ? null : body.toBuffer(), null);
  }

  static JsonObject listed(User user, String conversationId) {
    return rest.get("/api/conversations", user.token()).array().stream().map(c -> (JsonObject) c)
      .filter(c -> conversationId.equals(c.getString("id"))).findFirst().orElse(null);
  }

  static String status(String conversationId, User user) {
    return thrume.string("SELECT status FROM participant WHERE conversation_id = '" + conversationId
      + "' AND account_id = '" + user.id() + "'");
  }

  static String title(String conversationId) {
    return thrume.string("SELECT coalesce(title, '<null>') FROM conversation WHERE id = '" + conversationId + "'");
  }

  static void problem(Response r, int status, String detailWord) {
    assertEquals(status, r.status(), r.toString());
    assertEquals("application/problem+json", r.header("Content-Type"));
    if (detailWord != null) {
      assertTrue(r.json().getString("detail").contains(detailWord), r.json().getString("detail"));
    }
  }

  @Test
  void anAcceptedParticipantAddsPeopleWhoAreInvitedAndToldAtOnce() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    User dave = rest.register("dave");
    String id = rest.acceptedConversation(alice, bob);
    try (BridgeClient c = BridgeClient.connect(thrume, carol.token());
         BridgeClient a = BridgeClient.connect(thrume, alice.token())) {
      c.registerInEffect("user." + carol.id());
      a.registerInEffect("conversation." + id);
      // bob (accepted, not the creator) adds carol and dave; alice (already in) is ignored
      Response r = add(bob, id, ids(carol, alice, dave, carol));
      assertEquals(200, r.status(), r.toString());
      JsonObject conversation = r.json();
      assertEquals(id, conversation.getString("id"));
      assertEquals("accepted", conversation.getString("myStatus"));
      assertEquals(Map.of(alice.id(), "accepted", bob.id(), "accepted", carol.id(), "invited", dave.id(), "invited"),
        ConsentTest.statuses(conversation));
      assertEquals("invited", status(id, carol));
      assertEquals(4, thrume.count("SELECT count(*) FROM participant WHERE conversation_id = '" + id + "'"));

      JsonObject created = c.event("user." + carol.id(), "conversation.created").getJsonObject("conversation");
      assertEquals(id, created.getString("id"));
      assertEquals("invited", created.getString("myStatus"));
      assertEquals(4, created.getJsonArray("participants").size());

      JsonObject participants = a.event("conversation." + id, "participants");
      assertEquals(bob.id(), participants.getString("by"));
      assertEquals(new JsonArray(), participants.getJsonArray("removed"));
      JsonArray added = participants.getJsonArray("added");
      assertEquals(2, added.size());
      assertEquals(carol.id(), added.getJsonObject(0).getString("id"));
      assertEquals(carol.username(), added.getJsonObject(0).getString("username"));
      assertEquals(dave.id(), added.getJsonObject(1).getString("id"));
    }
    // carol sees it listed and can read it
    assertEquals("invited", listed(carol, id).getString("myStatus"));
    assertEquals(200, rest.get("/api/conversations/" + id + "/messages", carol.token()).status());

    // adding people who are all in already changes nothing and answers the conversation
    String before = thrume.tableCounts();
    Response again = add(alice, id, ids(carol, bob));
    assertEquals(200, again.status(), again.toString());
    assertEquals(4, again.json().getJsonArray("participants").size());
    assertEquals(before, thrume.tableCounts());
  }

  @Test
  void onlyAcceptedParticipantsAddOrRename() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    User mallory = rest.register("mallory");
    String id = rest.conversation(alice, bob);
    String before = thrume.tableCounts();
    // bob is only invited
    problem(add(bob, id, ids(carol)), 403, "accept the conversation first");
    problem(rename(bob, id, new JsonObject().put("title", "bob's")), 403, "accept the conversation first");
    // strangers and unknown conversations: 404
    problem(add(mallory, id, ids(carol)), 404, null);
    problem(rename(mallory, id, new JsonObject().put("title", "mine")), 404, null);
    problem(add(alice, UUID.randomUUID().toString(), ids(carol)), 404, null);
    problem(rename(alice, UUID.randomUUID().toString(), new JsonObject().put("title", "x")), 404, null);
    assertEquals(before, thrume.tableCounts());
    assertEquals("<null>", title(id));
    // once bob accepts, he may
    assertEquals(200, rest.accept(bob, id).status());
    assertEquals(200, add(bob, id, ids(carol)).status());
    assertEquals(200, rename(bob, id, new JsonObject().put("title", "bob's")).status());
    assertEquals("bob's", title(id));
    // someone who left is a stranger again
    assertEquals(204, rest.delete("/api/conversations/" + id + "/participants/me", bob.token()).status());
    problem(add(bob, id, ids(mallory)), 404, null);
    problem(rename(bob, id, new JsonObject().put("title", "back")), 404, null);
  }

  @Test
  void badAdditionsAreRefusedAndChangeNothing() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    User blocker = rest.register("blocker");
    String id = rest.acceptedConversation(alice, bob);
    assertEquals(204, rest.put("/api/blocks/" + alice.id(), blocker.token()).status());
    String before = thrume.tableCounts();
    problem(add(alice, id, ids(carol).add(UUID.randomUUID().toString())), 400, "unknown account");
    problem(add(alice, id, new JsonArray()), 400, "userIds");
    problem(add(alice, id, new JsonArray().add("not-a-uuid")), 400, "userIds");
    problem(add(alice, id, new JsonArray().add(42)), 400, "userIds");
    problem(add(alice, id, "everyone"), 400, "userIds");
    problem(rest.post("/api/conversations/" + id + "/participants", alice.token(), new JsonObject()), 400, "userIds");
    problem(rest.postRaw("/api/conversations/" + id + "/participants", alice.token(), "[1,2]"), 400, null);
    problem(add(alice, "nope", ids(carol)), 400, null);
    // someone who blocked the caller cannot be added (and nobody else of the same request is)
    problem(add(alice, id, ids(carol, blocker)), 403, "does not accept");
    assertEquals(before, thrume.tableCounts());
    // but bob, whom the blocker did not block, may add the blocker
    assertEquals(200, add(bob, id, ids(blocker)).status());
  }

  @Test
  void aThousandParticipantsAtMostInAll() throws Exception {
    User alice = rest.register("alice");
    List<String> seeded = seedAccounts(1000);
    // a conversation of alice and 998 others: 999 in all
    JsonArray first = new JsonArray(new ArrayList<>(seeded.subList(0, 998)));
    Response created = rest.post("/api/conversations", alice.token(), new JsonObject().put("participantIds", first));
    assertEquals(201, created.status(), created.toString());
    String id = created.json().getString("id");
    String before = thrume.tableCounts();
    // two more would be 1001
    problem(add(alice, id, new JsonArray().add(seeded.get(998)).add(seeded.get(999))), 400, "1000");
    // more than 1000 ids in one request
    JsonArray many = new JsonArray(new ArrayList<>(seeded));
    many.add(UUID.randomUUID().toString());
    problem(add(alice, id, many), 400, "1000");
    assertEquals(before, thrume.tableCounts());
    // one more is 1000: fine; those already in do not count twice
    JsonArray last = new JsonArray(new ArrayList<>(seeded.subList(0, 10))).add(seeded.get(998));
    Response r = add(alice, id, last);
    assertEquals(200, r.status(), r.toString());
    assertEquals(1000, r.json().getJsonArray("participants").size());
    problem(add(alice, id, new JsonArray().add(seeded.get(999))), 400, "1000");
  }

  @Test
  void renamingChangesTheTitleForEveryoneAndTellsTheConversation() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      b.registerInEffect("conversation." + id);
      Response r = rename(bob, id, new JsonObject().put("title", "  Lunch 🍕  "));
      assertEquals(200, r.status(), r.toString());
      assertEquals("  Lunch 🍕  ", r.json().getString("title"));
      assertEquals("accepted", r.json().getString("myStatus"));
      JsonObject updated = b.event("conversation." + id, "conversation.updated").getJsonObject("conversation");
      assertEquals(id, updated.getString("id"));
      assertEquals("  Lunch 🍕  ", updated.getString("title"));
      assertEquals(2, updated.getJsonArray("participants").size());
      assertTrue(!updated.containsKey("myStatus"), "myStatus is each reader's own: " + updated);
      assertEquals("  Lunch 🍕  ", rest.get("/api/conversations/" + id, alice.token()).json().getString("title"));
      assertEquals("  Lunch 🍕  ", listed(alice, id).getString("title"));

      // blank or null removes the title
      Response blank = rename(alice, id, new JsonObject().put("title", "   "));
      assertEquals(200, blank.status(), blank.toString());
      assertNull(blank.json().getString("title"));
      assertNull(b.event("conversation." + id, "conversation.updated").getJsonObject("conversation").getString("title"));
      assertEquals("<null>", title(id));
      assertEquals(200, rename(alice, id, new JsonObject().put("title", "again")).status());
      Response removed = rename(alice, id, new JsonObject().putNull("title"));
      assertEquals(200, removed.status(), removed.toString());
      assertNull(removed.json().getString("title"));
    }
  }

  @Test
  void badTitlesAreRefusedAndChangeNothing() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    assertEquals(200, rename(alice, id, new JsonObject().put("title", "Kept")).status());
    problem(rename(alice, id, new JsonObject().put("title", "x".repeat(201))), 400, "title");
    problem(rename(alice, id, new JsonObject().put("title", "a\u0000b")), 400, "title");
    problem(rename(alice, id, new JsonObject().put("title", "bell\u0007")), 400, "title");
    problem(rename(alice, id, new JsonObject().put("title", 42)), 400, "title");
    problem(rename(alice, id, new JsonObject()), 400, "title");
    problem(rename(alice, id, null), 400, null);
    problem(rename(alice, "nope", new JsonObject().put("title", "x")), 400, null);
    assertEquals("Kept", title(id));
    // 200 characters is fine
    assertEquals(200, rename(alice, id, new JsonObject().put("title", "y".repeat(200))).status());
    assertEquals("y".repeat(200), title(id));
  }

  /** Accounts inserted by SQL (registering 1000 through the API would hit its throttle). */
  static List<String> seedAccounts(int count) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    List<String> ids = new ArrayList<>();
    try (Connection c = thrume.jdbc();
         PreparedStatement insert = c.prepareStatement(
           "INSERT INTO account (id, username, display_name, password_hash) VALUES (?::uuid, ?, ?, 'x')")) {
      c.setAutoCommit(false);
      for (int i = 0; i < count; i++) {
        String id = UUID.randomUUID().toString();
        insert.setString(1, id);
        insert.setString(2, "seed_" + run + "_" + i);
        insert.setString(3, "Seed " + i);
        insert.addBatch();
        ids.add(id);
      }
      insert.executeBatch();
      c.commit();
    }
    return ids;
  }
}
