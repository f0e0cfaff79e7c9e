package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Receipts over REST (issue 16): participants carry their readSeq and deliveredSeq in
 * GET /api/conversations and /api/conversations/{id} (0 while invited), and
 * POST /api/conversations/{id}/delivered mirrors chat.delivered.
 */
@ExtendWith(SharedThrume.class)
class ReceiptsRestTest {
  @Shared static RestClient client;

  private static JsonObject participant(JsonObject conversation, String userId) {
    return conversation.getJsonArray("participants").stream().map(p -> (JsonObject) p)
      .filter(p -> userId.equals(p.getString("id"))).findFirst().orElseThrow();
  }

  private static JsonObject listed(JsonArray list, String id) {
    return list.stream().map(c -> (JsonObject) c).filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow();
  }

  @Test
  void participantsCarryTheirMarkersAndDeliveredMovesForwardOverRest() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    String id = client.acceptedConversation(alice, bob);
    for (int i = 1; i <= 3; i++) {
      assertEquals(201, client.sendMessage(alice, id, "m" + i, UUID.randomUUID().toString()).status());
    }
    JsonObject fresh = participant(client.get("/api/conversations/" + id, alice.token()).json(), bob.id());
    assertEquals(0, fresh.getLong("readSeq"));
    assertEquals(0, fresh.getLong("deliveredSeq"));
    // the sender has read what she sent
    assertEquals(3, participant(client.get("/api/conversations/" + id, alice.token()).json(), alice.id()).getLong("readSeq"));

    Response delivered = client.post("/api/conversations/" + id + "/delivered", bob.token(), new JsonObject().put("seq", 3));
    assertEquals(200, delivered.status(), delivered.toString());
    assertEquals(new JsonObject().put("conversationId", id).put("deliveredSeq", 3), delivered.json());
    assertEquals(200, client.post("/api/conversations/" + id + "/read", bob.token(), new JsonObject().put("seq", 2)).status());
    // forward only: an older delivered changes nothing
    assertEquals(200, client.post("/api/conversations/" + id + "/delivered", bob.token(), new JsonObject().put("seq", 1)).status());

    JsonObject one = participant(client.get("/api/conversations/" + id, alice.token()).json(), bob.id());
    assertEquals(2, one.getLong("readSeq"));
    assertEquals(3, one.getLong("deliveredSeq"));
    JsonObject inList = participant(listed(client.get("/api/conversations", alice.token()).array(), id), bob.id());
    assertEquals(2, inList.getLong("readSeq"));
    assertEquals(3, inList.getLong("deliveredSeq"));
  }

  @Test
  void anInvitedParticipantsMarkersShowAsZero() {
    User alice = client.register("alice");
    User carol = client.register("carol");
    String id = client.conversation(alice, carol);
    assertEquals(201, client.sendMessage(alice, id, "hi", UUID.randomUUID().toString()).status());
    assertEquals(200, client.post("/api/conversations/" + id + "/delivered", carol.token(), new JsonObject().put("seq", 1)).status());
    assertEquals(200, client.post("/api/conversations/" + id + "/read", carol.token(), new JsonObject().put("seq", 1)).status());
    JsonObject invited = participant(client.get("/api/conversations/" + id, alice.token()).json(), carol.id());
    assertEquals("invited", invited.getString("status"));
    assertEquals(0, invited.getLong("readSeq"));
    assertEquals(0, invited.getLong("deliveredSeq"));
    // once she accepts, they show
    assertEquals(200, client.accept(carol, id).status());
    JsonObject accepted = participant(client.get("/api/conversations/" + id, alice.token()).json(), carol.id());
    assertEquals(1, accepted.getLong("readSeq"));
    assertEquals(1, accepted.getLong("deliveredSeq"));
  }

  @Test
  void badDeliveredRequestsAreRefused() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    User eve = client.register("eve");
    String id = client.acceptedConversation(alice, bob);
    assertEquals(201, client.sendMessage(alice, id, "one", UUID.randomUUID().toString()).status());
    String path = "/api/conversations/" + id + "/delivered";
    assertEquals(400, client.post(path, bob.token(), new JsonObject().put("seq", 2)).status(), "beyond lastSeq");
    assertEquals(400, client.post(path, bob.token(), new JsonObject().put("seq", -1)).status());
    assertEquals(400, client.post(path, bob.token(), new JsonObject()).status());
    assertEquals(404, client.post(path, eve.token(), new JsonObject().put("seq", 1)).status(), "not a participant");
    assertEquals(401, client.post(path, null, new JsonObject().put("seq", 1)).status());
    assertEquals(400, client.post("/api/conversations/nope/delivered", bob.token(), new JsonObject().put("seq", 1)).status());
  }
}
