package io.thrume.presence;

import io.thrume.fanout.Viewers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Who has which conversation open, in a shared map: conversation address → {userId: [nodeId…]}.
 * user.joined is published when a user opens it on their first node, user.left when they close
 * it on their last, so there is one event per user whatever the number of nodes and tabs.
 */
public final class ConversationViewers implements Viewers {
  static final String MAP = "thrume.viewers";
  private static final Logger LOG = LoggerFactory.getLogger(ConversationViewers.class);
  private final Vertx vertx;
  private final String nodeId;
  private final Future<SharedEntries> entries;

  public ConversationViewers(Vertx vertx, String nodeId) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.entries = SharedEntries.of(vertx, MAP);
  }

  @Override
  public Future<List<String>> joined(String address, String userId) {
    String node = nodeId;
    return entries.compose(e -> e.update(address, entry -> {
        JsonObject next = entry == null ? new JsonObject() : entry;
        JsonArray nodes = next.getJsonArray(userId, new JsonArray());
        if (!nodes.contains(node)) {
          nodes = nodes.copy().add(node);
        }
        return next.put(userId, nodes);
      }))
      .map(change -> {
        if (change.before() == null || !change.before().containsKey(userId)) {
          announce(address, "user.joined", userId);
        }
        return List.copyOf(change.after().fieldNames());
      })
      .onFailure(e -> LOG.warn("Could not record {} opening {}: {}", userId, address, e.toString()));
  }

  @Override
  public void left(String address, String userId) {
    String node = nodeId;
    entries.compose(e -> e.update(address, entry -> withoutNode(entry, userId, node)))
      .onSuccess(change -> {
        if (change.before() != null && change.before().containsKey(userId)
          && (change.after() == null || !change.after().containsKey(userId))) {
          announce(address, "user.left", userId);
        }
      })
      .onFailure(e -> LOG.warn("Could not record {} closing {}: {}", userId, address, e.toString()));
  }

  @Override
  public Future<List<String>> present(String address) {
    return entries.compose(e -> e.get(address))
      .map(entry -> entry == null ? List.of() : List.copyOf(entry.fieldNames()));
  }

  /** A node is gone: its viewers leave every conversation they had open only there. */
  Future<Void> nodeLeft(String deadNode) {
    return entries.compose(e -> e.entries().compose(all -> {
      List<Future<Void>> updates = new ArrayList<>();
      all.forEach((address, entry) -> {
        for (String userId : entry.fieldNames()) {
          if (entry.getJsonArray(userId).contains(deadNode)) {
            updates.add(e.update(address, current -> withoutNode(current, userId, deadNode)).map(change -> {
              if (change.after() == null || !change.after().containsKey(userId)) {
                announce(address, "user.left", userId);
              }
              return null;
            }));
          }
        }
      });
      return Future.join(updates).mapEmpty();
    }));
  }

  private static JsonObject withoutNode(JsonObject entry, String userId, String node) {
    if (entry == null || !entry.containsKey(userId)) {
      return entry;
    }
    JsonArray nodes = entry.getJsonArray(userId).copy();
    nodes.remove(node);
    if (nodes.isEmpty()) {
      entry.remove(userId);
    } else {
      entry.put(userId, nodes);
    }
    return entry.isEmpty() ? null : entry;
  }

  private void announce(String address, String type, String userId) {
    vertx.eventBus().publish(address, new JsonObject().put("type", type).put("userId", userId));
  }
}
