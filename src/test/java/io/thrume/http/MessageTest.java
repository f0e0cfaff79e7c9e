package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.Future;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(SharedThrume.class)
class MessageTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient client;

  @Test
  void aMessageHasTheContractShapeAndSeqCountsPerConversation() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    String one = client.conversation(alice, bob);
    String two = client.conversation(bob, alice);
    Response first = client.sendMessage(alice, one, "  hello\n\tworld 🌍  ", "c-1");
    assertEquals(201, first.status(), first.toString());
    JsonObject m = first.json();
    assertEquals(one, m.getString("conversationId"));
    assertEquals(1, m.getLong("seq"));
    assertEquals(alice.id(), m.getString("senderId"));
    assertEquals("alice Display", m.getString("senderDisplayName"));
    assertEquals("  hello\n\tworld 🌍  ", m.getString("content"), "stored exactly as sent");
    assertEquals("c-1", m.getString("clientMessageId"));
    assertTrue(Instant.parse(m.getString("sentAt")).isBefore(Instant.now().plusSeconds(5)));
    assertTrue(m.getString("sentAt").endsWith("Z"));
    assertEquals(2, client.sendMessage(bob, one, "hi", "c-1").json().getLong("seq"), "clientMessageId is per sender");
    assertEquals(1, client.sendMessage(alice, two, "other conversation", "c-2").json().getLong("seq"));
    assertEquals(3, client.sendMessage(alice, one, "third", "c-3").json().getLong("seq"));
  }

  @Test
  void fiftyConcurrentSendsGetSeqOneToFiftyWithNoGaps() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    String id = client.conversation(alice, bob);
    WebClient web = WebClient.create(thrume.vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(thrume.port), new PoolOptions().setHttp1MaxSize(50));
    List<Future<?>> sends = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      User sender = i % 2 == 0 ? alice : bob;
      sends.add(web.post("/api/conversations/" + id + "/messages")
        .putHeader("Authorization", "Bearer " + sender.token())
        .sendJsonObject(new JsonObject().put("content", "message " + i).put("clientMessageId", "par-" + i))
        .map(r -> {
          if (r.statusCode() != 201) {
            throw new IllegalStateException(r.statusCode() + " " + r.bodyAsString());
          }
          return r.bodyAsJsonObject().getLong("seq");
        }));
    }
    TestThrume.await(Future.all(sends), 60);
    List<Long> seqs = sends.stream().map(f -> (Long) f.result()).sorted().toList();
    assertEquals(LongStream.rangeClosed(1, 50).boxed().toList(), seqs);
    assertEquals(50, thrume.count("SELECT count(*) FROM message WHERE conversation_id = '" + id + "'"));
    assertEquals(50, thrume.count("SELECT last_seq FROM conversation WHERE id = '" + id + "'"));
    JsonArray all = client.get("/api/conversations/" + id + "/messages?afterSeq=0&limit=200", alice.token()).json()
      .getJsonArray("messages");
    assertEquals(LongStream.rangeClosed(1, 50).boxed().toList(),
      all.stream().map(o -> ((JsonObject) o).getLong("seq")).toList());
    web.close();
  }

  @Test
  void resendingAClientMessageIdAnswersTheSameMessageAndStoresNothing() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    String id = client.conversation(alice, bob);
    String other = client.conversation(alice, bob);
    Response first = client.sendMessage(alice, id, "only once", "idem-1");
    assertEquals(201, first.status());
    String before = thrume.tableCounts();
    Response again = client.sendMessage(alice, id, "only once", "idem-1");
    assertEquals(200, again.status(), again.toString());
    assertEquals(first.json(), again.json());
    assertEquals(before, thrume.tableCounts());
    // even with other content: the first one stands
    assertEquals(first.json(), client.sendMessage(alice, id, "changed my mind", "idem-1").json());
    // a clientMessageId already used in another conversation is refused
    Response elsewhere = client.sendMessage(alice, other, "only once", "idem-1");
    assertEquals(400, elsewhere.status());
    assertTrue(elsewhere.json().getString("detail").contains("clientMessageId"));
    assertEquals(before, thrume.tableCounts());
  }

  @Test
  void concurrentResendsOfOneClientMessageIdStoreOneMessage() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    String id = client.conversation(alice, bob);
    WebClient web = WebClient.create(thrume.vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(thrume.port), new PoolOptions().setHttp1MaxSize(10));
    List<Future<?>> sends = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sends.add(web.post("/api/conversations/" + id + "/messages").putHeader("Authorization", "Bearer " + alice.token())
        .sendJsonObject(new JsonObject().put("content", "retry storm").put("clientMessageId", "same"))
        .map(r -> r.statusCode() + ":" + r.bodyAsJsonObject().getString("id")));
    }
    TestThrume.await(Future.all(sends), 60);
    List<String> answers = sends.stream().map(f -> (String) f.result()).toList();
    assertEquals(1, answers.stream().filter(a -> a.startsWith("201:")).count(), answers.toString());
    assertEquals(1, answers.stream().map(a -> a.substring(4)).distinct().count(), "all answer the same message");
    assertEquals(1, thrume.count("SELECT count(*) FROM message WHERE conversation_id = '" + id + "'"));
    assertEquals(1, thrume.count("SELECT last_seq FROM conversation WHERE id = '" + id + "'"), "no seq burnt");
    web.close();
  }

  @Test
  void pagingReturnsExactlyTheRightWindows() {
    User alice = client.register("alice");
    User bob = client.register("bob");
    String id = client.conversation(alice, bob);
    for (int i = 1; i <= 25; i++) {
      assertEquals(201, client.sendMessage(i % 3 == 0 ? bob : alice, id, "m" + i, "page-" + i).status());
    }
    assertPage(id, bob, "", 1, 25, false);
    assertPage(id, bob, "?limit=10", 16, 25, true);
    assertPage(id, bob, "?beforeSeq=16&limit=10", 6, 15, true);
    assertPage(id, bob, "?beforeSeq=6&limit=10", 1, 5, false);
    assertPage(id, bob, "?beforeSeq=11&limit=10", 1, 10, false);
    assertPage(id, bob, "?afterSeq=0&limit=10", 1, 10, true);
    assertPage(id, bob, "?afterSeq=10&limit=10", 11, 20, true);
    assertPage(id, bob, "?afterSeq=20&limit=10", 21, 25, false);
    assertPage(id, bob, "?afterSeq=15&limit=5", 16, 20, true);
    assertPage(id, bob, "?afterSeq=25", 0, -1, false);
    assertPage(id, bob, "?afterSeq=5&beforeSeq=9", 6, 8, false);
    assertPage(id, bob, "?afterSeq=5&beforeSeq=20&limit=3", 6, 8, true);
    assertPage(id, bob, "?beforeSeq=1", 0, -1, false);
    assertPage(id, bob, "?limit=200", 1, 25, false);
  }

  private static void assertPage(String id, User user, String query, long from, long to, boolean hasMore) {
    Response r = client.get("/api/conversations/" + id + "/messages" + query, user.token());
    assertEquals(200, r.status(), query + " -> " + r);
    List<Long> seqs = r.json().getJsonArray("messages").stream().map(o -> ((JsonObject) o).getLong("seq")).toList();
    List<Long> expected = from == 0 ? List.of() : LongStream.rangeClosed(from, to).boxed().toList();
    assertEquals(expected, seqs, query);
    assertEquals(hasMore, r.json().getBoolean("hasMore"), query);
    r.json().getJsonArray("messages").forEach(o -> assertEquals("m" + ((JsonObject) o).getLong("seq"), ((JsonObject) o).getString("content")));
    assertFalse(seqs.isEmpty() && from != 0);
  }
}
