#!/usr/bin/env bash
# The kernel's floor under W8 (docs/performance.md, "W8's floor"): one small write per socket per
# message on loopback, no server work between, the sender pinned to core 0 as W8 pins Thrume.
#   bash bench/send-floor.sh                     # 2,000 sockets, 20 per message, 400 bytes (about a message event frame), 60 s at 100 and 400 msgs/s
#   bash bench/send-floor.sh 2000 20 400 60 100,400
# Prints a Markdown table: CPU per message and per write of the sending thread, and the kernel's part of it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ulimit -n "$(ulimit -Hn)"
SOCKETS=${1:-2000} MEMBERS=${2:-20} BYTES=${3:-400} SECONDS_PER_RATE=${4:-60} RATES=${5:-100,400}
PORT=$((20000 + RANDOM % 10000))
exec 3< <(exec java SendFloor.java receive "$PORT")
READER=$!
trap 'kill "$READER" 2>/dev/null || true' EXIT
read -r ready <&3
[ "$ready" = ready ] || { echo "the reader did not start: $ready" >&2; exit 1; }
# an unrecorded minute at 1,000 msgs/s first: the JIT compiles the loop, the kernel's paths warm
taskset -c 0 java SendFloor.java send "$PORT" "$SOCKETS" "$MEMBERS" "$BYTES" "$SECONDS_PER_RATE" "1000,$RATES"
