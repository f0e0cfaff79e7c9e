package io.thrume.bus;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * A failure of the contract as it travels inside the JVM: its {@link Failure} code, the human
 * detail and, for a RATE_LIMITED or UNAVAILABLE, the seconds after which to come back. It is a
 * {@link ReplyException} (RECIPIENT_FAILURE, the code's HTTP status), so a service fails a request
 * with it as with any failure, and a local requester gets this very object back ({@link Handlers}
 * replies with it). Between cluster nodes it travels whole ({@link ServiceFailureCodec}).
 *
 * <p>Only the edges turn it into text: a REST problem (edge.Problems: detail, {@code Retry-After})
 * and a bridge err frame (transport.Frames: {@code "CODE: detail"}), both from {@link #code()},
 * {@link #clientDetail()} and {@link #retryAfterSeconds()}. {@link #getMessage()} is the same
 * {@code "CODE: detail"}, for logs.
 */
public final class ServiceFailure extends ReplyException {
  /** {@link #retryAfterSeconds()} of a failure that says nothing about when to come back. */
  public static final long NO_RETRY_AFTER = -1;

  private final Failure code;
  private final String detail;
  private final long retryAfterSeconds;

  /**
   * @param detail what went wrong, for people; without the time to come back, which
   *               {@link #clientDetail()} adds from {@code retryAfterSeconds}
   * @param retryAfterSeconds when to come back, or {@link #NO_RETRY_AFTER}
   */
  public ServiceFailure(Failure code, String detail, long retryAfterSeconds) {
    super(ReplyFailure.RECIPIENT_FAILURE, code.status, null);
    this.code = code;
    this.detail = detail == null ? "" : detail;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public Failure code() {
    return code;
  }

  /** The HTTP status of the code. */
  public int status() {
    return code.status;
  }

  /** The seconds after which to come back, or {@link #NO_RETRY_AFTER}. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The detail as given, without the time to come back. */
  public String detail() {
    return detail;
  }

  /** The detail as clients get it: the detail, then "retry after N s" when there is a time to come back. */
  public String clientDetail() {
    if (retryAfterSeconds < 0) {
      return detail;
    }
    String retry = "retry after " + retryAfterSeconds + " s";
    return detail.isEmpty() ? retry : detail + ", " + retry;
  }

  /** {@code "CODE: detail"}: the err frame's message, and what logs show. */
  @Override
  public String getMessage() {
    return code.name() + ": " + clientDetail();
  }

  /** A failure as this code, with another detail (same time to come back). */
  public ServiceFailure as(Failure other, String otherDetail) {
    return new ServiceFailure(other, otherDetail, retryAfterSeconds);
  }

  /**
   * A failure that arrived as a plain {@link ReplyException} (a reply failed with
   * {@code Message.fail}, without this class): its code and detail read back from
   * {@code "CODE: detail"}; null when the message has no known code.
   */
  static ServiceFailure parse(ReplyException plain) {
    String message = plain.getMessage();
    int colon = message == null ? -1 : message.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      Failure code = Failure.valueOf(message.substring(0, colon));
      return new ServiceFailure(code, message.substring(colon + 1).trim(), NO_RETRY_AFTER);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
