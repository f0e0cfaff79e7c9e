package io.thrume.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * W3's shape for the tools that time the batcher's insert statement ({@link InsertCost},
 * {@link InsertCpu}): 10,000 accounts in 500 conversations of 20, and batches of new messages,
 * each from a participant to its conversation, run through a statement prepared as {@code ins}.
 */
final class InsertWorkload {
  private final List<String[]> pairs = new ArrayList<>();
  private int next;

  /** What a tool does with its database. */
  interface Body {
    void run(Statement s) throws Exception;
  }

  /** A fresh embedded PostgreSQL with Thrume's schema, its version printed as a heading, for {@code body}. */
  static void onFreshDatabase(Body body) throws Exception {
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
         Connection c = pg.getPostgresDatabase().getConnection();
         Statement s = c.createStatement()) {
      Flyway.configure().dataSource(pg.getPostgresDatabase()).locations("classpath:db/migration").load().migrate();
      try (ResultSet rs = s.executeQuery("SELECT version()")) {
        rs.next();
        System.out.println("# " + rs.getString(1));
      }
      body.run(s);
    }
  }

  /** Seeds the accounts, conversations and participants, analyzes, and reads the pairs in a random order. */
  static InsertWorkload seed(Statement s) throws Exception {
    s.execute("INSERT INTO account (id, username, display_name, password_hash) SELECT gen_random_uuid(), "
      + "'load_' || i, 'Load ' || i, 'x' FROM generate_series(0, 9999) i");
    s.execute("INSERT INTO conversation (id, title) SELECT gen_random_uuid(), 'load ' || i FROM generate_series(0, 499) i");
    s.execute("INSERT INTO participant (conversation_id, account_id) SELECT c.id, a.id "
      + "FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM account) a "
      + "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM conversation) c ON c.i = a.i % 500");
    s.execute("ANALYZE");
    InsertWorkload w = new InsertWorkload();
    try (ResultSet rs = s.executeQuery("SELECT conversation_id, account_id FROM participant ORDER BY random()")) {
      while (rs.next()) {
        w.pairs.add(new String[] {rs.getString(1), rs.getString(2)});
      }
    }
    return w;
  }

  /** One execution of {@code ins} for a batch of new messages, every row read, as the batcher does. */
  void execute(Statement s, int batch) throws Exception {
    try (ResultSet rs = s.executeQuery("EXECUTE ins(" + arguments(batch) + ")")) {
      while (rs.next()) {
        // read every row
      }
    }
  }

  /** The six array arguments of {@code ins} for a batch of new messages, as SQL literals. */
  String arguments(int batch) {
    List<String> conversations = new ArrayList<>();
    List<String> senders = new ArrayList<>();
    List<String> contents = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<String> nulls = new ArrayList<>();
    for (int k = 0; k < batch; k++) {
      String[] pair = pairs.get(next++ % pairs.size());
      conversations.add(pair[0]);
      senders.add(pair[1]);
      contents.add("\"the quick brown fox jumps over the lazy dog, then naps in the sun " + next + "\"");
      ids.add(UUID.randomUUID().toString());
      nulls.add("NULL");
    }
    return array(conversations) + ", " + array(senders) + ", " + array(contents) + ", " + array(ids) + ", "
      + array(nulls) + ", " + array(nulls);
  }

  private static String array(List<String> items) {
    return "'{" + String.join(",", items) + "}'";
  }
}
