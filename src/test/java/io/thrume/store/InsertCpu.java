package io.thrume.store;

import io.thrume.bench.ProcStats;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;

/**
 * What the message batcher's statement costs PostgreSQL in CPU, per statement and per message, for
 * a few batch sizes, beside a plain INSERT of the same rows (the floor: the message table's indexes
 * and search vector); measured from the backend process's CPU time in /proc, so a wait for the disk
 * does not count. The statement runs as the batcher's connections run it (kept generic plan,
 * enable_seqscan off, each execution its own transaction), on W3's shape (10,000 accounts in 500
 * conversations of 20) with 200,000 messages stored. Each figure is the median of 3 timed runs.
 * Run with {@code bash bench/insert-cpu.sh} (Linux: reads /proc).
 */
public final class InsertCpu {
  private static final int[] BATCHES = {1, 2, 8, 64};
  private static final String PLAIN = "INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) "
    + "SELECT c, 2000000000 + nextval('insert_cpu_seq'), s, t, k FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], "
    + "$5::bigint[], $6::text[]) AS r (c, s, t, k, reply, files) RETURNING *";
  private InsertWorkload workload;

  public static void main(String[] args) throws Exception {
    InsertWorkload.onFreshDatabase(s -> new InsertCpu().run(s));
  }

  private void run(Statement s) throws Exception {
    workload = InsertWorkload.seed(s);
    s.execute("INSERT INTO message (conversation_id, seq, sender_id, content, client_message_id) "
      + "SELECT p.conversation_id, g * 100 + p.k, p.account_id, 'stored ' || g, 'stored-' || g || '-' || p.account_id "
      + "FROM (SELECT *, row_number() OVER (PARTITION BY conversation_id) AS k FROM participant) p "
      + "CROSS JOIN generate_series(1, 20) g");
    s.execute("UPDATE conversation c SET last_seq = (SELECT max(seq) FROM message m WHERE m.conversation_id = c.id)");
    s.execute("CREATE SEQUENCE insert_cpu_seq");
    s.execute("VACUUM ANALYZE");
    List<Long> backend;
    try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      backend = List.of(rs.getLong(1));
    }
    s.execute("SET plan_cache_mode = force_generic_plan");
    s.execute("SET enable_seqscan = off");
    System.out.println("| statement | batch | CPU µs per statement | CPU µs per message | wall µs per statement | runs (CPU µs per statement) |");
    System.out.println("|---|---|---|---|---|---|");
    for (String[] statement : new String[][] {{"the batcher's insert", MessageBatcher.INSERT}, {"plain INSERT of the same rows", PLAIN}}) {
      s.execute("DEALLOCATE ALL");
      s.execute("PREPARE ins(uuid[], uuid[], text[], text[], bigint[], text[]) AS " + statement[1]);
      for (int i = 0; i < 300; i++) {
        workload.execute(s, 1);
      }
      for (int batch : BATCHES) {
        int n = batch >= 64 ? 100 : 1_000;
        double[] cpu = new double[3];
        double[] wall = new double[3];
        for (int r = 0; r < 3; r++) {
          long cpuNanos = ProcStats.cpuNanos(backend);
          long start = System.nanoTime();
          for (int i = 0; i < n; i++) {
            workload.execute(s, batch);
          }
          wall[r] = (System.nanoTime() - start) / 1e3 / n;
          cpu[r] = (ProcStats.cpuNanos(backend) - cpuNanos) / 1e3 / n;
        }
        double medianCpu = median(cpu);
        System.out.printf("| %s | %d | %.0f | %.0f | %.0f | %.0f, %.0f, %.0f |%n", statement[0], batch, medianCpu,
          medianCpu / batch, median(wall), cpu[0], cpu[1], cpu[2]);
      }
    }
  }

  private static double median(double[] runs) {
    double[] sorted = runs.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
