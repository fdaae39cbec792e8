#!/usr/bin/env bash
# Standard chargebooth benchmark: for each profile, and for each system of
# SYSTEMS in turn (default "chargebooth relay", back to back), start the
# server (`chargebooth serve` on a fresh temp data dir, or the in-memory
# Node ws relay peer of scripts/bench/relay), wait for /readyz, run
# cmd/loadgen against it on this machine, stop it; then print one markdown
# table with both systems' figures and their ratio (loadgen compare), the
# machine and the commit.
#
# Profiles (PROFILES, default "rate closed idle"):
#   rate    PAIRS pairs (8000) at RATE readings/s per charger (1) for DURATION (60s),
#           then chargebooth's restart-to-ready time on the data it wrote
#   closed  closed loop with CLOSED_PAIRS pairs (200) for CLOSED_DURATION (20s)
#   idle    IDLE_PAIRS idle pairs (2000): server RSS growth per socket, each
#           RSS sample taken after the server collected its garbage
#           (loadgen --gc-url)
#   scaling SCALE_FROM (1000) to SCALE_TO (9000) pairs in steps of SCALE_STEP
#           (2000) at RATE/s, SCALE_DURATION (20s) each, a fresh server per
#           step and system; writes SCALE_CSV (docs/bench/scaling.csv) and
#           draws SCALE_PNG (docs/bench/scaling.png) with scripts/bench/chart
#
# The relay is installed with `npm ci` into scripts/bench/relay (Node.js and
# npm needed); SYSTEMS=chargebooth runs without it.
#
# A quick run: PAIRS=200 DURATION=10s CLOSED_DURATION=5s IDLE_PAIRS=200 scripts/bench/run.sh
#
# Other knobs: PORT_BASE (17000: HTTP on it, chargers +100, widgets +200,
# NATS +222), CHARGEBOOTH_BIN (benchmark this binary instead of building
# ./cmd/chargebooth), SERVER_FLAGS (added to `chargebooth serve`, e.g.
# "--sync always"), READY_TIMEOUT seconds (120), IDLE_SETTLE (3s),
# LOADGEN_FLAGS (added to every loadgen run), OUT (also write the table
# there), KEEP=1 (keep the temp dir with the server logs).
set -euo pipefail

PAIRS=${PAIRS:-8000}
RATE=${RATE:-1}
DURATION=${DURATION:-60s}
CLOSED_PAIRS=${CLOSED_PAIRS:-200}
CLOSED_DURATION=${CLOSED_DURATION:-20s}
IDLE_PAIRS=${IDLE_PAIRS:-2000}
IDLE_SETTLE=${IDLE_SETTLE:-3s}
PROFILES=${PROFILES:-rate closed idle}
SYSTEMS=${SYSTEMS:-chargebooth relay}
SCALE_FROM=${SCALE_FROM:-1000}
SCALE_TO=${SCALE_TO:-9000}
SCALE_STEP=${SCALE_STEP:-2000}
SCALE_DURATION=${SCALE_DURATION:-20s}
SCALE_CSV=${SCALE_CSV:-docs/bench/scaling.csv}
SCALE_PNG=${SCALE_PNG:-docs/bench/scaling.png}
PORT_BASE=${PORT_BASE:-17000}
READY_TIMEOUT=${READY_TIMEOUT:-120}
LOADGEN_FLAGS=${LOADGEN_FLAGS:-}
CHARGEBOOTH_BIN=${CHARGEBOOTH_BIN:-}
SERVER_FLAGS=${SERVER_FLAGS:-}
OUT=${OUT:-}
KEEP=${KEEP:-}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/chargebooth-bench.XXXXXX")
bin=$tmp/bin
rows=$tmp/rows.md
notes=$tmp/notes.md
results=$tmp/results
compare_list=$tmp/compare.list
scale_list=$tmp/scale.list
server_pid=""
server_extra="" # flags of one profile's chargebooth runs
ready_ms=0

http_port=$PORT_BASE
charger_port=$((PORT_BASE + 100))
widget_port=$((PORT_BASE + 200))
nats_port=$((PORT_BASE + 222))

log() { printf '==> %s\n' "$*" >&2; }

