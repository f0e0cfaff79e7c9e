package io.thrume.transport;

import io.thrume.bus.EncodedJson;
import io.thrume.bus.Failure;
import io.thrume.bus.ServiceFailure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/** The standard Vert.x event-bus bridge frames Thrume writes: rec and err. */
public final class Frames {
  private Frames() {
  }

  /**
   * {type: "rec", address, body}: an event on a registered address, or a reply. Encoded once per
   * event; a body already encoded ({@link EncodedJson}) is written as it is.
   */
  public static Buffer rec(String address, Object body) {
    if (body instanceof EncodedJson encoded) {
      return recAround(Json.encode(address), encoded.utf8());
    }
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
    return recAround('"' + address + '"', encodedBody);
  }

  /** A rec frame of an address already written as a JSON string, around a body already encoded. */
  private static Buffer recAround(String quotedAddress, Buffer encodedBody) {
    return Buffer.buffer(encodedBody.length() + quotedAddress.length() + 40)
      .appendString("{\"type\":\"rec\",\"address\":").appendString(quotedAddress).appendString(",\"body\":")
      .appendBuffer(encodedBody).appendString("}");
  }

  /** An err frame of this code and detail (an UNAVAILABLE with its default time to come back). */
  public static Buffer err(String address, Failure code, String detail) {
    return err(address, code.exception(detail));
  }

  /**
   * {type: "err", address?, failureCode, failureType, message: "CODE: detail"}. The address is the
   * request's replyAddress for a failed reply, the refused address for a register, and absent otherwise.
   */
  public static Buffer err(String address, ServiceFailure failure) {
    JsonObject frame = new JsonObject().put("type", "err");
    if (address != null) {
      frame.put("address", address);
    }
    return utf8(frame.put("failureCode", failure.status()).put("failureType", "RECIPIENT_FAILURE")
      .put("message", failure.getMessage()));
  }
}
