package io.thrume.store;

import io.thrume.bus.Failure;
import io.thrume.model.Account;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/** Account rows. */
final class AccountStore {
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String INSERT =
    "INSERT INTO account (username, display_name, password_hash) VALUES ($1, $2, $3) "
      + "RETURNING id, username, display_name";
  private static final String BY_USERNAME =
    "SELECT id, username, display_name, password_hash FROM account WHERE lower(username) = lower($1)";
  private static final String BY_ID = "SELECT id, username, display_name FROM account WHERE id = $1";
  private static final String CREDENTIALS_BY_ID =
    "SELECT id, username, display_name, password_hash FROM account WHERE id = $1";
  // $1 is a lower-case prefix with LIKE wildcards escaped; the caller is left out of the results.
  // $4: the prefix has 2 characters or more, so it also matches the start of any word of the
  // display name ("chen" finds "Wei Chen").
  private static final String SEARCH =
    "SELECT id, username, display_name FROM account "
      + "WHERE (lower(username) LIKE $1 OR lower(display_name) LIKE $1 "
      + "OR ($4 AND (' ' || lower(display_name)) LIKE ('% ' || $1))) AND id <> $2 "
      + "ORDER BY lower(username) LIMIT $3";

  /** Users written by one last-seen UPDATE at most. */
  private static final int LAST_SEEN_BATCH = 1000;

  private final Pool pool;
  private final LastSeenWriter lastSeen;

  AccountStore(Pool pool) {
    this.pool = pool;
    this.lastSeen = new LastSeenWriter(pool, LAST_SEEN_BATCH);
  }

  /** {username, displayName, passwordHash} → account; CONFLICT when the name is taken in any case. */
  Future<JsonObject> create(JsonObject body) {
    return pool.preparedQuery(INSERT)
      .execute(Tuple.of(body.getString("username"), body.getString("displayName"), body.getString("passwordHash")))
      .map(rows -> Account.fromRow(rows.iterator().next()).toJson())
      .recover(e -> e instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
        ? Future.failedFuture(Failure.CONFLICT.exception("username is taken"))
        : Future.failedFuture(e));
  }

  /** {username} or {id} → {account, passwordHash}, or null when there is no such account. */
  Future<JsonObject> credentials(JsonObject body) {
    String id = body.getString("id");
    var query = id != null ? pool.preparedQuery(CREDENTIALS_BY_ID).execute(Tuple.of(UUID.fromString(id)))
      : pool.preparedQuery(BY_USERNAME).execute(Tuple.of(body.getString("username")));
    return query
      .map(rows -> {
        if (rows.size() == 0) {
          return null;
        }
        Row row = rows.iterator().next();
        return new JsonObject().put("account", Account.fromRow(row).toJson())
          .put("passwordHash", row.getString("password_hash"));
      });
  }

  /** {id} → account, NOT_FOUND when it is gone. */
  Future<JsonObject> get(JsonObject body) {
    return pool.preparedQuery(BY_ID).execute(Tuple.of(UUID.fromString(body.getString("id"))))
      .compose(rows -> rows.size() == 0
        ? Future.failedFuture(Failure.NOT_FOUND.exception("account not found"))
        : Future.succeededFuture(Account.fromRow(rows.iterator().next()).toJson()));
  }

  /**
   * {userId, prefix, limit} → {accounts: [...]}, matching the start of the username or of the
   * display name, and from 2 characters on the start of any word of the display name.
   */
  Future<JsonObject> search(JsonObject body) {
    String prefix = body.getString("prefix").toLowerCase(java.util.Locale.ROOT);
    String pattern = escapeLike(prefix) + "%";
    return pool.preparedQuery(SEARCH)
      .execute(Tuple.of(pattern, UUID.fromString(body.getString("userId")), body.getInteger("limit"), prefix.length() >= 2))
      .map(rows -> {
        JsonArray accounts = new JsonArray();
        rows.forEach(row -> accounts.add(Account.fromRow(row).toJson()));
        return new JsonObject().put("accounts", accounts);
      });
  }

  /** {userId, at} → {}: remembers when the user was last connected (never moving it back), with others' in one write. */
  Future<JsonObject> lastSeen(JsonObject body) {
    return lastSeen.write(UUID.fromString(body.getString("userId")), java.time.OffsetDateTime.parse(body.getString("at")))
      .map(v -> new JsonObject());
  }

  private static String escapeLike(String s) {
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