die() {
	log "error: $*"
	exit 1
}

# now_ms prints the wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# port_free succeeds when nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_server stops the running server: SIGTERM, then SIGKILL after 30 s.
stop_server() {
	[ -n "$server_pid" ] || return 0
	local pid=$server_pid
	server_pid=""
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "server $pid ignored SIGTERM for 30 s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	stop_server
	if [ -n "$KEEP" ]; then
		log "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME DATA_DIR PAIRINGS starts the server in the background
# and waits until /readyz answers 200; it sets server_pid, and ready_ms to
# the milliseconds that took.
start_server() {
	local name=$1 data=$2 pairings=$3 port
	for port in "$http_port" "$charger_port" "$widget_port" "$nats_port"; do
		port_free "$port" || die "port $port is in use; set PORT_BASE"
	done
	local start
	start=$(now_ms)
	# shellcheck disable=SC2086 # SERVER_FLAGS is a list of flags
	"$bin/chargebooth" serve \
		--data-dir "$data" \
		--pairings "$pairings" \
		--staff-token bench \
		--http-addr "127.0.0.1:$http_port" \
		--charger-addr "127.0.0.1:$charger_port" \
		--widget-addr "127.0.0.1:$widget_port" \
		--nats-listen "127.0.0.1:$nats_port" \
		$SERVER_FLAGS $server_extra \
		>>"$tmp/$name.log" 2>&1 &
	server_pid=$!
	local deadline=$((start + READY_TIMEOUT * 1000))
	until curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" 2>/dev/null; do
		if ! kill -0 "$server_pid" 2>/dev/null; then
			tail -n 30 "$tmp/$name.log" >&2 || true
			server_pid=""
			die "server ($name) exited before it was ready"
		fi
		if [ "$(now_ms)" -gt "$deadline" ]; then
			tail -n 30 "$tmp/$name.log" >&2 || true
			die "server ($name) not ready after $READY_TIMEOUT s"
		fi
		sleep 0.05
	done
	ready_ms=$(($(now_ms) - start))
}

# start_relay NAME PAIRINGS starts the relay peer in the background on the
# same ports and waits until its /readyz answers; it sets server_pid to the
# node process (whose RSS and CPU loadgen samples) and ready_ms.
start_relay() {
	local name=$1 pairings=$2 port
	for port in "$http_port" "$charger_port" "$widget_port"; do
		port_free "$port" || die "port $port is in use; set PORT_BASE"
	done
	local start
	start=$(now_ms)
	node --expose-gc "$root/scripts/bench/relay/relay.mjs" \
		--host 127.0.0.1 \
		--http-port "$http_port" \
		--charger-port "$charger_port" \
		--widget-port "$widget_port" \
		--pairings "$pairings" \
		>>"$tmp/$name.relay.log" 2>&1 &
	server_pid=$!
	local deadline=$((start + READY_TIMEOUT * 1000))
	until curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" 2>/dev/null; do
		if ! kill -0 "$server_pid" 2>/dev/null; then
			tail -n 30 "$tmp/$name.relay.log" >&2 || true
			server_pid=""
			die "relay ($name) exited before it was ready"
		fi
		if [ "$(now_ms)" -gt "$deadline" ]; then
			die "relay ($name) not ready after $READY_TIMEOUT s"
		fi
		sleep 0.05
	done
	ready_ms=$(($(now_ms) - start))
}

# start SYSTEM NAME DATA_DIR PAIRINGS starts chargebooth or the relay.
start() {
	case $1 in
	chargebooth) start_server "$2" "$3" "$4" ;;
	relay) start_relay "$2" "$4" ;;
	esac
}

# install_relay installs the relay's pinned ws with npm ci.
install_relay() {
	command -v node >/dev/null && command -v npm >/dev/null ||
		die "the relay peer needs Node.js and npm (apt-get install -y nodejs npm), or run with SYSTEMS=chargebooth"
	log "installing the relay peer (npm ci in scripts/bench/relay)"
	(cd "$root/scripts/bench/relay" && npm ci --no-audit --no-fund --silent)
}

