#!/usr/bin/env bash
# The benchmark of issue 6 (README, "Performance"): Thrume and the Socket.IO 4.8 peer under the same
# generator — W1 idle, W2 fan-out, W3 chat, W4 churn, W5 cluster tax — each run 3 times on fresh
# server processes, medians written to target/bench/results.md.
#   bash bench/run.sh                      # everything (about an hour on the 2-core machine)
#   bash bench/run.sh --runs 1 --workloads W2 --servers thrume --seconds 5
# Options: --runs N, --workloads W1,W2,W3,W4,W5, --servers thrume,socketio, --seconds (per step),
#   --idle 10000,19000, --members 10,100,1000, --fanout-sockets 1000, --chat-users 10000,
#   --churn-rates 1000,2000, --churn-seconds 60, --nodes 2,3, --server-cpus 0 (taskset list; "" = no pinning),
#   --out target/bench/results.md
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# each socket is a file descriptor, on both ends; the hard limit is as far as an unprivileged process goes
ulimit -n "$(ulimit -Hn)"
(cd src/bench/socketio && npm ci --no-audit --no-fund --silent)
mvn -q -B -ntp -Dexec.skip=true test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx6g -XX:+UseParallelGC -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.thrume.bench.Benchmark "$@"
