package io.thrume.bus;

import java.util.Set;

/**
 * Every event-bus address Thrume uses, named once. The public ones (chat.*, presence.update,
 * presence.watch, conversation.*, user.*) are part of the contract in docs/bridge-protocol.md; the
 * thrume.* ones are internal and listed with their message shapes in docs/architecture.md.
 */
public final class Addresses {
  // Public: clients send to these (through the bridge) and REST handlers use the same path.
  public static final String CHAT_SEND = "chat.send";
  public static final String CHAT_READ = "chat.read";
  public static final String CHAT_DELIVERED = "chat.delivered";
  public static final String CHAT_TYPING = "chat.typing";
  public static final String CHAT_SYNC = "chat.sync";
  public static final String CHAT_EDIT = "chat.edit";
  public static final String CHAT_DELETE = "chat.delete";
  public static final String CHAT_REACT = "chat.react";
  public static final String PRESENCE_UPDATE = "presence.update";
  /** Which conversation a socket has open: answered by the bridge itself (a socket's views end with it). */
  public static final String CHAT_VIEW = "chat.view";
  /** Whose presence a socket wants: answered by the bridge itself (a socket's watches end with it). */
  public static final String PRESENCE_WATCH = "presence.watch";

  /** The only addresses a bridge client may send to. */
  public static final Set<String> CLIENT_INBOUND =
    Set.of(CHAT_SEND, CHAT_READ, CHAT_DELIVERED, CHAT_TYPING, CHAT_SYNC, CHAT_EDIT, CHAT_DELETE, CHAT_REACT, PRESENCE_UPDATE,
      CHAT_VIEW, PRESENCE_WATCH);
  public static final String CONVERSATION_PREFIX = "conversation.";
  public static final String USER_PREFIX = "user.";

  /**
   * Every event for clients goes here, on every node (one consumer per node, registered at
   * start-up): each node keeps what its own sockets subscribed to. No per-conversation or per-user
   * registration ever reaches the cluster. The body is the bridge frame, encoded once; see
   * {@code fanout.Events} for the headers.
   */
  public static final String FANOUT = "thrume.fanout";