# note_pair KEY LIST records that results KEY.chargebooth.json and
# KEY.relay.json are to be compared, when both systems ran.
note_pair() {
	[ -f "$results/$1.chargebooth.json" ] && [ -f "$results/$1.relay.json" ] || return 0
	echo "$results/$1.chargebooth.json $results/$1.relay.json" >>"$2"
}

# loadgen SYSTEM KEY LABEL PAIRS FLAGS... runs loadgen against the running
# server, appends its row to the table and keeps its result as
# $results/KEY.SYSTEM.json.
loadgen() {
	local system=$1 key=$2 label=$3 pairs=$4 row_label=$3
	shift 4
	[ "$system" = chargebooth ] || row_label="$label · $system"
	# shellcheck disable=SC2086 # LOADGEN_FLAGS is a list of flags
	"$bin/loadgen" \
		--chargers-url "ws://127.0.0.1:$charger_port/chargers" \
		--widgets-url "ws://127.0.0.1:$widget_port/widgets" \
		--pairs "$pairs" --pid "$server_pid" \
		--label "$row_label" --row-out "$rows" \
		--json-out "$results/$key.$system.json" \
		"$@" $LOADGEN_FLAGS
}

# pairings N writes the pairings file for N loadgen pairs and prints its path.
pairings() {
	local file=$tmp/pairings-$1.json
	[ -f "$file" ] || "$bin/loadgen" --pairs "$1" --pairings-out "$file"
	echo "$file"
}

profile_rate() {
	local file sys label="rate ${PAIRS}×${RATE}/s ${DURATION}"
	file=$(pairings "$PAIRS")
	for sys in $SYSTEMS; do
		start "$sys" rate "$tmp/data-rate" "$file"
		log "rate ($sys): ready in $ready_ms ms; $PAIRS pairs at $RATE/s for $DURATION"
		loadgen "$sys" rate "$label" "$PAIRS" --rate "$RATE" --duration "$DURATION"
		stop_server
		if [ "$sys" = chargebooth ]; then
			start_server rate "$tmp/data-rate" "$file"
			echo "- chargebooth restart to ready after the rate profile (its readings in the store): **$ready_ms ms**" >>"$notes"
			log "rate: restarted, ready in $ready_ms ms"
			stop_server
		fi
	done
	note_pair rate "$compare_list"
}

profile_closed() {
	local file sys
	file=$(pairings "$CLOSED_PAIRS")
	for sys in $SYSTEMS; do
		start "$sys" closed "$tmp/data-closed" "$file"
		log "closed ($sys): ready in $ready_ms ms; $CLOSED_PAIRS pairs, closed loop for $CLOSED_DURATION"
		loadgen "$sys" closed "closed loop ${CLOSED_PAIRS} ${CLOSED_DURATION}" "$CLOSED_PAIRS" --closed-loop --duration "$CLOSED_DURATION"
		stop_server
	done
	note_pair closed "$compare_list"
}

profile_idle() {
	local file sys
	file=$(pairings "$IDLE_PAIRS")
	for sys in $SYSTEMS; do
		# Both systems collect their garbage before each RSS sample
		# (chargebooth's /debug/gc needs --pprof), so the figure is what
		# the idle sockets keep, not their handshakes' garbage.
		local gc_url="http://127.0.0.1:$http_port/gc"
		[ "$sys" = chargebooth ] && gc_url="http://127.0.0.1:$http_port/debug/gc" && server_extra=--pprof
		start "$sys" idle "$tmp/data-idle" "$file"
		server_extra=""
		log "idle ($sys): ready in $ready_ms ms; $IDLE_PAIRS idle pairs"
		loadgen "$sys" idle "idle ${IDLE_PAIRS}" "$IDLE_PAIRS" --idle --settle "$IDLE_SETTLE" --gc-url "$gc_url"
		stop_server
	done
	note_pair idle "$compare_list"
}

