package io.thrume.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** A conversation: {id, title, participants: [account…], createdAt, lastSeq}. */
public record Conversation(UUID id, String title, List<Account> participants, OffsetDateTime createdAt, long lastSeq) {

  public JsonObject toJson() {
    JsonArray people = new JsonArray();
    participants.forEach(a -> people.add(a.toJson()));
    return new JsonObject()
      .put("id", id.toString())
      .put("title", title)
      .put("participants", people)
      .put("createdAt", Timestamps.iso(createdAt))
      .put("lastSeq", lastSeq);
  }
}
