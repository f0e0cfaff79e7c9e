package io.thrume.bridge;

import io.thrume.bus.Addresses;
import io.thrume.bus.Failure;
import io.thrume.bus.Local;
import io.thrume.chat.Membership;
import io.thrume.fanout.ClientEvent;
import io.thrume.fanout.ClientSocket;
import io.thrume.limit.Action;
import io.thrume.limit.Limits;
import io.thrume.transport.Frames;
import io.thrume.validate.Fields;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * chat.view on the bridge: which conversations a socket has open, told to the presence service
 * ("who is here"), and the socket told who is there already.
 */
final class Views {
  /** Conversations one socket may view at once (a few panes, not the whole list). */
  static final int MAX_VIEWS = 10;
  private final EventBus bus;
  private final BridgePolicy policy;

  Views(EventBus bus, BridgePolicy policy) {
    this.bus = bus;
    this.policy = policy;
  }

  /**
   * chat.view {conversationId, viewing} → {}: which conversation the socket has open. A socket that
   * starts viewing is told who is there already, on the conversation's address if it registered it.
   * An invited participant's view is only told who is there: nobody hears of it, and it is not kept.
   */
  Future<Object> view(ClientSocket socket, JsonObject body) {
    String conversationId;
    boolean viewing;
    try {
      conversationId = Fields.requiredUuid(body, "conversationId").toString();
      if (!(body.getValue("viewing") instanceof Boolean flag)) {
        throw Failure.INVALID.exception("viewing must be true or false");
      }
      viewing = flag;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    String address = Addresses.conversation(conversationId);
    if (!viewing) {
      end(socket, conversationId);
      return Future.succeededFuture(new JsonObject());
    }
    if (socket.viewing().size() >= MAX_VIEWS && !socket.viewing().contains(conversationId)) {
      return Future.failedFuture(Failure.INVALID.exception("a socket views at most " + MAX_VIEWS + " conversations at once"));
    }
    return Limits.take(bus, socket.userId, Action.VIEW).compose(v -> policy.status(socket.userId, conversationId)).map(status -> {
      if (socket.isClosed()) {
        return new JsonObject();
      }
      // an invited user's view is announced to nobody and not kept (peek): the socket is only told
      // who is here (accepted users, who chose to be seen); after accepting, the client views again
      boolean invited = status == Membership.Status.INVITED;
      if (invited || socket.view(conversationId, true)) {
        JsonObject ask = new JsonObject().put("userId", socket.userId).put("conversationId", conversationId)
          .put("viewing", true);
        if (invited) {
          ask.put("peek", true);
        }
        bus.<JsonObject>request(Addresses.PRESENCE_VIEW, ask, Local.delivery())
          .onSuccess(reply -> tellWhoIsHere(socket, address, reply.body().getJsonArray("viewers")));
      }
      return new JsonObject();
    });
  }

  private static void tellWhoIsHere(ClientSocket socket, String address, JsonArray viewers) {
    if (viewers.isEmpty() || socket.isClosed() || !socket.isRegistered(address)) {
      return;
    }
    List<String> here = viewers.stream().map(String.class::cast).toList();
    socket.send(Frames.rec(address, ClientEvent.viewers(here, List.of()).body()));
  }

  /** The socket no longer views the conversation (closed, left, removed, or told so): the presence service hears it. */
  void end(ClientSocket socket, String conversationId) {
    if (socket.view(conversationId, false)) {
      bus.send(Addresses.PRESENCE_VIEW, new JsonObject().put("userId", socket.userId)
        .put("conversationId", conversationId).put("viewing", false), Local.delivery());
    }
  }
}
