package io.thrume.bench;

import io.thrume.support.Jwts;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * W7: message search (GET /api/search/messages) over a million stored messages. A group of users
 * (typical: each in one conversation of 20; heavy: each in 50 of those conversations) search their
 * own conversations with what people type: one word, two words, or the first letters of one, words
 * drawn from the same skewed vocabulary as the messages (a few common words, a long tail of rare
 * ones). A fixed number of searches with a fixed number in flight; latency from send to the whole
 * answer.
 */
final class SearchLoad {
  /** One run's figures. */
  record Result(String group, long scope, int messages, int searches, int inFlight, double p50, double p99, double max,
                double perSecond, double resultsPerSearch, double serverCpuMicrosPerSearch, int failed) {
    @Override
    public String toString() {
      return String.format("%s (%d messages in scope each): %d searches over %d messages, %d in flight: p50 %.1f ms, "
          + "p99 %.1f ms, max %.1f ms, %.0f/s, %.1f results each, %.0f µs server CPU each, %d failed", group, scope, searches,
        messages, inFlight, p50, p99, max, perSecond, resultsPerSearch, serverCpuMicrosPerSearch, failed);
    }
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(5)).build();
  private final BenchServer server;
  private final String group;
  private final List<String> users;
  private final long scope;
  private final Random random;

  /**
   * {@code users} search, each with {@code scope} messages in their conversations; {@code seed}
   * fixes the sequence of users and queries (7 for the typical group, as before there were groups).
   */
  SearchLoad(BenchServer server, String group, List<String> users, long scope, long seed) {
    this.server = server;
    this.group = group;
    this.users = users;
    this.scope = scope;
    this.random = new Random(seed);
  }

  /** A query as people type it: one word (60 %), two words (25 %), or a word's first three characters (15 %). */
  String query() {
    int kind = random.nextInt(100);
    String word = BenchDatabase.word(random.nextDouble());
    if (kind < 60) {
      return word;
    }
    if (kind < 85) {
      return word + " " + BenchDatabase.word(random.nextDouble());
    }
    return word.substring(0, Math.min(3, word.length()));
  }

  Result run(int messages, int warmup, int searches, int inFlight) throws Exception {
    measure(warmup, inFlight);
    long cpuBefore = ProcStats.cpuNanos(server.pids());
    long started = System.nanoTime();
    Measured m = measure(searches, inFlight);
    double seconds = (System.nanoTime() - started) / 1e9;
    long cpu = ProcStats.cpuNanos(server.pids()) - cpuBefore;
    List<Double> sorted = new ArrayList<>(m.latenciesMs);
    Collections.sort(sorted);
    return new Result(group, scope, messages, searches, inFlight, percentile(sorted, 0.50), percentile(sorted, 0.99),
      sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1), searches / seconds, m.results.get() / (double) Math.max(1, sorted.size()),
      cpu / 1000.0 / searches, m.failed.get());
  }

  private record Measured(List<Double> latenciesMs, AtomicInteger results, AtomicInteger failed) {
  }

  private Measured measure(int count, int inFlight) throws Exception {
    Semaphore slots = new Semaphore(inFlight);
    List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger results = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<CompletableFuture<?>> all = new ArrayList<>();
    int port = server.ports()[0];
    for (int i = 0; i < count; i++) {
      slots.acquire();
      int user = random.nextInt(users.size());
      String q = URLEncoder.encode(query(), StandardCharsets.UTF_8);
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/search/messages?limit=20&q=" + q))
        .header("Authorization", "Bearer " + Jwts.access(BenchDatabase.SECRET, users.get(user), 7200)).timeout(Duration.ofSeconds(30)).build();
      long sent = System.nanoTime();
      all.add(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
        slots.release();
        if (e != null || r.statusCode() != 200) {
          failed.incrementAndGet();
          return;
        }
        latencies.add((System.nanoTime() - sent) / 1e6);
        results.addAndGet(new io.vertx.core.json.JsonObject(r.body()).getJsonArray("messages").size());
      }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
    return new Measured(latencies, results, failed);
  }

  private static double percentile(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
