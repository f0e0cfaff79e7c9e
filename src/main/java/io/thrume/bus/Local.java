package io.thrume.bus;

import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Delivery to this node's own services. They are local consumers; saying so spares a clustered
 * event bus a look-up of the address among the cluster's registrations (a Hazelcast operation)
 * for every request.
 */
public final class Local {
  private Local() {
  }

  public static DeliveryOptions delivery() {
    return new DeliveryOptions().setLocalOnly(true);
  }
}
