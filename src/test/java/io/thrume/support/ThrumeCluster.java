package io.thrume.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Thrume nodes as separate JVM processes on loopback, clustered with Hazelcast, sharing one
 * PostgreSQL (run by the test) and one JWT secret, each with its own HTTP and cluster port.
 */
public final class ThrumeCluster implements AutoCloseable {
  public static final String SECRET = "cluster-test-secret-0123456789-abcdefghijklmnop";
  /** The password hash of seeded accounts: a valid format that no password matches. */
  static final String SEED_HASH = "pbkdf2-sha512$210000$c2VlZA$c2VlZA";
  private static final Path TASKSET = Path.of("/usr/bin/taskset");
  /** JVM options added to every node's, from {@code -Dthrume.cluster.jvmOptions="…"} (space separated; for experiments). */
  static final List<String> EXTRA_JVM_OPTIONS = List.of(System.getProperty("thrume.cluster.jvmOptions", "").trim().split("\\s+"))
    .stream().filter(o -> !o.isEmpty()).toList();
  private final EmbeddedPostgres postgres;
  private final String dbUrl;
  private final Path config;
  public final int[] httpPorts;
  private final int[] clusterPorts;
  public final ThrumeProcess[] nodes;
  public final Vertx vertx = Vertx.vertx();
  /** Put before {@code java} on every node's command line (e.g. a taskset pinning); empty: none. */
  private final List<String> launcher;

  public ThrumeCluster(int size, JsonObject overrides) throws Exception {
    this(size, overrides, List.of());
  }

  /** Nodes started as {@code launcher java …}: see {@link #pinnedTo(String)}. */
  public ThrumeCluster(int size, JsonObject overrides, List<String> launcher) throws Exception {
    this(size, size, overrides, launcher);
  }

  /**
   * Room for {@code size} nodes, of which the first {@code started} start now; {@link #start(int)}
   * starts the others later (a node joining a running cluster).
   */
  public ThrumeCluster(int size, int started, JsonObject overrides, List<String> launcher) throws Exception {
    this.launcher = List.copyOf(launcher);
    postgres = EmbeddedPostgres.builder().start();
    try (Connection c = postgres.getPostgresDatabase().getConnection()) {
      c.createStatement().execute("CREATE USER thrume WITH PASSWORD 'pw-thrume'");
      c.createStatement().execute("CREATE DATABASE chat OWNER thrume");
    }
    dbUrl = "postgresql://thrume:pw-thrume@127.0.0.1:" + postgres.getPort() + "/chat";
    config = Files.createTempFile("thrume-cluster-", ".json");
    Files.writeString(config, overrides.encode());
    httpPorts = new int[size];
    clusterPorts = new int[size];
    for (int i = 0; i < size; i++) {
      httpPorts[i] = TestThrume.freePort();
      clusterPorts[i] = TestThrume.freePort();
    }
    nodes = new ThrumeProcess[size];
    // the first node forms the cluster, the others join it together
    nodes[0] = start(0);
    List<CompletableFuture<Void>> joining = new ArrayList<>();
    for (int i = 1; i < started; i++) {
      int n = i;
      joining.add(CompletableFuture.runAsync(() -> {
        try {
          nodes[n] = start(n);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    CompletableFuture.allOf(joining.toArray(CompletableFuture[]::new)).join();
  }

  /**
   * Starts node i (again), on its ports, with a fresh data dir. A node i still running (a test
   * that failed before killing it) is killed first: its process would outlive the cluster.
   */
  public ThrumeProcess start(int i) throws IOException {
    if (nodes[i] != null && nodes[i].process.isAlive()) {
      try {
        nodes[i].kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while killing node " + i, e);
      }
    }
    Map<String, String> env = new HashMap<>();
    env.put("THRUME_DB_URL", dbUrl);
    env.put("THRUME_JWT_SECRET", SECRET);
    env.put("THRUME_CONFIG", config.toString());
    env.put("THRUME_DATA_DIR", TestThrume.tempDir().toString());
    env.put("THRUME_CLUSTER_PORT", Integer.toString(clusterPorts[i]));
    env.put("THRUME_CLUSTER_MEMBERS", java.util.Arrays.stream(clusterPorts).mapToObj(p -> "127.0.0.1:" + p)
      .collect(Collectors.joining(",")));
    // the heap ThrumeProcess.start gives a node without a launcher, then any options an experiment adds
    List<String> jvmOptions = new ArrayList<>(List.of("-Xmx512m"));
    jvmOptions.addAll(EXTRA_JVM_OPTIONS);
    ThrumeProcess process = ThrumeProcess.start(env, httpPorts[i], launcher, jvmOptions, "-cluster");
    nodes[i] = process;
    return process;
  }

  /**
   * A launcher pinning the nodes to a CPU list ({@code taskset -c cpus}), or none when {@code cpus}
   * is blank or util-linux' taskset is not installed (then the nodes run unpinned: check
   * {@link #isPinned()}).
   */
  public static List<String> pinnedTo(String cpus) {
    if (cpus == null || cpus.isBlank() || !Files.isExecutable(TASKSET)) {
      return List.of();
    }
    return List.of(TASKSET.toString(), "-c", cpus.trim());
  }

  public boolean isPinned() {
    return !launcher.isEmpty();
  }

  /** The log file of every node, one per line, for failure messages. */
  public String logs() {
    return java.util.Arrays.stream(nodes).map(n -> n == null ? "(not started)" : n.log.toString())
      .collect(Collectors.joining("\n  ", "node logs:\n  ", ""));
  }

  public RestClient rest(int i) {
    return new RestClient(vertx, httpPorts[i], null);
  }

  public BridgeClient connect(int i, String token) {
    return BridgeClient.connect(vertx, httpPorts[i], token);
  }

  /** A JDBC connection to the shared database (for seeding benchmarks). */
  public Connection jdbc() throws java.sql.SQLException {
    return postgres.getDatabase("thrume", "chat").getConnection();
  }

  /**
   * {@code count} accounts inserted by SQL (hashing thousands of passwords would take minutes),
   * each with a real token signed with the cluster's secret; nobody logs in with a password.
   */
  public List<RestClient.User> seedAccounts(String prefix, int count) throws java.sql.SQLException {
    String run = UUID.randomUUID().toString().substring(0, 8);
    List<RestClient.User> users = new ArrayList<>();
    try (Connection c = jdbc();
         PreparedStatement insert = c.prepareStatement(
           "INSERT INTO account (id, username, display_name, password_hash) VALUES (?::uuid, ?, ?, ?)")) {
      c.setAutoCommit(false);
      long now = Jwts.now();
      for (int i = 0; i < count; i++) {
        String id = UUID.randomUUID().toString();
        String username = prefix + "_" + run + "_" + i;
        insert.setString(1, id);
        insert.setString(2, username);
        insert.setString(3, prefix + " " + i);
        insert.setString(4, SEED_HASH);
        insert.addBatch();
        users.add(new RestClient.User(id, username, Jwts.access(SECRET, id, 3600)));
      }
      insert.executeBatch();
      c.commit();
    }
    return users;
  }

  /** A number read straight from the shared database. */
  public long count(String sql) throws Exception {
    try (Connection c = postgres.getDatabase("thrume", "chat").getConnection();
         var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() throws Exception {
    for (ThrumeProcess node : nodes) {
      if (node != null) {
        node.process.destroyForcibly();
      }
    }
    for (ThrumeProcess node : nodes) {
      if (node != null) {
        node.process.waitFor();
      }
    }
    vertx.close();
    postgres.close();
  }
}