  // Internal: the store verticle, the only owner of the database.
  public static final String STORE_ACCOUNT_CREATE = "thrume.store.account.create";
  public static final String STORE_ACCOUNT_CREDENTIALS = "thrume.store.account.credentials";
  public static final String STORE_ACCOUNT_GET = "thrume.store.account.get";
  public static final String STORE_ACCOUNT_SEARCH = "thrume.store.account.search";
  public static final String STORE_CONVERSATION_CREATE = "thrume.store.conversation.create";
  public static final String STORE_CONVERSATION_LIST = "thrume.store.conversation.list";
  public static final String STORE_CONVERSATION_GET = "thrume.store.conversation.get";
  public static final String STORE_MESSAGE_INSERT = "thrume.store.message.insert";
  public static final String STORE_MESSAGE_PAGE = "thrume.store.message.page";
  public static final String STORE_MESSAGE_RANGE = "thrume.store.message.range";
  public static final String STORE_READ_MARK = "thrume.store.read.mark";
  public static final String STORE_DELIVERED_MARK = "thrume.store.delivered.mark";
  public static final String STORE_MESSAGE_SYNC = "thrume.store.message.sync";
  public static final String STORE_MESSAGE_SEARCH = "thrume.store.message.search";
  public static final String STORE_MESSAGE_EDIT = "thrume.store.message.edit";
  public static final String STORE_MESSAGE_DELETE = "thrume.store.message.delete";
  public static final String STORE_MESSAGE_REACT = "thrume.store.message.react";
  public static final String STORE_MESSAGE_CHANGES = "thrume.store.message.changes";
  public static final String STORE_MEMBERSHIP = "thrume.store.membership";
  /** {userId, limit} → {statuses: {conversationId: "accepted" | "invited"}}: the user's conversations, at most limit of them. */
  public static final String STORE_MEMBERSHIPS = "thrume.store.memberships";
  /** A file uploaded: {userId, conversationId, name, contentType, sha256, data} → {attachment, accepted}. */
  public static final String STORE_ATTACHMENT_CREATE = "thrume.store.attachment.create";
  /** A file's bytes: {id, userId?} → {id, conversationId, name, contentType, size, sha256, data}. */
  public static final String STORE_ATTACHMENT_GET = "thrume.store.attachment.get";
  public static final String STORE_LAST_SEQS = "thrume.store.conversation.seqs";
  public static final String STORE_CONTACTS = "thrume.store.contacts";
  /** A participant accepts a conversation: {userId, conversationId} → {conversation, accepted, readSeq, deliveredSeq}. */
  public static final String STORE_CONVERSATION_ACCEPT = "thrume.store.conversation.accept";
  /** A participant leaves, or the creator removes one: {userId, conversationId, targetId} → {conversationId, removed}. */
  public static final String STORE_PARTICIPANT_REMOVE = "thrume.store.participant.remove";
  /**
   * An accepted participant adds people: {userId, conversationId, userIds} → {conversation (as the
   * caller sees it), added: [account…]} (those already in are left out of added).
   */
  public static final String STORE_PARTICIPANTS_ADD = "thrume.store.participants.add";
  /** An accepted participant renames: {userId, conversationId, title} → conversation (as the caller sees it). */
  public static final String STORE_CONVERSATION_RENAME = "thrume.store.conversation.rename";
  public static final String STORE_BLOCK_PUT = "thrume.store.block.put";
  public static final String STORE_BLOCK_DELETE = "thrume.store.block.delete";
  public static final String STORE_BLOCK_LIST = "thrume.store.block.list";
  public static final String STORE_LAST_SEEN = "thrume.store.lastseen";
  public static final String STORE_PING = "thrume.store.ping";
  /** A new session with its first refresh token (hash only): {accountId, refreshHash, days} → {sessionId}. */
  public static final String STORE_SESSION_CREATE = "thrume.store.session.create";
  /** Rotates a refresh token, or ends its session when the token was rotated already (reuse). */
  public static final String STORE_SESSION_REFRESH = "thrume.store.session.refresh";
  /** Ends one session, every session of a user, or all but one: {userId, sessionId?, except?, reason} → {revoked: [id…]}. */
  public static final String STORE_SESSION_REVOKE = "thrume.store.session.revoke";
  /** The sessions revoked within the last minutes (what a starting node loads): {minutes} → {sessions: [{id, revokedAt}…]}. */
  public static final String STORE_SESSION_REVOKED = "thrume.store.session.revoked";
  /** A new password hash, and the user's other sessions ended, in one statement: {userId, passwordHash, keepSessionId} → {revoked: [id…]}. */
  public static final String STORE_ACCOUNT_PASSWORD = "thrume.store.account.password";

  // Internal: the account verticle (registration, login, password hashing, attempt throttling).
  public static final String ACCOUNT_REGISTER = "thrume.account.register";
  public static final String ACCOUNT_LOGIN = "thrume.account.login";
  /** {refreshToken, clientAddress} → {account, token, expiresAt, refreshToken}: rotation (docs/security.md, "Sessions"). */
  public static final String ACCOUNT_REFRESH = "thrume.account.refresh";
  /** {userId, sessionId, all} → {}: ends the caller's session, or every session of the user. */
  public static final String ACCOUNT_LOGOUT = "thrume.account.logout";
  /** {userId, sessionId, currentPassword, newPassword} → {}: the user's other sessions end. */
  public static final String ACCOUNT_PASSWORD = "thrume.account.password";
  /**
   * On every node (through {@code Events.broadcast}): sessions ended, {userId, sessions: [id…],
   * revokedAt}. The node refuses their access tokens from then on and closes their sockets.
   */
  public static final String SESSIONS_REVOKED = "thrume.sessions.revoked";

  // Internal: conversation creation goes through the chat verticle so that it can announce it.
  public static final String CHAT_CONVERSATION_CREATE = "thrume.chat.conversation.create";
  /** Accept a conversation one was invited to: {conversationId} → conversation. */
  public static final String CHAT_CONVERSATION_ACCEPT = "thrume.chat.conversation.accept";
  /** Leave a conversation or remove someone from it: {conversationId, userId ("me" or an id)} → {}. */
  public static final String CHAT_PARTICIPANT_REMOVE = "thrume.chat.participant.remove";
  /** Add people to a conversation: {conversationId, userIds} → conversation. */
  public static final String CHAT_PARTICIPANTS_ADD = "thrume.chat.participants.add";
  /** Rename a conversation: {conversationId, title} → conversation. */
  public static final String CHAT_CONVERSATION_RENAME = "thrume.chat.conversation.rename";
  /** Block or unblock someone: {userId, blocked: true|false} → {}. */
  public static final String CHAT_BLOCK = "thrume.chat.block";
  /** A file uploaded by the acting user: {conversationId, name, contentType, sha256, data} → attachment. */
  public static final String CHAT_ATTACHMENT_CREATE = "thrume.chat.attachment.create";
  /** The bridge tells its node's chat verticle that users left a conversation: {conversationId, userIds}. */
  public static final String CHAT_MEMBERSHIP_REMOVED = "thrume.chat.membership.removed";
  /** The bridge tells the chat verticle a user's socket went away (typing state is cleared). */
  public static final String CHAT_SOCKET_CLOSED = "thrume.chat.socket.closed";

