#!/usr/bin/env python3
"""Where a step's latency went, from the Thrume nodes' own histograms (BENCH_METRICS, bench/run.sh).

  python3 bench/stages.py DIR            # every step saved in DIR
  python3 bench/stages.py DIR w5n2-0-    # the steps whose name starts so

For each step and node: the count and the p50 / p99 of each timer over the step (the difference
of its cumulative buckets, after minus before, read at the bucket's upper bound), and the mean.
  send to publish   thrume_send_publish_seconds: chat service → stored → published
  store statement   thrume_store_batch_seconds: a group-commit statement's round trip to PostgreSQL
  commit to write   thrume_message_delivery_seconds: publish → written to one event loop's sockets
"""
import glob
import os
import re
import sys

TIMERS = [("send to publish", "thrume_send_publish_seconds"),
          ("store statement", "thrume_store_batch_seconds"),
          ("commit to write", "thrume_message_delivery_seconds")]
LINE = re.compile(r'^(\w+)(\{[^}]*\})?\s+(\S+)')


def parse(path):
    """{(name, le or None): value} of the timers above, summed over any other labels."""
    values = {}
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m or line.startswith("#"):
                continue
            name, labels, value = m.group(1), m.group(2) or "", float(m.group(3))
            le = re.search(r'le="([^"]+)"', labels)
            key = (name, le.group(1) if le else None)
            values[key] = values.get(key, 0.0) + value
    return values


def quantile(buckets, q):
    """The upper bound (ms) of the bucket holding quantile q of a cumulative histogram."""
    total = buckets[-1][1]
    if total <= 0:
        return float("nan")
    for bound, count in buckets:
        if count >= q * total:
            return bound * 1000
    return float("inf")


def step_report(before, after):
    rows = []
    for title, name in TIMERS:
        buckets = []
        for (n, le), value in after.items():
            if n == name + "_bucket" and le is not None:
                bound = float("inf") if le == "+Inf" else float(le)
                buckets.append((bound, value - before.get((n, le), 0.0)))
        if not buckets:
            continue
        buckets.sort()
        count = after.get((name + "_count", None), 0) - before.get((name + "_count", None), 0)
        total = after.get((name + "_sum", None), 0) - before.get((name + "_sum", None), 0)
        mean = 1000 * total / count if count else float("nan")
        rows.append((title, int(count), quantile(buckets, 0.5), quantile(buckets, 0.99), mean))
    return rows


def main():
    directory = sys.argv[1]
    prefix = sys.argv[2] if len(sys.argv) > 2 else ""
    afters = sorted(glob.glob(os.path.join(directory, prefix + "*after-node*.prom")))
    print("| step | node | stage | count | p50 ms (bucket bound) | p99 ms | mean ms |")
    print("|---|---|---|---|---|---|---|")
    for after_path in afters:
        m = re.match(r"(.*)after-node(\d+)\.prom$", os.path.basename(after_path))
        step, node = m.group(1), m.group(2)
        before_path = os.path.join(directory, step + "before-node" + node + ".prom")
        if not os.path.exists(before_path):
            continue
        for title, count, p50, p99, mean in step_report(parse(before_path), parse(after_path)):
            print(f"| {step} | {node} | {title} | {count} | {p50:.2f} | {p99:.2f} | {mean:.2f} |")


if __name__ == "__main__":
    main()
