package io.thrume.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which words of a search the GIN index should look up, from how common they are.
 *
 * <p>A prefix such as 'w3':* or 'th':* stands for every word it starts, and the index reads all
 * their posting lists before it can intersect them with the other words': measured over 1,000,000
 * messages, "w3 w2749" spent about 200 ms in the index for 700 matches, "w2749" alone a few ms
 * with the other word tested on each match. So the index gets the rarest word and any other word
 * found in at most {@value #COMMON} of the messages; the rest is tested on the rows it returns.
 *
 * <p>How common a word is comes from PostgreSQL's own statistics of the vector column (pg_stats'
 * most common elements, up to 1,000 lexemes with the share of rows holding each, refreshed by
 * (auto)analyze); a prefix's share is the sum over the lexemes it starts. A word not among them is
 * rare. Read once, then again when older than {@link #MAX_AGE_MILLIS}.
 */
final class TermFrequencies {
  /** Share of messages above which a word is left out of the index lookup (unless it is the rarest). */
  static final double COMMON = 0.1;
  static final long MAX_AGE_MILLIS = 10 * 60_000;
  // most_common_elem_freqs ends with three more numbers (min, max, nulls): unnest pads e with NULLs
  static final String LOAD =
    "SELECT x.e, x.f FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS x(e, f) "
      + "WHERE s.schemaname = current_schema() AND s.tablename = 'message' AND s.attname = 'search' AND x.e IS NOT NULL";

  private final Pool pool;
  private volatile NavigableMap<String, Double> shares;
  private volatile long loadedAt;
  private volatile Future<NavigableMap<String, Double>> loading;

  TermFrequencies(Pool pool) {
    this.pool = pool;
  }

  /**
   * Whether some word is not among the most common elements at all (no lexeme it starts is there):
   * rarer than the least common of them, so that the index finds only a few of its rows in the whole
   * table (W7: under 0.2 % of the messages). Never with no statistics yet.
   */
  static boolean rare(NavigableMap<String, Double> known, List<String> words) {
    return !known.isEmpty() && words.stream().anyMatch(w -> share(known, w) == 0);
  }

  /** The words the index looks up, rarest first: the rarest, and every other at most {@value #COMMON} common. */
  static List<String> indexWords(NavigableMap<String, Double> known, List<String> words) {
    List<String> byShare = words.stream().sorted(Comparator.comparingDouble(w -> share(known, w))).toList();
    return byShare.stream().filter(w -> w.equals(byShare.get(0)) || share(known, w) <= COMMON).collect(Collectors.toList());
  }

  /** Share of messages holding a word this one starts (an estimate: one row may hold several). */
  static double share(NavigableMap<String, Double> known, String word) {
    String prefix = word.toLowerCase(Locale.ROOT);
    return known.subMap(prefix, true, prefix + Character.MAX_VALUE, false).values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** The most common lexemes and the share of messages holding each (empty before the first ANALYZE). */
  Future<NavigableMap<String, Double>> current() {
    NavigableMap<String, Double> now = shares;
    boolean stale = System.currentTimeMillis() - loadedAt > MAX_AGE_MILLIS;
    if (now != null && !stale) {
      return Future.succeededFuture(now);
    }
    Future<NavigableMap<String, Double>> load = loading;
    if (load == null) {
      load = pool.query(LOAD).execute().map(rows -> {
        NavigableMap<String, Double> read = new TreeMap<>();
        for (Row row : rows) {
          read.merge(row.getString("e"), row.getDouble("f"), Double::sum);
        }
        return (NavigableMap<String, Double>) read;
      }).onComplete(done -> {
        // a failed read is tried again at the next search; meanwhile every word goes to the index
        if (done.succeeded()) {
          shares = done.result();
          loadedAt = System.currentTimeMillis();
        }
        loading = null;
      });
      loading = load;
    }
    // a stale map answers at once while the new one loads; only the first search waits
    return now != null ? Future.succeededFuture(now) : load.recover(e -> Future.succeededFuture(new TreeMap<>()));
  }
}