  // Internal: the presence verticle.
  public static final String PRESENCE_CONNECTED = "thrume.presence.connected";
  public static final String PRESENCE_DISCONNECTED = "thrume.presence.disconnected";
  public static final String PRESENCE_QUERY = "thrume.presence.query";
  /** The states of users the caller already found visible: {users: [{id, lastSeen}…]} → {id: {online, status, lastSeen}}. */
  public static final String PRESENCE_STATES = "thrume.presence.states";
  /** A socket starts or stops viewing a conversation: {userId, conversationId, viewing}, from the bridge. */
  public static final String PRESENCE_VIEW = "thrume.presence.view";
  /** Cluster-wide, to every node's presence service: a user's presence changed (one publish per change). */
  public static final String PRESENCE_CHANGED = "thrume.presence.changed";
  /** Cluster-wide, to every node's presence service: who views a conversation changed. */
  public static final String VIEWERS_CHANGED = "thrume.presence.viewers.changed";
  /** Fill the presence mirror from the shared entries again (once the node receives the cluster's events). */
  public static final String PRESENCE_MIRROR_LOAD = "thrume.presence.mirror.load";
  /** A cluster member left or died: {nodeId}; sent to the oldest member's presence service. */
  public static final String PRESENCE_NODE_LEFT = "thrume.presence.node.left";

  /** Each node's bridge listens here for connections to close (evicted by the connection limit). */
  public static String bridgeEvict(String nodeId) {
    return "thrume.bridge." + nodeId + ".evict";
  }

  /** Each node's presence service answers here with its connections of a user (the cluster-wide connection limit). */
  public static String presenceConnections(String nodeId) {
    return "thrume.presence." + nodeId + ".connections";
  }

  // Internal: per-user limits on actions other than sending (limit.LimitVerticle).
  /** {userId, action, cost?} → {} or RATE_LIMITED. */
  public static final String LIMIT_TAKE = "thrume.limit.take";

  // Internal: the bridge.
  /** Issues a single-use ticket for a socket: {userId} → {ticket, expiresInSeconds}. */
  public static final String TICKET_ISSUE = "thrume.bridge.ticket.issue";
  /**
   * Cluster-wide, to every node's bridge (forwarded over the fan-out address): users left or were
   * removed from a conversation, {conversationId, userIds}. Each node forgets their membership,
   * takes their sockets off the conversation, ends their views of it and checks their watches again.
   */
  public static final String MEMBERSHIP_REMOVED = "thrume.bridge.membership.removed";
  /** Cluster-wide, to every node's bridge: {blockerId, blockedId}; the blocked user's sockets stop watching the blocker. */
  public static final String BLOCKED = "thrume.bridge.blocked";
  /**
   * Local: {drainMs} → {sockets}. The node is going down (SIGTERM): refuse new sockets and tickets,
   * tell each socket to reconnect after a delay spread over drainMs, close it (1012).
   */
  public static final String NODE_DRAIN = "thrume.node.drain";
  /** Cluster-wide: what each node's rate limiters let through lately, so that the others count it too. */
  public static final String RATE_LIMIT_USED = "thrume.ratelimit.used";

  /** Header carrying the authenticated user id; set by the server, never taken from a client. */
  public static final String USER_HEADER = "thrume-user";
  /** Header carrying the id of the socket a bridge request came from; set by the server. */
  public static final String SOCKET_HEADER = "thrume-socket";
  /** Header carrying the id of the REST request a service call came from (logged in the MDC as "request"); set by the server. */
  public static final String REQUEST_HEADER = "thrume-request";
  /** Reply header: "true" when chat.send stored a new message, "false" for a repeated clientMessageId. */
  public static final String CREATED_HEADER = "thrume-created";

  public static String conversation(String conversationId) {
    return CONVERSATION_PREFIX + conversationId;
  }

  public static String user(String userId) {
    return USER_PREFIX + userId;
  }

  private Addresses() {
  }
}
