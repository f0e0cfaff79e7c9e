package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edits, deletes, reactions and replies over REST (docs/rest-api.md, "Message changes"): who may do
 * what, the changeSeq counter, GET …/changes, what a deleted message leaves in the database, and
 * the bad requests, which change nothing.
 */
@ExtendWith(SharedThrume.class)
class MessageChangeTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  static String path(String conversation, long seq) {
    return "/api/conversations/" + conversation + "/messages/" + seq;
  }

  static String reaction(String conversation, long seq, String emoji) {
    return path(conversation, seq) + "/reactions/" + URLEncoder.encode(emoji, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static Response edit(User user, String conversation, long seq, String content) {
    return rest.send(io.vertx.core.http.HttpMethod.PATCH, path(conversation, seq), user.token(),
      new JsonObject().put("content", content).toBuffer(), null);
  }

  static JsonObject ok(Response r) {
    assertEquals(200, r.status(), r.toString());
    return r.json();
  }

  @Test
  void aNewMessageShowsNoChanges() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    JsonObject m = rest.sendMessage(alice, id, "hello", "n-1").json();
    assertNull(m.getValue("editedAt"));
    assertNull(m.getValue("deletedAt"));
    assertNull(m.getValue("replyTo"));
    assertEquals(new JsonObject(), m.getJsonObject("reactions"));
    assertEquals(new JsonArray(), m.getJsonArray("attachments"));
    assertEquals(0L, m.getLong("changeSeq"));
    assertTrue(m.containsKey("editedAt") && m.containsKey("deletedAt") && m.containsKey("replyTo"));
  }

  @Test
  void theSenderEditsAndDeletesAndEachChangeTakesTheNextChangeSeq() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    rest.sendMessage(alice, id, "first", "e-1");
    rest.sendMessage(alice, id, "second", "e-2");

    JsonObject edited = ok(edit(alice, id, 1, "first, edited"));
    assertEquals("first, edited", edited.getString("content"));
    assertNotNull(edited.getString("editedAt"));
    assertEquals(1L, edited.getLong("changeSeq"));
    // the same text again changes nothing
    assertEquals(1L, ok(edit(alice, id, 1, "first, edited")).getLong("changeSeq"));

    // not the sender: 403; not a participant, no such message: 404; nothing changed
    assertEquals(403, edit(bob, id, 1, "mine now").status());
    assertEquals(403, rest.delete(path(id, 1), bob.token()).status());
    assertEquals(404, edit(rest.register("mallory"), id, 1, "hi").status());
    assertEquals(404, edit(alice, id, 3, "no such").status());

    JsonObject tombstone = ok(rest.delete(path(id, 2), alice.token()));
    assertEquals("", tombstone.getString("content"));
    assertNotNull(tombstone.getString("deletedAt"));
    assertEquals(2L, tombstone.getLong("changeSeq"));
    assertEquals(2L, tombstone.getLong("seq"), "a deleted message keeps its seq");
    // deleting again changes nothing; a deleted message cannot be edited
    assertEquals(2L, ok(rest.delete(path(id, 2), alice.token())).getLong("changeSeq"));
    assertEquals(409, edit(alice, id, 2, "back").status());
    assertEquals("", thrume.string("SELECT content FROM message WHERE conversation_id = '" + id + "' AND seq = 2"),
      "the text is gone from the database");

    // the page shows the messages as they are now
    JsonArray page = rest.get("/api/conversations/" + id + "/messages", bob.token()).json().getJsonArray("messages");
    assertEquals(List.of("first, edited", ""), page.stream().map(o -> ((JsonObject) o).getString("content")).toList());
  }

  @Test
  void reactionsAreOneGraphemeEachIdempotentAndBounded() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    rest.sendMessage(alice, id, "react to me", "r-1");

    assertEquals(new JsonObject().put("👍", new JsonArray().add(bob.id())),
      ok(rest.put(reaction(id, 1, "👍"), bob.token())).getJsonObject("reactions"));
    // again: nothing changes, no new changeSeq
    JsonObject again = ok(rest.put(reaction(id, 1, "👍"), bob.token()));
    assertEquals(1L, again.getLong("changeSeq"));
    JsonObject both = ok(rest.put(reaction(id, 1, "👍"), alice.token()));
    assertEquals(new JsonArray().add(bob.id()).add(alice.id()), both.getJsonObject("reactions").getJsonArray("👍"));
    // a ZWJ family (25 bytes) is one grapheme cluster
    String family = "👨‍👩‍👧‍👦";
    assertEquals(new JsonArray().add(alice.id()), ok(rest.put(reaction(id, 1, family), alice.token()))
      .getJsonObject("reactions").getJsonArray(family));
    JsonObject removed = ok(rest.delete(reaction(id, 1, "👍"), bob.token()));
    assertEquals(new JsonArray().add(alice.id()), removed.getJsonObject("reactions").getJsonArray("👍"));
    assertEquals(4L, removed.getLong("changeSeq"));
    // taking back what is not there changes nothing
    assertEquals(4L, ok(rest.delete(reaction(id, 1, "🎉"), bob.token())).getLong("changeSeq"));

    for (String bad : List.of("ab", "👍👍", " ", "x".repeat(33))) {
      Response r = rest.put(reaction(id, 1, bad), bob.token());
      assertEquals(400, r.status(), bad + ": " + r);
    }
    // at most 20 distinct on one message
    String[] emoji = {"😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙"};
    for (String e : emoji) {
      ok(rest.put(reaction(id, 1, e), bob.token()));
    }
    assertEquals(20, ok(rest.put(reaction(id, 1, "🥲"), bob.token())).getJsonObject("reactions").size());
    Response over = rest.put(reaction(id, 1, "🙃"), bob.token());
    assertEquals(400, over.status(), over.toString());
    // a deleted message takes none, and loses its own
    JsonObject tombstone = ok(rest.delete(path(id, 1), alice.token()));
    assertEquals(new JsonObject(), tombstone.getJsonObject("reactions"));
    assertEquals(409, rest.put(reaction(id, 1, "👍"), bob.token()).status());
  }

  @Test
  void reactingAcceptsTheConversationForAnInvitedParticipant() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.conversation(alice, bob);
    rest.sendMessage(alice, id, "hi", "a-1");
    assertEquals("invited", thrume.string("SELECT status FROM participant WHERE conversation_id = '" + id
      + "' AND account_id = '" + bob.id() + "'"));
    ok(rest.put(reaction(id, 1, "👋"), bob.token()));
    assertEquals("accepted", thrume.string("SELECT status FROM participant WHERE conversation_id = '" + id
      + "' AND account_id = '" + bob.id() + "'"));
  }

  @Test
  void aReplyShowsItsTargetAsItIsNow() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    String long_ = "ab".repeat(80);
    rest.sendMessage(alice, id, long_, "p-1");
    Response reply = rest.post("/api/conversations/" + id + "/messages", bob.token(),
      new JsonObject().put("content", "answer").put("clientMessageId", "p-2").put("replyToSeq", 1));
    assertEquals(201, reply.status(), reply.toString());
    JsonObject replyTo = reply.json().getJsonObject("replyTo");
    assertEquals(new JsonObject().put("seq", 1L).put("senderId", alice.id()).put("excerpt", long_.substring(0, 100)), replyTo);

    // the target edited, then deleted: the reply shows it so
    ok(edit(alice, id, 1, "short"));
    assertEquals("short", page(bob, id).getJsonObject(1).getJsonObject("replyTo").getString("excerpt"));
    ok(rest.delete(path(id, 1), alice.token()));
    assertEquals("", page(bob, id).getJsonObject(1).getJsonObject("replyTo").getString("excerpt"));

    // only an existing message of this conversation; nothing stored otherwise
    for (Object bad : List.of(3, 0, -1, "1", 1.5)) {
      Response r = rest.post("/api/conversations/" + id + "/messages", bob.token(),
        new JsonObject().put("content", "x").put("clientMessageId", "p-bad").put("replyToSeq", bad));
      assertEquals(400, r.status(), bad + ": " + r);
    }
    assertEquals(2, page(bob, id).size());
  }

  static JsonArray page(User user, String id) {
    return rest.get("/api/conversations/" + id + "/messages", user.token()).json().getJsonArray("messages");
  }

  @Test
  void changesAreListedAfterAPositionInChangeSeqOrder() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    for (int i = 1; i <= 4; i++) {
      rest.sendMessage(alice, id, "m" + i, "c-" + i);
    }
    ok(edit(alice, id, 3, "m3 edited"));           // change 1
    ok(rest.put(reaction(id, 1, "👍"), bob.token())); // change 2
    ok(rest.delete(path(id, 2), alice.token()));     // change 3
    ok(edit(alice, id, 3, "m3 edited twice"));     // change 4: message 3 again

    JsonObject all = ok(rest.get("/api/conversations/" + id + "/changes", bob.token()));
    assertEquals(4L, all.getLong("lastChange"));
    assertEquals(false, all.getBoolean("hasMore"));
    // each changed message once, as it is now, in the order of its latest change
    assertEquals(List.of(1L, 2L, 3L), seqs(all));
    assertEquals(List.of(2L, 3L, 4L), all.getJsonArray("messages").stream().map(o -> ((JsonObject) o).getLong("changeSeq")).toList());
    assertEquals(List.of(2L), seqs(ok(rest.get("/api/conversations/" + id + "/changes?after=2&limit=1", bob.token()))));
    assertEquals(true, ok(rest.get("/api/conversations/" + id + "/changes?after=0&limit=1", bob.token())).getBoolean("hasMore"));
    assertEquals(List.of(), seqs(ok(rest.get("/api/conversations/" + id + "/changes?after=4", bob.token()))));

    assertEquals(404, rest.get("/api/conversations/" + id + "/changes", rest.register("mallory").token()).status());
    for (String bad : List.of("?after=-1", "?after=x", "?limit=0", "?limit=201")) {
      assertEquals(400, rest.get("/api/conversations/" + id + "/changes" + bad, bob.token()).status(), bad);
    }
  }

  static List<Long> seqs(JsonObject page) {
    return page.getJsonArray("messages").stream().map(o -> ((JsonObject) o).getLong("seq")).toList();
  }

  @Test
  void badChangeRequestsChangeNothing() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    rest.sendMessage(alice, id, "keep me", "b-1");
    String before = thrume.tableCounts() + thrume.string("SELECT content || last_change FROM message m JOIN conversation c "
      + "ON c.id = m.conversation_id WHERE c.id = '" + id + "'");
    for (Response r : List.of(
      edit(alice, id, 1, " "),
      edit(alice, id, 1, "x".repeat(4001)),
      rest.send(io.vertx.core.http.HttpMethod.PATCH, path(id, 1), alice.token(), new JsonObject().put("content", 5).toBuffer(), null),
      rest.send(io.vertx.core.http.HttpMethod.PATCH, path(id, 1), alice.token(), io.vertx.core.buffer.Buffer.buffer("{"), null),
      edit(alice, id, 0, "zero"),
      rest.send(io.vertx.core.http.HttpMethod.PATCH, "/api/conversations/" + id + "/messages/x", alice.token(),
        new JsonObject().put("content", "x").toBuffer(), null),
      rest.send(io.vertx.core.http.HttpMethod.PATCH, "/api/conversations/nope/messages/1", alice.token(),
        new JsonObject().put("content", "x").toBuffer(), null))) {
      assertEquals(400, r.status(), r.toString());
      assertEquals("urn:thrume:problem:invalid", r.json().getString("type"));
    }
    assertEquals(401, rest.delete(path(id, 1), null).status());
    assertEquals(before, thrume.tableCounts() + thrume.string("SELECT content || last_change FROM message m JOIN conversation c "
      + "ON c.id = m.conversation_id WHERE c.id = '" + id + "'"));
  }

  @Test
  void searchNeverFindsADeletedMessage() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String id = rest.acceptedConversation(alice, bob);
    String word = "gone" + System.nanoTime();
    rest.sendMessage(alice, id, "soon " + word, "s-1");
    assertEquals(1, rest.get("/api/search/messages?q=" + word, bob.token()).json().getJsonArray("messages").size());
    ok(rest.delete(path(id, 1), alice.token()));
    assertEquals(0, rest.get("/api/search/messages?q=" + word, bob.token()).json().getJsonArray("messages").size());
  }
}
