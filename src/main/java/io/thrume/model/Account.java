package io.thrume.model;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.util.UUID;

/** An account as clients see it: {id, username, displayName}. */
public record Account(UUID id, String username, String displayName) {

  public static Account fromRow(Row row) {
    return new Account(row.getUUID("id"), row.getString("username"), row.getString("display_name"));
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id.toString()).put("username", username).put("displayName", displayName);
  }
}
