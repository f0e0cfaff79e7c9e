package io.thrume.transport;

import io.thrume.bus.Failure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

/** The standard Vert.x event-bus bridge frames Thrume writes: rec and err. */
public final class Frames {
  private Frames() {
  }

  /** {type: "rec", address, body}: an event on a registered address, or a reply. Encoded once per event. */
  public static Buffer rec(String address, Object body) {
    return utf8(new JsonObject().put("type", "rec").put("address", address).put("body", body));
  }

  /**
   * JSON in plain UTF-8: Vert.x' {@code toBuffer()} escapes every character outside the Basic
   * Multilingual Plane, so an emoji took twelve bytes instead of four.
   */
  public static Buffer utf8(JsonObject json) {
    return Buffer.buffer(json.encode());
  }

  /** The same rec frame around a body already encoded as JSON (the address must need no escaping). */
  public static Buffer recOf(String address, Buffer encodedBody) {
    return Buffer.buffer(encodedBody.length() + address.length() + 40)
      .appendString("{\"type\":\"rec\",\"address\":\"").appendString(address).appendString("\",\"body\":")
      .appendBuffer(encodedBody).appendString("}");
  }

  /**
   * {type: "err", address?, failureCode, failureType, message}. The address is the request's
   * replyAddress for a failed reply, the refused address for a register, and absent otherwise.
   */
  public static Buffer err(String address, Failure code, String detail) {
    JsonObject frame = new JsonObject().put("type", "err");
    if (address != null) {
      frame.put("address", address);
    }
    return utf8(frame.put("failureCode", code.status).put("failureType", "RECIPIENT_FAILURE")
      .put("message", code.name() + ": " + code.detail(detail)));
  }

  /** A failure as a bridge client sees it: a code of the bridge's and a human detail. */
  public record Refusal(Failure code, String detail) {
  }

  /** A service's failure as the bridge shows it: only the bridge's codes, no existence leaks. */
  public static Refusal refusal(ReplyException failure) {
    Failure code = Failure.codeOf(failure.getMessage());
    String detail = Failure.detailOf(failure.getMessage());
    if (code == null || code == Failure.INTERNAL) {
      return new Refusal(Failure.UNAVAILABLE, "the service could not answer");
    }
    return switch (code) {
      case NOT_FOUND -> new Refusal(Failure.FORBIDDEN, "not a participant of this conversation");
      case CONFLICT -> new Refusal(Failure.INVALID, detail);
      default -> new Refusal(code, detail);
    };
  }
}
