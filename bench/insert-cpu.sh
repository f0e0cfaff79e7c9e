#!/usr/bin/env bash
# What the message batcher's insert statement costs PostgreSQL in CPU per statement and per
# message, beside a plain INSERT of the same rows (src/test/java/io/thrume/store/InsertCpu.java);
# about a minute. Linux only (reads the backend's CPU time from /proc).
#   bash bench/insert-cpu.sh > bench/results/<date>-insert-cpu.md
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -q -B -ntp -Dexec.skip=true test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.thrume.store.InsertCpu
