#!/usr/bin/env bash
# The cluster chaos run: three NATS nodes and two chargebooth instances as
# processes, chargers at 2 readings/s; the stream's leader node and one
# instance are killed (-9) and brought back. Prints the figures.
# CHAOS_CHARGERS (200) and CHAOS_DURATION (60, seconds) resize it.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec go test -tags cluster -race -count=1 -timeout 20m -run Cluster -v ./cmd/chargebooth/
