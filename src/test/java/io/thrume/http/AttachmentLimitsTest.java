package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.thrume.support.Uploads;
import io.thrume.support.Uploads.Answer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limits on files that need their own settings (docs/api.md, "Files"): uploads in flight on
 * a node (503 with Retry-After beyond them), uploads per user (429), and the sweep of files no
 * message took (after seconds here, 24 h by default).
 */
class AttachmentLimitsTest {
  static TestThrume thrume;
  static RestClient rest;
  static Uploads files;
  static final byte[] DATA = "some bytes".getBytes(StandardCharsets.UTF_8);

  @BeforeAll
  static void start() {
    thrume = TestThrume.start(new JsonObject()
      .put("auth", new JsonObject().put("attemptsBurst", 1000).put("attemptsPerMinute", 1000))
      .put("limits", new JsonObject().put("upload", new JsonObject().put("burst", 3).put("perSecond", 0.01)))
      .put("files", new JsonObject().put("maxConcurrentUploads", 1).put("unreferencedSeconds", 2).put("sweepSeconds", 1)),
      TestThrume.tempDir());
    rest = thrume.client();
    files = new Uploads(thrume.port);
  }

  @AfterAll
  static void stop() {
    thrume.close();
  }

  @Test
  void uploadsBeyondTheNodesSlotsAreAnswered503AndASlotFreesWhenItsUploadEnds() throws Exception {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    // the probe's own uploads are used up first: until the stalled upload holds the slot, a probe
    // takes the slot, is refused 429 and gives the slot back, and no probe uses a budget that later
    // checks need (bob's, below). On a busy machine the stalled upload took the slot only after
    // three probes had succeeded, and the fourth met the per-user limit (429).
    User pat = rest.register("pat");
    String patsOwn = rest.acceptedConversation(pat, alice);
    for (int i = 0; i < 3; i++) {
      assertEquals(201, files.raw(pat.token(), patsOwn, DATA, "text/plain", "p" + i + ".txt").status());
    }
    // the stalled upload holds the only slot once it streams; it is itself refused (503) when it
    // arrives while a probe holds the slot for its limit check, and then another one is opened
    Socket stalled = stalledUpload(alice, id);
    try {
      Answer busy = null;
      for (int i = 0; i < 100; i++) {
        busy = files.raw(pat.token(), patsOwn, DATA, "text/plain", "b.txt");
        if (busy.status() == 503) {
          break;
        }
        assertEquals(429, busy.status(), "a free slot, and pat's uploads used up: " + busy);
        if (stalled.getInputStream().available() > 0) {
          // answered: the stalled upload was refused, it holds nothing
          stalled.close();
          stalled = stalledUpload(alice, id);
        }
        Thread.sleep(100);
      }
      assertEquals(503, busy.status(), busy.toString());
      assertEquals("1", busy.header("Retry-After"));
      assertTrue(busy.json().getString("detail").contains("uploads"), busy.toString());
    } finally {
      stalled.close();
    }
    // the stalled connection is gone: its slot is free again
    Answer after = null;
    for (int i = 0; i < 50; i++) {
      after = files.raw(bob.token(), id, DATA, "text/plain", "c.txt");
      if (after.status() == 201) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(201, after.status(), after.toString());
  }

  /** An upload of 1,000 bytes that sends 10 and stalls, holding a slot while its connection is open. */
  private static Socket stalledUpload(User user, String conversationId) throws Exception {
    Socket socket = new Socket("127.0.0.1", thrume.port);
    OutputStream out = socket.getOutputStream();
    out.write(("POST /api/conversations/" + conversationId + "/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      + "Authorization: Bearer " + user.token() + "\r\nContent-Type: text/plain\r\nX-Filename: slow.txt\r\n"
      + "Content-Length: 1000\r\n\r\nhalf of it").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return socket;
  }

  @Test
  void uploadsPerUserAreLimited() {
    User carol = rest.register("carol");
    String id = rest.conversation(carol, rest.register("dan"));
    for (int i = 0; i < 3; i++) {
      assertEquals(201, files.raw(carol.token(), id, DATA, "text/plain", "f" + i + ".txt").status());
    }
    Answer limited = files.raw(carol.token(), id, DATA, "text/plain", "f3.txt");
    assertEquals(429, limited.status(), limited.toString());
    assertTrue(Integer.parseInt(limited.header("Retry-After")) >= 1);
  }

  @Test
  void unreferencedFilesAreSweptAndAttachedOnesKept() throws Exception {
    User erin = rest.register("erin");
    String id = rest.acceptedConversation(erin, rest.register("frank"));
    Answer loose = files.raw(erin.token(), id, DATA, "text/plain", "loose.txt");
    Answer kept = files.raw(erin.token(), id, DATA, "text/plain", "kept.txt");
    assertEquals(201, loose.status());
    assertEquals(201, kept.status());
    String keptId = kept.json().getString("id");
    assertEquals(201, rest.post("/api/conversations/" + id + "/messages", erin.token(), new JsonObject()
      .put("content", "keep it").put("clientMessageId", "k-1").put("attachmentIds", new JsonArray().add(keptId))).status());
    String looseId = loose.json().getString("id");
    long deadline = System.currentTimeMillis() + 15_000;
    while (thrume.count("SELECT count(*) FROM attachment WHERE id = '" + looseId + "'") > 0
      && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    assertEquals(0, thrume.count("SELECT count(*) FROM attachment WHERE id = '" + looseId + "'"), "swept");
    assertEquals(1, thrume.count("SELECT count(*) FROM attachment WHERE id = '" + keptId + "'"), "on a message: kept");
    assertEquals(404, files.get(loose.json().getString("url"), null).status());
    assertEquals(200, files.get(kept.json().getString("url"), null).status());
  }
}
