#!/usr/bin/env bash
# End-to-end test of the real-time bridge with the official @vertx/eventbus-bridge-client.js.
# Needs Node 20+ and a built target/thrume.jar (`bash .ci/test` runs `mvn verify` first).
# The test starts Thrume itself (fresh data directory, free port) and stops it afterwards.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ ! -f ../../../target/thrume.jar ]]; then
  echo "[node e2e] target/thrume.jar is missing: run 'mvn -q -B package -DskipTests' first" >&2
  exit 1
fi

echo "[node e2e] npm ci"
npm ci --no-audit --no-fund

echo "[node e2e] node --test"
node --test --test-timeout=300000 ./*.test.js
