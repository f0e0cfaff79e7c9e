package io.thrume.bench;

import io.thrume.support.Jwts;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The one PostgreSQL both servers use (embedded, started by the benchmark), with Thrume's schema.
 * Accounts, conversations and history are inserted in bulk: hashing tens of thousands of passwords
 * is not what is measured, and nobody logs in with a password here; every socket still presents a
 * real signed token (and, on Thrume, a real single-use ticket).
 */
final class BenchDatabase implements AutoCloseable {
  static final String SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
  private static final String SEED_HASH = "pbkdf2-sha512$210000$c2VlZA$c2VlZA";
  private final EmbeddedPostgres postgres;

  /** Users 0..n-1; user i is in conversation i / size (conversations of {@code size} members). */
  record Population(List<String> users, List<String> conversations, int size) {
    String conversationOf(int user) {
      return conversations.get(user / size);
    }

    String token(int user) {
      return Jwts.access(SECRET, users.get(user), 7200);
    }
  }

  BenchDatabase() throws Exception {
    // W7's million messages (301 MB of rows and a 52 MB search index, 505 MB with every index) do
    // not fit PostgreSQL's default 128 MB of buffers: searches then read pages from the OS and
    // write out the ones they evict (heavy p99 51.9 ms against 46.7 ms with 512 MB,
    // docs/performance.md). A production database is sized for its working set;
    // BENCH_PG_SHARED_BUFFERS sets another size.
    String buffers = System.getenv().getOrDefault("BENCH_PG_SHARED_BUFFERS", "");
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setServerConfig("max_connections", "200")
      .setServerConfig("shared_buffers", buffers.isBlank() ? "512MB" : buffers);
    if (statementsDir() != null) {
      builder.setServerConfig("shared_preload_libraries", "pg_stat_statements")
        .setServerConfig("pg_stat_statements.track_planning", "on");
    }
    postgres = builder.start();
    try (Connection c = postgres.getPostgresDatabase().getConnection()) {
      c.createStatement().execute("CREATE USER thrume WITH PASSWORD 'pw-thrume'");
      c.createStatement().execute("CREATE DATABASE chat OWNER thrume");
    }
    if (statementsDir() != null) {
      try (Connection c = postgres.getDatabase("postgres", "chat").getConnection()) {
        c.createStatement().execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      }
    }
    Flyway.configure().dataSource("jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/chat", "thrume", "pw-thrume")
      .locations("classpath:db/migration").load().migrate();
  }

  String url() {
    return "postgresql://thrume:pw-thrume@127.0.0.1:" + postgres.getPort() + "/chat";
  }

