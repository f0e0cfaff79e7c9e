package io.thrume.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * An answer already written as JSON text (UTF-8), for the large ones that only pass through on
 * their way to a client: a history page, a sync. Handed over as it is within the node
 * ({@link ImmutableCodec}), where a JsonObject would be copied whole by every hop (store, chat
 * service, bridge), and written out by the bridge or the REST API without encoding it again.
 */
public record EncodedJson(Buffer utf8) {

  /** The object's JSON text, as {@link JsonObject#encode()} writes it. */
  public static EncodedJson of(JsonObject json) {
    return new EncodedJson(Buffer.buffer(json.encode()));
  }

  /** Makes the codec the event bus' default for EncodedJson; idempotent, before the first answer. */
  public static void register(EventBus bus) {
    ImmutableCodec.registerDefault(bus, EncodedJson.class, new Codec());
  }

  /** Services answer only their own node; should one cross the cluster, the text travels length-prefixed. */
  static final class Codec extends ImmutableCodec<EncodedJson> {
    static final String NAME = "thrume.encoded-json";

    Codec() {
      super(NAME);
    }

    @Override
    public void encodeToWire(Buffer buffer, EncodedJson json) {
      buffer.appendInt(json.utf8().length()).appendBuffer(json.utf8());
    }

    @Override
    public EncodedJson decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      return new EncodedJson(buffer.getBuffer(pos + 4, pos + 4 + length));
    }
  }
}
