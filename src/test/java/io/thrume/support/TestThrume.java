package io.thrume.support;

import io.thrume.MainVerticle;
import io.thrume.metrics.ThrumeVertx;
import io.thrume.metrics.ThrumeMetrics;
import io.thrume.config.ConfigLoader;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * A real Thrume for tests: its own Vert.x, HTTP port and embedded PostgreSQL in a temporary
 * data dir. {@link #shared()} is one instance for the whole test JVM, with the register/login
 * throttle and the send limit relaxed so that tests can create many users and messages; tests
 * of those limits start their own instance with the defaults.
 */
public final class TestThrume implements AutoCloseable {
  public static final String JWT_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
  private static TestThrume shared;
  /** Every data dir handed out by {@link #tempDir()}: removed when the test JVM exits. */
  private static final java.util.Set<Path> TEMP_DIRS = java.util.concurrent.ConcurrentHashMap.newKeySet();

  static {
    // One hook, so the shared instance (and its PostgreSQL) stops before its data dir goes.
    Runtime.getRuntime().addShutdownHook(new Thread(TestThrume::cleanUp, "thrume-test-cleanup"));
  }

  public final Vertx vertx;
  public final int port;
  public final int dbPort;
  public final Path dataDir;
  public final JsonObject config;
  private final String deploymentId;

  private TestThrume(Vertx vertx, JsonObject config, String deploymentId) {
    this.vertx = vertx;
    this.config = config;
    this.port = config.getJsonObject("http").getInteger("port");
    this.dbPort = config.getJsonObject("db").getInteger("embeddedPort");
    this.dataDir = Path.of(config.getString("dataDir"));
    this.deploymentId = deploymentId;
  }

  public static synchronized TestThrume shared() {
    if (shared == null) {
      JsonObject relaxed = new JsonObject()
        .put("auth", new JsonObject().put("attemptsBurst", 100_000).put("attemptsPerMinute", 100_000))
        .put("chat", new JsonObject().put("sendBurst", 100_000).put("sendPerSecond", 100_000.0));
      shared = start(relaxed, tempDir());
    }
    return shared;
  }

  /**
   * A new temporary data dir, deleted when the test JVM exits. A run leaves nothing behind: one
   * PostgreSQL data dir holds hundreds of MB of WAL, and leftovers from many runs filled the disk.
   */
  public static Path tempDir() {
    try {
      Path dir = Files.createTempDirectory("thrume-test-");
      TEMP_DIRS.add(dir);
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void cleanUp() {
    TestThrume running;
    synchronized (TestThrume.class) {
      running = shared;
    }
    if (running != null) {
      running.close();
    }
    TEMP_DIRS.forEach(TestThrume::deleteTree);
  }

  /** Best effort: a file a process still writes may reappear, and a failure here must not hide a test's result. */
  private static void deleteTree(Path root) {
    try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException ignored) {
      // already gone, or unreadable: nothing more to do at exit
    }
  }

  /**
   * Starts Thrume with the shipped defaults, then the overrides, on the given data dir. The JWT
   * secret is {@link #JWT_SECRET} unless the overrides name one (null: generate and keep one).
   */
  public static TestThrume start(JsonObject overrides, Path dataDir) {
    JsonObject config = ConfigLoader.defaults().mergeIn(overrides, true);
    config.put("dataDir", dataDir.toString());
    config.getJsonObject("http").put("port", freePort()).put("instances", 2);
    config.getJsonObject("db").put("embeddedPort", freePort());
    JsonObject authOverrides = overrides.getJsonObject("auth");
    if (authOverrides == null || !authOverrides.containsKey("jwtSecret")) {
      config.getJsonObject("auth").put("jwtSecret", JWT_SECRET);
    }
    ThrumeMetrics metrics = ThrumeMetrics.create();
    Vertx vertx = ThrumeVertx.create(metrics);
    String id = await(vertx.deployVerticle(new MainVerticle(metrics), new DeploymentOptions().setConfig(config)), 120);
    return new TestThrume(vertx, config, id);
  }

  /** Stops this instance and starts a new one on the same data dir and config. */
  public TestThrume restart() {
    close();
    JsonObject again = config.copy();
    ThrumeMetrics metrics = ThrumeMetrics.create();
    Vertx next = ThrumeVertx.create(metrics);
    String id = await(next.deployVerticle(new MainVerticle(metrics), new DeploymentOptions().setConfig(again)), 120);
    return new TestThrume(next, again, id);
  }

  public RestClient client() {
    return new RestClient(vertx, port, null);
  }

  /** A client whose connections come from another loopback address (127.0.0.x), as another machine would. */
  public RestClient clientFrom(String localAddress) {
    return new RestClient(vertx, port, localAddress);
  }

  /** The password of the embedded PostgreSQL, kept in the data dir (every connection needs it). */
  public String dbPassword() {
    try {
      return Files.readString(dataDir.resolve("postgres-password")).trim();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A Vert.x pool of its own on the embedded PostgreSQL, as its superuser (tests that drive a store class directly). */
  public Pool pool(int maxSize) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(maxSize))
      .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(dbPort).setDatabase("postgres")
        .setUser("postgres").setPassword(dbPassword()))
      .using(vertx).build();
  }

  /** A JDBC connection to the embedded PostgreSQL, as its superuser. */
  public Connection jdbc() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres", "postgres", dbPassword());
  }

  /** One number from SQL, read straight from the database (to check what a request changed). */
  public long count(String sql) {
    try (Connection c = jdbc();
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public String string(String sql) {
    try (Connection c = jdbc();
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Row counts of every table, to show that a refused request changed nothing. */
  public String tableCounts() {
    return count("SELECT count(*) FROM account") + "/" + count("SELECT count(*) FROM conversation") + "/"
      + count("SELECT count(*) FROM participant") + "/" + count("SELECT count(*) FROM message") + "/"
      + count("SELECT coalesce(sum(read_seq + delivered_seq), 0) FROM participant") + "/"
      + count("SELECT coalesce(sum(last_seq), 0) FROM conversation") + "/"
      + count("SELECT count(*) FROM participant WHERE status = 'accepted'") + "/" + count("SELECT count(*) FROM block");
  }

  @Override
  public void close() {
    if (vertx != null) {
      try {
        await(vertx.close(), 60);
      } catch (RuntimeException ignored) {
        // already closed
      }
    }
  }

  public static <T> T await(Future<T> future, int seconds) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ports handed out by this JVM: never twice, even after the server that had one closed it. */
  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A port free now, below Linux's ephemeral range (32768–60999). A port the kernel picked with
   * bind(0) is in that range, so an outgoing connection (Hazelcast, PostgreSQL, a client) can take
   * it before the server under test binds it: "Address already in use" in a cluster test.
   */
  public static int freePort() {
    int span = 32_000 - 10_000;
    int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(span);
    for (int i = 0; i < span; i++) {
      int port = 10_000 + (start + i) % span;
      if (HANDED_OUT.contains(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      } catch (IOException taken) {
        continue;
      }
      if (HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port between 10000 and 32000");
  }
}
