package io.thrume.chat;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Local;
import io.thrume.model.Participant;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * "Is this user in that conversation, and has the user accepted it?", asked of the store and
 * remembered when the answer is "accepted": that only changes when the user leaves or is removed,
 * which every node hears of ({@link #forget}). An invitation is remembered only as taking part
 * ({@link #participates}, what a register needs): the user may accept on any node at any time, so
 * a question about the status of an invited user is asked again each time; taking part, like
 * acceptance, ends only with a removal (declining is leaving).
 * <p>
 * A "yes" asked before a removal could arrive after the removal was heard and be remembered for
 * good. So each removal heard is noted with its time, and an answer to a question asked before a
 * removal of that user and conversation is asked again.
 * <p>
 * A node that has not seen a user yet (a new node, or the user's sockets just moved here) would ask
 * once per conversation, and a client registers every conversation of its list at once, one after
 * the other. So the first question about a user the node does not know reads all the user's
 * conversations (up to {@link #PRELOAD_LIMIT}) in one query, which answers it; each is remembered
 * like the answers above, so questions about them then need no store. The read starts earlier when
 * the node issues the user a ticket ({@link #expect}): it runs while the client connects, and
 * questions that come while it runs wait for it. Whether a user was read so is remembered for
 * {@link #PRELOAD_MEMORY}: after that a question is asked on its own.
 * <p>
 * One per node, shared by the chat service and the bridge's policy (MainVerticle), so thread-safe.
 * The memories are bounded Caffeine caches: the least used participations go first (they are asked
 * of the store again), and a removal is kept for {@link #REMOVAL_MEMORY}.
 */
public final class Membership {
  /** A participant's consent. */
  public enum Status { ACCEPTED, INVITED }

  private static final int MAX_ENTRIES = 200_000;
  /** Removals older than this cannot race with a question any more (requests time out sooner). */
  private static final Duration REMOVAL_MEMORY = Duration.ofMinutes(2);
  private static final int MAX_REMOVALS = 10_000;
  /** A user's conversations read at once, at most: a bounded answer; the rest are asked one by one. */
  static final int PRELOAD_LIMIT = 1_000;
  /** How long a user counts as read whole: later questions about the user go one by one meanwhile. */
  private static final Duration PRELOAD_MEMORY = Duration.ofMinutes(10);
  private static final int MAX_PRELOADED = 100_000;
  /** The store's word for a participant who accepted. */
  private static final String ACCEPTED = Participant.ACCEPTED;
  private final EventBus bus;
  /** "userId/conversationId" of accepted participants. */
  private final Cache<String, Boolean> accepted = Caffeine.newBuilder().maximumSize(MAX_ENTRIES)
    .executor(Runnable::run).build();
  /** "userId/conversationId" → System.nanoTime() when its removal was heard. */
  private final Cache<String, Long> removedAt = Caffeine.newBuilder().maximumSize(MAX_REMOVALS)
    .expireAfterWrite(REMOVAL_MEMORY).executor(Runnable::run).build();
  /**
   * "userId/conversationId" of invited participants: enough to say they take part ({@link #participates}),
   * not what their status is (they may accept on any node at any time).
   */
  private final Cache<String, Boolean> invited = Caffeine.newBuilder().maximumSize(MAX_ENTRIES)
    .executor(Runnable::run).build();
  /** Users whose conversations were read whole lately (or are being read). */
  private final Cache<String, Boolean> preloaded = Caffeine.newBuilder().maximumSize(MAX_PRELOADED)
    .expireAfterWrite(PRELOAD_MEMORY).executor(Runnable::run).build();
  /** Reads of a user's conversations under way: a question meanwhile waits for the read rather than reading again. */
  private final ConcurrentHashMap<String, Future<JsonObject>> reading = new ConcurrentHashMap<>();

  public Membership(EventBus bus) {
    this.bus = bus;
  }

  /** Now, for {@link #rememberAccepted}: the time a question (or a request that proves acceptance) started. */
  public static long now() {
    return System.nanoTime();
  }

  /**
   * The user is known to be an accepted participant from something that started at {@code since}
   * (a send or an accept committed): remembered unless a removal was heard after that.
   */
  public void rememberAccepted(String userId, String conversationId, long since) {
    String key = key(userId, conversationId);
    if (!removedSince(key, since)) {
      accepted.put(key, Boolean.TRUE);
    }
  }

  /** The user left the conversation or was removed from it (declining an invitation is leaving). */
  public void forget(String userId, String conversationId) {
    String key = key(userId, conversationId);
    removedAt.put(key, now());
    accepted.invalidate(key);
    invited.invalidate(key);
  }

  /**
   * A socket of the user is likely on its way (this node issued them a ticket): if the node does
   * not know the user, their conversations are read now, while the client connects, so that its
   * registers find the answers here or the read under way.
   */
  public void expect(String userId) {
    if (preloaded.asMap().putIfAbsent(userId, Boolean.TRUE) == null) {
      preload(userId, now());
    }
  }

  /** The user's status in the conversation; fails NOT_FOUND (no existence leak) for non-participants. */
  public Future<Status> status(String userId, String conversationId) {
    String key = key(userId, conversationId);
    if (accepted.getIfPresent(key) != null) {
      return Future.succeededFuture(Status.ACCEPTED);
    }
    Future<JsonObject> underWay = reading.get(userId);
    if (underWay != null) {
      // begun before this question: its "accepted" stands (only a removal undoes it, and removals are
      // heard), anything else may have changed since it began and is asked again
      return onCallersContext(underWay).transform(ar -> accepted.getIfPresent(key) != null
        ? Future.succeededFuture(Status.ACCEPTED) : ask(userId, conversationId));
    }
    if (preloaded.asMap().putIfAbsent(userId, Boolean.TRUE) == null) {
      // the node does not know this user yet: one read of all their conversations answers this one too
      long asked = now();
      return preload(userId, asked).transform(ar -> ar.failed() || removedSince(key, asked)
        ? ask(userId, conversationId) : answer(ar.result(), userId, conversationId));
    }
    return ask(userId, conversationId);
  }

  /**
   * Succeeds for participants, invited or accepted; fails NOT_FOUND for everyone else. What a
   * register or a view needs: unlike the status, taking part only ends with a removal, which every
   * node hears of, so an invitation read earlier still answers it.
   */
  public Future<Void> participates(String userId, String conversationId) {
    String key = key(userId, conversationId);
    if (accepted.getIfPresent(key) != null || invited.getIfPresent(key) != null) {
      return Future.succeededFuture();
    }
    Future<JsonObject> underWay = reading.get(userId);
    if (underWay != null) {
      return onCallersContext(underWay).transform(ar -> accepted.getIfPresent(key) != null
        || invited.getIfPresent(key) != null ? Future.succeededFuture() : require(userId, conversationId));
    }
    return require(userId, conversationId);
  }

  /**
   * The read, completing on the asker's context: it may have been started on another (a ticket's),
   * and what the asker does next (a socket's subscription) must run on its own.
   */
  private static <T> Future<T> onCallersContext(Future<T> read) {
    ContextInternal caller = (ContextInternal) Vertx.currentContext();
    if (caller == null) {
      return read;
    }
    Promise<T> here = caller.promise();
    read.onComplete(here);
    return here.future();
  }

  /** The question's answer from the user's statuses read whole; asked on its own only if the read was cut at its limit. */
  private Future<Status> answer(JsonObject statuses, String userId, String conversationId) {
    String status = statuses.getString(conversationId);
    if (status == null) {
      return statuses.size() < PRELOAD_LIMIT ? Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"))
        : ask(userId, conversationId);
    }
    return Future.succeededFuture(ACCEPTED.equals(status) ? Status.ACCEPTED : Status.INVITED);
  }

  /**
   * The user's conversations and statuses (up to {@link #PRELOAD_LIMIT}) in one query, each
   * remembered (accepted, or invited); questions about the user meanwhile wait for it ({@link #reading}).
   */
  private Future<JsonObject> preload(String userId, long asked) {
    Promise<JsonObject> read = Promise.promise();
    reading.put(userId, read.future());
    bus.<JsonObject>request(Addresses.STORE_MEMBERSHIPS, new JsonObject().put("userId", userId).put("limit", PRELOAD_LIMIT),
        Local.delivery())
      .map(reply -> {
        JsonObject statuses = reply.body().getJsonObject("statuses");
        statuses.forEach(e -> remember(userId, e.getKey(), ACCEPTED.equals(e.getValue()), asked));
        return statuses;
      })
      .onFailure(e -> preloaded.invalidate(userId))
      .onComplete(ar -> {
        reading.remove(userId, read.future());
        read.handle(ar);
      });
    return read.future();
  }

  /** A participant as read at {@code since}: remembered unless a removal was heard after that. */
  private void remember(String userId, String conversationId, boolean hasAccepted, long since) {
    if (hasAccepted) {
      rememberAccepted(userId, conversationId, since);
    } else if (!removedSince(key(userId, conversationId), since)) {
      invited.put(key(userId, conversationId), Boolean.TRUE);
    }
  }

  /** One conversation's status, asked of the store. */
  private Future<Status> ask(String userId, String conversationId) {
    String key = key(userId, conversationId);
    long asked = now();
    return bus.<JsonObject>request(Addresses.STORE_MEMBERSHIP,
        new JsonObject().put("userId", userId).put("conversationId", conversationId), Local.delivery())
      .compose(reply -> {
        if (removedSince(key, asked)) {
          // the answer may predate a removal heard meanwhile: ask again
          return ask(userId, conversationId);
        }
        if (!reply.body().getBoolean("member")) {
          return Future.failedFuture(Failure.NOT_FOUND.exception("conversation not found"));
        }
        boolean hasAccepted = ACCEPTED.equals(reply.body().getString("status"));
        remember(userId, conversationId, hasAccepted, asked);
        return Future.succeededFuture(hasAccepted ? Status.ACCEPTED : Status.INVITED);
      });
  }

  /** Succeeds for participants, invited or accepted; fails NOT_FOUND for everyone else. */
  public Future<Void> require(String userId, String conversationId) {
    return status(userId, conversationId).mapEmpty();
  }

  private boolean removedSince(String key, long since) {
    Long at = removedAt.getIfPresent(key);
    return at != null && at - since >= 0;
  }

  private static String key(String userId, String conversationId) {
    return userId + "/" + conversationId;
  }
}
