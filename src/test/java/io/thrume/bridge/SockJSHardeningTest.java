package io.thrume.bridge;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SockJS is served over websocket, xhr-streaming and xhr-polling only (no jsonp, htmlfile or
 * eventsource: jsonp answered same-origin script with a caller-chosen callback), and every
 * request of a session must carry the ticket that opened it: a session id alone neither sends
 * in the session nor reads from it. Driven with plain HTTP requests, as sockjs-client's XHR
 * transports make them.
 */
@ExtendWith(SharedThrume.class)
class SockJSHardeningTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  @AfterAll
  static void stop() {
    // the shared instance stays up for the other tests
  }

  @Test
  void onlyWebSocketAndXhrTransportsAreServed() {
    User alice = rest.register("transports");
    for (String transport : new String[]{"jsonp?c=alert", "htmlfile?c=alert", "eventsource"}) {
      String path = "/eventbus/000/" + session() + "/" + transport + (transport.contains("?") ? "&" : "?")
        + "ticket=" + ticket(alice);
      Response r = rest.get(path, null);
      assertEquals(404, r.status(), transport + ": " + r);
      assertFalse(r.body().toString().contains("alert"), "no script with the callback: " + r);
      assertFalse(String.valueOf(r.header("Content-Type")).contains("javascript"), r.header("Content-Type"));
    }
    assertEquals(404, post("/eventbus/000/" + session() + "/jsonp_send?ticket=" + ticket(alice), "d=[\"x\"]").status());
    assertEquals(404, rest.get("/eventbus/iframe.html", null).status(), "the iframe page serves only the other transports");
    assertEquals(404, rest.get("/eventbus/iframe-0.3.4.html", null).status());
    // the allowed ones answer
    assertEquals(200, rest.get("/eventbus/info", null).status());
    Response open = post("/eventbus/000/" + session() + "/xhr?ticket=" + ticket(alice), null);
    assertEquals(200, open.status(), open.toString());
    assertEquals("o\n", open.body().toString());
  }

  @Test
  void everyRequestOfASessionMustCarryTheTicketThatOpenedIt() {
    User alice = rest.register("owner");
    User mallory = rest.register("mallory");
    String session = session();
    String ticket = ticket(alice);
    String base = "/eventbus/000/" + session;
    Response open = post(base + "/xhr?ticket=" + ticket, null);
    assertEquals("o\n", open.body().toString(), open.toString());

    // sending in alice's session: without a ticket, with a forged one, with mallory's own valid one
    String stolen = sockJsSend("chat.sync", "mallory-reply");
    for (String query : new String[]{"", "?ticket=", "?ticket=forged", "?ticket=" + ticket(mallory),
      "?t=1&ticket=" + ticket.substring(1)}) {
      Response r = post(base + "/xhr_send" + query, stolen);
      assertEquals(403, r.status(), query + ": " + r);
      assertEquals("application/problem+json", r.header("Content-Type"));
    }
    // reading from it: the same
    for (String query : new String[]{"", "?ticket=forged", "?ticket=" + ticket(mallory)}) {
      assertEquals(403, post(base + "/xhr" + query, null).status(), "poll " + query);
      assertEquals(403, post(base + "/xhr_streaming" + query, null).status(), "stream " + query);
    }

    // the session was not touched: alice sends and polls with her ticket and gets only her reply
    Response sent = post(base + "/xhr_send?ticket=" + ticket, sockJsSend("chat.sync", "alice-reply"));
    assertEquals(204, sent.status(), sent.toString());
    Response polled = post(base + "/xhr?ticket=" + ticket, null);
    assertEquals(200, polled.status());
    String frames = polled.body().toString();
    assertTrue(frames.startsWith("a["), frames);
    assertTrue(frames.contains("alice-reply"), frames);
    assertFalse(frames.contains("mallory-reply"), "a refused send reached the session: " + frames);
    // and with the ticket in another position of the query, as sockjs-client may add its own parameters
    assertEquals(204, post(base + "/xhr_send?t=" + System.nanoTime() + "&ticket="
      + URLEncoder.encode(ticket, StandardCharsets.UTF_8), sockJsSend("chat.sync", "again")).status());
  }

  @Test
  void aTicketOpensOneSessionOnly() {
    User alice = rest.register("once");
    String ticket = ticket(alice);
    assertEquals("o\n", post("/eventbus/000/" + session() + "/xhr?ticket=" + ticket, null).body().toString());
    // the same ticket on a new session id: the session opens (SockJS cannot refuse sooner) and is closed
    String second = "/eventbus/000/" + session();
    Response r = post(second + "/xhr?ticket=" + ticket, null);
    assertEquals(200, r.status());
    String frames = r.body().toString();
    if (frames.startsWith("o")) {
      frames = post(second + "/xhr?ticket=" + ticket, null).body().toString();
    }
    // over XHR SockJS reports every close as c[3000,"Go away!"] (the err frame and 4401 reach WebSocket sessions)
    assertTrue(frames.startsWith("c["), "the second session is closed: " + frames);
  }

  @Test
  void aSendToNoSessionHoldsItsIdOnlyBriefly() throws InterruptedException {
    User alice = rest.register("nobody");
    String session = session();
    // a send to a session that does not exist: 404 from SockJS; its binding goes soon after
    assertEquals(404, post("/eventbus/000/" + session + "/xhr_send?ticket=forged", sockJsSend("chat.sync", "x")).status());
    Thread.sleep(SockJSTickets.PENDING_MS + 1_000);
    Response open = post("/eventbus/000/" + session + "/xhr?ticket=" + ticket(alice), null);
    assertEquals("o\n", open.body().toString(), "the id is free again: " + open);
  }

  private static String session() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private static String ticket(User user) {
    Response r = rest.post("/api/realtime/ticket", user.token(), null);
    assertEquals(200, r.status(), r.toString());
    return r.json().getString("ticket");
  }

  /** A SockJS xhr_send body: a JSON array of frames, each a string. */
  private static String sockJsSend(String address, String replyAddress) {
    String frame = new JsonObject().put("type", "send").put("address", address)
      .put("body", new JsonObject().put("positions", new JsonObject())).put("replyAddress", replyAddress).encode();
    return new JsonArray().add(frame).encode();
  }

  /**
   * A SockJS request, on a connection of its own: Vert.x' SockJS closes the connection after each
   * poll's response, and a pooled connection could be picked for the next request meanwhile.
   */
  private static Response post(String path, String body) {
    return rest.send(HttpMethod.POST, path, null, body == null ? null : Buffer.buffer(body),
      MultiMap.caseInsensitiveMultiMap().add("Connection", "close"));
  }
}
