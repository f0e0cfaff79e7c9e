package io.thrume.store;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;

/**
 * What the message batcher's statement costs PostgreSQL, per batch size, planned for each execution
 * (plan_cache_mode force_custom_plan) or once (force_generic_plan, the batcher's connections), and
 * with PostgreSQL's own choice (auto). A fresh embedded PostgreSQL with Thrume's schema, 10,000
 * accounts in 500 conversations of 20 (W3's shape), analyzed; one connection runs the prepared
 * statement back to back, so the time per statement is PostgreSQL's (one local round trip included).
 * Each figure is the median of 3 timed runs. Run with {@code bash bench/insert-cost.sh}.
 */
public final class InsertCost {
  private static final int[] BATCHES = {1, 2, 8, 32, 64, 128, 256};
  /** plan_cache_mode, and the other settings of the connection. */
  private static final String[][] MODES = {{"force_custom_plan", ""}, {"force_generic_plan", ""},
    {"force_generic_plan", "enable_seqscan = off"}};
  /** Messages stored before each mode's second pass: its plan was made on a smaller table. */
  private static final int GROWN = 200_000;
  private InsertWorkload workload;

  public static void main(String[] args) throws Exception {
    InsertWorkload.onFreshDatabase(s -> new InsertCost().run(s));
  }

  private void run(Statement s) throws Exception {
    workload = InsertWorkload.seed(s);
    System.out.println("| plan_cache_mode | also set | messages stored when prepared → now | batch | µs per statement | µs per message | runs (µs per statement) |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (String[] mode : MODES) {
      s.execute("TRUNCATE message CASCADE");
      s.execute("UPDATE conversation SET last_seq = 0");
      s.execute("ANALYZE message");
      s.execute("SET plan_cache_mode = " + mode[0]);
      s.execute("RESET enable_seqscan");
      s.execute("RESET enable_hashjoin");
      s.execute("RESET enable_mergejoin");
      for (String setting : mode[1].split(";")) {
        if (!setting.isBlank()) {
          s.execute("SET " + setting);
        }
      }
      s.execute("DEALLOCATE ALL");
      // prepared on an empty message table, as on a new install, and run once so the plan is made
      s.execute("PREPARE ins(uuid[], uuid[], text[], text[], bigint[], text[]) AS " + MessageBatcher.INSERT);
      time(s, 1, 1);
      if (System.getenv("INSERT_COST_PLANS") != null) {
        explain(s, mode);
      }
      pass(s, mode, "0");
      // the table grows under the kept plan (in one statement, as many senders' messages would)
      s.execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) "
        + "SELECT p.conversation_id, 1000000 + g * 100 + p.k, p.account_id, 'grown ' || g, 'grown-' || g || '-' || p.account_id "
        + "FROM (SELECT *, row_number() OVER (PARTITION BY conversation_id) AS k FROM participant) p "
        + "CROSS JOIN generate_series(1, " + GROWN / 10_000 + ") g");
      pass(s, mode, "0 → " + GROWN);
    }
  }

  private void pass(Statement s, String[] mode, String stored) throws Exception {
    {
      for (int batch : BATCHES) {
        int n = batch >= 128 ? 30 : 300;
        time(s, batch, 20);
        double[] runs = new double[3];
        for (int r = 0; r < runs.length; r++) {
          runs[r] = time(s, batch, n);
        }
        double[] sorted = runs.clone();
        Arrays.sort(sorted);
        System.out.printf("| %s | %s | %s | %d | %.0f | %.0f | %.0f, %.0f, %.0f |%n", mode[0], mode[1].isEmpty() ? "—" : mode[1],
          stored, batch, sorted[1], sorted[1] / batch,
          runs[0], runs[1], runs[2]);
      }
    }
  }

  /** Mean µs per statement over n executions of a batch of {@code batch} new messages, each to its sender's conversation. */
  private double time(Statement s, int batch, int n) throws Exception {
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      workload.execute(s, batch);
    }
    return (System.nanoTime() - start) / 1e3 / n;
  }

  /** The kept plan's joins and scans of tables (INSERT_COST_PLANS set), to see what the plan made on an empty table does. */
  private void explain(Statement s, String[] mode) throws Exception {
    try (ResultSet rs = s.executeQuery("EXPLAIN EXECUTE ins(" + workload.arguments(1) + ")")) {
      while (rs.next()) {
        String line = rs.getString(1);
        if (line.matches(".*(Join|Nested Loop|Scan on (message|participant|conversation|account|block|attachment)).*")) {
          System.out.println("    " + mode[0] + " " + mode[1] + ": " + line);
        }
      }
    }
  }

}
