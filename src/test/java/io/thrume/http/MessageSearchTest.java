package io.thrume.http;

import io.thrume.support.RestClient;
import io.thrume.support.RestClient.Response;
import io.thrume.support.RestClient.User;
import io.thrume.support.SharedThrume;
import io.thrume.support.SharedThrume.Shared;
import io.thrume.support.TestThrume;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GET /api/search/messages (docs/rest-api.md, "Message search"): word prefixes, all words required, newest
 * first, only the caller's conversations, and the bad requests.
 */
@ExtendWith(SharedThrume.class)
class MessageSearchTest {
  @Shared static TestThrume thrume;
  @Shared static RestClient rest;

  /** A word no other test writes, so that the shared database's other messages never match. */
  static String word() {
    return "w" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  static Response search(User user, String q, String more) {
    return rest.get("/api/search/messages?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + more, user.token());
  }

  static List<String> contents(Response r) {
    assertEquals(200, r.status(), r.toString());
    return r.json().getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("content")).toList();
  }

  @Test
  void findsWordPrefixesInTheCallersConversationsNewestFirst() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    User carol = rest.register("carol");
    String word = word();
    String ab = rest.acceptedConversation(alice, bob);
    String bc = rest.acceptedConversation(bob, carol);
    rest.sendMessage(alice, ab, "first " + word + " here", "s-1");
    rest.sendMessage(bob, ab, "Second " + word.toUpperCase() + "ing, louder", "s-2");
    rest.sendMessage(bob, ab, "nothing to see", "s-3");
    rest.sendMessage(bob, bc, "between bob and carol: " + word, "s-4");

    // a prefix of the word, any case; newest first; the message as the other routes show it
    Response found = search(alice, word.substring(0, 8).toUpperCase(), "");
    assertEquals(List.of("Second " + word.toUpperCase() + "ing, louder", "first " + word + " here"), contents(found));
    JsonObject newest = found.json().getJsonArray("messages").getJsonObject(0);
    JsonObject page = rest.get("/api/conversations/" + ab + "/messages", alice.token()).json().getJsonArray("messages").getJsonObject(1);
    assertEquals(page, newest);

    // bob is in both conversations; carol only in the second; nobody else finds anything
    assertEquals(3, contents(search(bob, word, "")).size());
    assertEquals(List.of("between bob and carol: " + word), contents(search(carol, word, "")));
    assertEquals(List.of(), contents(search(rest.register("mallory"), word, "")));

    // every word is required, each as a prefix
    assertEquals(List.of("first " + word + " here"), contents(search(alice, "fir " + word, "")));
    assertEquals(List.of(), contents(search(alice, "louder quieter " + word, "")));
  }

  @Test
  void narrowsToOneConversationAndHonoursTheLimit() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String word = word();
    String one = rest.acceptedConversation(alice, bob);
    String two = rest.acceptedConversation(bob, alice);
    for (int i = 0; i < 5; i++) {
      rest.sendMessage(alice, one, word + " one " + i, "n-1-" + i);
    }
    rest.sendMessage(alice, two, word + " two", "n-2");

    assertEquals(6, contents(search(alice, word, "")).size());
    assertEquals(List.of(word + " two"), contents(search(alice, word, "&conversationId=" + two)));
    assertEquals(List.of(word + " one 4", word + " one 3"), contents(search(alice, word, "&conversationId=" + one + "&limit=2")));
    // a conversation the caller is not in: nothing, as if it did not exist
    User mallory = rest.register("mallory");
    assertEquals(List.of(), contents(search(mallory, word, "&conversationId=" + one)));
  }

  @Test
  void whoLeftFindsNothingOfThatConversation() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String word = word();
    String id = rest.acceptedConversation(alice, bob);
    rest.sendMessage(alice, id, "before " + word, "l-1");
    assertEquals(1, contents(search(bob, word, "")).size());
    assertEquals(204, rest.delete("/api/conversations/" + id + "/participants/me", bob.token()).status());
    rest.sendMessage(alice, id, "after " + word, "l-2");
    assertEquals(List.of(), contents(search(bob, word, "")));
    assertEquals(2, contents(search(alice, word, "")).size());
  }

  @Test
  void queryPunctuationIsTextNotSyntax() {
    User alice = rest.register("alice");
    User bob = rest.register("bob");
    String word = word();
    String id = rest.acceptedConversation(alice, bob);
    rest.sendMessage(alice, id, "it's " + word + "! really?", "p-1");
    // tsquery operators and quotes typed by a user are separators, never syntax
    assertEquals(1, contents(search(alice, "'" + word + "' & !(|:*", "")).size());
    assertEquals(1, contents(search(alice, "it's " + word, "")).size());
    // nothing but punctuation: no word to look for, nothing found
    assertEquals(List.of(), contents(search(alice, "&|!():*'", "")));
  }

  @Test
  void badRequestsAreRefused() {
    User alice = rest.register("alice");
    for (String query : List.of("", "?q=", "?q=%20%20", "?q=" + "a".repeat(201), "?q=a%01b", "?q=hi&limit=0", "?q=hi&limit=51",
      "?q=hi&limit=x", "?q=hi&conversationId=nope")) {
      Response r = rest.get("/api/search/messages" + query, alice.token());
      assertEquals(400, r.status(), query + ": " + r);
      assertEquals("urn:thrume:problem:invalid", r.json().getString("type"), r.toString());
    }
    assertEquals(401, rest.get("/api/search/messages?q=hi", null).status());
    assertTrue(contents(search(alice, "a".repeat(200), "")).isEmpty());
  }
}
