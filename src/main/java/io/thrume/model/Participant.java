package io.thrume.model;

import io.vertx.core.json.JsonObject;

/**
 * A conversation's participant: the account, whether they accepted the conversation
 * ({@value #ACCEPTED}) or were put into it by someone else and have not yet ({@value #INVITED}),
 * and their read and delivered markers. An invited participant's markers show as 0: their
 * receipts reach nobody until they accept (docs/realtime.md, Consent).
 */
public record Participant(Account account, String status, long readSeq, long deliveredSeq) {
  public static final String ACCEPTED = "accepted";
  public static final String INVITED = "invited";

  public JsonObject toJson() {
    boolean shown = !INVITED.equals(status);
    return account.toJson().put("status", status)
      .put("readSeq", shown ? readSeq : 0L)
      .put("deliveredSeq", shown ? Math.max(deliveredSeq, readSeq) : 0L);
  }
}
