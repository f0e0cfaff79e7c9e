package io.thrume.fanout;

import io.vertx.core.Future;

import java.util.List;

/** Who has a conversation open, across all nodes: the fan-out reports its node's changes here. */
public interface Viewers {
  /**
   * The user's first socket on this node registered the address; answers who has it open now
   * (the same change, so no second read).
   */
  Future<List<String>> joined(String address, String userId);

  /** The user's last socket on this node left the address. */
  void left(String address, String userId);

  /** The users who have the address open on any node. */
  Future<List<String>> present(String address);
}
