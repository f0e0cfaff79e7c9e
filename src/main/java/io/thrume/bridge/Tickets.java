package io.thrume.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Single-use tickets that let a socket in: issued over REST to an authenticated user, redeemed
 * once by the bridge, gone after a few seconds. Kept in a shared map, so a ticket issued on one
 * node works on any node of the cluster.
 */
public final class Tickets {
  static final String MAP = "thrume.tickets";
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Vertx vertx;
  private final int seconds;

  public Tickets(Vertx vertx, int seconds) {
    this.vertx = vertx;
    this.seconds = seconds;
  }

  /** {ticket, expiresInSeconds} for the user. */
  public Future<JsonObject> issue(String userId) {
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    return map().compose(map -> map.put(ticket, userId, seconds * 1000L))
      .map(v -> new JsonObject().put("ticket", ticket).put("expiresInSeconds", seconds));
  }

  /** The user the ticket was issued to, or null when it is unknown, used or expired. Removes it. */
  public Future<String> redeem(String ticket) {
    if (ticket == null || ticket.isEmpty() || ticket.length() > 100) {
      return Future.succeededFuture(null);
    }
    return map().compose(map -> map.remove(ticket));
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }
}
