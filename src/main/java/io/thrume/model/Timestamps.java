package io.thrume.model;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** ISO-8601 UTC with milliseconds, the one time format of the API. */
public final class Timestamps {
  private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

  private Timestamps() {
  }

  /**
   * Written digit by digit for the years 1 to 9999: a page of messages formats three times per
   * message, and the formatter's general path (a BigDecimal for the fraction, builders) was a
   * tenth of what a W4 session allocated. Other years take the formatter, with the same result.
   */
  public static String iso(OffsetDateTime time) {
    if (time == null) {
      return null;
    }
    OffsetDateTime utc = time.withOffsetSameInstant(ZoneOffset.UTC);
    int year = utc.getYear();
    if (year < 1 || year > 9999) {
      return FORMAT.format(utc.truncatedTo(ChronoUnit.MILLIS));
    }
    byte[] out = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0', ':', '0', '0', '.',
      '0', '0', '0', 'Z'};
    digits(out, 0, 4, year);
    digits(out, 5, 2, utc.getMonthValue());
    digits(out, 8, 2, utc.getDayOfMonth());
    digits(out, 11, 2, utc.getHour());
    digits(out, 14, 2, utc.getMinute());
    digits(out, 17, 2, utc.getSecond());
    digits(out, 20, 3, utc.getNano() / 1_000_000);
    return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private static void digits(byte[] out, int at, int width, int value) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }
}
