package io.thrume.account;

import io.thrume.auth.PasswordHasher;
import io.thrume.auth.TokenService;
import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.Local;
import io.thrume.limit.RateLimiter;
import io.thrume.validate.Fields;
import io.thrume.validate.Text;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Registration and login: validation, a per-client-address throttle (one bucket per address,
 * shared by the cluster when clustered), password hashing on worker threads, and token issue.
 * Message shapes: {username, password, displayName?, clientAddress} → {account, token, expiresAt}.
 */
public class AccountVerticle extends VerticleBase {
  private final RateLimiter.Factory limits;
  private PasswordHasher hasher;
  private TokenService tokens;
  private RateLimiter attempts;
  /** Verified when the username is unknown, so that both failures take the same time. */
  private String decoyHash;

  public AccountVerticle(RateLimiter.Factory limits) {
    this.limits = limits;
  }

  @Override
  public Future<?> start() {
    AccountConfig config = AccountConfig.from(config());
    hasher = new PasswordHasher(config.pbkdf2Iterations());
    tokens = new TokenService(vertx, config.jwtSecret(), config.tokenMinutes());
    attempts = limits.create("attempts", config.attemptsBurst(), config.attemptsPerMinute() / 60.0);
    return vertx.executeBlocking(() -> hasher.hash("decoy password, never a real one"), false)
      .onSuccess(hash -> {
        decoyHash = hash;
        EventBus bus = vertx.eventBus();
        Handlers.serve(bus, Addresses.ACCOUNT_REGISTER, m -> register(m.body()));
        Handlers.serve(bus, Addresses.ACCOUNT_LOGIN, m -> login(m.body()));
      });
  }

  private Future<JsonObject> register(JsonObject body) {
    String username = Text.username(Fields.requiredString(body, "username"));
    String password = Text.password(Fields.requiredString(body, "password"));
    String displayName = Text.displayName(Fields.requiredString(body, "displayName"));
    return throttle(body)
      .compose(v -> vertx.executeBlocking(() -> hasher.hash(password), false))
      .compose(hash -> vertx.eventBus().<JsonObject>request(Addresses.STORE_ACCOUNT_CREATE, new JsonObject()
        .put("username", username).put("displayName", displayName).put("passwordHash", hash), Local.delivery()))
      .map(reply -> session(reply.body()));
  }

  private Future<JsonObject> login(JsonObject body) {
    String username = Fields.requiredString(body, "username");
    String password = Fields.requiredString(body, "password");
    return throttle(body)
      // a name no account can have (a control character, say) is unknown: the database is not asked
      .compose(v -> Text.isUsername(username)
        ? vertx.eventBus().<JsonObject>request(Addresses.STORE_ACCOUNT_CREDENTIALS,
          new JsonObject().put("username", username), Local.delivery()).map(Message::body)
        : Future.<JsonObject>succeededFuture(null))
      .compose(found -> {
        String hash = found == null ? decoyHash : found.getString("passwordHash");
        return vertx.executeBlocking(() -> hasher.verify(password, hash), false)
          .compose(ok -> ok && found != null
            ? Future.succeededFuture(session(found.getJsonObject("account")))
            : Future.failedFuture(Failure.UNAUTHORIZED.exception("wrong username or password")));
      });
  }

  private Future<Void> throttle(JsonObject body) {
    return attempts.take(body.getString("clientAddress", "unknown"))
      .compose(wait -> wait > 0 ? Future.failedFuture(Failure.rateLimited(wait)) : Future.succeededFuture());
  }

  private JsonObject session(JsonObject account) {
    return tokens.issue(account.getString("id"), account.getString("username")).put("account", account);
  }
}
