package io.thrume.bridge;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.ServiceFailure;
import io.thrume.chat.Membership;
import io.thrume.validate.Fields;
import io.vertx.core.Future;

/**
 * Who may register what and send where. conversation.&lt;id&gt; only for its participants
 * (invited or accepted), user.&lt;id&gt; only for that user; inbound only the chat.* and
 * presence.* addresses of the contract. Participation is asked of the store and remembered while
 * accepted ({@link Membership}); a participant who leaves or is removed is forgotten on every node
 * ({@link #forget}).
 */
final class BridgePolicy {
  private final Membership membership;

  /** @param membership the node's one memory of participation, shared with the chat service */
  BridgePolicy(Membership membership) {
    this.membership = membership;
  }

  /** Succeeds when the user may receive what is published on the address; FORBIDDEN otherwise. */
  Future<Void> mayRegister(String userId, String address) {
    if (address.startsWith(Addresses.USER_PREFIX)) {
      return address.equals(Addresses.user(userId)) ? Future.succeededFuture()
        : Future.failedFuture(Failure.FORBIDDEN.exception("only your own user address"));
    }
    if (address.startsWith(Addresses.CONVERSATION_PREFIX)) {
      String conversationId = address.substring(Addresses.CONVERSATION_PREFIX.length());
      if (!Fields.isUuid(conversationId)) {
        return noSuchConversation();
      }
      return membership.participates(userId, conversationId).recover(BridgePolicy::forbiddenIfNotFound);
    }
    return Future.failedFuture(Failure.FORBIDDEN.exception("this address cannot be registered"));
  }

  /** The user's status in the conversation; FORBIDDEN for non-participants and ids that are no ids. */
  Future<Membership.Status> status(String userId, String conversationId) {
    if (!Fields.isUuid(conversationId)) {
      return noSuchConversation();
    }
    return membership.status(userId, conversationId).recover(BridgePolicy::forbiddenIfNotFound);
  }

  /** What an id that is no conversation id gets: the same FORBIDDEN as someone else's conversation would. */
  private static <T> Future<T> noSuchConversation() {
    return Future.failedFuture(Failure.FORBIDDEN.exception("no such conversation"));
  }

  private static <T> Future<T> forbiddenIfNotFound(Throwable e) {
    return e instanceof ServiceFailure f && f.code() == Failure.NOT_FOUND
      ? Future.failedFuture(Failure.FORBIDDEN.exception("not a participant of this conversation"))
      : Future.failedFuture(e);
  }

  /** A socket of the user is likely on its way: what the node will be asked about them is read now ({@link Membership#expect}). */
  void expect(String userId) {
    membership.expect(userId);
  }

  /** The user left the conversation or was removed: a new register or view of it asks the store again. */
  void forget(String userId, String conversationId) {
    membership.forget(userId, conversationId);
  }

  boolean maySend(String address) {
    return Addresses.CLIENT_INBOUND.contains(address);
  }

}
