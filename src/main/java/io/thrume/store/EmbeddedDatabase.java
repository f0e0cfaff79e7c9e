package io.thrume.store;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL run from the jar, its data kept in {@code <dataDir>/postgres} so it survives
 * restarts. Blocking: start and stop it on a worker thread.
 *
 * <p>Every connection needs a password (scram-sha-256, TCP and Unix socket alike): a random one,
 * generated once into {@code <dataDir>/postgres-password} (mode 0600, {@link DatabasePassword}).
 * Before each start, while no server runs, the password is set in single-user mode and
 * {@code pg_hba.conf} is rewritten, so the server never accepts a connection without it, not
 * even on a data directory created by an older Thrume with {@code trust} authentication. The
 * binaries are unpacked into a directory of this OS user only ({@link #binariesDirectory()}), not
 * into the world-writable {@code /tmp/embedded-pg} zonky uses by default.
 */
final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  static final String SUPERUSER = "postgres";
  private static final DigestingResolver BINARIES = new DigestingResolver();
  private static final String HBA_MARKER = "# Thrume: every connection needs the password of <dataDir>/postgres-password";
  private final EmbeddedPostgres postgres;
  private final String password;

  private EmbeddedDatabase(EmbeddedPostgres postgres, String password) {
    this.postgres = postgres;
    this.password = password;
  }

  static EmbeddedDatabase start(Path dataDir, int port, String sharedBuffers) throws IOException {
    Path pgData = dataDir.resolve("postgres").toAbsolutePath();
    Files.createDirectories(pgData);
    stopOrphanedPostmaster(pgData);
    String password = DatabasePassword.resolve(dataDir);
    Path binaries = binariesDirectory();
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
      .setDataDirectory(pgData)
      .setCleanDataDirectory(false)
      .setRegisterShutdownHook(false)
      .setPGStartupWait(Duration.ofSeconds(60))
      .setOverrideWorkingDirectory(binaries.toFile())
      .setPgBinaryResolver(BINARIES)
      // zonky checks that the server is up with this connection: it needs the password too
      .setConnectConfig("password", password)
      // after initdb (which zonky runs with trust) and before every start: password and pg_hba.conf
      .setDataDirectoryCustomizer(dir -> requirePassword(binaries, dir.toPath(), password))
      .setServerConfig("listen_addresses", "127.0.0.1")
      .setServerConfig("max_connections", "100")
      .setServerConfig("shared_buffers", sharedBuffers);
    if (port > 0) {
      builder.setPort(port);
    }
    EmbeddedPostgres pg = builder.start();
    LOG.info("Embedded PostgreSQL started on 127.0.0.1:{} with data in {} (password required)", pg.getPort(), pgData);
    return new EmbeddedDatabase(pg, password);
  }

  PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost("127.0.0.1").setPort(postgres.getPort())
      .setDatabase("postgres").setUser(SUPERUSER).setPassword(password);
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }

  /**
   * Sets the superuser's password (in single-user mode: no server runs, nobody else can connect)
   * and makes pg_hba.conf require it for every connection. Runs before every start, so that the
   * password file stays the one truth, whatever the data directory held before.
   */
  private static void requirePassword(Path binaries, Path pgData, String password) {
    try {
      Path postgresBinary = BINARIES.directory(binaries).resolve("bin").resolve("postgres");
      if (!Files.isExecutable(postgresBinary)) {
        throw new IOException("no PostgreSQL binary at " + postgresBinary);
      }
      String hba = Files.exists(pgData.resolve("pg_hba.conf"))
        ? Files.readString(pgData.resolve("pg_hba.conf"), StandardCharsets.UTF_8) : "";
      if (!hba.contains(HBA_MARKER)) {
        LOG.info("Securing the embedded PostgreSQL in {}: password authentication for every connection", pgData);
      }
      setPassword(postgresBinary, pgData, DatabasePassword.scramVerifier(password));
      writePgHba(pgData);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void setPassword(Path postgresBinary, Path pgData, String verifier) throws IOException {
    List<String> command = new ArrayList<>();
    if (LinuxUtils.isUnshareAvailable()) {
      // as root: PostgreSQL refuses to run as root, zonky runs it in a user namespace the same way
      command.addAll(List.of("unshare", "-U"));
    }
    command.addAll(List.of(postgresBinary.toString(), "--single", "-D", pgData.toString(),
      "-c", "listen_addresses=", "-c", "log_statement=none", SUPERUSER));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (OutputStream in = process.getOutputStream()) {
      // a SCRAM verifier, not the password itself: PostgreSQL stores it as it is
      in.write(("ALTER ROLE " + SUPERUSER + " WITH PASSWORD '" + verifier + "';\n").getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int status;
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("PostgreSQL in single-user mode did not finish within 120 s");
      }
      status = process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted while setting the database password", e);
    }
    if (status != 0 || output.contains("ERROR:") || output.contains("FATAL:")) {
      // the output holds no secret: the statement carried only the verifier, and it is not echoed
      throw new IOException("could not set the password of the embedded PostgreSQL (exit " + status + "): "
        + output.strip());
    }
  }

  private static void writePgHba(Path pgData) throws IOException {
    String hba = HBA_MARKER + "\n"
      + "# Rewritten at every start of Thrume's embedded PostgreSQL; changes here are lost.\n"
      + "# TYPE  DATABASE  USER  ADDRESS        METHOD\n"
      + "local   all       all                  scram-sha-256\n"
      + "host    all       all   127.0.0.1/32   scram-sha-256\n"
      + "host    all       all   ::1/128        scram-sha-256\n";
    Path target = pgData.resolve("pg_hba.conf");
    // created owner-only (as PostgreSQL's own files are), then moved over the old one at once
    Path temp = DatabasePassword.createOwnerOnly(pgData, ".pg_hba.conf.thrume");
    Files.writeString(temp, hba, StandardCharsets.UTF_8);
    Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Where the PostgreSQL binaries are unpacked: {@code <tmp>/thrume-embedded-pg-<user>/work}. The
   * parent is this user's alone (0700, checked); zonky makes its working directory writable by
   * everyone, which is harmless only behind such a parent (in /tmp itself anyone could swap the
   * binaries Thrume then runs).
   */
  private static Path binariesDirectory() throws IOException {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    Path parent = Path.of(System.getProperty("java.io.tmpdir"), "thrume-embedded-pg-" + user);
    DatabasePassword.privateDirectory(parent);
    Path work = parent.resolve("work");
    Files.createDirectories(work);
    return work;
  }

  /**
   * A process killed with SIGKILL leaves its PostgreSQL running on the data dir; the next start
   * would then fail on postmaster.pid. Stop that orphan first (SIGTERM: a clean, smart shutdown).
   */
  private static void stopOrphanedPostmaster(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid)
      .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    if (process.isEmpty()) {
      return;
    }
    LOG.warn("Stopping PostgreSQL {} left running on {} by an earlier process", pid, pgData);
    process.get().destroy();
    try {
      process.get().onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("an earlier PostgreSQL (pid " + pid + ") still holds " + pgData, e);
    }
  }

  /**
   * zonky's binary resolver, recording the MD5 of the archive it hands out: zonky unpacks it into
   * {@code <working dir>/PG-<md5>}, where single-user mode must find {@code bin/postgres}. One
   * instance for the process, so that zonky unpacks and digests the binaries once.
   */
  private static final class DigestingResolver implements PgBinaryResolver {
    private volatile String md5;

    @Override
    public InputStream getPgBinary(String system, String architecture) throws IOException {
      MessageDigest digest;
      try {
        digest = MessageDigest.getInstance("MD5");
      } catch (NoSuchAlgorithmException e) {
        throw new IOException(e);
      }
      InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, architecture);
      return new FilterInputStream(new DigestInputStream(archive, digest)) {
        private boolean closed;

        @Override
        public void close() throws IOException {
          super.close();
          if (!closed) { // zonky closes it twice: the digest of the whole archive is the first
            closed = true;
            md5 = HexFormat.of().formatHex(digest.digest());
          }
        }
      };
    }

    Path directory(Path workingDirectory) throws IOException {
      String known = md5;
      if (known != null) {
        return workingDirectory.resolve("PG-" + known);
      }
      throw new IOException("the PostgreSQL binaries were not unpacked into " + workingDirectory);
    }
  }
}
