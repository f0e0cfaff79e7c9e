package io.thrume.model;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The API's one time format, written by hand for speed, is the formatter's text to the letter. */
class TimestampsTest {
  private static final DateTimeFormatter REFERENCE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

  private static String reference(OffsetDateTime t) {
    return REFERENCE.format(t.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS));
  }

  @Test
  void theSameTextAsTheFormatter() {
    OffsetDateTime[] edges = {
      OffsetDateTime.parse("2026-12-01T03:00:00Z"),
      OffsetDateTime.parse("2026-12-01T03:00:00.000999999Z"),
      OffsetDateTime.parse("2024-02-29T23:59:59.999999+00:00"),
      OffsetDateTime.parse("2025-12-31T23:30:00.5-01:00"),
      OffsetDateTime.parse("2026-01-01T00:15:00.007+05:45"),
      OffsetDateTime.parse("0001-01-01T00:00:00Z"),
      OffsetDateTime.parse("9999-12-31T23:59:59.999Z"),
      OffsetDateTime.parse("0999-06-15T12:00:00.01Z"),
      OffsetDateTime.parse("+10000-01-01T00:00:00Z")};
    for (OffsetDateTime t : edges) {
      assertEquals(reference(t), Timestamps.iso(t), t.toString());
    }
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 100_000; i++) {
      OffsetDateTime t = OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(random.nextLong(-60_000_000_000L,
        250_000_000_000L), random.nextInt(1_000_000_000)), ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 3600, 18 * 3600 + 1)));
      assertEquals(reference(t), Timestamps.iso(t), t.toString());
    }
    assertNull(Timestamps.iso(null));
  }
}
