#!/usr/bin/env bash
# Stops what start.sh started: the chargebooth instances first (SIGTERM,
# they checkpoint), then the NATS nodes. The work dir (JetStream data,
# logs) stays; remove it for a fresh cluster.
set -uo pipefail
WORK="${WORK:-/tmp/chargebooth-cluster}"
for name in a b n1 n2 n3; do
  f="$WORK/$name.pid"
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$f"
done
echo "stopped (data and logs in $WORK)"
