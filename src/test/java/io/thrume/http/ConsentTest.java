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
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consent, leaving and blocking over REST (docs/rest-api.md, "Consent, leaving, blocking"): who is
 * accepted and who invited, accepting, leaving and removing, blocks, whose presence is answered,
 * and the bad requests, which change nothing.
 */
@ExtendWith(SharedThrume.class)
class ConsentTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  static Map<String, String> statuses(JsonObject conversation) {
    return conversation.getJsonArray("participants").stream().map(p -> (JsonObject) p)
      .collect(Collectors.toMap(p -> p.getString("id"), p -> p.getString("status")));
  }

  static JsonObject listed(User user, String conversationId) {
    return rest.get("/api/conversations", user.token()).array().stream().map(c -> (JsonObject) c)
      .filter(c -> conversationId.equals(c.getString("id"))).findFirst().orElse(null);
  }

  static Response presence(User asker, User... about) {
    return rest.get("/api/presence?userIds=" + java.util.Arrays.stream(about).map(User::id).collect(Collectors.joining(",")),
      asker.token());
  }

  static String status(String conversationId, User user) {
    return thrume.string("SELECT status FROM participant WHERE conversation_id = '" + conversationId
      + "' AND account_id = '" + user.id() + "'");
  }

  @Test
  void theCreatorIsAcceptedAndThoseTheyAddAreInvited() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    Response created = rest.post("/api/conversations", alice.token(),
      new JsonObject().put("participantIds", new JsonArray().add(bob.id())));
    assertEquals(201, created.status(), created.toString());
    JsonObject c = created.json();
    String id = c.getString("id");
    assertEquals("accepted", c.getString("myStatus"));
    assertEquals(alice.id(), c.getString("createdBy"));
    assertEquals(Map.of(alice.id(), "accepted", bob.id(), "invited"), statuses(c));
    assertEquals("accepted", status(id, alice));
    assertEquals("invited", status(id, bob));

    JsonObject forBob = rest.get("/api/conversations/" + id, bob.token()).json();
    assertEquals("invited", forBob.getString("myStatus"));
    assertEquals(alice.id(), forBob.getString("createdBy"));
    assertEquals("invited", listed(bob, id).getString("myStatus"));
    assertEquals("accepted", listed(alice, id).getString("myStatus"));
    assertEquals(alice.id(), listed(bob, id).getString("createdBy"));
  }

  @Test
  void anInvitedParticipantReadsAndAcceptsByAcceptOrBySending() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    User mallory = rest.register("mallory");
    String id = rest.conversation(alice, bob, carol);
    assertEquals(201, rest.sendMessage(alice, id, "welcome", "w-1").status());
    // invited: reading works
    Response page = rest.get("/api/conversations/" + id + "/messages", bob.token());
    assertEquals(200, page.status());
    assertEquals("welcome", page.json().getJsonArray("messages").getJsonObject(0).getString("content"));
    assertEquals(200, rest.post("/api/conversations/" + id + "/read", bob.token(), new JsonObject().put("seq", 1)).status());
    assertEquals("invited", status(id, bob), "reading accepts nothing");

    // accept: 200 with the conversation, and again (idempotent)
    Response accepted = rest.accept(bob, id);
    assertEquals(200, accepted.status(), accepted.toString());
    assertEquals("accepted", accepted.json().getString("myStatus"));
    assertEquals(id, accepted.json().getString("id"));
    assertEquals("accepted", statuses(accepted.json()).get(bob.id()));
    assertEquals(200, rest.accept(bob, id).status());
    assertEquals("accepted", listed(bob, id).getString("myStatus"));

    // sending accepts too
    assertEquals("invited", status(id, carol));
    assertEquals(201, rest.sendMessage(carol, id, "hi all", "c-1").status());
    assertEquals("accepted", status(id, carol));
    assertEquals("accepted", rest.get("/api/conversations/" + id, carol.token()).json().getString("myStatus"));

    // strangers and malformed ids
    String before = thrume.tableCounts();
    assertEquals(404, rest.accept(mallory, id).status());
    assertEquals(404, rest.accept(alice, UUID.randomUUID().toString()).status());
    Response bad = rest.post("/api/conversations/nope/accept", alice.token(), null);
    assertEquals(400, bad.status());
    assertEquals("application/problem+json", bad.header("Content-Type"));
    assertEquals(before, thrume.tableCounts());
  }

  @Test
  void anyoneLeavesAndOnlyTheCreatorRemoves() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    User dave = rest.register("dave");
    User mallory = rest.register("mallory");
    String id = rest.conversation(alice, bob, carol, dave);
    assertEquals(201, rest.sendMessage(alice, id, "hello", "l-1").status());
    String base = "/api/conversations/" + id + "/participants/";

    // carol (invited) leaves: 204, then the conversation is gone for her
    Response left = rest.delete(base + "me", carol.token());
    assertEquals(204, left.status(), left.toString());
    assertEquals(0, left.body().length());
    assertNull(listed(carol, id));
    assertEquals(404, rest.get("/api/conversations/" + id, carol.token()).status());
    assertEquals(404, rest.get("/api/conversations/" + id + "/messages", carol.token()).status());
    assertEquals(404, rest.sendMessage(carol, id, "still here?", "l-2").status());
    assertEquals(404, rest.delete(base + "me", carol.token()).status(), "leaving twice: not a participant any more");
    assertFalse(statuses(rest.get("/api/conversations/" + id, alice.token()).json()).containsKey(carol.id()));

    // bad requests change nothing
    String before = thrume.tableCounts();
    assertEquals(403, rest.delete(base + dave.id(), bob.token()).status(), "bob is not the creator");
    assertEquals(403, rest.delete(base + alice.id(), bob.token()).status(), "nobody removes the creator");
    Response self = rest.delete(base + alice.id(), alice.token());
    assertEquals(400, self.status(), "removing yourself by id: leave with me");
    assertTrue(self.json().getString("detail").contains("me"), self.toString());
    assertEquals(404, rest.delete(base + mallory.id(), alice.token()).status(), "not a participant");
    assertEquals(404, rest.delete(base + carol.id(), alice.token()).status(), "gone already");
    assertEquals(404, rest.delete(base + "me", mallory.token()).status());
    assertEquals(404, rest.delete(base + bob.id(), mallory.token()).status(), "a stranger learns nothing");
    assertEquals(400, rest.delete(base + "nope", alice.token()).status());
    assertEquals(400, rest.delete("/api/conversations/nope/participants/me", alice.token()).status());
    assertEquals(404, rest.delete("/api/conversations/" + UUID.randomUUID() + "/participants/me", alice.token()).status());
    assertEquals(before, thrume.tableCounts());

    // the creator removes bob
    assertEquals(204, rest.delete(base + bob.id(), alice.token()).status());
    assertNull(listed(bob, id));
    assertEquals(Map.of(alice.id(), "accepted", dave.id(), "invited"), statuses(rest.get("/api/conversations/" + id, alice.token()).json()));
    // the creator may leave too; the conversation stays for the others, and nobody may remove anyone then
    assertEquals(204, rest.delete(base + "me", alice.token()).status());
    assertEquals(List.of(dave.id()), List.copyOf(statuses(rest.get("/api/conversations/" + id, dave.token()).json()).keySet()));
    assertEquals(1, thrume.count("SELECT count(*) FROM message WHERE conversation_id = '" + id + "'"), "messages stay");
  }

  @Test
  void presenceIsAnsweredOnlyForUsersWhoAcceptedASharedConversation() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    // alice put bob in: she learns nothing about him; he may see her (she chose to be there)
    assertEquals(new JsonObject(), presence(alice, bob).json());
    assertEquals(List.of(alice.id()), List.copyOf(presence(bob, alice).json().fieldNames()));
    assertEquals(200, rest.accept(bob, id).status());
    assertTrue(presence(alice, bob).json().containsKey(bob.id()));

    // leaving the only shared conversation ends it
    assertEquals(204, rest.delete("/api/conversations/" + id + "/participants/me", bob.token()).status());
    assertEquals(new JsonObject(), presence(alice, bob).json());
    assertEquals(new JsonObject(), presence(bob, alice).json());
  }

  @Test
  void blocksAreIdempotentListedAndKeepTheBlockedAway() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    String pair = rest.acceptedConversation(alice, bob);
    String group = rest.acceptedConversation(alice, bob, carol);
    assertTrue(presence(bob, alice).json().containsKey(alice.id()));

    assertEquals(204, rest.put("/api/blocks/" + bob.id(), alice.token()).status());
    assertEquals(204, rest.put("/api/blocks/" + bob.id(), alice.token()).status(), "blocking twice");
    JsonArray blocked = rest.get("/api/blocks", alice.token()).array();
    assertEquals(1, blocked.size());
    assertEquals(bob.id(), blocked.getJsonObject(0).getString("id"));
    assertEquals(bob.username(), blocked.getJsonObject(0).getString("username"));
    assertEquals(new JsonArray(), rest.get("/api/blocks", bob.token()).array(), "bob blocked nobody");

    // bob cannot start a conversation with alice, nor send in their conversation of two, nor see her presence
    String before = thrume.tableCounts();
    Response start = rest.post("/api/conversations", bob.token(),
      new JsonObject().put("participantIds", new JsonArray().add(carol.id()).add(alice.id())));
    assertEquals(403, start.status(), start.toString());
    Response send = rest.sendMessage(bob, pair, "let me talk", "b-1");
    assertEquals(403, send.status(), send.toString());
    assertEquals(before, thrume.tableCounts());
    assertEquals(new JsonObject(), presence(bob, alice).json());
    // in a group he still may send; alice may write to him; he sees others' presence
    assertEquals(201, rest.sendMessage(bob, group, "hi group", "b-2").status());
    assertEquals(201, rest.sendMessage(alice, pair, "I may", "a-1").status());
    assertTrue(presence(bob, carol).json().containsKey(carol.id()));
    assertTrue(presence(alice, bob).json().containsKey(bob.id()), "the blocker still sees the blocked");
    // alice may still start one with bob: blocking is hers to lift
    assertEquals(201, rest.post("/api/conversations", alice.token(),
      new JsonObject().put("participantIds", new JsonArray().add(bob.id()))).status());

    assertEquals(204, rest.delete("/api/blocks/" + bob.id(), alice.token()).status());
    assertEquals(204, rest.delete("/api/blocks/" + bob.id(), alice.token()).status(), "unblocking twice");
    assertEquals(new JsonArray(), rest.get("/api/blocks", alice.token()).array());
    assertEquals(201, rest.sendMessage(bob, pair, "thanks", "b-3").status());
    assertTrue(presence(bob, alice).json().containsKey(alice.id()));
  }

  @Test
  void badBlocksAreRefusedAndChangeNothing() {
    User alice = rest.register("alice");
    String before = thrume.tableCounts();
    Response self = rest.put("/api/blocks/" + alice.id(), alice.token());
    assertEquals(400, self.status());
    assertTrue(self.json().getString("detail").contains("yourself"), self.toString());
    assertEquals(400, rest.put("/api/blocks/nope", alice.token()).status());
    assertEquals(400, rest.delete("/api/blocks/nope", alice.token()).status());
    assertEquals(404, rest.put("/api/blocks/" + UUID.randomUUID(), alice.token()).status());
    assertEquals(401, rest.put("/api/blocks/" + alice.id(), null).status());
    assertEquals(401, rest.get("/api/blocks", null).status());
    assertEquals(before, thrume.tableCounts());
  }
}
