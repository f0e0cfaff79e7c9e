package io.thrume.store;

import io.thrume.model.Message;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Full-text search over the messages of the caller's conversations: every word of the query must
 * start a word of the message. Newest first.
 *
 * <p>First it reads: each conversation of the caller's scope newest first, testing each message's
 * stored vector, at most {@value #READ_BUDGET} messages in all (small conversations whole, the
 * budget split among the large ones, {@link ReadWindow}). A scope that small is simply read whole,
 * and so is every typical user's. When the scope is larger, what was read is the answer if the page
 * is full and nothing left unread could be newer than its oldest hit; otherwise the GIN index of
 * migration V8 answers, looking up only the words that are not common ({@link TermFrequencies}).
 *
 * <p>Why both. Reading finds a page fast when the words are common in the scope, where the index
 * is slowest: a short prefix such as "w12" expands to hundreds of words whose posting lists all get
 * read, and then every match is sorted by time (W7 in docs/performance.md: 60 ms for one such query
 * where reading the caller's 2,000 messages took 1 ms; 400–1,800 ms for "w1" or "w41" over a scope of
 * 100,000 messages). The index is fast exactly when reading would have to go far: a word that is rare
 * in the scope is rare in the index too, unless it is common elsewhere. Reading 5,000 messages costs
 * a few ms, so a search that falls back to the index pays that on top of an index lookup for a word
 * found in fewer than one message in 250.
 */
final class MessageSearch {
  /** Messages read newest first before the index answers instead. */
  static final long READ_BUDGET = 5_000;
  /** The stored vector the GIN index is built on (migration V8). */
  static final String VECTOR = "m.search";
  // $1 the caller, $2 one conversation or null: the size of each conversation in scope
  private static final String SCOPE =
    "SELECT c.last_seq FROM participant p JOIN conversation c ON c.id = p.conversation_id "
      + "WHERE p.account_id = $1 AND ($2::uuid IS NULL OR c.id = $2)";
  // $1 the caller, $2 the tsquery, $3 the limit, $4 the tsquery the index looks up (the rarer
  // words, TermFrequencies); all of $2 is tested on what it finds. Only conversations the caller is in.
  static final String IN_MINE =
    "SELECT " + MessageStore.COLUMNS + " FROM message m "
      + "JOIN participant p ON p.conversation_id = m.conversation_id AND p.account_id = $1 "
      + "JOIN account a ON a.id = m.sender_id "
      + "WHERE " + VECTOR + " @@ to_tsquery('simple', $4) AND ts_match_vq(" + VECTOR + ", to_tsquery('simple', $2)) "
      + "ORDER BY m.sent_at DESC, m.seq DESC LIMIT $3";
  // the same within one conversation ($4; the index's tsquery is $5), still only if the caller is in it
  static final String IN_ONE =
    "SELECT " + MessageStore.COLUMNS + " FROM message m "
      + "JOIN participant p ON p.conversation_id = m.conversation_id AND p.account_id = $1 "
      + "JOIN account a ON a.id = m.sender_id "
      + "WHERE m.conversation_id = $4 AND " + VECTOR + " @@ to_tsquery('simple', $5) "
      + "AND ts_match_vq(" + VECTOR + ", to_tsquery('simple', $2)) "
      + "ORDER BY m.sent_at DESC, m.seq DESC LIMIT $3";
  // Reading instead of the index: ts_match_vq is what @@ calls, written as a function so that the
  // planner cannot match it to the GIN index; each conversation newest first by its seq index, its
  // newest $5 messages at most. The horizon is the newest message left unread (seq last_seq - $5)
  // over the conversations read in part, for ReadWindow.complete. $4: one conversation or null.
  static final String READ =
    "WITH scope AS (SELECT c.id, c.last_seq FROM participant p JOIN conversation c ON c.id = p.conversation_id "
      + "  WHERE p.account_id = $1 AND ($4::uuid IS NULL OR c.id = $4)), "
      + "horizon AS (SELECT f.sent_at, f.seq FROM scope s JOIN message f ON f.conversation_id = s.id AND f.seq = s.last_seq - $5 "
      + "  WHERE s.last_seq > $5 ORDER BY f.sent_at DESC, f.seq DESC LIMIT 1) "
      + "SELECT " + MessageStore.COLUMNS + ", (SELECT sent_at FROM horizon) AS horizon_at, (SELECT seq FROM horizon) AS horizon_seq "
      + "FROM scope s CROSS JOIN LATERAL ("
      + "  SELECT * FROM message m WHERE m.conversation_id = s.id AND m.seq > s.last_seq - $5 "
      + "  AND ts_match_vq(" + VECTOR + ", to_tsquery('simple', $2)) ORDER BY m.seq DESC LIMIT $3) m "
      + "JOIN account a ON a.id = m.sender_id "
      + "ORDER BY m.sent_at DESC, m.seq DESC LIMIT $3";
  /** A word, as the 'simple' parser splits text: letters and digits. */
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  private final Pool pool;
  private final Message.Urls urls;
  private final TermFrequencies frequencies;

