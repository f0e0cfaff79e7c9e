package io.thrume.http;

import io.thrume.bus.Addresses;
import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.TestThrume;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every REST answer against docs/openapi.yaml, as the node serves it at GET /api/openapi.json:
 * each request below goes through {@link #call}, which finds the request's operation in the
 * document and checks the answer's status, headers and body with vertx-openapi's
 * {@link ResponseValidator}. The last test checks that every status the document declares for every
 * operation was answered (run alone, a test leaves that one out).
 *
 * <p>The node is this class's own, with the shipped limits (the shared node's are lifted), so that
 * every 429 can be reached; it is drained at the end, for the 503s of a stopping node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiContractTest {
  /**
   * vertx-openapi 5.0 accepts application/json, text/plain and vendor types (application/vnd.x+json)
   * but not application/problem+json; so, for the validator only, problem+json is renamed to a vendor
   * type, in the document and in the answers alike (the schema checked is the same).
   */
  private static final String PROBLEM = "application/problem+json";
  private static final String PROBLEM_FOR_VALIDATOR = "application/vnd.thrume.problem+json";

  static TestThrume thrume;
  static RestClient client;
  static OpenAPIContract contract;
  static ResponseValidator validator;
  static final Set<String> seen = ConcurrentHashMap.newKeySet();
  static final AtomicInteger addresses = new AtomicInteger(1);

  @BeforeAll
  static void start() {
    thrume = TestThrume.start(new JsonObject().put("auth", new JsonObject().put("pbkdf2Iterations", 1000)),
      TestThrume.tempDir());
    client = thrume.client();
    Response served = client.get("/api/openapi.json", null);
    assertEquals(200, served.status(), served.toString());
    contract = TestThrume.await(OpenAPIContract.from(thrume.vertx, forValidator(served.json())), 30);
    validator = ResponseValidator.create(thrume.vertx, contract);
    call(client, HttpMethod.GET, "/api/openapi.json", null, null);
  }

  @AfterAll
  static void stop() {
    if (thrume != null) {
      thrume.close();
    }
  }

  /** Last: every status the document declares for every operation was answered by the tests before. */
  @Test
  @Order(Integer.MAX_VALUE)
  void everyDeclaredStatusWasAnswered() {
    Set<String> missing = new TreeSet<>();
    for (Operation op : contract.operations()) {
      for (String status : op.getOpenAPIModel().getJsonObject("responses").fieldNames()) {
        if (!status.matches("[1-5][0-9][0-9]")) {
          continue; // the library's own annotations (__absolute_uri__)
        }
        String key = op.getOperationId() + " " + status;
        if (!seen.contains(key)) {
          missing.add(key);
        }
      }
    }
    assertEquals(Set.of(), missing, "declared in docs/openapi.yaml but never answered here");
  }

  /** The served document is the packaged docs/openapi.yaml, converted: the same content. */
  @Test
  void theServedDocumentIsDocsOpenapiYaml() throws Exception {
    Object yaml = new org.yaml.snakeyaml.Yaml().load(Files.readString(Path.of("docs", "openapi.yaml")));
    JsonObject fromFile = new JsonObject(new JsonObject((Map<String, Object>) yaml).encode());
    assertEquals(fromFile, client.get("/api/openapi.json", null).json());
    assertEquals("3.1.0", fromFile.getString("openapi"));
  }

  /**
   * docs/rest-api.md's route table and docs/openapi.yaml name the same routes with the same statuses
   * (the table's "success" and "errors" columns; /participants/me is a value of /participants/{userId}).
   */
  @Test
  void theRouteTableOfRestApiMdAgreesWithTheDocument() throws Exception {
    String table = Files.readString(Path.of("docs", "rest-api.md"));
    java.util.regex.Matcher row = java.util.regex.Pattern
      .compile("(?m)^\\| `(GET|POST|PUT|PATCH|DELETE) ([^`?]+)[^`]*`[^|]*\\|[^|]*\\|([^|]*)\\|([^|]*)\\|").matcher(table);
    Map<String, Set<String>> documented = new java.util.TreeMap<>();
    while (row.find()) {
      String route = row.group(1) + " " + row.group(2).replaceAll("/participants/me$", "/participants/{}")
        .replaceAll("\\{[^}]+}", "{}");
      java.util.regex.Matcher status = java.util.regex.Pattern.compile("\\b[1-5][0-9][0-9]\\b").matcher(row.group(3) + row.group(4));
      Set<String> statuses = documented.computeIfAbsent(route, k -> new TreeSet<>());
      while (status.find()) {
        statuses.add(status.group());
      }
    }
    Map<String, Set<String>> declared = new java.util.TreeMap<>();
    for (Operation op : contract.operations()) {
      Set<String> statuses = new TreeSet<>();
      op.getOpenAPIModel().getJsonObject("responses").fieldNames().stream()
        .filter(k -> k.matches("[1-5][0-9][0-9]")).forEach(statuses::add);
      declared.put(op.getHttpMethod().name() + " " + op.getOpenAPIPath().replaceAll("\\{[^}]+}", "{}"), statuses);
    }
    assertEquals(declared, documented);
  }

  /** The check can fail: an answer with a field too many, a wrong type or a missing header is refused. */
  @Test
  void theValidatorRefusesAnswersThatDrift() {
    JsonObject account = new JsonObject().put("id", UUID.randomUUID().toString()).put("username", "a").put("displayName", "A");
    validate("me", 200, Map.of(), account.toBuffer(), "application/json");
    assertThrows(RuntimeException.class, () -> validate("me", 200, Map.of(), account.copy().put("extra", 1).toBuffer(), "application/json"));
    assertThrows(RuntimeException.class, () -> validate("me", 200, Map.of(), account.copy().put("id", 7).toBuffer(), "application/json"));
    assertThrows(RuntimeException.class, () -> validate("me", 200, Map.of(), account.copy().put("id", "not-a-uuid").toBuffer(), "application/json"));
    assertThrows(RuntimeException.class, () -> validate("me", 201, Map.of(), account.toBuffer(), "application/json"));
    JsonObject problem = new JsonObject().put("type", "urn:thrume:problem:rate-limited").put("title", "Too Many Requests")
      .put("status", 429).put("detail", "retry after 1 s");
    validate("ticket", 429, Map.of("Retry-After", "1"), problem.toBuffer(), PROBLEM_FOR_VALIDATOR);
    assertThrows(RuntimeException.class, () -> validate("ticket", 429, Map.of(), problem.toBuffer(), PROBLEM_FOR_VALIDATOR));
    assertThrows(RuntimeException.class, () -> validate("ticket", 429, Map.of("Retry-After", "1"),
      problem.copy().put("type", "urn:thrume:problem:invalid").toBuffer(), PROBLEM_FOR_VALIDATOR));
  }

  @Test
  void auth() {
    // register: 201, 409 (the name again), 400, 413
    String name = "oa_" + UUID.randomUUID().toString().substring(0, 8);
    RestClient from = fresh();
    JsonObject body = new JsonObject().put("username", name).put("password", "correct horse battery").put("displayName", "Oa");
    JsonObject session = expect(201, from, HttpMethod.POST, "/api/auth/register", null, body).json();
    expect(409, from, HttpMethod.POST, "/api/auth/register", null, body);
    expect(400, from, HttpMethod.POST, "/api/auth/register", null, new JsonObject());
    JsonObject huge = new JsonObject().put("username", "x").put("password", "p".repeat(70_000));
    expect(413, from, HttpMethod.POST, "/api/auth/register", null, huge);
    // login: 200, 401, 400, 413
    expect(200, from, HttpMethod.POST, "/api/auth/login", null, body);
    expect(401, from, HttpMethod.POST, "/api/auth/login", null, body.copy().put("password", "not the password"));
    expect(400, from, HttpMethod.POST, "/api/auth/login", null, new JsonObject());
    expect(413, from, HttpMethod.POST, "/api/auth/login", null, huge);
    // refresh: 200, 401, 400
    JsonObject refreshed = expect(200, from, HttpMethod.POST, "/api/auth/refresh", null,
      new JsonObject().put("refreshToken", session.getString("refreshToken"))).json();
    expect(401, from, HttpMethod.POST, "/api/auth/refresh", null, new JsonObject().put("refreshToken", "no-such-token"));
    expect(400, from, HttpMethod.POST, "/api/auth/refresh", null, new JsonObject());
    // one address, 10 attempts, then 429: register and login share the bucket, refresh has its own
    RestClient guesser = fresh();
    untilRateLimited(guesser, HttpMethod.POST, "/api/auth/login", null,
      i -> new JsonObject().put("username", "nobody_" + i).put("password", "guess-" + i));
    untilRateLimited(guesser, HttpMethod.POST, "/api/auth/register", null,
      i -> body.copy().put("username", "oa_" + UUID.randomUUID().toString().substring(0, 8)));
    untilRateLimited(guesser, HttpMethod.POST, "/api/auth/refresh", null, i -> new JsonObject().put("refreshToken", "guess-" + i));

    // password: 400, 403, 204, then 429 after too many tries; 401 without a token
    String token = refreshed.getString("token");
    expect(400, client, HttpMethod.POST, "/api/auth/password", token,
      new JsonObject().put("currentPassword", "correct horse battery").put("newPassword", "short"));
    expect(403, client, HttpMethod.POST, "/api/auth/password", token,
      new JsonObject().put("currentPassword", "wrong one").put("newPassword", "another horse battery"));
    expect(204, client, HttpMethod.POST, "/api/auth/password", token,
      new JsonObject().put("currentPassword", "correct horse battery").put("newPassword", "another horse battery"));
    expect(401, client, HttpMethod.POST, "/api/auth/password", null, new JsonObject());
    untilRateLimited(client, HttpMethod.POST, "/api/auth/password", token,
      i -> new JsonObject().put("currentPassword", "wrong " + i).put("newPassword", "another horse battery"));

    // logout and logout-all: 204, then 401 (the session ended)
    expect(204, client, HttpMethod.POST, "/api/auth/logout", token, null);
    expect(401, client, HttpMethod.POST, "/api/auth/logout", token, null);
    String other = register("oa-out").getString("token");
    expect(204, client, HttpMethod.POST, "/api/auth/logout-all", other, null);
    expect(401, client, HttpMethod.POST, "/api/auth/logout-all", other, null);
  }

  @Test
  void accounts() {
    JsonObject alice = register("oa-acc");
    String token = alice.getString("token");
    assertEquals(alice.getJsonObject("account"), expect(200, client, HttpMethod.GET, "/api/accounts/me", token, null).json());
    expect(401, client, HttpMethod.GET, "/api/accounts/me", "not-a-jwt", null);
    register("oa-accfound");
    assertTrue(expect(200, client, HttpMethod.GET, "/api/accounts?search=oa-accfound", token, null).array().size() >= 1);
    expect(400, client, HttpMethod.GET, "/api/accounts", token, null);
    expect(401, client, HttpMethod.GET, "/api/accounts?search=oa", null, null);
    untilRateLimited(client, HttpMethod.GET, "/api/accounts?search=oa", token, i -> null);
    // message searches share the bucket of account searches
    untilRateLimited(client, HttpMethod.GET, "/api/search/messages?q=oa", token, i -> null);
  }

  @Test
  void conversationsAndMessages() throws Exception {
    JsonObject aliceSession = register("oa-alice");
    JsonObject bobSession = register("oa-bob");
    String alice = aliceSession.getString("token");
    String bob = bobSession.getString("token");
    String bobId = bobSession.getJsonObject("account").getString("id");
    String aliceId = aliceSession.getJsonObject("account").getString("id");

    // create: 201 (a title, and none), 400, 401
    String id = expect(201, client, HttpMethod.POST, "/api/conversations", alice,
      new JsonObject().put("participantIds", new JsonArray().add(bobId)).put("title", "Lunch")).json().getString("id");
    String empty = expect(201, client, HttpMethod.POST, "/api/conversations", alice,
      new JsonObject().put("participantIds", new JsonArray())).json().getString("id");
    expect(400, client, HttpMethod.POST, "/api/conversations", alice, new JsonObject().put("participantIds", "nobody"));
    expect(401, client, HttpMethod.POST, "/api/conversations", null, new JsonObject());
    String base = "/api/conversations/" + id;

    // send: 201, 200 (repeat), 400, 404, 401
    expect(201, client, HttpMethod.POST, base + "/messages", alice, message("hello", "oa-1"));
    expect(200, client, HttpMethod.POST, base + "/messages", alice, message("hello", "oa-1"));
    expect(400, client, HttpMethod.POST, base + "/messages", alice, new JsonObject().put("content", "no id"));
    expect(404, client, HttpMethod.POST, "/api/conversations/" + UUID.randomUUID() + "/messages", alice, message("x", "oa-2"));
    expect(401, client, HttpMethod.POST, base + "/messages", null, message("x", "oa-2"));

    // list (one with a last message, one without), get, page
    JsonArray list = expect(200, client, HttpMethod.GET, "/api/conversations", alice, null).array();
    assertEquals(2, list.size(), list.encode());
    expect(401, client, HttpMethod.GET, "/api/conversations", null, null);
    expect(200, client, HttpMethod.GET, base, alice, null);
    expect(200, client, HttpMethod.GET, "/api/conversations/" + empty, alice, null);
    expect(400, client, HttpMethod.GET, "/api/conversations/not-a-uuid", alice, null);
    expect(404, client, HttpMethod.GET, "/api/conversations/" + UUID.randomUUID(), alice, null);
    expect(401, client, HttpMethod.GET, base, null, null);
    assertEquals(1, expect(200, client, HttpMethod.GET, base + "/messages?afterSeq=0&limit=10", bob, null)
      .json().getJsonArray("messages").size());
    expect(400, client, HttpMethod.GET, base + "/messages?limit=0", alice, null);
    expect(404, client, HttpMethod.GET, "/api/conversations/" + UUID.randomUUID() + "/messages", alice, null);
    expect(401, client, HttpMethod.GET, base + "/messages", null, null);

    // search: 200 (found, and in one conversation), 400, 401
    assertEquals(1, expect(200, client, HttpMethod.GET, "/api/search/messages?q=hel", bob, null)
      .json().getJsonArray("messages").size());
    expect(200, client, HttpMethod.GET, "/api/search/messages?q=hel&limit=5&conversationId=" + id, alice, null);
    expect(400, client, HttpMethod.GET, "/api/search/messages?q=hel&limit=0", alice, null);
    expect(401, client, HttpMethod.GET, "/api/search/messages?q=hel", null, null);

    // read: 200, 400 (beyond lastSeq), 404, 401
    expect(200, client, HttpMethod.POST, base + "/read", bob, new JsonObject().put("seq", 1));
    expect(400, client, HttpMethod.POST, base + "/read", bob, new JsonObject().put("seq", 99));
    expect(404, client, HttpMethod.POST, "/api/conversations/" + UUID.randomUUID() + "/read", bob, new JsonObject().put("seq", 1));
    expect(401, client, HttpMethod.POST, base + "/read", null, new JsonObject().put("seq", 1));
    expect(200, client, HttpMethod.POST, base + "/delivered", bob, new JsonObject().put("seq", 1));
    expect(400, client, HttpMethod.POST, base + "/delivered", bob, new JsonObject().put("seq", 99));
    expect(404, client, HttpMethod.POST, "/api/conversations/" + UUID.randomUUID() + "/delivered", bob, new JsonObject().put("seq", 1));
    expect(401, client, HttpMethod.POST, base + "/delivered", null, new JsonObject().put("seq", 1));

    // accept: 200, 400, 404, 401
    expect(200, client, HttpMethod.POST, base + "/accept", bob, null);
    expect(400, client, HttpMethod.POST, "/api/conversations/not-a-uuid/accept", bob, null);
    expect(404, client, HttpMethod.POST, "/api/conversations/" + UUID.randomUUID() + "/accept", bob, null);
    expect(401, client, HttpMethod.POST, base + "/accept", null, null);

    // the database refusing an insert: 503 with Retry-After
    try (Connection c = thrume.jdbc(); Statement s = c.createStatement()) {
      s.execute("CREATE FUNCTION oa_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        + "$$ BEGIN RAISE EXCEPTION 'refused for OpenApiContractTest'; END $$");
      s.execute("CREATE TRIGGER oa_refuse BEFORE INSERT ON message FOR EACH ROW EXECUTE FUNCTION oa_refuse()");
      try {
        expect(503, client, HttpMethod.POST, base + "/messages", alice, message("refused", "oa-503"));
      } finally {
        s.execute("DROP TRIGGER oa_refuse ON message");
        s.execute("DROP FUNCTION oa_refuse()");
      }
    }

    // leaving and removal: 403 (not the creator), 400 (your own id), 404 (not a participant), 204
    JsonObject carolSession = register("oa-carol");
    String carol = carolSession.getString("token");
    String group = expect(201, client, HttpMethod.POST, "/api/conversations", alice,
      new JsonObject().put("participantIds", new JsonArray().add(bobId).add(carolSession.getJsonObject("account").getString("id"))))
      .json().getString("id");
    String participants = "/api/conversations/" + group + "/participants/";
    expect(403, client, HttpMethod.DELETE, participants + aliceId, bob, null);
    expect(400, client, HttpMethod.DELETE, participants + aliceId, alice, null);
    expect(404, client, HttpMethod.DELETE, participants + UUID.randomUUID(), alice, null);
    expect(401, client, HttpMethod.DELETE, participants + "me", null, null);
    expect(204, client, HttpMethod.DELETE, participants + "me", carol, null);
    expect(204, client, HttpMethod.DELETE, participants + bobId, alice, null);

    // blocks: bob blocks alice; she can neither start a conversation with him nor write in theirs (403)
    expect(204, client, HttpMethod.PUT, "/api/blocks/" + aliceId, bob, null);
    expect(403, client, HttpMethod.POST, "/api/conversations", alice, new JsonObject().put("participantIds", new JsonArray().add(bobId)));
    expect(403, client, HttpMethod.POST, base + "/messages", alice, message("blocked", "oa-3"));

    // the per-user limits: sends 10, then 429; reads, creates and accepts likewise
    untilRateLimited(client, HttpMethod.POST, "/api/conversations/" + empty + "/messages", alice, i -> message("m" + i, "oa-many-" + i));
    untilRateLimited(client, HttpMethod.POST, base + "/read", bob, i -> new JsonObject().put("seq", 1));
    untilRateLimited(client, HttpMethod.POST, base + "/delivered", bob, i -> new JsonObject().put("seq", 1));
    untilRateLimited(client, HttpMethod.POST, "/api/conversations", carol, i -> new JsonObject().put("participantIds", new JsonArray()));
    untilRateLimited(client, HttpMethod.POST, base + "/accept", bob, i -> null);
    // the membership bucket is bob's too: removal is refused now as well (once a token that came back is spent)
    untilRateLimited(client, HttpMethod.DELETE, "/api/conversations/" + id + "/participants/me", bob, i -> null);
  }

  @Test
  void groupsAndMessageChanges() {
    JsonObject a = register("oa-ga");
    JsonObject b = register("oa-gb");
    JsonObject c = register("oa-gc");
    String alice = a.getString("token");
    String bob = b.getString("token");
    String bobId = b.getJsonObject("account").getString("id");
    String carolId = c.getJsonObject("account").getString("id");
    String id = expect(201, client, HttpMethod.POST, "/api/conversations", alice,
      new JsonObject().put("participantIds", new JsonArray().add(bobId))).json().getString("id");
    String base = "/api/conversations/" + id;
    String elsewhere = "/api/conversations/" + UUID.randomUUID();

    // rename and add: 200 for the accepted creator, 403 for bob (invited), 400, 401, 404
    expect(200, client, HttpMethod.PATCH, base, alice, new JsonObject().put("title", "Renamed"));
    expect(400, client, HttpMethod.PATCH, base, alice, new JsonObject());
    expect(401, client, HttpMethod.PATCH, base, null, new JsonObject().put("title", "x"));
    expect(403, client, HttpMethod.PATCH, base, bob, new JsonObject().put("title", "x"));
    expect(404, client, HttpMethod.PATCH, elsewhere, alice, new JsonObject().put("title", "x"));
    JsonObject carol = new JsonObject().put("userIds", new JsonArray().add(carolId));
    expect(200, client, HttpMethod.POST, base + "/participants", alice, carol);
    expect(400, client, HttpMethod.POST, base + "/participants", alice, new JsonObject().put("userIds", new JsonArray()));
    expect(401, client, HttpMethod.POST, base + "/participants", null, carol);
    expect(403, client, HttpMethod.POST, base + "/participants", bob, carol);
    expect(404, client, HttpMethod.POST, elsewhere + "/participants", alice, carol);

    // a message, and a reply to it
    expect(201, client, HttpMethod.POST, base + "/messages", alice, message("first", "oa-c1"));
    expect(201, client, HttpMethod.POST, base + "/messages", alice, message("second", "oa-c2").put("replyToSeq", 1));
    String first = base + "/messages/1";
    String thumbs = first + "/reactions/%F0%9F%91%8D";

    // edit: 200, 400, 401, 403 (not the sender), 404 (no such seq)
    expect(200, client, HttpMethod.PATCH, first, alice, new JsonObject().put("content", "first, edited"));
    expect(400, client, HttpMethod.PATCH, base + "/messages/x", alice, new JsonObject().put("content", "y"));
    expect(401, client, HttpMethod.PATCH, first, null, new JsonObject().put("content", "y"));
    expect(403, client, HttpMethod.PATCH, first, bob, new JsonObject().put("content", "y"));
    expect(404, client, HttpMethod.PATCH, base + "/messages/99", alice, new JsonObject().put("content", "y"));
    // react and take back: 200, 400 (two characters), 401, 404
    expect(200, client, HttpMethod.PUT, thumbs, bob, null);
    expect(200, client, HttpMethod.GET, "/api/conversations", alice, null);
    expect(200, client, HttpMethod.DELETE, thumbs, bob, null);
    for (HttpMethod method : new HttpMethod[]{HttpMethod.PUT, HttpMethod.DELETE}) {
      expect(400, client, method, first + "/reactions/ab", bob, null);
      expect(401, client, method, thumbs, null, null);
      expect(404, client, method, base + "/messages/99/reactions/%F0%9F%91%8D", bob, null);
    }
    // delete: 403 (not the sender), 200 (the tombstone); then editing or reacting is 409; 400, 401, 404
    expect(403, client, HttpMethod.DELETE, first, bob, null);
    expect(200, client, HttpMethod.DELETE, first, alice, null);
    expect(409, client, HttpMethod.PATCH, first, alice, new JsonObject().put("content", "again"));
    expect(409, client, HttpMethod.PUT, thumbs, bob, null);
    expect(409, client, HttpMethod.DELETE, thumbs, bob, null);
    expect(400, client, HttpMethod.DELETE, base + "/messages/0", alice, null);
    expect(401, client, HttpMethod.DELETE, first, null, null);
    expect(404, client, HttpMethod.DELETE, base + "/messages/99", alice, null);
    // what changed: 200, 400, 401, 404
    assertTrue(expect(200, client, HttpMethod.GET, base + "/changes?after=0&limit=10", alice, null)
      .json().getLong("lastChange") >= 3);
    expect(400, client, HttpMethod.GET, base + "/changes?limit=0", alice, null);
    expect(401, client, HttpMethod.GET, base + "/changes", null, null);
    expect(404, client, HttpMethod.GET, elsewhere + "/changes", alice, null);
    expect(200, client, HttpMethod.GET, base + "/messages", alice, null);

    // changes share the action bucket; adding and renaming the membership bucket
    String second = base + "/messages/2";
    untilRateLimited(client, HttpMethod.PATCH, second, alice, i -> new JsonObject().put("content", "edit " + i));
    untilRateLimited(client, HttpMethod.PUT, second + "/reactions/%F0%9F%91%8D", alice, i -> null);
    untilRateLimited(client, HttpMethod.DELETE, second + "/reactions/%F0%9F%91%8D", alice, i -> null);
    untilRateLimited(client, HttpMethod.DELETE, second, alice, i -> null);
    untilRateLimited(client, HttpMethod.PATCH, base, alice, i -> new JsonObject().put("title", "t" + i));
    untilRateLimited(client, HttpMethod.POST, base + "/participants", alice, i -> carol);
  }

  @Test
  void blocks() {
    JsonObject me = register("oa-blocker");
    JsonObject them = register("oa-blocked");
    String token = me.getString("token");
    String theirId = them.getJsonObject("account").getString("id");
    expect(204, client, HttpMethod.PUT, "/api/blocks/" + theirId, token, null);
    expect(204, client, HttpMethod.PUT, "/api/blocks/" + theirId, token, null);
    assertEquals(1, expect(200, client, HttpMethod.GET, "/api/blocks", token, null).array().size());
    expect(401, client, HttpMethod.GET, "/api/blocks", null, null);
    expect(400, client, HttpMethod.PUT, "/api/blocks/" + me.getJsonObject("account").getString("id"), token, null);
    expect(404, client, HttpMethod.PUT, "/api/blocks/" + UUID.randomUUID(), token, null);
    expect(401, client, HttpMethod.PUT, "/api/blocks/" + theirId, null, null);
    expect(204, client, HttpMethod.DELETE, "/api/blocks/" + theirId, token, null);
    expect(400, client, HttpMethod.DELETE, "/api/blocks/not-a-uuid", token, null);
    expect(401, client, HttpMethod.DELETE, "/api/blocks/" + theirId, null, null);
    untilRateLimited(client, HttpMethod.DELETE, "/api/blocks/" + theirId, token, i -> null);
    untilRateLimited(client, HttpMethod.PUT, "/api/blocks/" + theirId, token, i -> null);
  }

  @Test
  void presenceAndTickets() {
    JsonObject me = register("oa-presence");
    String token = me.getString("token");
    String myId = me.getJsonObject("account").getString("id");
    JsonObject presence = expect(200, client, HttpMethod.GET, "/api/presence?userIds=" + myId + "," + UUID.randomUUID(), token, null).json();
    assertEquals(Set.of(myId), presence.fieldNames());
    expect(400, client, HttpMethod.GET, "/api/presence?userIds=nope", token, null);
    expect(401, client, HttpMethod.GET, "/api/presence?userIds=" + myId, null, null);
    expect(200, client, HttpMethod.POST, "/api/realtime/ticket", token, null);
    expect(401, client, HttpMethod.POST, "/api/realtime/ticket", null, null);
    untilRateLimited(client, HttpMethod.POST, "/api/realtime/ticket", token, i -> null);
  }

  /** Every route that takes a body answers 413 to one over http.maxBodyBytes, before anything else. */
  @Test
  void bodiesOverTheLimit() {
    String token = register("oa-huge").getString("token");
    JsonObject huge = new JsonObject().put("padding", "p".repeat(70_000));
    String id = UUID.randomUUID().toString();
    for (String path : new String[]{"/api/auth/refresh", "/api/auth/password", "/api/conversations",
        "/api/conversations/" + id + "/messages", "/api/conversations/" + id + "/read", "/api/conversations/" + id + "/delivered",
        "/api/conversations/" + id + "/participants"}) {
      expect(413, client, HttpMethod.POST, path, token, huge);
    }
    expect(413, client, HttpMethod.PATCH, "/api/conversations/" + id, token, huge);
    expect(413, client, HttpMethod.PATCH, "/api/conversations/" + id + "/messages/1", token, huge);
  }

  @Test
  void operations() {
    expect(200, client, HttpMethod.GET, "/health/live", null, null);
    expect(200, client, HttpMethod.GET, "/health/ready", null, null);
    expect(200, client, HttpMethod.GET, "/metrics", null, null);
  }

  /**
   * A stopping node: no ticket (503), not ready (503); and one cut off from its cluster, not live
   * either (503). Runs on a node of its own, drained as a cluster node drains itself when it finds it
   * was cut off (ClusterNode: thrume.node.drain with cutOff; FreezeThawTest gets there with a real pause).
   */
  @Test
  void aDrainingNode() {
    try (TestThrume draining = TestThrume.start(new JsonObject().put("auth", new JsonObject().put("pbkdf2Iterations", 1000)),
        TestThrume.tempDir())) {
      RestClient rest = draining.client();
      String token = rest.register("oa-drain").token();
      TestThrume.await(draining.vertx.eventBus().request(Addresses.NODE_DRAIN, new JsonObject().put("drainMs", 1000).put("cutOff", true)), 10);
      expect(503, rest, HttpMethod.POST, "/api/realtime/ticket", token, null);
      expect(503, rest, HttpMethod.GET, "/health/ready", null, null);
      expect(503, rest, HttpMethod.GET, "/health/live", null, null);
    }
  }

  // --- helpers

  /** Registers a user from an address of its own (10 registrations per address and minute). */
  private static JsonObject register(String prefix) {
    JsonObject body = new JsonObject().put("username", prefix + "_" + UUID.randomUUID().toString().substring(0, 8))
      .put("password", "correct horse battery").put("displayName", prefix);
    return expect(201, fresh(), HttpMethod.POST, "/api/auth/register", null, body).json();
  }

  /** A client from a loopback address no other request of this class used. */
  private static RestClient fresh() {
    int n = addresses.getAndIncrement();
    return thrume.clientFrom("127.0." + (100 + n / 250) + "." + (1 + n % 250));
  }

  private static JsonObject message(String content, String clientMessageId) {
    return new JsonObject().put("content", content).put("clientMessageId", clientMessageId);
  }

  /**
   * Repeats the request (answers checked) until it is 429, from 4 threads at once so that a bucket
   * that refills fast (the action bucket: 20 a second) is emptied however slow the machine; at most
   * 2000 requests.
   */
  private static void untilRateLimited(RestClient rest, HttpMethod method, String path, String token,
                                       java.util.function.IntFunction<JsonObject> body) {
    AtomicInteger sent = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean limited = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      java.util.List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(threads.submit(() -> {
          for (int i = sent.getAndIncrement(); i < 2000 && !limited.get(); i = sent.getAndIncrement()) {
            if (call(rest, method, path, token, body.apply(i)).status() == 429) {
              limited.set(true);
            }
          }
        }));
      }
      for (java.util.concurrent.Future<?> run : runs) {
        try {
          run.get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof Error error) {
            throw error;
          }
          throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    } finally {
      threads.shutdownNow();
    }
    assertTrue(limited.get(), method + " " + path + " never answered 429");
  }

  private static Response expect(int status, RestClient rest, HttpMethod method, String path, String token, JsonObject body) {
    Response r = call(rest, method, path, token, body);
    assertEquals(status, r.status(), method + " " + path + ": " + r);
    return r;
  }

  /**
   * Files, on a node of their own with small limits (1,024 bytes, one upload at a time, two uploads
   * per user): every status of the upload and of the download, each answer checked like the others.
   */
  @Test
  void files() throws Exception {
    TestThrume small = TestThrume.start(new JsonObject().put("auth", new JsonObject().put("pbkdf2Iterations", 1000))
        .put("files", new JsonObject().put("maxBytes", 1024).put("maxConcurrentUploads", 1))
        .put("limits", new JsonObject().put("upload", new JsonObject().put("burst", 2).put("perSecond", 0.01))),
      TestThrume.tempDir());
    try {
      RestClient rest = small.client();
      io.thrume.support.Uploads files = new io.thrume.support.Uploads(small.port);
      RestClient.User alice = rest.register("oa-fa");
      RestClient.User bob = rest.register("oa-fb");
      String id = rest.acceptedConversation(alice, bob);
      byte[] png = java.util.Base64.getDecoder().decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
      JsonObject uploaded = checkFile("uploadAttachment", 201, files.raw(alice.token(), id, png, "image/png", "dot.png")).json();
      checkFile("uploadAttachment", 201, files.multipart(bob.token(), id,
        io.thrume.support.Uploads.multipartBody("a.txt", "text/plain", "hello".getBytes(StandardCharsets.UTF_8))));
      checkFile("uploadAttachment", 400, files.raw(bob.token(), id, new byte[0], "text/plain", "empty.txt"));
      checkFile("uploadAttachment", 401, files.raw(null, id, png, "image/png", "dot.png"));
      checkFile("uploadAttachment", 404, files.raw(bob.token(), UUID.randomUUID().toString(), png, "image/png", "dot.png"));
      checkFile("uploadAttachment", 413, files.raw(bob.token(), id, new byte[2048], "text/plain", "big.txt"));
      // bob has used his two uploads (the 201 and the 413 count; the 400, 404 too may): the next is 429
      io.thrume.support.Uploads.Answer limited;
      int tries = 0;
      do {
        limited = files.raw(bob.token(), id, png, "image/png", "dot.png");
      } while (limited.status() != 429 && ++tries < 5);
      checkFile("uploadAttachment", 429, limited);
      // one upload at a time: a stalled one holds the slot
      try (java.net.Socket stalled = new java.net.Socket("127.0.0.1", small.port)) {
        java.io.OutputStream out = stalled.getOutputStream();
        out.write(("POST /api/conversations/" + id + "/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + alice.token() + "\r\nContent-Type: text/plain\r\nX-Filename: slow.txt\r\nContent-Length: 1000\r\n\r\nhalf")
          .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        RestClient.User carol = rest.register("oa-fc");
        String other = rest.acceptedConversation(carol, alice);
        io.thrume.support.Uploads.Answer busy = null;
        for (int i = 0; i < 50 && (busy == null || busy.status() != 503); i++) {
          Thread.sleep(100);
          busy = files.raw(carol.token(), other, png, "image/png", "dot.png");
        }
        checkFile("uploadAttachment", 503, busy);
      }

      String file = "/api/attachments/" + uploaded.getString("id");
      checkFile("downloadAttachment", 200, files.get(file, bob.token()));
      checkFile("downloadAttachment", 200, files.get(uploaded.getString("url"), null));
      checkFile("downloadAttachment", 401, files.get(file, "not-a-jwt"));
      checkFile("downloadAttachment", 404, files.get(file, rest.register("oa-fd").token()));
    } finally {
      small.close();
    }
  }

  /** Checks a file route's answer against the document, as {@link #call} does. */
  private static io.thrume.support.Uploads.Answer checkFile(String operationId, int status, io.thrume.support.Uploads.Answer a) {
    assertEquals(status, a.status(), operationId + ": " + a);
    Map<String, String> headers = new HashMap<>();
    JsonObject declared = contract.operation(operationId).getOpenAPIModel().getJsonObject("responses")
      .getJsonObject(Integer.toString(a.status()));
    if (declared != null && declared.getJsonObject("headers") != null) {
      for (String name : declared.getJsonObject("headers").fieldNames()) {
        if (a.header(name) != null) {
          headers.put(name, a.header(name));
        }
      }
    }
    String contentType = a.header("Content-Type");
    contentType = contentType == null ? null : contentType.split(";")[0].trim();
    if (PROBLEM.equals(contentType)) {
      contentType = PROBLEM_FOR_VALIDATOR;
    } else if (contentType != null && contentType.startsWith("image/")) {
      contentType = "application/octet-stream";
    }
    try {
      validate(operationId, a.status(), headers, a.body().length == 0 ? null : Buffer.buffer(a.body()), contentType);
    } catch (RuntimeException e) {
      fail(operationId + " answered what docs/openapi.yaml does not say: " + e.getMessage() + "\n" + a, e);
    }
    seen.add(operationId + " " + a.status());
    return a;
  }

  /** Sends the request and checks the answer against the operation the document has for it. */
  static Response call(RestClient rest, HttpMethod method, String path, String token, JsonObject body) {
    Response r = rest.send(method, path, token, body == null ? null : body.toBuffer(), null);
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    Operation op = contract.findOperation(bare, method);
    assertNotNull(op, method + " " + bare + " is not in docs/openapi.yaml");
    Map<String, String> headers = new HashMap<>();
    MultiMap got = r.headers();
    JsonObject declared = op.getOpenAPIModel().getJsonObject("responses").getJsonObject(Integer.toString(r.status()));
    if (declared != null && declared.getJsonObject("headers") != null) {
      for (String name : declared.getJsonObject("headers").fieldNames()) {
        if (got.get(name) != null) {
          headers.put(name, got.get(name));
        }
      }
    }
    String contentType = r.header("Content-Type");
    contentType = contentType == null ? null : contentType.split(";")[0].trim();
    if (PROBLEM.equals(contentType)) {
      contentType = PROBLEM_FOR_VALIDATOR;
    }
    try {
      validate(op.getOperationId(), r.status(), headers, r.body().length() == 0 ? null : r.body(), contentType);
    } catch (RuntimeException e) {
      fail(method + " " + path + " answered what docs/openapi.yaml does not say: " + e.getMessage() + "\n" + r, e);
    }
    seen.add(op.getOperationId() + " " + r.status());
    return r;
  }

  private static void validate(String operationId, int status, Map<String, String> headers, Buffer body, String contentType) {
    ValidatableResponse response = body == null ? ValidatableResponse.create(status, headers)
      : ValidatableResponse.create(status, headers, body, contentType);
    TestThrume.await(validator.validate(response, operationId), 10);
  }

  /** The document with application/problem+json renamed for vertx-openapi 5.0 (see {@link #PROBLEM_FOR_VALIDATOR}). */
  private static JsonObject forValidator(JsonObject document) {
    JsonObject out = new JsonObject(document.encode().replace("\"" + PROBLEM + "\"", "\"" + PROBLEM_FOR_VALIDATOR + "\""));
    // nor image/* (a file download): such answers are checked as the application/octet-stream the
    // same response declares beside them
    out.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (op.getValue() instanceof JsonObject operation && operation.getJsonObject("responses") != null) {
        operation.getJsonObject("responses").forEach(r -> {
          JsonObject content = ((JsonObject) r.getValue()).getJsonObject("content");
          if (content != null) {
            content.fieldNames().removeIf(type -> type.startsWith("image/"));
          }
        });
      }
    }));
    return out;
  }
}
