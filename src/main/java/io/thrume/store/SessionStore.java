package io.thrume.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * Session rows and their refresh tokens (hashes only; docs/security.md). A refresh token is
 * looked up by its SHA-256; every token a session was given stays recorded, so that one presented
 * again after its rotation is recognised (and ends the session).
 */
final class SessionStore {
  private static final String CREATE =
    "WITH s AS (INSERT INTO session (account_id, expires_at) VALUES ($1, now() + make_interval(days => $2)) RETURNING id) "
      + "INSERT INTO refresh_token (hash, session_id) SELECT $3, id FROM s RETURNING session_id";
  // both rows locked: a concurrent refresh of the same token waits and then sees it rotated; a
  // concurrent revocation of the session waits, or is waited for
  private static final String FIND_REFRESH =
    "SELECT r.session_id, r.replaced_at IS NOT NULL AS rotated, s.account_id, s.revoked_at IS NOT NULL AS revoked, "
      + "s.expires_at <= now() AS expired FROM refresh_token r JOIN session s ON s.id = r.session_id "
      + "WHERE r.hash = $1 FOR UPDATE OF r, s";
  private static final String ROTATE =
    "WITH used AS (UPDATE refresh_token SET replaced_at = now() WHERE hash = $1), "
      + "fresh AS (INSERT INTO refresh_token (hash, session_id) VALUES ($2, $3)), "
      + "moved AS (UPDATE session SET refreshed_at = now(), expires_at = now() + make_interval(days => $4) WHERE id = $3) "
      + "SELECT id, username, display_name FROM account WHERE id = $5";
  private static final String REVOKE_REUSED =
    "UPDATE session SET revoked_at = now(), revoked_why = 'reuse' WHERE id = $1 AND revoked_at IS NULL";
  /** $2: only this session (null: all); $3: all but this one (null: none left out). */
  private static final String REVOKE =
    "UPDATE session SET revoked_at = now(), revoked_why = $4 WHERE account_id = $1 AND revoked_at IS NULL "
      + "AND ($2::uuid IS NULL OR id = $2) AND ($3::uuid IS NULL OR id <> $3) RETURNING id";
  private static final String RECENTLY_REVOKED =
    "SELECT id, revoked_at FROM session WHERE revoked_at > now() - make_interval(mins => $1)";
  private static final String CHANGE_PASSWORD =
    "WITH pw AS (UPDATE account SET password_hash = $2 WHERE id = $1 RETURNING id) "
      + "UPDATE session SET revoked_at = now(), revoked_why = 'password' "
      + "WHERE account_id = (SELECT id FROM pw) AND revoked_at IS NULL AND id <> $3 RETURNING id";
  /**
   * Sessions ended a week ago or more: their access tokens expired long since, and their refresh
   * tokens, unknown from then on, are refused all the same. And the replaced refresh tokens of live
   * sessions once they are older than a refresh token's lifetime ($1 days): presented again they
   * would have expired anyway, so "unknown" (401) is as good an answer as "reused".
   */
  private static final String PURGE =
    "WITH replaced AS (DELETE FROM refresh_token WHERE replaced_at IS NOT NULL "
      + "AND created_at < now() - make_interval(days => $1)) "
      + "DELETE FROM session WHERE revoked_at < now() - interval '7 days' OR expires_at < now() - interval '7 days'";

  private final Pool pool;

  SessionStore(Pool pool) {
    this.pool = pool;
  }

  /** {accountId, refreshHash (base64), days} → {sessionId}. */
  Future<JsonObject> create(JsonObject body) {
    return pool.preparedQuery(CREATE)
      .execute(Tuple.of(UUID.fromString(body.getString("accountId")), body.getInteger("days"),
        Buffer.buffer(body.getBinary("refreshHash"))))
      .map(rows -> new JsonObject().put("sessionId", rows.iterator().next().getUUID("session_id").toString()));
  }