  MessageSearch(Pool pool, Message.Urls urls) {
    this.pool = pool;
    this.urls = urls;
    this.frequencies = new TermFrequencies(pool);
  }

  /** The distinct words of a user's query (letters and digits), in order. */
  static List<String> words(String query) {
    Matcher words = WORD.matcher(query);
    List<String> found = new ArrayList<>();
    while (words.find()) {
      if (!found.contains(words.group())) {
        found.add(words.group());
      }
    }
    return found;
  }

  /** The tsquery for these words: each as a prefix, all of them required. */
  static String tsquery(List<String> words) {
    return words.stream().map(w -> "'" + w + "':*").collect(Collectors.joining(" & "));
  }

  /**
   * The tsquery for a user's query: each word as a prefix, all of them required. Only letters and
   * digits reach it, so nothing the user types is read as tsquery syntax. Empty when the query has
   * no word.
   */
  static String tsquery(String query) {
    return tsquery(words(query));
  }

  /** {userId, q, conversationId?, limit} → {messages}, newest first. */
  Future<JsonObject> search(JsonObject body) {
    UUID user = UUID.fromString(body.getString("userId"));
    List<String> words = words(body.getString("q"));
    int limit = body.getInteger("limit");
    if (words.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("messages", new JsonArray()));
    }
    String query = tsquery(words);
    String raw = body.getString("conversationId");
    UUID conversation = raw == null ? null : UUID.fromString(raw);
    return pool.preparedQuery(SCOPE).execute(Tuple.of(user, conversation)).compose(scope -> {
      long[] sizes = new long[scope.size()];
      int i = 0;
      for (Row row : scope) {
        sizes[i++] = row.getLong("last_seq");
      }
      if (Arrays.stream(sizes).sum() == 0) {
        return Future.succeededFuture(List.<Row>of());
      }
      long rows = ReadWindow.rowsPerConversation(sizes, READ_BUDGET);
      return pool.preparedQuery(READ).execute(Tuple.of(user, query, limit, conversation, rows)).compose(read -> {
        List<Row> hits = new ArrayList<>();
        read.forEach(hits::add);
        Row oldest = hits.isEmpty() ? null : hits.get(hits.size() - 1);
        if (ReadWindow.complete(hits.size(), limit, ReadWindow.cuts(sizes, rows),
          oldest == null ? null : oldest.getOffsetDateTime("sent_at"), oldest == null ? 0 : oldest.getLong("seq"),
          oldest == null ? null : oldest.getOffsetDateTime("horizon_at"), oldest == null ? null : oldest.getLong("horizon_seq"))) {
          return Future.succeededFuture(hits);
        }
        return frequencies.indexQuery(words).compose(index -> (conversation == null
          ? pool.preparedQuery(IN_MINE).execute(Tuple.of(user, query, limit, index))
          : pool.preparedQuery(IN_ONE).execute(Tuple.of(user, query, limit, conversation, index))).map(found -> {
            List<Row> out = new ArrayList<>();
            found.forEach(out::add);
            return out;
          }));
      });
    }).map(found -> {
      JsonArray out = new JsonArray();
      found.forEach(row -> out.add(Message.fromRow(row).toJson(urls)));
      return new JsonObject().put("messages", out);
    });
  }
}
