#!/usr/bin/env bash
# Installs the Node packages the tests drive: the OCPP client of the OCPP
# interop test (test/ocpp-interop), socket.io-client for the Socket.IO test
# (test/socketio-interop) and the benchmark's in-memory relay peer
# (scripts/bench/relay), whose loadgen test runs against it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v npm >/dev/null; then
  echo "The OCPP interop test and the relay test need Node.js and npm: sudo apt-get install -y nodejs npm" >&2
  exit 1
fi
for dir in "$root/test/ocpp-interop" "$root/test/socketio-interop" "$root/scripts/bench/relay"; do
  [ -f "$dir/package.json" ] || continue
  (
    cd "$dir"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi
  )
done
