package io.thrume.limit;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TokenBucketsTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void burstThenRefillAtTheRate() {
    AtomicLong now = new AtomicLong(0);
    TokenBuckets buckets = new TokenBuckets(10, 1, now::get);
    for (int i = 0; i < 10; i++) {
      assertEquals(0, buckets.take("u"));
    }
    assertEquals(1, buckets.take("u"), "empty: wait a second for the next token");
    assertEquals(0, buckets.take("v"), "keys are independent");
    now.addAndGet(SECOND / 2);
    assertEquals(1, buckets.take("u"), "half a token is not enough; round the wait up");
    now.addAndGet(SECOND / 2);
    assertEquals(0, buckets.take("u"));
    now.addAndGet(60 * SECOND);
    for (int i = 0; i < 10; i++) {
      assertEquals(0, buckets.take("u"), "refills up to the burst only");
    }
    assertEquals(1, buckets.take("u"));
  }

  @Test
  void slowRatesAnswerLongWaits() {
    AtomicLong now = new AtomicLong(0);
    TokenBuckets buckets = new TokenBuckets(1, 10 / 60.0, now::get);
    assertEquals(0, buckets.take("ip"));
    assertEquals(6, buckets.take("ip"));
  }

  @Test
  void sweepForgetsFullBuckets() {
    AtomicLong now = new AtomicLong(0);
    TokenBuckets buckets = new TokenBuckets(2, 1, now::get);
    buckets.take("a");
    buckets.take("b");
    assertEquals(2, buckets.size());
    now.addAndGet(SECOND / 2);
    buckets.sweep();
    assertEquals(2, buckets.size());
    now.addAndGet(SECOND);
    buckets.sweep();
    assertEquals(0, buckets.size());
  }

  @Test
  void tokensTakenOnAnotherNodeAreTakenHereToo() {
    AtomicLong now = new AtomicLong(0);
    TokenBuckets buckets = new TokenBuckets(10, 1, now::get);
    buckets.debit("u", 8);
    assertEquals(0, buckets.take("u"));
    assertEquals(0, buckets.take("u"));
    assertEquals(1, buckets.take("u"), "10 in all, here and there");
    buckets.debit("u", 50);
    now.addAndGet(5 * SECOND);
    assertEquals(6, buckets.take("u"), "at most a burst below zero: 5 s of refill left -5 tokens, 1 needs 6 s more");
  }
}
