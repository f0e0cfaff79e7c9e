package io.thrume.auth;

import io.thrume.bus.Failure;
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

/** Issues and verifies HS256 access tokens whose subject is the account id. */
public final class TokenService {
  private static final String ALGORITHM = "HS256";
  private final JWTAuth jwt;
  private final int minutes;

  public TokenService(Vertx vertx, String secret, int minutes) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(secret))
      .setJWTOptions(new JWTOptions().setAlgorithm(ALGORITHM)));
    this.minutes = minutes;
  }

  /** {token, expiresAt} for the account. */
  public JsonObject issue(String accountId, String username) {
    Instant expiresAt = Instant.now().plus(minutes, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    String token = jwt.generateToken(new JsonObject().put("sub", accountId).put("name", username),
      new JWTOptions().setAlgorithm(ALGORITHM).setExpiresInSeconds(minutes * 60));
    return new JsonObject().put("token", token).put("expiresAt", expiresAt.toString());
  }

  /** The account id of a valid, unexpired token signed by us; UNAUTHORIZED otherwise. */
  public Future<String> verify(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(Failure.UNAUTHORIZED.exception("a bearer token is required"));
    }
    return jwt.authenticate(new TokenCredentials(token))
      .map(user -> user.principal().getString("sub"))
      .compose(sub -> sub == null
        ? Future.failedFuture(Failure.UNAUTHORIZED.exception("the token has no subject"))
        : Future.succeededFuture(sub),
        e -> Future.failedFuture(Failure.UNAUTHORIZED.exception("the token is invalid or expired")));
  }
}
