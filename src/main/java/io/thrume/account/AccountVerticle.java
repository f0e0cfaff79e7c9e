package io.thrume.account;

import io.thrume.auth.PasswordHasher;
import io.thrume.auth.RefreshTokens;
import io.thrume.auth.RevokedSessions;
import io.thrume.auth.TokenService;
import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Handlers;
import io.thrume.bus.Local;
import io.thrume.fanout.Events;
import io.thrume.limit.RateLimiter;
import io.thrume.validate.Fields;
import io.thrume.validate.Text;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registration, login and sessions (docs/security.md, "Sessions"): validation, a per-client-address
 * throttle (one bucket per address, shared by the cluster when clustered), password hashing on
 * worker threads, session creation, refresh-token rotation, logout and password change. A session
 * that ends is recorded in this node's {@link RevokedSessions} before the caller is answered, and
 * announced to every node, which refuses its access tokens and closes its sockets.
 * Register and login: {username, password, displayName?, clientAddress} → {account, token,
 * expiresAt, refreshToken}.
 */
public class AccountVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AccountVerticle.class);
  private final RateLimiter.Factory limits;
  private final RevokedSessions revoked;
  private PasswordHasher hasher;
  private TokenService tokens;
  private RateLimiter attempts;
  private RateLimiter refreshes;
  private int refreshDays;
  /** Verified when the username is unknown, so that both failures take the same time. */
  private String decoyHash;

  public AccountVerticle(RateLimiter.Factory limits, RevokedSessions revoked) {
    this.limits = limits;
    this.revoked = revoked;
  }

  @Override
  public Future<?> start() {
    AccountConfig config = AccountConfig.from(config());
    hasher = new PasswordHasher(config.pbkdf2Iterations());
    tokens = new TokenService(vertx, config.jwtSecret(), config.tokenMinutes(), revoked);
    refreshDays = config.refreshDays();
    attempts = limits.create("attempts", config.attemptsBurst(), config.attemptsPerMinute() / 60.0);
    // refreshes have their own buckets: a client refreshing does not use up its address' logins
    refreshes = limits.create("refreshes", config.attemptsBurst(), config.attemptsPerMinute() / 60.0);
    return vertx.executeBlocking(() -> hasher.hash("decoy password, never a real one"), false)
      .onSuccess(hash -> {
        decoyHash = hash;
        EventBus bus = vertx.eventBus();
        Handlers.serve(bus, Addresses.ACCOUNT_REGISTER, m -> register(m.body()));
        Handlers.serve(bus, Addresses.ACCOUNT_LOGIN, m -> login(m.body()));
        Handlers.serve(bus, Addresses.ACCOUNT_REFRESH, m -> refresh(m.body()));
        Handlers.serve(bus, Addresses.ACCOUNT_LOGOUT, m -> logout(m.body()));
        Handlers.serve(bus, Addresses.ACCOUNT_PASSWORD, m -> changePassword(m.body()));
      });
  }

  private Future<JsonObject> register(JsonObject body) {
    String username = Text.username(Fields.requiredString(body, "username"));
    String password = Text.password(Fields.requiredString(body, "password"));
    String displayName = Text.displayName(Fields.requiredString(body, "displayName"));
    return throttle(attempts, body.getString("clientAddress", "unknown"))
      .compose(v -> vertx.executeBlocking(() -> hasher.hash(password), false))
      .compose(hash -> vertx.eventBus().<JsonObject>request(Addresses.STORE_ACCOUNT_CREATE, new JsonObject()
        .put("username", username).put("displayName", displayName).put("passwordHash", hash), Local.delivery()))
      .compose(reply -> newSession(reply.body()));
  }

  private Future<JsonObject> login(JsonObject body) {
    String username = Fields.requiredString(body, "username");
    String password = Fields.requiredString(body, "password");
    return throttle(attempts, body.getString("clientAddress", "unknown"))
      // a name no account can have (a control character, say) is unknown: the database is not asked
      .compose(v -> Text.isUsername(username)
        ? vertx.eventBus().<JsonObject>request(Addresses.STORE_ACCOUNT_CREDENTIALS,
          new JsonObject().put("username", username), Local.delivery()).map(Message::body)
        : Future.<JsonObject>succeededFuture(null))
      .compose(found -> {
        String hash = found == null ? decoyHash : found.getString("passwordHash");
        return vertx.executeBlocking(() -> hasher.verify(password, hash), false)
          .compose(ok -> ok && found != null
            ? newSession(found.getJsonObject("account"))
            : Future.failedFuture(Failure.UNAUTHORIZED.exception("wrong username or password")));
      });
  }

  /** A session for the account: its first refresh token (stored hashed) and an access token of it. */
  private Future<JsonObject> newSession(JsonObject account) {
    String refreshToken = RefreshTokens.generate();
    JsonObject create = new JsonObject().put("accountId", account.getString("id"))
      .put("refreshHash", RefreshTokens.hash(refreshToken)).put("days", refreshDays);
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_SESSION_CREATE, create, Local.delivery())
      .map(reply -> tokens.issue(account.getString("id"), account.getString("username"),
          reply.body().getString("sessionId"))
        .put("account", account).put("refreshToken", refreshToken));
  }

  /**
   * {refreshToken} → a new access token and a new refresh token; the presented one dies. One that
   * died already (rotated) ends its whole session: someone else may hold a copy.
   */
  private Future<JsonObject> refresh(JsonObject body) {
    String presented = Fields.requiredString(body, "refreshToken");
    return throttle(refreshes, body.getString("clientAddress", "unknown")).compose(v -> {
      if (!RefreshTokens.isWellFormed(presented)) {
        return Future.failedFuture(Failure.UNAUTHORIZED.exception("the refresh token is not valid"));
      }
      String next = RefreshTokens.generate();
      JsonObject rotate = new JsonObject().put("refreshHash", RefreshTokens.hash(presented))
        .put("nextHash", RefreshTokens.hash(next)).put("days", refreshDays);
      return vertx.eventBus().<JsonObject>request(Addresses.STORE_SESSION_REFRESH, rotate, Local.delivery())
        .compose(reply -> {
          JsonObject outcome = reply.body();
          switch (outcome.getString("outcome")) {
            case "rotated" -> {
              JsonObject account = outcome.getJsonObject("account");
              return Future.succeededFuture(tokens.issue(account.getString("id"), account.getString("username"),
                outcome.getString("sessionId")).put("account", account).put("refreshToken", next));
            }
            case "reused" -> {
              LOG.warn("A rotated refresh token was presented again: session {} of account {} ended",
                outcome.getString("sessionId"), outcome.getString("accountId"));
              ended(outcome.getString("accountId"), new JsonArray().add(outcome.getString("sessionId")));
              return Future.failedFuture(Failure.UNAUTHORIZED.exception(
                "this refresh token was used already: the session has ended, log in again"));
            }
            case "ended" -> {
              return Future.failedFuture(Failure.UNAUTHORIZED.exception("the session has ended: log in again"));
            }
            default -> {
              return Future.failedFuture(Failure.UNAUTHORIZED.exception("the refresh token is not valid"));
            }
          }
        });
    });
  }

  /** {userId, sessionId, all}: ends the session, or all of the user's; every node hears of it. */
  private Future<JsonObject> logout(JsonObject body) {
    String userId = body.getString("userId");
    boolean all = body.getBoolean("all", false);
    JsonObject revoke = new JsonObject().put("userId", userId).put("reason", all ? "logout-all" : "logout");
    if (!all) {
      revoke.put("sessionId", body.getString("sessionId"));
    }
    return vertx.eventBus().<JsonObject>request(Addresses.STORE_SESSION_REVOKE, revoke, Local.delivery())
      .map(reply -> {
        JsonArray sessions = reply.body().getJsonArray("revoked");
        if (!all) {
          // the caller's own session, even when another request ended it a moment ago
          sessions = sessions.contains(body.getString("sessionId")) ? sessions : sessions.copy().add(body.getString("sessionId"));
        }
        ended(userId, sessions);
        return new JsonObject();
      });
  }

  /**
   * {userId, sessionId, currentPassword, newPassword}: FORBIDDEN when the current password is
   * wrong (attempts throttled per account); else the new hash is stored and the user's other
   * sessions end, together. The caller's session goes on.
   */
  private Future<JsonObject> changePassword(JsonObject body) {
    String userId = body.getString("userId");
    String sessionId = body.getString("sessionId");
    String current = Fields.requiredString(body, "currentPassword");
    String password = Text.password(Fields.requiredString(body, "newPassword"));
    return throttle(attempts, "account:" + userId)
      .compose(v -> vertx.eventBus().<JsonObject>request(Addresses.STORE_ACCOUNT_CREDENTIALS,
        new JsonObject().put("id", userId), Local.delivery()))
      .compose(found -> {
        if (found.body() == null) {
          return Future.failedFuture(Failure.UNAUTHORIZED.exception("the account no longer exists"));
        }
        String hash = found.body().getString("passwordHash");
        return vertx.executeBlocking(() -> hasher.verify(current, hash), false);
      })
      .compose(ok -> ok
        ? vertx.executeBlocking(() -> hasher.hash(password), false)
        : Future.failedFuture(Failure.FORBIDDEN.exception("the current password is wrong")))
      .compose(hash -> vertx.eventBus().<JsonObject>request(Addresses.STORE_ACCOUNT_PASSWORD, new JsonObject()
        .put("userId", userId).put("passwordHash", hash).put("keepSessionId", sessionId), Local.delivery()))
      .map(reply -> {
        ended(userId, reply.body().getJsonArray("revoked"));
        return new JsonObject();
      });
  }

  /** This node refuses the sessions' tokens at once; every node (this one too) then closes their sockets. */
  private void ended(String userId, JsonArray sessions) {
    if (sessions.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    sessions.forEach(id -> revoked.add((String) id, now));
    Events.broadcast(vertx.eventBus(), Addresses.SESSIONS_REVOKED,
      new JsonObject().put("userId", userId).put("sessions", sessions).put("revokedAt", now));
  }

  private static Future<Void> throttle(RateLimiter limiter, String key) {
    return limiter.take(key)
      .compose(wait -> wait > 0 ? Future.failedFuture(Failure.rateLimited(wait)) : Future.succeededFuture());
  }
}
