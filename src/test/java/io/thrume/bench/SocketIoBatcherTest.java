package io.thrume.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Socket.IO peer's group commit (src/bench/socketio/batcher.mjs) on a real PostgreSQL with
 * Thrume's schema: src/bench/socketio/batcher.db.mjs races two batchers on the same conversations
 * and clientMessageIds and checks every answer, one message per key and gap-free seqs. Needs node
 * and the peer's packages (npm ci in src/bench/socketio, as bench/run.sh and .ci/test do); fails without them.
 */
class SocketIoBatcherTest {

  @Test
  void groupCommitOfThePeerStoresEachMessageOnceWithGapFreeSeqs() throws Exception {
    Path dir = BenchServer.SocketIo.DIR;
    assertTrue(Files.isDirectory(dir.resolve("node_modules/pg")),
      "the peer's packages are not installed: npm ci in " + dir);
    try (BenchDatabase db = new BenchDatabase()) {
      db.seed(60, 20, 0);
      Path log = Files.createTempFile("peer-batcher-", ".log");
      ProcessBuilder builder = new ProcessBuilder("node", "batcher.db.mjs").directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("THRUME_DB_URL", db.url());
      Process node;
      try {
        node = builder.start();
      } catch (java.io.IOException e) {
        throw new AssertionError("node is needed to run " + dir.resolve("batcher.db.mjs"), e);
      }
      boolean done = node.waitFor(120, TimeUnit.SECONDS);
      if (!done) {
        node.destroyForcibly();
      }
      String output = Files.readString(log);
      System.out.print(output);
      assertTrue(done, "batcher.db.mjs did not finish:\n" + output);
      assertEquals(0, node.exitValue(), output);
      assertTrue(output.startsWith("ok: "), output);
    }
  }
}
