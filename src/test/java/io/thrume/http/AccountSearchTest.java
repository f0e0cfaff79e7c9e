package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** People search by display name (issue 16): any word's start, from 2 characters on. */
@ExtendWith(SharedThrume.class)
class AccountSearchTest {
  @Shared static RestClient client;

  private static List<String> found(User caller, String search) {
    JsonArray answer = client.get("/api/accounts?search=" + search, caller.token()).array();
    return answer.stream().map(a -> ((JsonObject) a).getString("id")).toList();
  }

  @Test
  void aLaterWordOfTheDisplayNameMatchesFromTwoCharacters() {
    User me = client.register("seeker");
    String word = "Qz" + UUID.randomUUID().toString().substring(0, 6);
    String username = "wei_" + UUID.randomUUID().toString().substring(0, 8);
    var r = client.post("/api/auth/register", null, new JsonObject().put("username", username)
      .put("password", "correct horse battery").put("displayName", "Wei " + word));
    assertEquals(201, r.status(), r.toString());
    String wei = r.json().getJsonObject("account").getString("id");

    assertTrue(found(me, word).contains(wei), "the whole second word");
    assertTrue(found(me, word.toUpperCase().substring(0, 4)).contains(wei), "its start, any case");
    assertTrue(found(me, "Wei%20" + word.substring(0, 3)).contains(wei), "the start of the display name, as before");
    assertFalse(found(me, word.substring(1, 5)).contains(wei), "not the middle of a word");
    assertFalse(found(me, "ei").contains(wei), "not the middle of the first word");
  }
}
