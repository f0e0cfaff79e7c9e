package io.thrume.limit;

/**
 * The things a user does that make the server work, each limited per user (docs/security.md,
 * "Limits"): a bucket of {@code burst} tokens refilled at {@code perSecond}, configured under
 * {@code limits.<key>} in conf/config.json. Sends, typing, receipts and sync keep the chat
 * service's own buckets (chat.send*, chat.action*).
 */
public enum Action {
  /** A bridge register (a refused one costs two). */
  REGISTER("register"),
  /** chat.view. */
  VIEW("view"),
  /** presence.watch. */
  WATCH("watch"),
  /** presence.update. */
  PRESENCE("presence"),
  /** chat.sync: each answer up to 1 MiB read from the database. */
  SYNC("sync"),
  /** POST /api/realtime/ticket. */
  TICKET("ticket"),
  /** POST /api/conversations. */
  CREATE_CONVERSATION("createConversation"),
  /** GET /api/accounts?search=. */
  SEARCH("search"),
  /** Accepting, leaving, removing someone from a conversation, blocking and unblocking. */
  MEMBERSHIP("membership"),
  /** POST /api/conversations/{id}/attachments: up to files.maxBytes read and stored. */
  UPLOAD("upload");

  /** Its key under {@code limits} in the configuration. */
  public final String key;

  Action(String key) {
    this.key = key;
  }

  public static Action ofKey(String key) {
    for (Action a : values()) {
      if (a.key.equals(key)) {
        return a;
      }
    }
    throw new IllegalArgumentException("no action " + key);
  }
}
