#!/usr/bin/env bash
# The cluster registration storm (see src/test/java/io/thrume/bench/RegistrationStorm.java):
#   bash bench/storm.sh [socketsPerNode, default 3000] [rounds, default 1]
# Round 1 is the storm of the target; later rounds repeat it on the same, now warmer, nodes.
# STORM_NODE_JVM_OPTS="…" adds JVM options to every node's (experiments).
# Builds the server (not the web client: -Dexec.skip), starts 3 Thrume nodes and a PostgreSQL itself, stops them when done.
# Reports the time until every socket receives again and the Hazelcast operations of the storm, in
# all and per map and operation type per reconnecting socket (from each node's /metrics,
# thrume_hazelcast_map_operations_total); the table is also written to target/bench/storm-<N>.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ulimit -n "$(ulimit -Hn)" || true
mvn -q -B -ntp -Dexec.skip=true test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  -Xmx2g -Dthrume.cluster.jvmOptions="${STORM_NODE_JVM_OPTS:-}" -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.thrume.bench.RegistrationStorm "$@"
