package io.thrume.cluster;

import com.hazelcast.map.EntryProcessor;

import java.io.Serial;
import java.util.Map;

/**
 * Takes one token from a bucket, atomically, on the member that owns the key: the cluster-wide
 * token bucket. The value is {tokens, updatedAtMillis}. Answers 0, or the whole seconds to wait.
 */
final class TakeToken implements EntryProcessor<String, double[], Long> {
  @Serial
  private static final long serialVersionUID = 1L;
  private final double burst;
  private final double perSecond;

  TakeToken(double burst, double perSecond) {
    this.burst = burst;
    this.perSecond = perSecond;
  }

  @Override
  public Long process(Map.Entry<String, double[]> entry) {
    long now = System.currentTimeMillis();
    double[] state = entry.getValue();
    double tokens = state == null ? burst : Math.min(burst, state[0] + Math.max(0, now - (long) state[1]) / 1000.0 * perSecond);
    if (tokens >= 1) {
      entry.setValue(new double[]{tokens - 1, now});
      return 0L;
    }
    entry.setValue(new double[]{tokens, now});
    return Math.max(1L, (long) Math.ceil((1 - tokens) / perSecond));
  }
}
