package io.thrume.store;

import io.thrume.model.Message;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Full-text search over the messages of the caller's conversations (the GIN index of migration
 * V5): every word of the query must start a word of the message. Newest first.
 */
final class MessageSearch {
  /** The expression the index is built on: a query must repeat it to the letter to use the index. */
  static final String VECTOR = "to_tsvector('simple', m.content)";
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
    List<String> terms = new java.util.ArrayList<>();
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
    String conversation = body.getString("conversationId");
    var rows = conversation == null
      ? pool.preparedQuery(IN_MINE).execute(Tuple.of(user, query, limit))
      : pool.preparedQuery(IN_ONE).execute(Tuple.of(user, query, limit, UUID.fromString(conversation)));
    return rows.map(set -> {
      JsonArray out = new JsonArray();
      set.forEach(row -> out.add(Message.fromRow(row).toJson(urls)));
      return new JsonObject().put("messages", out);
    });
  }
}
