package io.thrume.store;

import io.thrume.model.Message;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Full-text search over the messages of the caller's conversations: every word of the query must
 * start a word of the message. Newest first.
 *
 * <p>Two plans, chosen by how many messages the caller's conversations hold (one cheap query on
 * their counters). Up to {@value #SCAN_LIMIT} messages, each conversation is read newest first
 * and each message's stored vector tested: a common word stops after a page, a rare one reads a
 * few thousand small vectors. Beyond that, the GIN index of migration V8 finds the matches. The
 * index alone is slow exactly where people search most, in small scopes: a short prefix such as
 * "w12" expands to hundreds of words whose posting lists all get read (W7 in
 * docs/performance.md measured 60 ms for one such query over 1,000,000 messages, where reading the
 * caller's 2,000 messages took 1 ms).
 */
final class MessageSearch {
  /** Messages in the caller's scope up to which reading them beats the index. */
  static final long SCAN_LIMIT = 20_000;
  /** The stored vector the GIN index is built on (migration V8). */
  static final String VECTOR = "m.search";
  private static final String SCOPE_MINE =
    "SELECT COALESCE(sum(c.last_seq), 0) AS messages FROM participant p JOIN conversation c ON c.id = p.conversation_id "
      + "WHERE p.account_id = $1";
  private static final String SCOPE_ONE =
    "SELECT c.last_seq AS messages FROM participant p JOIN conversation c ON c.id = p.conversation_id "
      + "WHERE p.account_id = $1 AND c.id = $2";
  // $1 the caller, $2 the tsquery, $3 the limit; only conversations the caller is in
  static final String IN_MINE =
    "SELECT " + MessageStore.COLUMNS + " FROM message m "
      + "JOIN participant p ON p.conversation_id = m.conversation_id AND p.account_id = $1 "
      + "JOIN account a ON a.id = m.sender_id "
      + "WHERE " + VECTOR + " @@ to_tsquery('simple', $2) "
      + "ORDER BY m.sent_at DESC, m.seq DESC LIMIT $3";
  // the same within one conversation ($4), still only if the caller is in it
  static final String IN_ONE =
    "SELECT " + MessageStore.COLUMNS + " FROM message m "
      + "JOIN participant p ON p.conversation_id = m.conversation_id AND p.account_id = $1 "
      + "JOIN account a ON a.id = m.sender_id "
      + "WHERE m.conversation_id = $4 AND " + VECTOR + " @@ to_tsquery('simple', $2) "
      + "ORDER BY m.sent_at DESC, m.seq DESC LIMIT $3";
  // Reading instead of the index: ts_match_vq is what @@ calls, written as a function so that the
  // planner cannot match it to the GIN index; each conversation newest first by its seq index.
  static final String READ =
    "SELECT " + MessageStore.COLUMNS + " FROM participant p CROSS JOIN LATERAL ("
      + "  SELECT * FROM message m WHERE m.conversation_id = p.conversation_id "
      + "  AND ts_match_vq(" + VECTOR + ", to_tsquery('simple', $2)) ORDER BY m.seq DESC LIMIT $3) m "
      + "JOIN account a ON a.id = m.sender_id "
      + "WHERE p.account_id = $1 AND ($4::uuid IS NULL OR p.conversation_id = $4) "
      + "ORDER BY m.sent_at DESC, m.seq DESC LIMIT $3";
  /** A word, as the 'simple' parser splits text: letters and digits. */
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  private final Pool pool;
  private final Message.Urls urls;

  MessageSearch(Pool pool, Message.Urls urls) {
    this.pool = pool;
    this.urls = urls;
  }

  /**
   * The tsquery for a user's query: each word as a prefix, all of them required. Only letters and
   * digits reach it, so nothing the user types is read as tsquery syntax. Empty when the query has
   * no word.
   */
  static String tsquery(String query) {
    Matcher words = WORD.matcher(query);
    List<String> terms = new ArrayList<>();
    while (words.find()) {
      terms.add("'" + words.group() + "':*");
    }
    return terms.stream().distinct().collect(Collectors.joining(" & "));
  }

  /** {userId, q, conversationId?, limit} → {messages}, newest first. */
  Future<JsonObject> search(JsonObject body) {
    UUID user = UUID.fromString(body.getString("userId"));
    String query = tsquery(body.getString("q"));
    int limit = body.getInteger("limit");
    if (query.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("messages", new JsonArray()));
    }
    String raw = body.getString("conversationId");
    UUID conversation = raw == null ? null : UUID.fromString(raw);
    Future<RowSet<Row>> scope = conversation == null ? pool.preparedQuery(SCOPE_MINE).execute(Tuple.of(user))
      : pool.preparedQuery(SCOPE_ONE).execute(Tuple.of(user, conversation));
    return scope.compose(rows -> {
      long messages = rows.size() == 0 ? 0 : rows.iterator().next().getLong("messages");
      if (rows.size() == 0 || messages == 0) {
        return Future.succeededFuture(new JsonObject().put("messages", new JsonArray()));
      }
      Future<RowSet<Row>> found;
      if (messages <= SCAN_LIMIT) {
        found = pool.preparedQuery(READ).execute(Tuple.of(user, query, limit, conversation));
      } else if (conversation == null) {
        found = pool.preparedQuery(IN_MINE).execute(Tuple.of(user, query, limit));
      } else {
        found = pool.preparedQuery(IN_ONE).execute(Tuple.of(user, query, limit, conversation));
      }
      return found.map(set -> {
        JsonArray out = new JsonArray();
        set.forEach(row -> out.add(Message.fromRow(row).toJson(urls)));
        return new JsonObject().put("messages", out);
      });
    });
  }
}
