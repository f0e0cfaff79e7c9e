package io.thrume.bus;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stable failure codes of the contract. A failure travels over the event bus as a
 * {@link ReplyException} whose failureCode is the HTTP status and whose message is
 * "CODE: human detail", so REST and bridge frames render the same failure the same way.
 */
public enum Failure {
  INVALID(400),
  UNAUTHORIZED(401),
  FORBIDDEN(403),
  NOT_FOUND(404),
  CONFLICT(409),
  CONNECTION_LIMIT(409),
  TOO_LARGE(413),
  RATE_LIMITED(429),
  INTERNAL(500),
  UNAVAILABLE(503);

  private static final Pattern RETRY_AFTER = Pattern.compile("retry after (\\d+) s");
  /** How a draining node says when to come back (BridgeNode): a time of its own too. */
  private static final Pattern RECONNECT_IN = Pattern.compile("reconnect in \\d+ ms");
  /**
   * What an UNAVAILABLE without a time of its own tells the client to wait: the outages it stands
   * for (the database restarting, a service not answering) are retried soon, and a client that
   * retries every second costs one request per second.
   */
  public static final long UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

  public final int status;

  Failure(int status) {
    this.status = status;
  }

  public ReplyException exception(String detail) {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, status, name() + ": " + detail(detail));
  }

  /**
   * The detail as clients get it: an UNAVAILABLE always says when to come back ("…, retry after
   * N s", or a drain's "reconnect in N ms"), whether it goes out as a 503 (whose Retry-After header
   * is read from it) or an err frame.
   */
  public String detail(String detail) {
    if (this == UNAVAILABLE && retryAfterSeconds(detail) < 0 && !RECONNECT_IN.matcher(detail).find()) {
      return detail + ", retry after " + UNAVAILABLE_RETRY_AFTER_SECONDS + " s";
    }
    return detail;
  }

  public static ReplyException rateLimited(long retryAfterSeconds) {
    return RATE_LIMITED.exception("retry after " + retryAfterSeconds + " s");
  }

  /** The seconds in a RATE_LIMITED or UNAVAILABLE message, or -1. */
  public static long retryAfterSeconds(String message) {
    if (message == null) {
      return -1;
    }
    Matcher m = RETRY_AFTER.matcher(message);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** The code part of a "CODE: detail" message, or null when the message has none. */
  public static Failure codeOf(String message) {
    if (message == null) {
      return null;
    }
    int colon = message.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      return valueOf(message.substring(0, colon));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The human part of a "CODE: detail" message. */
  public static String detailOf(String message) {
    if (message == null) {
      return "";
    }
    return codeOf(message) == null ? message : message.substring(message.indexOf(':') + 1).trim();
  }
}
