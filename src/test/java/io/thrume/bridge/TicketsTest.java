package io.thrume.bridge;

import io.thrume.support.TestThrume;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Tickets are signed, expire, and open one socket once; anything else is refused. */
class TicketsTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  static String redeem(Tickets tickets, String ticket) {
    return TestThrume.await(tickets.redeem(ticket), 5);
  }

  @Test
  void aTicketOpensOneSocketOnce() {
    Tickets tickets = new Tickets(vertx, 30, "secret-one");
    String user = UUID.randomUUID().toString();
    String ticket = tickets.issue(user).getString("ticket");
    assertEquals(user, redeem(tickets, ticket));
    assertNull(redeem(tickets, ticket), "used");
  }

  @Test
  void anotherNodeWithTheSameSecretAcceptsItAndAForeignSecretDoesNot() {
    String user = UUID.randomUUID().toString();
    String ticket = new Tickets(vertx, 30, "shared").issue(user).getString("ticket");
    assertNull(redeem(new Tickets(vertx, 30, "other"), ticket));
    assertEquals(user, redeem(new Tickets(vertx, 30, "shared"), ticket));
  }

  @Test
  void alteredExpiredAndMalformedTicketsAreRefused() throws Exception {
    Tickets tickets = new Tickets(vertx, 30, "secret");
    String user = UUID.randomUUID().toString();
    String ticket = tickets.issue(user).getString("ticket");
    // another user in the signed part
    byte[] body = Base64.getUrlDecoder().decode(ticket.substring(0, ticket.indexOf('.')));
    body[0] ^= 1;
    String altered = Base64.getUrlEncoder().withoutPadding().encodeToString(body) + ticket.substring(ticket.indexOf('.'));
    assertNull(redeem(tickets, altered));
    for (String bad : new String[]{null, "", ".", "abc", "abc.def", ticket + "x", "%%%.%%%", "a".repeat(200)}) {
      assertNull(redeem(tickets, bad), "refused: " + bad);
    }
    Tickets brief = new Tickets(vertx, 1, "secret");
    String soon = brief.issue(user).getString("ticket");
    Thread.sleep(2100);
    assertNull(redeem(brief, soon), "expired");
    assertEquals(user, redeem(tickets, ticket), "the real one still works, once");
  }
}
