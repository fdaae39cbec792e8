#!/usr/bin/env bash
# Restart benchmark: time from process start to /readyz 200 on a store of
# READINGS readings across CHARGERS chargers, without and with a checkpoint.
set -euo pipefail
cd "$(dirname "$0")/../.."
READINGS="${READINGS:-1000000}"
CHARGERS="${CHARGERS:-2000}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/chargebooth" ./cmd/chargebooth
go run ./scripts/bench/seed --data-dir "$work/data" --readings "$READINGS" --chargers "$CHARGERS"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# measure LABEL: start the server, print seconds to /readyz 200, stop it (SIGTERM checkpoints).
measure() {
  local label=$1 http; http=$(port)
  local t0; t0=$(date +%s.%N)
  "$work/chargebooth" serve --data-dir "$work/data" --nats-listen 127.0.0.1:-1 --charger-addr 127.0.0.1:0 \
    --widget-addr 127.0.0.1:0 --http-addr "127.0.0.1:$http" --staff-token bench --log-level debug \
    --instance bench >"$work/$label.log" 2>&1 &
  local pid=$!
  until curl -fs "http://127.0.0.1:$http/readyz" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { cat "$work/$label.log"; exit 1; }
    sleep 0.02
  done
  local t1; t1=$(date +%s.%N)
  local rss; rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  kill -TERM $pid; wait $pid || true
  local open; open=$(grep -o 'msg="event store open" took=[^ ]*' "$work/$label.log" | sed 's/.*took=//' || true)
  local restored; restored=$(grep -o 'msg="read side started" took=[^ ]*' "$work/$label.log" | sed 's/.*took=//' || true)
  printf '| %-22s | %8.2f s | %8d MiB | %-12s | %-12s |\n' "$label" "$(echo "$t1 - $t0" | bc -l)" $((rss / 1024)) "$open" "$restored"
}
# The seed wrote no checkpoint; drop any, to be sure the first start folds all.
echo
echo "restart to ready, $READINGS readings on $CHARGERS chargers ($(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "| start                  |   ready    |   RSS        | store open   | + read side  |"
echo "|------------------------|------------|--------------|--------------|--------------|"
measure "no checkpoint"
for i in 1 2 3; do
  sleep 2
  measure "with checkpoint ($i)"
done
