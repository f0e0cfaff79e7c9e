package io.thrume.support;

import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Hand-made JWTs, to show which ones the server refuses. */
public final class Jwts {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Jwts() {
  }

  public static String hs256(String secret, JsonObject claims) {
    String unsigned = part(new JsonObject().put("alg", "HS256").put("typ", "JWT")) + "." + part(claims);
    return unsigned + "." + B64.encodeToString(hmac(secret, unsigned));
  }

  /** An unsigned token that claims {@code alg: none}. */
  public static String none(JsonObject claims) {
    return part(new JsonObject().put("alg", "none").put("typ", "JWT")) + "." + part(claims) + ".";
  }

  /**
   * An access token as the server issues them (subject, session, expiry), for a session the server
   * never made: accepted like any well-signed one until that session is revoked (tests and benchmarks
   * that seed accounts by SQL).
   */
  public static String access(String secret, String userId, long seconds) {
    long now = now();
    return hs256(secret, new JsonObject().put("sub", userId).put("sid", java.util.UUID.randomUUID().toString())
      .put("iat", now).put("exp", now + seconds));
  }

  public static long now() {
    return System.currentTimeMillis() / 1000;
  }

  private static String part(JsonObject json) {
    return B64.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] hmac(String secret, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
