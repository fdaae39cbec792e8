#!/usr/bin/env bash
# Installs the Node OCPP client used by the OCPP interop test.
set -euo pipefail
dir="$(dirname "$0")/../test/ocpp-interop"
[ -f "$dir/package.json" ] || exit 0
if ! command -v npm >/dev/null; then
  echo "The OCPP interop test needs Node.js and npm: sudo apt-get install -y nodejs npm" >&2
  exit 1
fi
cd "$dir"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi
