package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.TestThrume;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request id logged with a REST request's failures (MDC "request"): a proxy's X-Request-Id when it is a plain token. */
class RequestIdTest {
  static Vertx vertx;
  static RestClient client;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    // asked twice: made once per request
    router.get("/id").handler(ctx -> ctx.response().end(Api.requestId(ctx) + " " + Api.requestId(ctx)));
    HttpServer server = TestThrume.await(vertx.createHttpServer().requestHandler(router).listen(0), 10);
    client = new RestClient(vertx, server.actualPort(), null);
  }

  @AfterAll
  static void stop() {
    TestThrume.await(vertx.close(), 10);
  }

  @Test
  void aPlainXRequestIdIsKept() {
    assertEquals("abc-123.x:y_z abc-123.x:y_z", ids("abc-123.x:y_z"));
  }

  @Test
  void otherwiseARandomIdIsMadeOncePerRequest() {
    for (String given : new String[] {null, "", "has space", "x".repeat(65), "semi;colon", "quote\"d", "tab\there"}) {
      String[] both = ids(given).split(" ");
      assertEquals(2, both.length, given);
      assertEquals(both[0], both[1], "the same id for the whole request");
      assertTrue(both[0].matches("[0-9a-f]{16}"), given + " → " + both[0]);
    }
    assertNotEquals(ids(null), ids(null));
  }

  private static String ids(String given) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (given != null) {
      headers.add("X-Request-Id", given);
    }
    RestClient.Response r = client.send(HttpMethod.GET, "/id", null, null, headers);
    assertEquals(200, r.status());
    return r.body().toString();
  }
}
