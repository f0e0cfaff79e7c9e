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
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Full-text search over the messages of the caller's conversations: every word of the query must
 * start a word of the message. Newest first.
 *
 * <p>First it reads: each conversation of the caller's scope newest first, testing each message's
 * stored vector, {@value #READ_BUDGET} messages in all (small conversations whole, the budget split
 * among the large ones, {@link ReadWindow}); every typical scope (W7: 2,000) is read whole. What was
 * read is the answer if nothing was left unread, or if the page is full and nothing left unread
 * could be newer than its oldest hit. A larger scope with a word that PostgreSQL's statistics do not
 * list among the common ones goes to the index at once: it finds that word's few rows in the whole
 * table faster than reading would find a page. If the read is not the answer, and the hits found say a wider read of at most
 * {@value #WIDER_READ_MAX} would fill the page, it reads that; otherwise, or if that is not enough
 * either, the GIN index of migration V8 answers, looking up only the words that are not common
 * ({@link TermFrequencies}).
 *
 * <p>Why both. Reading finds a page fast when the words are common in the scope, where the index
 * is slowest: a short prefix such as "w12" expands to hundreds of words whose posting lists all get
 * read, and then every match is sorted by time (W7 in docs/performance.md: 60 ms for one such query
 * where reading the caller's 2,000 messages took 1 ms; 250–1,800 ms for "w1", "w12" or "w41" over a
 * scope of 100,000 messages). The index is fast when reading would have to go far: a word rare in
 * the scope is rare in the index too, unless it is common elsewhere. The budgets were measured on
 * W7's heavy users (400 queries drawn like W7's, each plan in turn): a first read of 2,000 with the
 * wider second read had p95 16 ms and p99 23 ms, against 19 and 45 ms without the second read and
 * 16 and 28 ms with a first read of 5,000 (PostgreSQL 17.6, a machine with load 4). Sending words
 * the statistics call rare to the index at once then cut the mean by a third (p50 7.4 against
 * 12.1 ms, p95 36 against 55 ms, both at load 6; 169 of the 400 queries).
 */
final class MessageSearch {
  /** Messages read newest first at first. */
  static final long READ_BUDGET = 2_000;
  /**
   * The most a second, wider read takes when the first found some hits but not a page: reading on
   * is cheaper than the index for a word found in at least 1 message of 400 (5 hits in 2,000).
   */
  static final long WIDER_READ_MAX = 12_000;
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
      if (!ReadWindow.cuts(sizes, ReadWindow.rowsPerConversation(sizes, READ_BUDGET))) {
        // a scope this small is read whole: what is found is the answer
        return read(user, query, limit, conversation, sizes, READ_BUDGET).map(Read::hits);
      }
      return frequencies.current().compose(known -> TermFrequencies.rare(known, words)
        // a word rarer than every common one: the index finds its few rows, reading would not
        ? index(user, query, limit, conversation, known, words)
        : read(user, query, limit, conversation, sizes, READ_BUDGET).compose(first -> {
          if (first.complete()) {
            return Future.succeededFuture(first.hits());
          }
          // as many messages again as this density of hits needs for a page, and half as many more
          long wider = first.hits().isEmpty() ? 0 : (long) Math.ceil(1.5 * READ_BUDGET * limit / first.hits().size());
          Future<Read> second = wider > READ_BUDGET && wider <= WIDER_READ_MAX
            ? read(user, query, limit, conversation, sizes, wider) : Future.succeededFuture(first);
          return second.compose(read -> read.complete() ? Future.succeededFuture(read.hits())
            : index(user, query, limit, conversation, known, words));
        }));
    }).map(found -> {
      JsonArray out = new JsonArray();
      found.forEach(row -> out.add(Message.fromRow(row).toJson(urls)));
      return new JsonObject().put("messages", out);
    });
  }

  /** The hits of a read and whether they are the answer. */
  private record Read(List<Row> hits, boolean complete) {
  }

  /** The index's answer, looking up the words that are not common ({@link TermFrequencies#indexWords}). */
  private Future<List<Row>> index(UUID user, String query, int limit, UUID conversation, NavigableMap<String, Double> known,
                                  List<String> words) {
    String index = tsquery(TermFrequencies.indexWords(known, words));
    return rows(conversation == null ? pool.preparedQuery(IN_MINE).execute(Tuple.of(user, query, limit, index))
      : pool.preparedQuery(IN_ONE).execute(Tuple.of(user, query, limit, conversation, index)));
  }

  /** Reads the newest {@code budget} messages of the scope (ReadWindow) and tests each. */
  private Future<Read> read(UUID user, String query, int limit, UUID conversation, long[] sizes, long budget) {
    long rows = ReadWindow.rowsPerConversation(sizes, budget);
    return rows(pool.preparedQuery(READ).execute(Tuple.of(user, query, limit, conversation, rows))).map(hits -> {
      Row oldest = hits.isEmpty() ? null : hits.get(hits.size() - 1);
      return new Read(hits, ReadWindow.complete(hits.size(), limit, ReadWindow.cuts(sizes, rows),
        oldest == null ? null : oldest.getOffsetDateTime("sent_at"), oldest == null ? 0 : oldest.getLong("seq"),
        oldest == null ? null : oldest.getOffsetDateTime("horizon_at"), oldest == null ? null : oldest.getLong("horizon_seq")));
    });
  }

  private static Future<List<Row>> rows(Future<RowSet<Row>> set) {
    return set.map(found -> {
      List<Row> out = new ArrayList<>();
      found.forEach(out::add);
      return out;
    });
  }
}
