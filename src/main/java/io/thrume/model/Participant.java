package io.thrume.model;

import io.vertx.core.json.JsonObject;

/**
 * A conversation's participant: the account and whether they accepted the conversation
 * ({@value #ACCEPTED}) or were put into it by someone else and have not yet ({@value #INVITED}).
 */
public record Participant(Account account, String status) {
  public static final String ACCEPTED = "accepted";
  public static final String INVITED = "invited";

  public JsonObject toJson() {
    return account.toJson().put("status", status);
  }
}
