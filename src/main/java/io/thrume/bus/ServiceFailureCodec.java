package io.thrume.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;

import java.nio.charset.StandardCharsets;

/**
 * Carries a {@link ServiceFailure} whole between cluster nodes (code, detail, time to come back),
 * where Vert.x' own codec of a ReplyException would keep only its status and message. Within a
 * node the failure is passed as is.
 */
public final class ServiceFailureCodec extends ImmutableCodec<ServiceFailure> {
  static final String NAME = "thrume.failure";

  ServiceFailureCodec() {
    super(NAME);
  }

  /** Makes the codec the event bus' default for ServiceFailure; once per Vert.x instance, before any request. */
  public static void register(EventBus bus) {
    registerDefault(bus, ServiceFailure.class, new ServiceFailureCodec());
  }

  @Override
  public void encodeToWire(Buffer buffer, ServiceFailure failure) {
    byte[] code = failure.code().name().getBytes(StandardCharsets.UTF_8);
    byte[] reason = failure.detail().getBytes(StandardCharsets.UTF_8);
    buffer.appendByte((byte) code.length).appendBytes(code)
      .appendInt(reason.length).appendBytes(reason)
      .appendLong(failure.retryAfterSeconds());
  }

  @Override
  public ServiceFailure decodeFromWire(int pos, Buffer buffer) {
    int codeLength = buffer.getByte(pos);
    String code = buffer.getString(pos + 1, pos + 1 + codeLength, "UTF-8");
    pos += 1 + codeLength;
    int reasonLength = buffer.getInt(pos);
    String reason = buffer.getString(pos + 4, pos + 4 + reasonLength, "UTF-8");
    long retryAfter = buffer.getLong(pos + 4 + reasonLength);
    return new ServiceFailure(Failure.valueOf(code), reason, retryAfter);
  }
}
