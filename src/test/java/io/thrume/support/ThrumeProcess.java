package io.thrume.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Thrume as a separate JVM process ({@code io.thrume.Main} on the test classpath), configured
 * through environment variables like a real deployment, so that tests can SIGTERM or SIGKILL it.
 */
public final class ThrumeProcess implements AutoCloseable {
  /** What Hazelcast needs on Java 17 (also in the jar's manifest). */
  public static final List<String> JVM_FLAGS = List.of("--add-modules", "java.se",
    "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");
  public final Process process;
  public final int port;
  public final Path log;

  private ThrumeProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts {@code java io.thrume.Main args} with the given environment and waits until it is ready. */
  public static ThrumeProcess start(Map<String, String> env, int port, String... args) throws IOException {
    return start(env, port, List.of(), List.of("-Xmx512m"), args);
  }

  /**
   * Starts {@code launcher java JVM_FLAGS jvmOptions io.thrume.Main args} (the benchmark pins the
   * server to a CPU with a {@code taskset} launcher) and waits until it is ready.
   */
  public static ThrumeProcess start(Map<String, String> env, int port, List<String> launcher, List<String> jvmOptions,
                                    String... args) throws IOException {
    List<String> command = new ArrayList<>(launcher);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.thrume.Main");
    command.addAll(List.of(args));
    Path log = Files.createTempFile("thrume-process-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    builder.environment().put("THRUME_HTTP_PORT", Integer.toString(port));
    ThrumeProcess p = new ThrumeProcess(builder.start(), port, log);
    p.awaitReady(Duration.ofSeconds(120));
    return p;
  }

  private void awaitReady(Duration timeout) throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Thrume exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      sleep(200);
    }
    throw new IllegalStateException("Thrume was not ready in " + timeout + ":\n" + Files.readString(log));
  }

  /** SIGKILL: no shutdown hook runs, whatever the process held is left behind. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then the exit code. */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    return process.exitValue();
  }

  public String output() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      terminate();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
