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
  void onAClusterTheLatencyIsSplitByTheReceiversNode() {
    Deliveries d = new Deliveries();
    d.reset(4);
    // two nodes: sockets 0 and 2 on node 1, 1 and 3 on node 2; message k is sent by socket k
    d.route(k -> k, 2);
    long intended = 1_000_000_000L;
    String two = "{\"type\":\"rec\",\"body\":{\"message\":{\"content\":\"" + Deliveries.content(2, intended) + "\"}}}";
    d.onFrame(0, two, intended + 2_000_000);
    d.onFrame(2, two, intended + 4_000_000);
    d.onFrame(1, two, intended + 30_000_000);
    d.onFrame(3, two, intended + 30_000_000);
    Histogram same = d.takeSameNode();
    Histogram other = d.takeOtherNode();
    assertEquals(2, same.getTotalCount());
    assertEquals(4.0, same.getMaxValue() / 1e6, 0.01);
    assertEquals(2, other.getTotalCount());
    assertEquals(30.0, other.getMinValue() / 1e6, 0.01);
    assertEquals(4, d.takeLatency().getTotalCount(), "every delivery still counts in the whole");
  }

  @Test
  void aMissingDeliveryIsLostEvenWhenAnotherCameTwice() {
    Deliveries d = new Deliveries();
    d.reset(2);
    long intended = 1_000_000_000L;
    String seven = "{\"type\":\"rec\",\"body\":{\"message\":{\"content\":\"" + Deliveries.content(7, intended) + "\"}}}";
    String eight = "{\"type\":\"rec\",\"body\":{\"message\":{\"content\":\"" + Deliveries.content(8, intended) + "\"}}}";
    d.onFrame(0, seven, intended + 1_000_000);
    d.onFrame(0, eight, intended + 1_000_000);
    d.onFrame(1, seven, intended + 1_000_000);
    d.onFrame(1, seven, intended + 2_000_000);
    // two messages acknowledged, both sockets should get each: socket 1 never got 8
    assertEquals(1, d.lost(new int[] {7, 8}, k -> new int[] {0, 1}));
    assertEquals(1, d.duplicated());
    assertEquals(0, d.lost(new int[] {7}, k -> new int[] {0, 1}), "only what was acknowledged is expected");
  }

  @Test
  void lostIsCountedPerSocketNotFromTotals() {
    Deliveries d = new Deliveries();
    d.reset(3);
    long intended = 1_000_000_000L;
    String seven = "{\"type\":\"rec\",\"body\":{\"message\":{\"content\":\"" + Deliveries.content(7, intended) + "\"}}}";
    String nine = "{\"type\":\"rec\",\"body\":{\"message\":{\"content\":\"" + Deliveries.content(9, intended) + "\"}}}";
    // message 7 to sockets 0 and 1; socket 2 (not a receiver of 7) got it instead of socket 1
    d.onFrame(0, seven, intended);
    d.onFrame(2, seven, intended);
    // message 9, not acknowledged (refused), still arrived on socket 1
    d.onFrame(1, nine, intended);
    assertEquals(3, d.received(), "the totals would balance: 1 acknowledged × 2 receivers + 1");
    assertEquals(1, d.lost(new int[] {7}, k -> new int[] {0, 1}), "socket 1 never got 7");
  }

  @Test
  void aStepWithADuplicateIsNotHeld() {
    Workloads.Step clean = new Workloads.Step(100, 2000, 100, 1, 10, 20, 0, 0, 0, 5, 100, 10, 50, 2, Double.NaN, Double.NaN, 100);
    Workloads.Step duplicated = new Workloads.Step(100, 2000, 100, 1, 10, 20, 0, 1, 0, 5, 100, 10, 50, 2, Double.NaN, Double.NaN, 100);
    assertTrue(clean.held());
    assertFalse(duplicated.held());
  }

  @Test
  void aLowerSeqAfterAHigherOneIsOutOfOrderAndWhatASocketSawIsKnown() {
    Deliveries d = new Deliveries();
    d.reset(2);
    d.onFrame(0, frame(1, 2), 100);
    d.onFrame(0, frame(0, 1), 100);
    d.onFrame(1, frame(0, 1), 100);
    d.onFrame(1, frame(1, 2), 100);
    d.onFrame(1, frame(1, 2), 100);
    assertEquals(1, d.outOfOrder(), "socket 0 got seq 1 after seq 2");
    assertEquals(1, d.duplicated());
    assertTrue(d.saw(0, 0) && d.saw(0, 1) && d.saw(1, 1));
    d.reset(2);
    assertFalse(d.saw(0, 0));
    assertEquals(0, d.outOfOrder());
  }

  /** A Thrume event frame: message {@code index} with {@code seq}, the fields in the server's order. */
  private static String frame(int index, long seq) {
    return "{\"type\":\"rec\",\"address\":\"conversation.c\",\"body\":{\"type\":\"message\",\"message\":{\"id\":\"m\","
      + "\"conversationId\":\"c\",\"seq\":" + seq + ",\"content\":\"" + Deliveries.content(index, 10) + "\"}}}";
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
  void theSummaryIsOneWholeRunTheMedianByRateHeld() {
    // run 1 held 2,000 (p99 40); run 2 held 3,000 (p99 90); run 3 held 3,000 (p99 30); run 4 held nothing
    List<List<Workloads.Step>> runs = List.of(
      List.of(step(1000, 20, 0), step(2000, 40, 0), step(3000, 400, 0)),
      List.of(step(1000, 20, 0), step(2000, 40, 0), step(3000, 90, 0), step(4000, 30, 2)),
      List.of(step(1000, 20, 0), step(2000, 40, 0), step(3000, 30, 0), step(4000, 300, 0)),
      List.of(step(1000, 200, 0)));
    assertEquals(3000, Report.heldRate(runs.get(1)));
    assertEquals(0, Report.heldRate(runs.get(3)), "a step with lost deliveries is not held; none held: 0");
    // by rate held, then the worse p99 first: run 4, run 1, run 2 (p99 90), run 3 (p99 30): the lower middle is run 1
    assertEquals(0, Report.medianRun(runs, Report.BY_HELD_RATE));
    assertEquals(1, Report.medianRun(runs.subList(0, 3), Report.BY_HELD_RATE), "of three: run 2, 3,000 at p99 90");
    assertEquals(2, Report.medianRun(List.of(3.0, 1.0, 2.0), Double::compare), "the run of 2.0");
    assertEquals(2, Report.medianRun(List.of(4.0, 1.0, 2.0, 3.0), Double::compare), "of four: the lower middle");
  }

  private static Workloads.Step step(double rate, double p99, long lost) {
    return new Workloads.Step(rate, rate * 20, rate, p99 / 2, p99, p99, lost, 0, 0, 5, 100, 10, 50, 2, Double.NaN, Double.NaN, 100);
  }
}
