package io.thrume.auth;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions of this node's knowledge that ended while access tokens issued for them may still
 * be unexpired (docs/security.md, "Sessions"). One per node, shared by its verticles: filled at
 * start-up from the store (the sessions revoked within the last token lifetime), then by the
 * cluster-wide revocation broadcast. An entry is kept for one token lifetime (plus a minute of
 * clock skew) after the revocation: by then every access token of that session has expired.
 */
public final class RevokedSessions {
  private static final long SKEW_MS = 60_000;
  /** Session id → until when to keep it (epoch ms). */
  private final ConcurrentHashMap<String, Long> ended = new ConcurrentHashMap<>();
  private final long keepMs;

  public RevokedSessions(int tokenMinutes) {
    this.keepMs = tokenMinutes * 60_000L + SKEW_MS;
  }

  /** Records a session as ended at {@code revokedAtMs}. */
  public void add(String sessionId, long revokedAtMs) {
    long until = revokedAtMs + keepMs;
    if (until > System.currentTimeMillis()) {
      ended.merge(sessionId, until, Math::max);
    }
  }

  public boolean contains(String sessionId) {
    return sessionId != null && ended.containsKey(sessionId);
  }

  /** Forgets the sessions whose access tokens have all expired; returns how many are left. */
  public int prune() {
    long now = System.currentTimeMillis();
    ended.values().removeIf(until -> until <= now);
    return ended.size();
  }

  public int size() {
    return ended.size();
  }
}
