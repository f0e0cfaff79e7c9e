package io.thrume.bus;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * An event-bus codec for a type whose objects never change once made: within a node the object is
 * handed over as it is, and only a message to another node of the cluster is encoded.
 */
public abstract class ImmutableCodec<T> implements MessageCodec<T, T> {
  private final String name;

  protected ImmutableCodec(String name) {
    this.name = name;
  }

  /**
   * Makes the codec the event bus' default for its type; idempotent, since several verticles of a
   * node (and several nodes deployed on one Vert.x in tests) each register what they need.
   */
  public static <T> void registerDefault(EventBus bus, Class<T> type, ImmutableCodec<T> codec) {
    try {
      bus.registerDefaultCodec(type, codec);
    } catch (IllegalStateException registeredAlready) {
      // this event bus has it
    }
  }

  @Override
  public final T transform(T value) {
    return value;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }
}
