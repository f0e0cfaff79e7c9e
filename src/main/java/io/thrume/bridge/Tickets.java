package io.thrume.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;

/**
 * Single-use tickets that let a socket in, valid on any node for a few seconds. A ticket is
 * signed (HMAC-SHA256 with a key derived from the cluster's shared secret) and carries its user
 * and expiry, so issuing one touches no shared state and any node can check it. Only its use is
 * recorded, once, in a shared map with the ticket's remaining lifetime, so it cannot be used twice.
 */
public final class Tickets {
  static final String MAP = "thrume.tickets";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  /** user (16 bytes), session (16; zero when none), expiry in epoch seconds (8), random (12). */
  private static final int PAYLOAD = 52;
  private static final int MAC_BYTES = 16;
  private static final UUID NO_SESSION = new UUID(0, 0);
  private final Vertx vertx;
  private final int seconds;
  private final byte[] key;
  private final ThreadLocal<Mac> macs;
  private volatile AsyncMap<String, Boolean> used;

  public Tickets(Vertx vertx, int seconds, String sharedSecret) {
    this.vertx = vertx;
    this.seconds = seconds;
    this.key = hmac(sharedSecret.getBytes(StandardCharsets.UTF_8), "thrume bridge tickets v2".getBytes(StandardCharsets.UTF_8));
    this.macs = ThreadLocal.withInitial(() -> mac(key));
  }

  /** Whom a ticket lets in: the user, and the session whose access token asked for it (null if none). */
  public record Holder(String userId, String sessionId) {
  }

  /** {ticket, expiresInSeconds} for the user, outside any session (tests). */
  public JsonObject issue(String userId) {
    return issue(userId, null);
  }

  /** {ticket, expiresInSeconds} for the user's session: the socket it opens ends with the session. */
  public JsonObject issue(String userId, String sessionId) {
    UUID user = UUID.fromString(userId);
    UUID session = sessionId == null ? NO_SESSION : UUID.fromString(sessionId);
    byte[] random = new byte[12];
    RANDOM.nextBytes(random);
    ByteBuffer payload = ByteBuffer.allocate(PAYLOAD).putLong(user.getMostSignificantBits())
      .putLong(user.getLeastSignificantBits()).putLong(session.getMostSignificantBits())
      .putLong(session.getLeastSignificantBits()).putLong(System.currentTimeMillis() / 1000 + seconds).put(random);
    String body = B64.encodeToString(payload.array());
    String ticket = body + "." + B64.encodeToString(sign(body));
    return new JsonObject().put("ticket", ticket).put("expiresInSeconds", seconds);
  }

  /** The user the ticket was issued to, or null when it is forged, expired or used. Marks it used. */
  public Future<String> redeem(String ticket) {
    return redeemFor(ticket).map(holder -> holder == null ? null : holder.userId());
  }

  /** Whom the ticket was issued to, or null when it is forged, expired or used. Marks it used. */
  public Future<Holder> redeemFor(String ticket) {
    if (ticket == null || ticket.length() > 100) {
      return Future.succeededFuture(null);
    }
    int dot = ticket.indexOf('.');
    if (dot <= 0) {
      return Future.succeededFuture(null);
    }
    String body = ticket.substring(0, dot);
    byte[] payload;
    byte[] mac;
    try {
      payload = B64D.decode(body);
      mac = B64D.decode(ticket.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(null);
    }
    if (payload.length != PAYLOAD || !MessageDigest.isEqual(mac, sign(body))) {
      return Future.succeededFuture(null);
    }
    ByteBuffer fields = ByteBuffer.wrap(payload);
    UUID user = new UUID(fields.getLong(), fields.getLong());
    UUID session = new UUID(fields.getLong(), fields.getLong());
    Holder holder = new Holder(user.toString(), NO_SESSION.equals(session) ? null : session.toString());
    long ttlMs = fields.getLong() * 1000 - System.currentTimeMillis();
    if (ttlMs <= 0) {
      return Future.succeededFuture(null);
    }
    return usedTickets().compose(map -> map.putIfAbsent(body, Boolean.TRUE, ttlMs))
      .map(previous -> previous == null ? holder : null);
  }

  /**
   * The map of used tickets. The map is kept, not the future that brought it: a future is bound to
   * the event loop that made it, and the redeeming connection must be answered on its own loop.
   */
  private Future<AsyncMap<String, Boolean>> usedTickets() {
    AsyncMap<String, Boolean> map = used;
    if (map != null) {
      return Future.succeededFuture(map);
    }
    return vertx.sharedData().<String, Boolean>getAsyncMap(MAP).onSuccess(m -> used = m);
  }

  private byte[] sign(String body) {
    byte[] full = macs.get().doFinal(body.getBytes(StandardCharsets.US_ASCII));
    byte[] cut = new byte[MAC_BYTES];
    System.arraycopy(full, 0, cut, 0, MAC_BYTES);
    return cut;
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    return mac(key).doFinal(data);
  }

  private static Mac mac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
