#!/usr/bin/env bash
# W2 fan-out for Thrume (see src/test/java/io/thrume/bench/FanoutBench.java):
#   bash bench/fanout.sh [members, default 100] [seconds per step, default 10]
# Builds the server (not the web client: -Dexec.skip), starts a PostgreSQL and one Thrume node
# itself, steps the send rate, prints a markdown table, stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ulimit -n "$(ulimit -Hn)" || true
mvn -q -B -ntp -Dexec.skip=true test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.thrume.bench.FanoutBench "$@"
