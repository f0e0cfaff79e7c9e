package io.thrume.validate;

import io.thrume.bus.Failure;

import java.util.regex.Pattern;

/** The text rules of the contract: usernames, passwords, display names, titles and message content. */
public final class Text {
  public static final int MAX_CONTENT_CODE_POINTS = 4000;
  public static final int MAX_TITLE_CODE_POINTS = 200;
  public static final int MAX_DISPLAY_NAME_CODE_POINTS = 64;
  public static final int MAX_CLIENT_MESSAGE_ID = 64;
  public static final int MAX_EMOJI_BYTES = 32;
  /** One extended grapheme cluster (UAX #29), as java.util.regex's \X reads it. */
  private static final Pattern GRAPHEME = Pattern.compile("\\X");
  private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_.-]{3,32}");
  private static final Pattern CLIENT_MESSAGE_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  private Text() {
  }

  public static String username(String value) {
    if (!USERNAME.matcher(value).matches()) {
      throw Failure.INVALID.exception("username must be 3-32 letters, digits, '_', '.' or '-'");
    }
    return value;
  }

  /** Whether an account could have this name (login treats any other name as unknown, without asking the database). */
  public static boolean isUsername(String value) {
    return value != null && USERNAME.matcher(value).matches();
  }

  public static String password(String value) {
    int n = value.codePointCount(0, value.length());
    if (n < 8 || n > 128) {
      throw Failure.INVALID.exception("password must be 8-128 characters");
    }
    requireWellFormed(value, "password");
    return value;
  }

  /**
   * Also without format characters (Unicode category Cf: bidirectional overrides and isolates such
   * as U+202E and U+2066–U+2069, marks such as U+200E, zero-width joiners and spaces, U+FEFF…),
   * which would let a name reorder or hide what is shown around it.
   */
  public static String displayName(String value) {
    String name = shortText(value, "displayName", MAX_DISPLAY_NAME_CODE_POINTS);
    if (name.codePoints().anyMatch(cp -> Character.getType(cp) == Character.FORMAT)) {
      throw Failure.INVALID.exception("displayName must not contain invisible formatting characters (such as bidirectional overrides)");
    }
    return name;
  }

  /** A title may be absent; a blank one counts as absent. */
  public static String title(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    return shortText(value, "title", MAX_TITLE_CODE_POINTS);
  }

  /** Stored exactly as sent: one non-blank character at least, newline and tab the only controls. */
  public static String content(String value) {
    if (value.isBlank()) {
      throw Failure.INVALID.exception("content must contain a non-blank character");
    }
    if (value.codePointCount(0, value.length()) > MAX_CONTENT_CODE_POINTS) {
      throw Failure.INVALID.exception("content must be at most " + MAX_CONTENT_CODE_POINTS + " characters");
    }
    requireWellFormed(value, "content");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) && c != '\n' && c != '\t') {
        throw Failure.INVALID.exception("content must not contain control characters");
      }
    }
    return value;
  }

  /**
   * A reaction: one grapheme cluster by current Unicode rules (a ZWJ family is one), at most
   * {@value #MAX_EMOJI_BYTES} bytes of UTF-8, neither blank nor a control.
   */
  public static String emoji(String value) {
    if (value == null || value.isBlank() || !GRAPHEME.matcher(value).matches()
      || value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_EMOJI_BYTES
      || value.codePoints().anyMatch(Character::isISOControl)) {
      throw Failure.INVALID.exception("emoji must be one character (one grapheme cluster) of at most " + MAX_EMOJI_BYTES + " bytes");
    }
    requireWellFormed(value, "emoji");
    return value;
  }

  public static String clientMessageId(String value) {
    if (!CLIENT_MESSAGE_ID.matcher(value).matches()) {
      throw Failure.INVALID.exception("clientMessageId must be 1-64 letters, digits, '_', '.', ':' or '-'");
    }
    return value;
  }

  private static String shortText(String value, String field, int max) {
    if (value.isBlank()) {
      throw Failure.INVALID.exception(field + " must contain a non-blank character");
    }
    if (value.codePointCount(0, value.length()) > max) {
      throw Failure.INVALID.exception(field + " must be at most " + max + " characters");
    }
    requireWellFormed(value, field);
    if (value.codePoints().anyMatch(Character::isISOControl)) {
      throw Failure.INVALID.exception(field + " must not contain control characters");
    }
    return value;
  }

  /** Lone surrogates cannot be stored as UTF-8; refuse them instead of failing in the database. */
  private static void requireWellFormed(String value, String field) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
          continue;
        }
        throw Failure.INVALID.exception(field + " is not valid Unicode");
      }
      if (Character.isLowSurrogate(c)) {
        throw Failure.INVALID.exception(field + " is not valid Unicode");
      }
    }
  }
}
