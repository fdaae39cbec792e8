#!/usr/bin/env bash
# Stops what start.sh started.
set -uo pipefail
WORK="${WORK:-/tmp/chargebooth-cluster}"
for f in "$WORK"/a.pid "$WORK"/b.pid "$WORK"/n1.pid "$WORK"/n2.pid "$WORK"/n3.pid; do
  [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  rm -f "$f"
done
echo stopped
