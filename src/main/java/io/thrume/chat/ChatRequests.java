package io.thrume.chat;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/** What every chat request carries: the acting user, stamped by the server, and a JSON body. */
final class ChatRequests {
  private ChatRequests() {
  }

  static String actingUser(Message<?> request) {
    String user = request.headers().get(Addresses.USER_HEADER);
    if (user == null) {
      throw Failure.UNAUTHORIZED.exception("no authenticated user");
    }
    return user;
  }

  static JsonObject body(Message<?> request) {
    if (!(request.body() instanceof JsonObject body)) {
      throw Failure.INVALID.exception("the body must be a JSON object");
    }
    return body;
  }
}
