#!/usr/bin/env bash
# Starts a local three-node NATS cluster with JetStream (a nats-server built
# from the module chargebooth already depends on) and two chargebooth
# instances on it (--replicas 3), all on loopback. Stop with stop.sh.
#
#   scripts/cluster/start.sh                  # work dir /tmp/chargebooth-cluster
#   WORK=/tmp/cb NATS_PORT=24222 HTTP_PORT=5000 scripts/cluster/start.sh
#
# NATS client ports NATS_PORT..+2 (14222..14224), routes +2000, monitoring
# +4000 (18222..18224); instance a on HTTP_PORT (3000) +100 chargers +200
# widgets, instance b on HTTP_PORT+1000.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK="${WORK:-/tmp/chargebooth-cluster}"
BIN="$WORK/bin"
NATS_PORT="${NATS_PORT:-14222}"
HTTP_PORT="${HTTP_PORT:-3000}"
TOKEN="${STAFF_TOKEN:-cluster}"
mkdir -p "$BIN"
go build -o "$BIN/nats-server" github.com/nats-io/nats-server/v2
go build -o "$BIN/chargebooth" ./cmd/chargebooth

client=() route=() mon=()
for i in 0 1 2; do
  client+=($((NATS_PORT + i))); route+=($((NATS_PORT + 2000 + i))); mon+=($((NATS_PORT + 4000 + i)))
done

# wait_for CMD…: retries CMD for 30 s.
wait_for() {
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "timed out: $*" >&2; return 1
}

urls=""
for i in 0 1 2; do
  n=$((i + 1)); routes=""
  for j in 0 1 2; do [ "$j" = "$i" ] || routes+="nats-route://127.0.0.1:${route[$j]}, "; done
  mkdir -p "$WORK/n$n"
  cat >"$WORK/n$n.conf" <<CONF
server_name: n$n
listen: 127.0.0.1:${client[$i]}
http: 127.0.0.1:${mon[$i]}
jetstream { store_dir: "$WORK/n$n" }
cluster { name: chargebooth, listen: 127.0.0.1:${route[$i]}, routes: [${routes%, }] }
CONF
  "$BIN/nats-server" -c "$WORK/n$n.conf" >>"$WORK/n$n.log" 2>&1 &
  echo $! >"$WORK/n$n.pid"
  urls+="nats://127.0.0.1:${client[$i]},"
done
urls="${urls%,}"

echo "waiting for the JetStream cluster: a meta leader, every node current…"
# /healthz (without js-enabled-only) answers 200 only once the node has
# JetStream up and its meta group current; /jsz names the meta leader.
for i in 0 1 2; do
  wait_for curl -fs "http://127.0.0.1:${mon[$i]}/healthz"
done
js_formed() {
  local leader jsz
  leader="$(curl -fs "http://127.0.0.1:${mon[0]}/jsz" | grep -Eo '"leader": *"n[123]"' | grep -Eo 'n[123]')" || return 1
  # Only the leader knows whether its peers are current.
  jsz="$(curl -fs "http://127.0.0.1:${mon[$((${leader#n} - 1))]}/jsz")" || return 1
  [ "$(grep -c '"current": true' <<<"$jsz")" -ge 2 ]
}
wait_for js_formed

# start_instance NAME BASE: starts one chargebooth instance and waits for
# /readyz. An instance whose first request to JetStream went unanswered
# (seen while the fresh cluster still shuffles its routes) exits after
# 30 s; it is started again, up to three times.
start_instance() {
  local inst=$1 base=$2 try pid
  for try in 1 2 3; do
    "$BIN/chargebooth" serve --nats-url "$urls" --replicas 3 --instance "$inst" \
      --data-dir "$WORK/$inst" --staff-token "$TOKEN" \
      --http-addr "127.0.0.1:$base" --charger-addr "127.0.0.1:$((base + 100))" \
      --widget-addr "127.0.0.1:$((base + 200))" >>"$WORK/$inst.log" 2>&1 &
    pid=$!
    echo "$pid" >"$WORK/$inst.pid"
    for _ in $(seq 1 300); do
      curl -fs "http://127.0.0.1:$base/readyz" >/dev/null 2>&1 && return 0
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill "$pid" 2>/dev/null
    echo "instance $inst did not come up (try $try), see $WORK/$inst.log" >&2
  done
  return 1
}
# One after the other: the first creates the stream, the second finds it.
start_instance a "$HTTP_PORT"
start_instance b $((HTTP_PORT + 1000))

b=$((HTTP_PORT + 1000))
cat <<MSG
NATS cluster   $urls
  monitoring   http://127.0.0.1:${mon[0]}/jsz  http://127.0.0.1:${mon[1]}/jsz  http://127.0.0.1:${mon[2]}/jsz (and /healthz)
instance a     http://127.0.0.1:$HTTP_PORT  chargers ws://127.0.0.1:$((HTTP_PORT + 100))/chargers/{id}  widgets ws://127.0.0.1:$((HTTP_PORT + 200))/widgets/{id}
instance b     http://127.0.0.1:$b  chargers ws://127.0.0.1:$((b + 100))/chargers/{id}  widgets ws://127.0.0.1:$((b + 200))/widgets/{id}
staff token    $TOKEN
logs           $WORK/{n1,n2,n3,a,b}.log
stop with      WORK=$WORK scripts/cluster/stop.sh
MSG
