#!/usr/bin/env bash
# W1 at 50,000 idle sockets on one server process (the "50k connections on one node" target,
# docs/performance.md), where this machine's limits allow it; otherwise it refuses and says why.
#   bash bench/fifty-k.sh --check                 # only check the limits
#   bash bench/fifty-k.sh                         # Thrume and the Socket.IO peer, 3 runs each
#   bash bench/fifty-k.sh --runs 1 --servers thrume   # any bench/run.sh option overrides the defaults
# Report: target/bench/fifty-k.md (--out to change). SOCKETS=N tries another size (default 50000).
#
# What 50k sockets on loopback need, all checked here before anything starts:
#  - open files: the generator holds one descriptor per socket and so does the server (a separate
#    process that inherits the generator's limit); bench/run.sh raises the soft limit to the hard
#    one, so the hard limit (ulimit -Hn) must be at least SOCKETS + 1,000 (jars, PostgreSQL
#    connections, pipes). Raising it needs root (limits.conf nofile, systemd LimitNOFILE, or
#    prlimit/ulimit -Hn as root), and fs.nr_open caps it;
#  - fs.file-max: the whole machine holds both ends, 2 × SOCKETS more open files than now;
#  - ephemeral ports: a client address can open only as many connections to one server address
#    and port as net.ipv4.ip_local_port_range holds (28,232 by default). The generator
#    (Clients.java) binds its sockets round-robin to 16 source addresses, 127.0.0.1 to 127.0.0.16
#    (all of 127.0.0.0/8 is loopback on Linux, nothing to configure), so the range times 16 must
#    cover SOCKETS; each of these addresses must be bindable;
#  - nf_conntrack_max, when connection tracking is loaded: both directions of every socket are
#    tracked on loopback too;
#  - memory: the generator runs with -Xmx6g; MemAvailable should leave room for it, the server and
#    PostgreSQL (a warning only).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SOCKETS="${SOCKETS:-50000}"
SOURCES=16
check_only=0
args=()
for a in "$@"; do
  if [[ "$a" == "--check" ]]; then check_only=1; else args+=("$a"); fi
done

problems=()
problem() { problems+=("$*"); }
need_files=$((SOCKETS + 1000))
hard=$(ulimit -Hn)
if [[ "$hard" != "unlimited" && "$hard" -lt "$need_files" ]]; then
  nr_open=$(cat /proc/sys/fs/nr_open 2>/dev/null || echo "?")
  problem "open files: the hard limit is $hard per process (ulimit -Hn), $SOCKETS sockets need $need_files " \
    "(in the generator and in the server alike). Raise it as root: e.g. 'nofile $((need_files + 8192))' in " \
    "/etc/security/limits.conf for this user, LimitNOFILE= in a systemd unit, or 'prlimit --pid \$\$ " \
    "--nofile=$need_files:$need_files' on this shell; fs.nr_open ($nr_open) caps it."
fi
if [[ -r /proc/sys/fs/file-max && -r /proc/sys/fs/file-nr ]]; then
  file_max=$(cat /proc/sys/fs/file-max)
  allocated=$(awk '{print $1}' /proc/sys/fs/file-nr)
  if (( file_max - allocated < 2 * SOCKETS + 4096 )); then
    problem "fs.file-max is $file_max with $allocated open: both ends of $SOCKETS sockets need $((2 * SOCKETS + 4096)) more " \
      "(sysctl -w fs.file-max=$((allocated + 2 * SOCKETS + 65536)) as root)."
  fi
fi
read -r port_low port_high < /proc/sys/net/ipv4/ip_local_port_range
ports=$((port_high - port_low + 1))
if (( ports * SOURCES < SOCKETS )); then
  problem "ephemeral ports: net.ipv4.ip_local_port_range is $port_low-$port_high ($ports ports per source address); " \
    "the generator's $SOURCES source addresses give $((ports * SOURCES)), fewer than $SOCKETS " \
    "(sysctl -w net.ipv4.ip_local_port_range='1024 65000' as root)."
fi
if command -v python3 >/dev/null; then
  if ! unbound=$(python3 - "$SOURCES" <<'EOF'
import socket, sys
bad = []
for i in range(1, int(sys.argv[1]) + 1):
    s = socket.socket()
    try:
        s.bind(("127.0.0.%d" % i, 0))
    except OSError:
        bad.append("127.0.0.%d" % i)
    finally:
        s.close()
print(" ".join(bad))
sys.exit(1 if bad else 0)
EOF
  ); then
    problem "source addresses: cannot bind to $unbound (the generator spreads its sockets over 127.0.0.1-$SOURCES; " \
      "127.0.0.0/8 must be routed to lo)."
  fi
else
  echo "note: python3 not found, the source addresses 127.0.0.1-$SOURCES were not checked" >&2
fi
if [[ -r /proc/sys/net/netfilter/nf_conntrack_max ]]; then
  conntrack=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
  if (( conntrack < SOCKETS + 16384 )); then
    problem "net.netfilter.nf_conntrack_max is $conntrack: $SOCKETS loopback connections need at least $((SOCKETS + 16384)) " \
      "(sysctl -w net.netfilter.nf_conntrack_max=$((2 * SOCKETS)) as root)."
  fi
fi
available_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if (( available_kb < 10 * 1024 * 1024 )); then
  echo "warning: $((available_kb / 1024)) MiB available; the generator alone may take 6 GiB" >&2
fi

if (( ${#problems[@]} )); then
  echo "bench/fifty-k.sh: $SOCKETS idle sockets on one server process are not possible on this machine:" >&2
  for p in "${problems[@]}"; do echo "  - $p" >&2; done
  echo "Nothing was run. Up to $((hard == 0 ? 0 : hard - 1000)) sockets fit the open-file limit: for instance" >&2
  echo "  bash bench/run.sh --workloads W1 --idle 5000,10000,19000 --servers thrume,socketio" >&2
  exit 2
fi
echo "limits allow $SOCKETS sockets: hard open-file limit $hard, ports $port_low-$port_high × $SOURCES source addresses"
if (( check_only )); then
  exit 0
fi
exec bash bench/run.sh --workloads W1 --idle "$SOCKETS" --runs 3 --servers thrume,socketio \
  --out target/bench/fifty-k.md "${args[@]}"
