#!/usr/bin/env bash
# Makes sure headless Chromium is there for the dashboard browser test.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing chromium for the browser test (apt-get)…"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The dashboard browser test needs Chromium. Install it with:" >&2
echo "  sudo apt-get install -y chromium" >&2
exit 1
