package io.thrume.bus;

import io.vertx.core.eventbus.DeliveryOptions;

/** A handler result that carries reply headers along with the body. */
public record Reply(Object body, DeliveryOptions options) {
}