  /** Empties the database and inserts {@code users} accounts in conversations of {@code size}, each with {@code history} messages. */
  Population seed(int users, int size, int history) throws Exception {
    List<String> ids = new ArrayList<>();
    List<String> conversations = new ArrayList<>();
    try (Connection c = postgres.getDatabase("thrume", "chat").getConnection()) {
      c.createStatement().execute("TRUNCATE account, conversation CASCADE");
      c.setAutoCommit(false);
      try (PreparedStatement account = c.prepareStatement(
        "INSERT INTO account (id, username, display_name, password_hash) VALUES (?::uuid, ?, ?, ?)");
           PreparedStatement conversation = c.prepareStatement(
             "INSERT INTO conversation (id, title, last_seq) VALUES (?::uuid, 'bench', ?)");
           PreparedStatement participant = c.prepareStatement(
             "INSERT INTO participant (conversation_id, account_id) VALUES (?::uuid, ?::uuid)")) {
        for (int i = 0; i < users; i++) {
          if (i % size == 0) {
            String id = UUID.randomUUID().toString();
            conversations.add(id);
            conversation.setString(1, id);
            conversation.setLong(2, history);
            conversation.addBatch();
          }
          String id = UUID.randomUUID().toString();
          ids.add(id);
          account.setString(1, id);
          account.setString(2, "bench_" + i);
          account.setString(3, "Bench " + i);
          account.setString(4, SEED_HASH);
          account.addBatch();
          participant.setString(1, conversations.get(i / size));
          participant.setString(2, id);
          participant.addBatch();
        }
        conversation.executeBatch();
        account.executeBatch();
        participant.executeBatch();
      }
      if (history > 0) {
        // history written by each conversation's first member
        c.createStatement().execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) "
          + "SELECT p.conversation_id, s, p.account_id, 'history message ' || s, 'h-' || p.conversation_id || '-' || s "
          + "FROM (SELECT DISTINCT ON (conversation_id) conversation_id, account_id FROM participant "
          + "ORDER BY conversation_id, account_id) p, generate_series(1, " + history + ") s");
      }
      c.commit();
      c.setAutoCommit(true);
      c.createStatement().execute("VACUUM ANALYZE");
    }
    return new Population(ids, conversations, size);
  }

  /** BENCH_PG_STATEMENTS: a directory for the statements each W1 run sent, from pg_stat_statements; null: not kept. */
  static Path statementsDir() {
    String dir = System.getenv("BENCH_PG_STATEMENTS");
    return dir == null || dir.isBlank() ? null : Path.of(dir);
  }

  /** With BENCH_PG_STATEMENTS set, forgets the statements counted so far. */
  void resetStatements() throws Exception {
    if (statementsDir() != null) {
      try (Connection c = postgres.getDatabase("postgres", "chat").getConnection()) {
        c.createStatement().execute("SELECT pg_stat_statements_reset()");
      }
    }
  }

  /**
   * With BENCH_PG_STATEMENTS set, writes {@code <label>.txt} there: the statements since the last
   * reset, by total execution time (calls, rows, execution and planning ms, both in µs per call, the text).
   */
  void saveStatements(String label) throws Exception {
    Path dir = statementsDir();
    if (dir == null) {
      return;
    }
    StringBuilder out = new StringBuilder("calls | rows | exec_ms | plan_ms | us_per_call | query\n");
    try (Connection c = postgres.getDatabase("postgres", "chat").getConnection();
         ResultSet r = c.createStatement().executeQuery("SELECT calls, rows, round(total_exec_time) AS exec_ms, "
           + "round(total_plan_time) AS plan_ms, round(1000 * (total_exec_time + total_plan_time) / NULLIF(calls, 0)) AS us_per_call, "
           + "regexp_replace(query, '\\s+', ' ', 'g') AS q FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 30")) {
      while (r.next()) {
        out.append(String.format("%d | %d | %d | %d | %d | %s%n", r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4),
          r.getLong(5), r.getString(6)));
      }
    }
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(label + ".txt"), out);
  }

  /** Distinct words of the messages W7 stores and searches. */
  static final int VOCABULARY = 5000;

  /**
   * A word of W7's vocabulary for a uniform u in [0, 1): "w0", "w1" … skewed as natural language
   * is (u³: a few words are in a large share of messages, most are rare).
   */
  static String word(double u) {
    return "w" + (int) (VOCABULARY * u * u * u);
  }

  /**
   * Adds {@code total} messages, spread evenly over the population's conversations, each of 6 to
   * 14 words drawn as {@link #word} draws them, sent by the conversation's members in turn.
   */
  void seedMessages(Population p, int total) throws Exception {
    int perConversation = total / p.conversations().size();
    try (Connection c = postgres.getDatabase("thrume", "chat").getConnection()) {
      c.createStatement().execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) "
        + "SELECT m.conversation_id, s, m.members[1 + s % array_length(m.members, 1)], "
        // correlated with s, so that every message gets words of its own
        + "  (SELECT string_agg('w' || floor(" + VOCABULARY + " * pow(random(), 3))::int, ' ') "
        + "   FROM generate_series(1, 6 + (s + length(m.conversation_id::text)) % 9) AS w(i) WHERE s > 0), "
        + "  'w7-' || s "
        + "FROM (SELECT conversation_id, array_agg(account_id) AS members FROM participant GROUP BY conversation_id) m, "
        + "generate_series(1, " + perConversation + ") AS s");
      c.createStatement().execute("UPDATE conversation SET last_seq = " + perConversation);
      c.createStatement().execute("VACUUM ANALYZE");
    }
  }

  /**
   * Adds {@code users} accounts, each a participant of {@code conversationsEach} of the population's
   * conversations (user h in conversations h·step … h·step + conversationsEach − 1, wrapping, so that
   * every conversation gets about as many): W7's heavy searchers, whose scope is that many
   * conversations' messages. Added after the messages, so that those are the same as without them.
   */
  List<String> addHeavyUsers(Population p, int users, int conversationsEach) throws Exception {
    List<String> ids = new ArrayList<>();
    int n = p.conversations().size();
    int step = Math.max(1, n / Math.max(1, users));
    try (Connection c = postgres.getDatabase("thrume", "chat").getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement account = c.prepareStatement(
        "INSERT INTO account (id, username, display_name, password_hash) VALUES (?::uuid, ?, ?, ?)");
           PreparedStatement participant = c.prepareStatement(
             "INSERT INTO participant (conversation_id, account_id) VALUES (?::uuid, ?::uuid)")) {
        for (int h = 0; h < users; h++) {
          String id = UUID.randomUUID().toString();
          ids.add(id);
          account.setString(1, id);
          account.setString(2, "bench_heavy_" + h);
          account.setString(3, "Bench heavy " + h);
          account.setString(4, SEED_HASH);
          account.addBatch();
          for (int j = 0; j < Math.min(conversationsEach, n); j++) {
            participant.setString(1, p.conversations().get((h * step + j) % n));
            participant.setString(2, id);
            participant.addBatch();
          }
        }
        account.executeBatch();
        participant.executeBatch();
      }
      c.commit();
      c.setAutoCommit(true);
      c.createStatement().execute("ANALYZE account, participant");
    }
    return ids;
  }

  /** "17.6, shared_buffers 128MB": the version and the setting that decides what stays in memory. */
  String serverVersion() throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
         var rs = c.createStatement().executeQuery("SELECT current_setting('server_version'), current_setting('shared_buffers')")) {
      rs.next();
      return rs.getString(1) + ", shared_buffers " + rs.getString(2);
    }
  }


  @Override
  public void close() throws Exception {
    postgres.close();
  }
}