  /**
   * {refreshHash, nextHash, days} → one of {outcome: "rotated", sessionId, account}, {outcome:
   * "reused", sessionId, accountId} (the token had been rotated already: the session is ended now),
   * {outcome: "ended"} (the session was revoked or has expired) or {outcome: "unknown"}.
   */
  Future<JsonObject> refresh(JsonObject body) {
    Buffer presented = Buffer.buffer(body.getBinary("refreshHash"));
    return pool.withTransaction(conn -> conn.preparedQuery(FIND_REFRESH).execute(Tuple.of(presented)).compose(found -> {
      if (found.size() == 0) {
        return Future.succeededFuture(new JsonObject().put("outcome", "unknown"));
      }
      Row row = found.iterator().next();
      UUID sessionId = row.getUUID("session_id");
      UUID accountId = row.getUUID("account_id");
      if (row.getBoolean("revoked") || row.getBoolean("expired")) {
        return Future.succeededFuture(new JsonObject().put("outcome", "ended"));
      }
      if (row.getBoolean("rotated")) {
        return conn.preparedQuery(REVOKE_REUSED).execute(Tuple.of(sessionId))
          .map(v -> new JsonObject().put("outcome", "reused").put("sessionId", sessionId.toString())
            .put("accountId", accountId.toString()));
      }
      return conn.preparedQuery(ROTATE)
        .execute(Tuple.of(presented, Buffer.buffer(body.getBinary("nextHash")), sessionId, body.getInteger("days"), accountId))
        .map(rows -> {
          Row account = rows.iterator().next();
          return new JsonObject().put("outcome", "rotated").put("sessionId", sessionId.toString())
            .put("account", new JsonObject().put("id", account.getUUID("id").toString())
              .put("username", account.getString("username")).put("displayName", account.getString("display_name")));
        });
    }));
  }

  /** {userId, sessionId?, except?, reason} → {revoked: [id…]}: the sessions this ended. */
  Future<JsonObject> revoke(JsonObject body) {
    return pool.preparedQuery(REVOKE)
      .execute(Tuple.of(UUID.fromString(body.getString("userId")), uuidOrNull(body.getString("sessionId")),
        uuidOrNull(body.getString("except")), body.getString("reason")))
      .map(SessionStore::revoked);
  }

  /** {minutes} → {sessions: [{id, revokedAt (epoch ms)}…]}. */
  Future<JsonObject> recentlyRevoked(JsonObject body) {
    return pool.preparedQuery(RECENTLY_REVOKED).execute(Tuple.of(body.getInteger("minutes"))).map(rows -> {
      JsonArray sessions = new JsonArray();
      rows.forEach(r -> sessions.add(new JsonObject().put("id", r.getUUID("id").toString())
        .put("revokedAt", r.getOffsetDateTime("revoked_at").toInstant().toEpochMilli())));
      return new JsonObject().put("sessions", sessions);
    });
  }

  /** {userId, passwordHash, keepSessionId} → {revoked: [id…]}: the new hash, the other sessions ended, together. */
  Future<JsonObject> changePassword(JsonObject body) {
    return pool.preparedQuery(CHANGE_PASSWORD)
      .execute(Tuple.of(UUID.fromString(body.getString("userId")), body.getString("passwordHash"),
        UUID.fromString(body.getString("keepSessionId"))))
      .map(SessionStore::revoked);
  }

  /** Returns how many sessions it deleted (their refresh tokens go with them). */
  Future<Integer> purge(int refreshDays) {
    return pool.preparedQuery(PURGE).execute(Tuple.of(refreshDays)).map(RowSet::rowCount);
  }

  private static JsonObject revoked(RowSet<Row> rows) {
    JsonArray ids = new JsonArray();
    rows.forEach(r -> ids.add(r.getUUID("id").toString()));
    return new JsonObject().put("revoked", ids);
  }

  private static UUID uuidOrNull(String s) {
    return s == null ? null : UUID.fromString(s);
  }
}
