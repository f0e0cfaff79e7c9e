package io.thrume.chat;

import io.thrume.fanout.ClientEvent;
import io.thrume.bus.Addresses;
import io.thrume.fanout.Events;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Who is typing where, so that "is typing…" never sticks: a typing state ends when the user
 * sends, says so, disconnects, or stays silent for the timeout. Events are published on changes
 * only. Used on the chat verticle's event loop alone.
 */
final class TypingState {
  private final Vertx vertx;
  private final long timeoutMs;
  /** "conversationId/userId" → the timer that ends it. */
  private final Map<String, Long> timers = new HashMap<>();
  private final Map<String, Set<String>> conversationsByUser = new HashMap<>();

  TypingState(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  void start(String conversationId, String userId) {
    String key = conversationId + "/" + userId;
    Long timer = timers.get(key);
    if (timer != null) {
      vertx.cancelTimer(timer);
    } else {
      conversationsByUser.computeIfAbsent(userId, u -> new HashSet<>()).add(conversationId);
      publish(conversationId, userId, true);
    }
    timers.put(key, vertx.setTimer(timeoutMs, id -> stop(conversationId, userId)));
  }

  void stop(String conversationId, String userId) {
    Long timer = timers.remove(conversationId + "/" + userId);
    if (timer == null) {
      return;
    }
    vertx.cancelTimer(timer);
    Set<String> conversations = conversationsByUser.get(userId);
    if (conversations != null) {
      conversations.remove(conversationId);
      if (conversations.isEmpty()) {
        conversationsByUser.remove(userId);
      }
    }
    publish(conversationId, userId, false);
  }

  void clearUser(String userId) {
    Set<String> conversations = conversationsByUser.get(userId);
    if (conversations != null) {
      Set.copyOf(conversations).forEach(c -> stop(c, userId));
    }
  }

  private void publish(String conversationId, String userId, boolean typing) {
    Events.publish(vertx.eventBus(), Addresses.conversation(conversationId),
      ClientEvent.typing(userId, typing));
  }
}
