package io.thrume.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's counting: what it reports as lost, duplicated and late must be what happened. */
class DeliveriesTest {

  @Test
  void aSecondCopyIsADuplicateAndLatencyRunsFromTheIntendedTime() {
    Deliveries d = new Deliveries();
    d.reset(2);
    long intended = 1_000_000_000L;
    String frame = "{\"type\":\"rec\",\"body\":{\"message\":{\"content\":\"" + Deliveries.content(7, intended) + "\"}}}";
    assertTrue(d.onFrame(0, frame, intended + 3_000_000));
    assertTrue(d.onFrame(1, frame, intended + 5_000_000));
    assertTrue(d.onFrame(1, frame, intended + 9_000_000), "a benchmark message, seen again");
    assertFalse(d.onFrame(0, "{\"type\":\"rec\",\"body\":{\"type\":\"user.joined\"}}", intended));
    assertEquals(2, d.received());
    assertEquals(1, d.duplicated());
    Histogram latency = d.takeLatency();
    assertEquals(2, latency.getTotalCount(), "the duplicate's latency is not counted");
    assertEquals(5.0, latency.getMaxValue() / 1e6, 0.01);
  }

  @Test
  void aSocketIoEventCarriesTheSameMark() {
    Deliveries d = new Deliveries();
    d.reset(1);
    String packet = "42[\"message\",{\"type\":\"message\",\"message\":{\"content\":\"" + Deliveries.content(3, 10) + "\"}}]";
    assertTrue(d.onFrame(0, packet, 20));
    assertEquals(1, d.received());
  }

  @Test
  void mediansOverRuns() {
    assertEquals(2.0, Report.median(List.of(3.0, 1.0, 2.0), Double::doubleValue));
    assertEquals(2.5, Report.median(List.of(4.0, 1.0, 2.0, 3.0), Double::doubleValue));
  }
}
