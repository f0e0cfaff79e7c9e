package io.thrume.validate;

import io.thrume.bus.Failure;
import io.vertx.core.buffer.Buffer;

import java.net.URLDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules for uploaded files: a safe name, a plain content type, and which files are images
 * (by their declared type and their first bytes alike).
 */
public final class Files {
  /** A file name's bound, in UTF-8 bytes (what file systems take). */
  public static final int MAX_NAME_BYTES = 255;
  public static final String OCTET_STREAM = "application/octet-stream";
  private static final Pattern MEDIA_TYPE = Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}");
  /** The image types served inline, each with the first bytes its files start with. */
  private static final Map<String, byte[][]> IMAGES = Map.of(
    "image/png", new byte[][] {{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}},
    "image/jpeg", new byte[][] {{(byte) 0xff, (byte) 0xd8, (byte) 0xff}},
    "image/gif", new byte[][] {{'G', 'I', 'F', '8', '7', 'a'}, {'G', 'I', 'F', '8', '9', 'a'}},
    "image/webp", new byte[][] {{'R', 'I', 'F', 'F'}});

  private Files() {
  }

  /**
   * The X-Filename header of a raw upload: percent-encoded UTF-8 (as encodeURIComponent makes it);
   * INVALID when missing or not well encoded. Then {@link #name}.
   */
  public static String headerName(String header) {
    if (header == null || header.isBlank()) {
      throw Failure.INVALID.exception("X-Filename is required (the file's name, percent-encoded UTF-8)");
    }
    String decoded;
    try {
      byte[] bytes = URLDecoder.decode(header.replace("+", "%2B"), StandardCharsets.ISO_8859_1)
        .getBytes(StandardCharsets.ISO_8859_1);
      decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (IllegalArgumentException | CharacterCodingException e) {
      throw Failure.INVALID.exception("X-Filename must be percent-encoded UTF-8");
    }
    return name(decoded);
  }

  /**
   * A name safe to show and to save: the last segment of a path (no '/' or '\'), without control
   * or invisible formatting characters (bidirectional overrides…), trimmed, at most
   * {@value #MAX_NAME_BYTES} UTF-8 bytes (shortened before its extension); INVALID when nothing is left.
   */
  public static String name(String given) {
    if (given == null) {
      throw Failure.INVALID.exception("the file needs a name");
    }
    String base = given.substring(Math.max(given.lastIndexOf('/'), given.lastIndexOf('\\')) + 1);
    StringBuilder clean = new StringBuilder();
    base.codePoints().forEach(cp -> {
      int type = Character.getType(cp);
      if (type != Character.CONTROL && type != Character.FORMAT && type != Character.SURROGATE
        && type != Character.UNASSIGNED && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR
        && type != Character.PRIVATE_USE) {
        clean.appendCodePoint(cp);
      }
    });
    String name = clean.toString().strip();
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw Failure.INVALID.exception("the file needs a name (without path separators or control characters)");
    }
    if (utf8(name) <= MAX_NAME_BYTES) {
      return name;
    }
    int dot = name.lastIndexOf('.');
    String extension = dot > 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
    String stem = name.substring(0, name.length() - extension.length());
    while (utf8(stem) + utf8(extension) > MAX_NAME_BYTES) {
      stem = stem.substring(0, stem.offsetByCodePoints(stem.length(), -1));
    }
    return stem + extension;
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** A declared content type as stored: "type/subtype" in lower case, parameters dropped; octet-stream when absent or malformed. */
  public static String contentType(String declared) {
    if (declared == null) {
      return OCTET_STREAM;
    }
    int semicolon = declared.indexOf(';');
    String type = (semicolon < 0 ? declared : declared.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    return MEDIA_TYPE.matcher(type).matches() ? type : OCTET_STREAM;
  }

  /**
   * The image type a file is served as: its declared type when that is png, jpeg, gif or webp and
   * its first bytes are of that format; null otherwise (served as a download).
   */
  public static String image(String contentType, Buffer data) {
    byte[][] signatures = IMAGES.get(contentType);
    if (signatures == null) {
      return null;
    }
    for (byte[] signature : signatures) {
      if (startsWith(data, signature, 0)) {
        if (!contentType.equals("image/webp") || startsWith(data, new byte[] {'W', 'E', 'B', 'P'}, 8)) {
          return contentType;
        }
      }
    }
    return null;
  }

  /** The type a new upload is stored with: an image type its bytes do not bear out becomes octet-stream. */
  public static String storedType(String contentType, Buffer data) {
    return IMAGES.containsKey(contentType) && image(contentType, data) == null ? OCTET_STREAM : contentType;
  }

  private static boolean startsWith(Buffer data, byte[] prefix, int at) {
    if (data.length() < at + prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data.getByte(at + i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The filename parameters of a Content-Disposition: an ASCII fallback ({@code filename="…"},
   * quotes, backslashes and non-ASCII replaced) and the name itself ({@code filename*=UTF-8''…}, RFC 8187).
   */
  public static String dispositionName(String name) {
    StringBuilder ascii = new StringBuilder();
    StringBuilder encoded = new StringBuilder();
    for (char c : name.toCharArray()) {
      ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
    }
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      int v = b & 0xff;
      if (v >= 'a' && v <= 'z' || v >= 'A' && v <= 'Z' || v >= '0' && v <= '9' || "!#$&+-.^_`|~".indexOf(v) >= 0) {
        encoded.append((char) v);
      } else {
        encoded.append('%').append(Character.toUpperCase(Character.forDigit(v >> 4, 16)))
          .append(Character.toUpperCase(Character.forDigit(v & 0xf, 16)));
      }
    }
    return "filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
  }
}
