package io.thrume.store;

import io.thrume.support.ThrumeProcess;
import io.thrume.support.TestThrume;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The process as users run it: configured by environment, stopped by SIGTERM or killed, started again. */
class ProcessLifecycleTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> post(int port, String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
      HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void survivesSigkillAndStopsCleanlyOnSigterm() throws Exception {
    Path dataDir = TestThrume.tempDir();
    Map<String, String> env = Map.of("THRUME_DATA_DIR", dataDir.toString());
    int port = TestThrume.freePort();
    String account = "{\"username\":\"survivor\",\"password\":\"password-123\",\"displayName\":\"S\"}";

    ThrumeProcess first = ThrumeProcess.start(env, port);
    assertEquals(201, post(port, "/api/auth/register", account).statusCode());
    first.kill();

    // its PostgreSQL was left running on the data dir; the next start must still work
    ThrumeProcess second = ThrumeProcess.start(env, port);
    try {
      HttpResponse<String> login = post(port, "/api/auth/login", account);
      assertEquals(200, login.statusCode(), login.body());
      assertTrue(second.output().contains("Thrume ready"));
    } finally {
      int code = second.terminate();
      assertTrue(code == 0 || code == 143, "exit after SIGTERM: " + code);
    }
    String out = second.output();
    assertTrue(out.contains("Thrume stopped"), out);
    assertTrue(out.contains("Embedded PostgreSQL stopped"), out);
  }

  @Test
  void exitsNonZeroWithAClearMessageWhenItCannotStart() throws Exception {
    Path dataDir = TestThrume.tempDir();
    int port = TestThrume.freePort();
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-cp", System.getProperty("java.class.path"), "io.thrume.Main").redirectErrorStream(true);
    builder.environment().put("THRUME_DATA_DIR", dataDir.toString());
    builder.environment().put("THRUME_HTTP_PORT", Integer.toString(port));
    builder.environment().put("THRUME_DB_URL", "postgresql://nobody:nothing@127.0.0.1:" + TestThrume.freePort() + "/none");
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes());
    int code = p.waitFor();
    assertNotEquals(0, code, output);
    assertTrue(output.contains("Cannot start Thrume"), output);
  }
}
