package io.thrume.store;

import io.thrume.bus.Failure;
import io.thrume.model.Account;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/** Who has blocked whom. */
final class BlockStore {
  private static final String PUT =
    "WITH target AS (SELECT id FROM account WHERE id = $2), "
      + "added AS (INSERT INTO block (blocker_id, blocked_id) SELECT $1, id FROM target "
      + "  ON CONFLICT (blocker_id, blocked_id) DO NOTHING RETURNING 1) "
      + "SELECT (SELECT count(*) FROM target) AS known, (SELECT count(*) FROM added) AS added";
  private static final String DELETE = "DELETE FROM block WHERE blocker_id = $1 AND blocked_id = $2";
  private static final String LIST =
    "SELECT a.id, a.username, a.display_name FROM block b JOIN account a ON a.id = b.blocked_id "
      + "WHERE b.blocker_id = $1 ORDER BY b.created_at DESC, lower(a.username)";

  private final Pool pool;

  BlockStore(Pool pool) {
    this.pool = pool;
  }

  /** {blockerId, blockedId} → {added: true|false} (false: blocked already); NOT_FOUND for an unknown account. */
  Future<JsonObject> put(JsonObject body) {
    return pool.preparedQuery(PUT).execute(ids(body)).compose(rows -> {
      Row r = rows.iterator().next();
      return r.getLong("known") == 0
        ? Future.failedFuture(Failure.NOT_FOUND.exception("account not found"))
        : Future.succeededFuture(new JsonObject().put("added", r.getLong("added") > 0));
    });
  }

  /** {blockerId, blockedId} → {removed: true|false}. */
  Future<JsonObject> delete(JsonObject body) {
    return pool.preparedQuery(DELETE).execute(ids(body)).map(rows -> new JsonObject().put("removed", rows.rowCount() > 0));
  }

  /** {userId} → {accounts: [account…]}: whom the user has blocked, the latest first. */
  Future<JsonObject> list(JsonObject body) {
    return pool.preparedQuery(LIST).execute(Tuple.of(UUID.fromString(body.getString("userId")))).map(rows -> {
      JsonArray accounts = new JsonArray();
      rows.forEach(row -> accounts.add(Account.fromRow(row).toJson()));
      return new JsonObject().put("accounts", accounts);
    });
  }

  private static Tuple ids(JsonObject body) {
    return Tuple.of(UUID.fromString(body.getString("blockerId")), UUID.fromString(body.getString("blockedId")));
  }
}
