package io.thrume.auth;

import io.thrume.bus.Failure;
import io.thrume.validate.Fields;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Issues and verifies HS256 access tokens: subject the account id, {@value #SESSION_CLAIM} the
 * session they belong to (docs/security.md, "Sessions"), and always an {@code exp}. A token
 * without a numeric {@code exp}, a subject or a session is refused like a forged one, whoever
 * signed it; so are tokens of a session that has ended ({@link RevokedSessions}).
 */
public final class TokenService {
  public static final String SESSION_CLAIM = "sid";
  private static final String ALGORITHM = "HS256";
  private final JWTAuth jwt;
  private final int minutes;
  private final RevokedSessions revoked;

  /** What a valid access token says: whose it is and which session it belongs to. */
  public record Bearer(String userId, String sessionId) {
  }

  public TokenService(Vertx vertx, String secret, int minutes, RevokedSessions revoked) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(secret))
      .setJWTOptions(new JWTOptions().setAlgorithm(ALGORITHM)));
    this.minutes = minutes;
    this.revoked = revoked;
  }

  public int minutes() {
    return minutes;
  }

  /** {token, expiresAt} for the account's session. */
  public JsonObject issue(String accountId, String username, String sessionId) {
    Instant expiresAt = Instant.now().plus(minutes, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    String token = jwt.generateToken(new JsonObject().put("sub", accountId).put("name", username).put(SESSION_CLAIM, sessionId),
      new JWTOptions().setAlgorithm(ALGORITHM).setExpiresInSeconds(minutes * 60));
    return new JsonObject().put("token", token).put("expiresAt", expiresAt.toString());
  }

  /**
   * The bearer of a valid token: signed by us, unexpired, with a numeric {@code exp}, a subject
   * and a session that has not ended. UNAUTHORIZED otherwise, never anything else.
   */
  public Future<Bearer> verify(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(Failure.UNAUTHORIZED.exception("a bearer token is required"));
    }
    Future<io.vertx.ext.auth.User> checked;
    try {
      checked = jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      // a claim of the wrong type (a string exp, say) may throw instead of failing
      checked = Future.failedFuture(e);
    }
    return checked.transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(Failure.UNAUTHORIZED.exception("the token is invalid or expired"));
      }
      JsonObject claims = ar.result().principal();
      // vertx-auth-jwt moves exp (with iat, nbf) from the payload into the user's attributes
      Object exp = ar.result().attributes().containsKey("exp") ? ar.result().attributes().getValue("exp") : claims.getValue("exp");
      if (!(exp instanceof Number)) {
        return Future.failedFuture(Failure.UNAUTHORIZED.exception("the token has no expiry"));
      }
      if (!(claims.getValue("sub") instanceof String sub) || !Fields.isUuid(sub)
        || !(claims.getValue(SESSION_CLAIM) instanceof String sid) || !Fields.isUuid(sid)) {
        return Future.failedFuture(Failure.UNAUTHORIZED.exception("the token names no account or session"));
      }
      if (revoked.contains(sid)) {
        return Future.failedFuture(Failure.UNAUTHORIZED.exception("the session has ended: log in again"));
      }
      return Future.succeededFuture(new Bearer(sub, sid));
    });
  }

}
