#!/usr/bin/env bash
# The kernel's floor under W8 and W5 (docs/performance.md, "What the kernel charges for the writes
# alone"): one small write per socket per message on loopback, no server work between, the senders
# pinned to core 0 as the benchmark pins Thrume, the reader not pinned.
#   bash bench/send-floor.sh                     # 2,000 sockets, 20 per message, 400 bytes (about a message event frame), 60 s at 100 and 400 msgs/s
#   bash bench/send-floor.sh 2000 20 400 60 100,400
#   SENDERS=2 bash bench/send-floor.sh 2000 20 400 60 1000,2000
#       # W5's split: 2 processes on the one core, each with half the sockets and half of each
#       # message's writes, each woken for every message (as each node is by every event)
# Prints a Markdown table per sender: the sending thread's CPU per message and per write (each
# sender's rate is the total rate: it writes its share of every message).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ulimit -n "$(ulimit -Hn)"
SOCKETS=${1:-2000} MEMBERS=${2:-20} BYTES=${3:-400} SECONDS_PER_RATE=${4:-60} RATES=${5:-100,400}
SENDERS=${SENDERS:-1}
PORT=$((20000 + RANDOM % 10000))
exec 3< <(exec java SendFloor.java receive "$PORT")
READER=$!
trap 'kill "$READER" 2>/dev/null || true' EXIT
read -r ready <&3
[ "$ready" = ready ] || { echo "the reader did not start: $ready" >&2; exit 1; }
# an unrecorded minute at 1,000 msgs/s first: the JIT compiles the loop, the kernel's paths warm
pids=()
for i in $(seq 1 "$SENDERS"); do
  taskset -c 0 java SendFloor.java send "$PORT" $((SOCKETS / SENDERS)) $((MEMBERS / SENDERS)) "$BYTES" \
    "$SECONDS_PER_RATE" "1000,$RATES" > "/tmp/send-floor-$$-$i.txt" &
  pids+=($!)
done
for i in $(seq 1 "$SENDERS"); do
  wait "${pids[$((i - 1))]}"
  echo "sender $i of $SENDERS:"
  cat "/tmp/send-floor-$$-$i.txt"
  rm -f "/tmp/send-floor-$$-$i.txt"
done
