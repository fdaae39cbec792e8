#!/usr/bin/env bash
# The cluster chaos run: 3 NATS nodes, 2 chargebooth instances, chargers at
# 2 readings/s; a NATS node and an instance are killed and brought back.
# Prints the figures. CHAOS_CHARGERS (200) and CHAOS_SECONDS (60) resize it.
set -euo pipefail
cd "$(dirname "$0")/../.."
go test -tags cluster -count=1 -timeout 20m -run 'Cluster' -v ./cmd/chargebooth/ 2>&1 |
  grep -vE '^\s*$|^=== (RUN|PAUSE|CONT)' 
