package io.thrume.bridge;

import io.thrume.support.BridgeClient;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A chat.sync answer is at most 1 MiB on the wire (hasMore: ask again from the last seq), and
 * frames are plain UTF-8: 70 messages of 4,000 emoji (16 KB each as UTF-8, 48 KB escaped) take
 * two answers, and every message arrives once, in order.
 */
class SyncBoundTest {

  @Test
  void aSyncAnswerFitsInOneMebibyteAndTheRestFollows() {
    TestThrume thrume = TestThrume.shared();
    RestClient rest = thrume.client();
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    String content = "😀".repeat(4000);
    for (int i = 0; i < 70; i++) {
      assertEquals(201, rest.sendMessage(alice, id, content, "big-" + i).status());
    }
    try (BridgeClient b = BridgeClient.connect(thrume, bob.token())) {
      List<Long> seqs = new ArrayList<>();
      long position = 0;
      int answers = 0;
      while (true) {
        JsonObject frame = b.request("chat.sync", new JsonObject().put("positions", new JsonObject().put(id, position)));
        int bytes = frame.encode().getBytes(StandardCharsets.UTF_8).length;
        assertTrue(bytes <= (1 << 20) + 1024, "an answer of " + bytes + " bytes");
        answers++;
        JsonObject entry = frame.getJsonObject("body").getJsonObject("conversations").getJsonObject(id);
        JsonArray messages = entry.getJsonArray("messages");
        messages.forEach(m -> {
          assertEquals(content, ((JsonObject) m).getString("content"));
          seqs.add(((JsonObject) m).getLong("seq"));
        });
        if (!entry.getBoolean("hasMore")) {
          break;
        }
        position = seqs.get(seqs.size() - 1);
      }
      assertTrue(answers >= 2, "1.1 MB of messages need a second answer: " + answers);
      assertEquals(java.util.stream.LongStream.rangeClosed(1, 70).boxed().toList(), seqs);
    }
  }
}
