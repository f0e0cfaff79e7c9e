#!/usr/bin/env bash
# The benchmark of issue 6 (README, "Performance"): Thrume and the Socket.IO 4.8 peer under the same
# generator — W1 idle, W2 fan-out, W3 chat, W4 churn, W5 cluster tax, W6 the cluster as a new user
# meets it, W7 message search (Thrume only), W8 everyday load (Thrume only: one node, fixed rates on a fixed
# population, CPU per persisted message) — each run 3 times on fresh server processes, written to
# target/bench/results.md: per workload, server and shape the median run (one whole run: W1 by RSS per
# connection, W2/W3/W5 by the rate held, W4 by the achieved rate), then every run (W6: every run as measured).
# Servers: thrume; socketio, the Socket.IO 4.8 peer with group commit like Thrume's (src/bench/socketio/
# batcher.mjs); socketio-naive, the peer storing each message in its own transaction (W2/W3 only).
#   bash bench/run.sh --workloads W1 --idle 5000,10000,19000 --servers thrume,socketio  # per-socket memory/CPU by size
#   bash bench/fifty-k.sh                  # W1 at 50,000 sockets where the open-file limit allows (it checks)
#   bash bench/run.sh                      # everything (about an hour on the 2-core machine)
#   bash bench/run.sh --runs 1 --workloads W2 --servers thrume --seconds 5
#   bash bench/run.sh --runs 1 --workloads W6 --servers thrume     # 1 and 2 nodes at 100 and 400 msgs/s
# W7: message search over a million messages (SearchLoad.java): --search-messages 1000000, --searches 3000,
#   --search-in-flight 4; then the heavy group, users each in --heavy-conversations 50 of the conversations:
#   --heavy-users 20, --heavy-searches (default: --searches).
# W8 (ClusterChat on one node; the report adds the send window's second half, after the JIT's warm-up):
#   --w8-rates 100,400 (msgs/s), --w8-seconds 120, --w8-sockets 2000 (conversations of 20).
# Options: --runs N, --workloads W1,W2,W3,W4,W5,W6,W7,W8, --servers thrume,socketio,socketio-naive, --seconds (per step),
#   --idle 10000,19000, --idle-members 20 (W1's conversation size), --idle-warmup-sockets 0 (W1 connects and closes that many first, unmeasured), --warmup-seconds (W2/W3/W5's unrecorded warm-up step; default: --seconds), --members 10,100,1000, --fanout-sockets 1000, --chat-users 10000,
#   --churn-rates 1000,2000, --churn-seconds 60, --churn-warmup-seconds 0 (W4 at its rate first, not measured), --nodes 2,3, --server-cpus 0 (taskset list; "" = no pinning),
#   --out target/bench/results.md
# W6 (ClusterChat.java; socket i on node i mod n, tickets from node 1, user.<id> and conversation.<id>
#   registered, fresh conversations of 20, sends from when the last socket joined; missing deliveries
#   per socket, Hazelcast operations per map per connect and per message, CPU per node):
#   --w6-nodes 1,2, --w6-rates 100,400 (msgs/s), --w6-seconds 20, --w6-sockets 2000,
#   --w6-settle-ms 0 (a quiet wait between the last join and the first send, measured on its own),
#   --w6-drain-ms 10000 (how long after the send window deliveries may still arrive)
# Environment: BENCH_JFR=dir records each Thrume node into dir/run<r>-<workload>-node-<i>.jfr
#   (settings=profile; W6 also writes dir/run<r>-<workload>-phases.txt, when each phase began, in
#   epoch ms, to split the samples; java bench/JfrBreakdown.java <file.jfr> sums the samples by kind);
#   BENCH_JFR_OPTIONS adds recording options (say method-profiling=max: Java samples every 1 ms, not 10);
#   BENCH_THRUME_JVM_OPTS adds JVM options to every node; BENCH_THREADS=1 prints W1's CPU per
#   thread; BENCH_HISTOGRAMS=dir saves W1's class histograms; BENCH_SERVER_CPUS is --server-cpus' default;
#   BENCH_METRICS=dir saves every Thrume node's /metrics before and after each W2/W3/W5 step
#   (<step>-before-node<i>.prom, …-after-…), to split latency by stage with bench/stages.py;
#   BENCH_PG_STATEMENTS=dir writes dir/run<r>-<server>-W1-<size>.txt, the statements each W1 run sent (pg_stat_statements);
#   BENCH_PG_SHARED_BUFFERS sizes the benchmark's PostgreSQL buffers (default 512MB, for W7's million messages).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# each socket is a file descriptor, on both ends; the hard limit is as far as an unprivileged process goes
ulimit -n "$(ulimit -Hn)"
(cd src/bench/socketio && npm ci --no-audit --no-fund --silent)
mvn -q -B -ntp -Dexec.skip=true test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx6g -XX:+UseParallelGC -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.thrume.bench.Benchmark "$@"
