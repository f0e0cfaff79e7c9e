package io.thrume.bus;

/**
 * The stable failure codes of the contract, each with its HTTP status. A failure travels as a
 * {@link ServiceFailure} (code, detail, when to come back); the edges render it: a REST problem,
 * or a bridge err frame whose message is "CODE: detail".
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

  /**
   * A failure of this code. An UNAVAILABLE always says when to come back
   * ({@value #UNAVAILABLE_RETRY_AFTER_SECONDS} s), whether it goes out as a 503 (its Retry-After
   * header) or an err frame ("…, retry after 1 s").
   */
  public ServiceFailure exception(String detail) {
    return new ServiceFailure(this, detail,
      this == UNAVAILABLE ? UNAVAILABLE_RETRY_AFTER_SECONDS : ServiceFailure.NO_RETRY_AFTER);
  }

  /** RATE_LIMITED: "retry after N s". */
  public static ServiceFailure rateLimited(long retryAfterSeconds) {
    return new ServiceFailure(RATE_LIMITED, "", retryAfterSeconds);
  }
}
