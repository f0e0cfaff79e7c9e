#!/usr/bin/env bash
# End-to-end tests of the web client in a real browser (Debian chromium + playwright-core)
# against a real Thrume. Needs Node 20+, /usr/bin/chromium (.ci/run installs it) and a built
# target/thrume.jar. The test starts Thrume itself and stops it afterwards. Screenshots of the
# main screens go to target/e2e-screenshots/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ ! -f ../../../target/thrume.jar ]]; then
  echo "[web e2e] target/thrume.jar is missing: run 'mvn -q -B package -DskipTests' first" >&2
  exit 1
fi
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM ]]; then
  echo "[web e2e] $CHROMIUM is missing: apt-get install chromium (bash .ci/run does)" >&2
  exit 1
fi

echo "[web e2e] npm ci"
npm ci --no-audit --no-fund

echo "[web e2e] node --test (whole run bounded to 15 minutes)"
start=$(date +%s)
# --test-timeout bounds each test file; `timeout` bounds the whole run even if node hangs
timeout --kill-after=30s 900s node --test --test-concurrency=1 --test-timeout=840000 ./*.test.js
echo "[web e2e] took $(($(date +%s) - start)) s; screenshots in target/e2e-screenshots/"
