#!/usr/bin/env bash
# What the message batcher's insert statement costs PostgreSQL per batch size, planned for each
# execution or once (src/test/java/io/thrume/store/InsertCost.java); about two minutes.
#   bash bench/insert-cost.sh > bench/results/<date>-insert-cost.md
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -q -B -ntp -Dexec.skip=true test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.thrume.store.InsertCost
