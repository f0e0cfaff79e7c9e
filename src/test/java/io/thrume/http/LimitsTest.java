package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default limits, on an instance of its own: register/login throttling and the send token bucket. */
class LimitsTest {
  static TestThrume thrume;
  static RestClient client;

  @BeforeAll
  static void start() {
    thrume = TestThrume.start(new JsonObject(), TestThrume.tempDir());
    client = thrume.client();
  }

  @AfterAll
  static void stop() {
    thrume.close();
  }

  @Test
  void passwordGuessingIsThrottledPerClientAddress() {
    User victim = client.register("victim");
    // the guesser comes from another address: its budget is its own (10 attempts, then 10 a minute),
    // whatever names it tries (each name here stays under the per-account limit of LoginThrottleTest)
    RestClient guesser = thrume.clientFrom("127.0.0.2");
    int refused = 0;
    Response last = null;
    for (int i = 0; i < 12; i++) {
      String name = i % 3 == 0 ? victim.username() : "someone_" + i;
      last = guesser.post("/api/auth/login", null, new JsonObject().put("username", name).put("password", "guess-" + i));
      if (last.status() == 429) {
        refused++;
      } else {
        assertEquals(401, last.status(), last.toString());
      }
    }
    assertEquals(2, refused, "10 guesses allowed, then throttled");
    assertEquals(429, last.status());
    long retryAfter = Long.parseLong(last.header("Retry-After"));
    assertTrue(retryAfter >= 1 && retryAfter <= 6, "about one attempt every 6 s: " + retryAfter);
    assertEquals("application/problem+json", last.header("Content-Type"));
    // even the right password waits: the throttle is on the address, before any check
    Response right = guesser.post("/api/auth/login", null, new JsonObject().put("username", victim.username())
      .put("password", "correct horse battery"));
    assertEquals(429, right.status());
  }

  @Test
  void sendsAreLimitedPerUserWithRetryAfter() {
    User alice = client.register("sender");
    User bob = client.register("peer");
    String id = client.conversation(alice, bob);
    for (int i = 0; i < 10; i++) {
      assertEquals(201, client.sendMessage(alice, id, "burst " + i, "burst-" + i).status());
    }
    String before = thrume.tableCounts();
    // every request the services make to the store's message addresses (a look-up is one too)
    java.util.concurrent.atomic.AtomicInteger storeRequests = new java.util.concurrent.atomic.AtomicInteger();
    io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> counting = ctx -> {
      if (ctx.message().address().startsWith("thrume.store.message.")) {
        storeRequests.incrementAndGet();
      }
      ctx.next();
    };
    thrume.vertx.eventBus().addOutboundInterceptor(counting);
    Response limited = client.sendMessage(alice, id, "one too many", "burst-10");
    assertEquals(429, limited.status(), limited.toString());
    assertTrue(Long.parseLong(limited.header("Retry-After")) >= 1);
    assertTrue(limited.json().getString("detail").startsWith("retry after"));
    assertEquals(before, thrume.tableCounts());
    // over the limit nothing reaches the database, a retry of a stored message included; once
    // the user may send again, the retry answers the stored message and stores nothing
    Response early = client.sendMessage(alice, id, "burst 3", "burst-3");
    assertEquals(429, early.status(), early.toString());
    thrume.vertx.eventBus().removeOutboundInterceptor(counting);
    assertEquals(0, storeRequests.get(), "a send over the limit asked the store");
    sleepSeconds(Long.parseLong(early.header("Retry-After")));
    Response retry = client.sendMessage(alice, id, "burst 3", "burst-3");
    assertEquals(200, retry.status(), retry.toString());
    assertEquals(4, retry.json().getLong("seq"));
    assertEquals(before, thrume.tableCounts());
    // bob has a bucket of his own
    assertEquals(201, client.sendMessage(bob, id, "my turn", "bob-1").status());
  }

  @Test
  void acceptingLeavingAndBlockingShareOneLimitPerUser() {
    User host = client.register("host");
    User guest = client.register("guest");
    String id = client.conversation(host, guest);
    // limits.membership: 30, then 1 every 2 s (accepting again changes nothing but still counts)
    for (int i = 0; i < 30; i++) {
      assertEquals(200, client.accept(guest, id).status());
    }
    String before = thrume.tableCounts();
    Response limited = client.accept(guest, id);
    assertEquals(429, limited.status(), limited.toString());
    assertTrue(Long.parseLong(limited.header("Retry-After")) >= 1);
    assertEquals(429, client.put("/api/blocks/" + host.id(), guest.token()).status(), "blocking shares the bucket");
    assertEquals(429, client.delete("/api/conversations/" + id + "/participants/me", guest.token()).status());
    assertEquals(before, thrume.tableCounts());
    // the host has a bucket of his own
    assertEquals(204, client.put("/api/blocks/" + guest.id(), host.token()).status());
  }

  static void sleepSeconds(long seconds) {
    try {
      Thread.sleep(seconds * 1000 + 100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
