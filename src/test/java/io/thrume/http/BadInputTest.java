package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of bad input gets a clear problem naming the field, and the database stays as it was. */
@ExtendWith(SharedThrume.class)
class BadInputTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient client;
  static User alice;
  static User bob;
  static String conversation;

  @BeforeAll
  static void start() {
    alice = client.register("alice");
    bob = client.register("bob");
    conversation = client.conversation(alice, bob);
    client.sendMessage(alice, conversation, "one", "bad-input-1");
  }

  static String longText(int codePoints, String unit) {
    return unit.repeat(codePoints);
  }

  static Stream<Arguments> badRequests() {
    String msgs = "/api/conversations/{c}/messages";
    return Stream.of(
      // path, raw body, expected status, a word the detail must contain
      Arguments.of("register: malformed JSON", "/api/auth/register", "{\"username\": \"x\",", 400, "JSON"),
      Arguments.of("register: array body", "/api/auth/register", "[1,2]", 400, "JSON"),
      Arguments.of("register: empty body", "/api/auth/register", "", 400, "JSON"),
      Arguments.of("register: missing username", "/api/auth/register", "{\"password\":\"password123\",\"displayName\":\"X\"}", 400, "username"),
      Arguments.of("register: username a number", "/api/auth/register", "{\"username\":12345,\"password\":\"password123\",\"displayName\":\"X\"}", 400, "username"),
      Arguments.of("register: username too short", "/api/auth/register", "{\"username\":\"ab\",\"password\":\"password123\",\"displayName\":\"X\"}", 400, "username"),
      Arguments.of("register: username with space", "/api/auth/register", "{\"username\":\"a b c\",\"password\":\"password123\",\"displayName\":\"X\"}", 400, "username"),
      Arguments.of("register: username too long", "/api/auth/register", "{\"username\":\"" + "a".repeat(33) + "\",\"password\":\"password123\",\"displayName\":\"X\"}", 400, "username"),
      Arguments.of("register: password too short", "/api/auth/register", "{\"username\":\"shortpw\",\"password\":\"1234567\",\"displayName\":\"X\"}", 400, "password"),
      Arguments.of("register: password too long", "/api/auth/register", "{\"username\":\"longpw\",\"password\":\"" + "p".repeat(129) + "\",\"displayName\":\"X\"}", 400, "password"),
      Arguments.of("register: displayName missing", "/api/auth/register", "{\"username\":\"nodisplay\",\"password\":\"password123\"}", 400, "displayName"),
      Arguments.of("register: displayName blank", "/api/auth/register", "{\"username\":\"blankdisp\",\"password\":\"password123\",\"displayName\":\"   \"}", 400, "displayName"),
      Arguments.of("register: displayName control char", "/api/auth/register", "{\"username\":\"ctrldisp\",\"password\":\"password123\",\"displayName\":\"a\\u0007b\"}", 400, "displayName"),
      Arguments.of("register: displayName with right-to-left override", "/api/auth/register", "{\"username\":\"rlodisp\",\"password\":\"password123\",\"displayName\":\"evil\u202Egnp.exe\"}", 400, "displayName"),
      Arguments.of("register: displayName with left-to-right mark", "/api/auth/register", "{\"username\":\"lrmdisp\",\"password\":\"password123\",\"displayName\":\"a\u200Eb\"}", 400, "displayName"),
      Arguments.of("register: displayName with an isolate", "/api/auth/register", "{\"username\":\"isodisp\",\"password\":\"password123\",\"displayName\":\"\u2066admin\u2069\"}", 400, "displayName"),
      Arguments.of("register: displayName with a zero-width space", "/api/auth/register", "{\"username\":\"zwspdisp\",\"password\":\"password123\",\"displayName\":\"ad\u200Bmin\"}", 400, "displayName"),
      Arguments.of("register: displayName too long", "/api/auth/register", "{\"username\":\"longdisp\",\"password\":\"password123\",\"displayName\":\"" + "d".repeat(65) + "\"}", 400, "displayName"),
      Arguments.of("login: password not a string", "/api/auth/login", "{\"username\":\"someone\",\"password\":true}", 400, "password"),
      Arguments.of("conversation: malformed JSON", "/api/conversations", "{participantIds:", 400, "JSON"),
      Arguments.of("conversation: participantIds missing", "/api/conversations", "{}", 400, "participantIds"),
      Arguments.of("conversation: participantIds not an array", "/api/conversations", "{\"participantIds\":\"{b}\"}", 400, "participantIds"),
      Arguments.of("conversation: participant not a UUID", "/api/conversations", "{\"participantIds\":[\"bob\"]}", 400, "participantIds"),
      Arguments.of("conversation: participant a number", "/api/conversations", "{\"participantIds\":[42]}", 400, "participantIds"),
      Arguments.of("conversation: unknown participant", "/api/conversations", "{\"participantIds\":[\"{b}\",\"" + UUID.randomUUID() + "\"]}", 400, "participantIds"),
      Arguments.of("conversation: title a number", "/api/conversations", "{\"participantIds\":[\"{b}\"],\"title\":5}", 400, "title"),
      Arguments.of("conversation: title with control char", "/api/conversations", "{\"participantIds\":[\"{b}\"],\"title\":\"a\\u0000b\"}", 400, "title"),
      Arguments.of("send: malformed JSON", msgs, "{\"content\": \"hi\"", 400, "JSON"),
      Arguments.of("send: content missing", msgs, "{\"clientMessageId\":\"x1\"}", 400, "content"),
      Arguments.of("send: content a number", msgs, "{\"content\":7,\"clientMessageId\":\"x2\"}", 400, "content"),
      Arguments.of("send: content empty", msgs, "{\"content\":\"\",\"clientMessageId\":\"x3\"}", 400, "content"),
      Arguments.of("send: content blank", msgs, "{\"content\":\" \\n\\t \",\"clientMessageId\":\"x4\"}", 400, "content"),
      Arguments.of("send: content 4001 characters", msgs, new JsonObject().put("content", longText(4001, "a")).put("clientMessageId", "x5").encode(), 400, "content"),
      Arguments.of("send: content 4001 emoji", msgs, new JsonObject().put("content", longText(4001, "😀")).put("clientMessageId", "x6").encode(), 400, "content"),
      Arguments.of("send: content with NUL", msgs, "{\"content\":\"a\\u0000b\",\"clientMessageId\":\"x7\"}", 400, "content"),
      Arguments.of("send: content with escape", msgs, "{\"content\":\"a\\u001b[31mb\",\"clientMessageId\":\"x8\"}", 400, "content"),
      Arguments.of("send: content with carriage return", msgs, "{\"content\":\"a\\rb\",\"clientMessageId\":\"x9\"}", 400, "content"),
      Arguments.of("send: content with lone surrogate", msgs, "{\"content\":\"a\\ud800b\",\"clientMessageId\":\"x10\"}", 400, "content"),
      Arguments.of("send: clientMessageId missing", msgs, "{\"content\":\"hi\"}", 400, "clientMessageId"),
      Arguments.of("send: clientMessageId a number", msgs, "{\"content\":\"hi\",\"clientMessageId\":5}", 400, "clientMessageId"),
      Arguments.of("send: clientMessageId too long", msgs, "{\"content\":\"hi\",\"clientMessageId\":\"" + "i".repeat(65) + "\"}", 400, "clientMessageId"),
      Arguments.of("send: conversation id not a UUID", "/api/conversations/nope/messages", "{\"content\":\"hi\",\"clientMessageId\":\"x11\"}", 400, "conversation id"),
      Arguments.of("read: seq missing", "/api/conversations/{c}/read", "{}", 400, "seq"),
      Arguments.of("read: seq a string", "/api/conversations/{c}/read", "{\"seq\":\"1\"}", 400, "seq"),
      Arguments.of("read: seq a fraction", "/api/conversations/{c}/read", "{\"seq\":1.5}", 400, "seq"),
      Arguments.of("read: seq negative", "/api/conversations/{c}/read", "{\"seq\":-1}", 400, "seq"),
      Arguments.of("read: seq past the last message", "/api/conversations/{c}/read", "{\"seq\":99}", 400, "seq"),
      Arguments.of("send: body over 64 KiB", msgs, new JsonObject().put("content", "a".repeat(70_000)).put("clientMessageId", "x12").encode(), 413, "larger"),
      Arguments.of("register: body over 64 KiB", "/api/auth/register", "{\"username\":\"" + "u".repeat(70_000) + "\"}", 413, "larger"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void badPostIsRefusedAndChangesNothing(String name, String path, String body, int status, String detailWord) {
    String before = thrume.tableCounts();
    String resolvedPath = path.replace("{c}", conversation);
    String resolvedBody = body.replace("{b}", bob.id());
    Response r = client.send(HttpMethod.POST, resolvedPath, alice.token(), Buffer.buffer(resolvedBody), null);
    assertEquals(status, r.status(), r.toString());
    assertEquals("application/problem+json", r.header("Content-Type"));
    JsonObject problem = r.json();
    assertEquals(status, problem.getInteger("status"));
    assertTrue(problem.getString("type").startsWith("urn:thrume:problem:"));
    assertTrue(problem.getString("detail").contains(detailWord), problem.getString("detail"));
    assertEquals(before, thrume.tableCounts(), "the database is unchanged");
  }

  static Stream<Arguments> badQueries() {
    String msgs = "/api/conversations/{c}/messages";
    return Stream.of(
      Arguments.of(msgs + "?limit=0", "limit"),
      Arguments.of(msgs + "?limit=201", "limit"),
      Arguments.of(msgs + "?limit=ten", "limit"),
      Arguments.of(msgs + "?afterSeq=-1", "afterSeq"),
      Arguments.of(msgs + "?afterSeq=1.5", "afterSeq"),
      Arguments.of(msgs + "?beforeSeq=0", "beforeSeq"),
      Arguments.of(msgs + "?beforeSeq=x", "beforeSeq"),
      Arguments.of("/api/conversations/not-a-uuid", "conversation id"),
      Arguments.of("/api/conversations/not-a-uuid/messages", "conversation id"),
      Arguments.of("/api/accounts?search=" + "s".repeat(65), "search"),
      Arguments.of("/api/accounts", "search"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badQueries")
  void badQueryIsRefused(String path, String detailWord) {
    Response r = client.get(path.replace("{c}", conversation), alice.token());
    assertEquals(400, r.status(), r.toString());
    assertEquals("application/problem+json", r.header("Content-Type"));
    assertTrue(r.json().getString("detail").contains(detailWord), r.json().getString("detail"));
  }

  @Test
  void aThousandParticipantsAtMost() {
    JsonArray ids = new JsonArray();
    for (int i = 0; i < 1000; i++) {
      ids.add(UUID.randomUUID().toString());
    }
    String before = thrume.tableCounts();
    Response r = client.post("/api/conversations", alice.token(), new JsonObject().put("participantIds", ids));
    assertEquals(400, r.status(), r.toString());
    assertTrue(r.json().getString("detail").contains("1000"));
    assertEquals(before, thrume.tableCounts());
  }

  @Test
  void unknownApiRoutesAnswerProblem404() {
    Response r = client.get("/api/nothing-here", alice.token());
    assertEquals(404, r.status());
    assertEquals("application/problem+json", r.header("Content-Type"));
  }
}