profile_scaling() {
	local n file sys
	for ((n = SCALE_FROM; n <= SCALE_TO; n += SCALE_STEP)); do
		file=$(pairings "$n")
		for sys in $SYSTEMS; do
			start "$sys" "scale-$n" "$tmp/data-scale-$n" "$file"
			log "scaling ($sys): ready in $ready_ms ms; $n pairs at $RATE/s for $SCALE_DURATION"
			loadgen "$sys" "scale-$n" "scaling ${n}×${RATE}/s ${SCALE_DURATION}" "$n" --rate "$RATE" --duration "$SCALE_DURATION"
			stop_server
		done
		note_pair "scale-$n" "$scale_list"
	done
	[ -s "$scale_list" ] || return 0
	mkdir -p "$(dirname "$SCALE_CSV")" "$(dirname "$SCALE_PNG")"
	# shellcheck disable=SC2046 # the list holds paths without spaces
	"$bin/loadgen" compare --steps --csv "$SCALE_CSV" $(cat "$scale_list") >"$tmp/scaling.md"
	"$bin/chart" --csv "$SCALE_CSV" --out "$SCALE_PNG" \
		--title "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, $SCALE_DURATION a step"
	log "scaling: wrote $SCALE_CSV and $SCALE_PNG"
}

main() {
	command -v curl >/dev/null || die "curl is needed"
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || log "could not raise the open-file limit ($(ulimit -n))"
	mkdir -p "$bin" "$results"
	cd "$root"
	case " $SYSTEMS " in *" relay "*) install_relay ;; esac
	if [ -n "$CHARGEBOOTH_BIN" ]; then
		cp "$CHARGEBOOTH_BIN" "$bin/chargebooth"
	else
		log "building ./cmd/chargebooth"
		go build -o "$bin/chargebooth" ./cmd/chargebooth
	fi
	log "building ./cmd/loadgen"
	go build -o "$bin/loadgen" ./cmd/loadgen
	go build -o "$bin/chart" ./scripts/bench/chart

	local p
	for p in $PROFILES; do
		case $p in
		rate | closed | idle | scaling) "profile_$p" ;;
		*) die "unknown profile $p (want rate, closed, idle, scaling)" ;;
		esac
	done

	local commit model
	commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ -n "$(git -C "$root" status --porcelain 2>/dev/null || true)" ]; then
		commit="$commit (with uncommitted changes)"
	fi
	model=$(grep -m1 -i '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
	{
		echo
		echo "## chargebooth benchmark"
		echo
		echo "- commit: \`$commit\`"
		echo "- machine: $(nproc) × ${model:-unknown CPU} ($(uname -m)), $(uname -sr), open files $(ulimit -n)"
		echo "- $(go version | cut -d' ' -f3-), $(date -u +%Y-%m-%dT%H:%MZ), loadgen on the same machine"
		echo "- command: \`PROFILES=\"$PROFILES\" SYSTEMS=\"$SYSTEMS\" SERVER_FLAGS=\"$SERVER_FLAGS\" PAIRS=$PAIRS RATE=$RATE DURATION=$DURATION CLOSED_PAIRS=$CLOSED_PAIRS CLOSED_DURATION=$CLOSED_DURATION IDLE_PAIRS=$IDLE_PAIRS scripts/bench/run.sh\`"
		echo "- relay: scripts/bench/relay (Node $(node --version 2>/dev/null || echo '?'), ws, in memory), same ports, run right after chargebooth"
		[ ! -f "$notes" ] || cat "$notes"
		if [ -s "$compare_list" ]; then
			echo
			echo "### chargebooth and the relay, same run"
			echo
			# shellcheck disable=SC2046 # the list holds paths without spaces
			"$bin/loadgen" compare $(cat "$compare_list")
		fi
		if [ -s "$tmp/scaling.md" ]; then
			echo
			echo "### scaling, $SCALE_FROM → $SCALE_TO pairs at $RATE/s, $SCALE_DURATION a step (chart: $SCALE_PNG)"
			echo
			cat "$tmp/scaling.md"
		fi
		echo
		echo "### every run"
		echo
		[ ! -f "$rows" ] || cat "$rows"
		echo
		echo "Latency is charger send → widget receive per reading; lost = sent and never delivered;"
		echo "errors = connect errors + Error frames + disconnects; RSS/socket = server RSS growth / idle sockets."
	} | if [ -n "$OUT" ]; then tee "$OUT"; else cat; fi
}

main "$@"
