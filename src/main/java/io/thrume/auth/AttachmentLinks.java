package io.thrume.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.UUID;

/**
 * Signed attachment URLs, {@code /api/attachments/{id}?exp=…&sig=…}, which work without a bearer
 * token (an {@code <img>} cannot send one). {@code sig} is HMAC-SHA256 over {@code "{id}.{exp}"}
 * (base64url, no padding) with a key derived from the JWT secret (HMAC-SHA256 of
 * {@code "thrume-attachments"} keyed with the secret), so a token signature can never be passed
 * off as a URL signature or the reverse, and every node of a cluster (same secret) accepts the
 * URLs of every other. {@code exp} is in Unix seconds: at most one hour ahead, rounded down to
 * {@value #STEP_SECONDS} s so that the same file keeps the same URL for a while (browser cache).
 */
public final class AttachmentLinks {
  public static final long VALID_SECONDS = 3600;
  static final long STEP_SECONDS = 300;
  private static final String PATH = "/api/attachments/";
  private final SecretKeySpec key;

  public AttachmentLinks(String jwtSecret) {
    this.key = new SecretKeySpec(hmac(new SecretKeySpec(jwtSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"),
      "thrume-attachments"), "HmacSHA256");
  }

  /** The signed URL of an attachment, valid for (a little less than) an hour from now. */
  public String url(String attachmentId) {
    return url(attachmentId, expiry(System.currentTimeMillis() / 1000));
  }

  /** The URL with a given expiry (Unix seconds). */
  public String url(String attachmentId, long exp) {
    return PATH + attachmentId + "?exp=" + exp + "&sig=" + signature(attachmentId, exp);
  }

  /** The expiry of URLs signed at {@code nowSeconds}: an hour ahead, rounded down to the step. */
  static long expiry(long nowSeconds) {
    return (nowSeconds + VALID_SECONDS) / STEP_SECONDS * STEP_SECONDS;
  }

  /**
   * Whether {@code exp} and {@code sig} (as they came in the query) are a valid signature of the
   * attachment, not expired at {@code nowSeconds}; in constant time as to the signature.
   */
  public boolean valid(UUID attachmentId, String exp, String sig, long nowSeconds) {
    if (exp == null || sig == null || exp.length() > 19 || !exp.chars().allMatch(c -> c >= '0' && c <= '9') || exp.isEmpty()) {
      return false;
    }
    long expiry = Long.parseLong(exp);
    if (expiry <= nowSeconds) {
      return false;
    }
    byte[] expected = signature(attachmentId.toString(), expiry).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.UTF_8));
  }

  private String signature(String attachmentId, long exp) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(key, attachmentId + "." + exp));
  }

  private static byte[] hmac(SecretKeySpec key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
