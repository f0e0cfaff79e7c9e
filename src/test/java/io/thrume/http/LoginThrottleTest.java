package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Login failures are limited per account name, whatever address they come from: after 5
 * failures every attempt waits 1 s, 2 s, 4 s, … (429 with Retry-After), the right password too;
 * a success forgets the failures. Unknown names are throttled exactly the same way, so the
 * answers tell nothing about which names exist. A stranger failing on purpose cannot lock the user
 * out from an address they logged in from before: attempts from there have a backoff of their own. The per-address bucket is relaxed here, to show
 * the per-account limit on its own.
 */
class LoginThrottleTest {
  static TestThrume thrume;
  static RestClient client;

  @BeforeAll
  static void start() {
    // cheap password hashes: the waits measured here are the throttle's, not PBKDF2's on a busy machine
    thrume = TestThrume.start(new JsonObject().put("auth", new JsonObject()
      .put("attemptsBurst", 100_000).put("attemptsPerMinute", 100_000).put("pbkdf2Iterations", 1000)),
      TestThrume.tempDir());
    client = thrume.client();
  }

  @AfterAll
  static void stop() {
    thrume.close();
  }

  @Test
  void afterFiveFailuresAnAccountWaitsLongerAndLongerEvenWithTheRightPassword() throws InterruptedException {
    User victim = client.register("victim");
    for (int i = 0; i < 5; i++) {
      assertEquals(401, login(client, victim.username(), "guess-" + i).status());
    }
    Response locked = login(client, victim.username(), "guess-5");
    assertRateLimited(locked, 1);
    assertRateLimited(login(client, victim.username(), "correct horse battery"), 1);
    // other accounts are not affected
    User bystander = client.register("bystander");
    assertEquals(200, login(client, bystander.username(), "correct horse battery").status());

    Thread.sleep(1_100);
    assertEquals(401, login(client, victim.username(), "guess-6").status(), "after 1 s, one more try");
    assertRateLimited(login(client, victim.username(), "guess-7"), 2);
    Thread.sleep(2_100);
    assertEquals(401, login(client, victim.username(), "guess-8").status(), "after 2 s, one more try");
    assertRateLimited(login(client, victim.username(), "correct horse battery"), 4);
    Thread.sleep(4_100);
    assertEquals(200, login(client, victim.username().toUpperCase(), "correct horse battery").status(),
      "the right password once the wait is over (any case of the name)");
    for (int i = 0; i < 4; i++) {
      assertEquals(401, login(client, victim.username(), "after-success-" + i).status(), "the success forgot the failures");
    }
  }

  @Test
  void failuresFromManyAddressesCountForTheAccount() {
    User victim = client.register("spread");
    for (int i = 0; i < 5; i++) {
      RestClient elsewhere = thrume.clientFrom("127.0.0." + (10 + i));
      assertEquals(401, login(elsewhere, victim.username(), "guess-" + i).status());
    }
    assertRateLimited(login(thrume.clientFrom("127.0.0.20"), victim.username(), "guess-5"), 1);
    assertRateLimited(login(client, victim.username(), "correct horse battery"), 1);
  }

  @Test
  void aStrangerFailingOnPurposeCannotLockTheUserOutWhereTheyLoggedInBefore() throws InterruptedException {
    User victim = client.register("lockout");
    RestClient home = thrume.clientFrom("127.0.0.30");
    RestClient stranger = thrume.clientFrom("127.0.0.31");
    assertEquals(200, login(home, victim.username(), "correct horse battery").status());
    // the stranger fails until the name waits 4 s
    for (int i = 0; i < 5; i++) {
      assertEquals(401, login(stranger, victim.username(), "guess-" + i).status());
    }
    Thread.sleep(1_100);
    assertEquals(401, login(stranger, victim.username(), "guess-5").status());
    Thread.sleep(2_100);
    assertEquals(401, login(stranger, victim.username(), "guess-6").status());
    assertRateLimited(login(stranger, victim.username(), "correct horse battery"), 4);
    assertRateLimited(login(thrume.clientFrom("127.0.0.32"), victim.username(), "correct horse battery"), 4);
    // the user, from where they logged in before, is not locked out
    assertEquals(200, login(home, victim.username(), "correct horse battery").status(), "locked out by a stranger");
    // a guesser at the user's own address (the same NAT) meets a backoff of its own
    for (int i = 0; i < 5; i++) {
      assertEquals(401, login(home, victim.username(), "home-guess-" + i).status());
    }
    assertRateLimited(login(home, victim.username(), "correct horse battery"), 1);
    // and the user's success did not clear what strangers piled up
    assertEquals(429, login(stranger, victim.username(), "guess-7").status());
  }

  @Test
  void unknownNamesAreThrottledExactlyLikeAccounts() {
    User known = client.register("known");
    String unknown = "nobody_" + UUID.randomUUID().toString().substring(0, 8);
    List<String> knownAnswers = new ArrayList<>();
    List<String> unknownAnswers = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      knownAnswers.add(answer(login(client, known.username(), "guess-" + i)));
    }
    for (int i = 0; i < 7; i++) {
      unknownAnswers.add(answer(login(client, unknown, "guess-" + i)));
    }
    assertEquals(knownAnswers, unknownAnswers, "the same answers for a name that exists and one that does not");
    assertTrue(knownAnswers.get(6).startsWith("429"), knownAnswers.toString());
    assertTrue(answer(login(client, unknown.toUpperCase(), "x")).startsWith("429"), "one name in any case");
    // names no account could have are throttled the same way, and never fail otherwise
    String odd = "x".repeat(300);
    for (int i = 0; i < 5; i++) {
      assertEquals(401, login(client, odd, "guess").status());
    }
    assertRateLimited(login(client, odd, "guess"), 1);
  }

  private static Response login(RestClient from, String username, String password) {
    return from.post("/api/auth/login", null, new JsonObject().put("username", username).put("password", password));
  }

  /** Status, Retry-After and the problem's type and detail: what a client can tell apart. */
  private static String answer(Response r) {
    JsonObject body = r.json();
    return r.status() + " " + r.header("Retry-After") + " " + body.getString("type") + " " + body.getString("detail");
  }

  private static void assertRateLimited(Response r, long retryAfter) {
    assertEquals(429, r.status(), r.toString());
    assertEquals(String.valueOf(retryAfter), r.header("Retry-After"), r.toString());
    assertEquals("application/problem+json", r.header("Content-Type"));
    assertEquals("retry after " + retryAfter + " s", r.json().getString("detail"));
  }
}
