package io.thrume.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A conversation as one participant sees it: {id, title, participants: [account + status…],
 * createdAt, lastSeq, createdBy, myStatus}. {@code createdBy} is null for conversations made
 * before consent existed; {@code myStatus} is the status of the participant it is shown to.
 */
public record Conversation(UUID id, String title, List<Participant> participants, OffsetDateTime createdAt, long lastSeq,
                           UUID createdBy, String myStatus) {

  public JsonObject toJson() {
    JsonArray people = new JsonArray();
    participants.forEach(p -> people.add(p.toJson()));
    return new JsonObject()
      .put("id", id.toString())
      .put("title", title)
      .put("participants", people)
      .put("createdAt", Timestamps.iso(createdAt))
      .put("lastSeq", lastSeq)
      .put("createdBy", createdBy == null ? null : createdBy.toString())
      .put("myStatus", myStatus);
  }
}
