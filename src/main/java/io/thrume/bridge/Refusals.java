package io.thrume.bridge;

import io.thrume.bus.Failure;
import io.thrume.bus.ServiceFailure;

/** A service's failure as the bridge shows it to a client: only the bridge's codes, no existence leaks. */
final class Refusals {
  private Refusals() {
  }

  static ServiceFailure of(ServiceFailure failure) {
    return switch (failure.code()) {
      case INTERNAL -> Failure.UNAVAILABLE.exception("the service could not answer");
      case NOT_FOUND -> Failure.FORBIDDEN.exception("not a participant of this conversation");
      case CONFLICT -> failure.as(Failure.INVALID, failure.detail());
      default -> failure;
    };
  }
}
