#!/usr/bin/env bash
# Starts a local three-node NATS cluster with JetStream (nats-server built
# from the module chargebooth already depends on) and two chargebooth
# instances on it, all on loopback. Stop everything with stop.sh.
#
#   WORK=/tmp/cb-cluster scripts/cluster/start.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK="${WORK:-/tmp/chargebooth-cluster}"
mkdir -p "$WORK/bin"
go build -o "$WORK/bin/nats-server" github.com/nats-io/nats-server/v2
go build -o "$WORK/bin/chargebooth" ./cmd/chargebooth

client=(14222 14223 14224); route=(16222 16223 16224); mon=(18222 18223 18224)
urls=""
for i in 0 1 2; do
  n=$((i + 1)); routes=""
  for j in 0 1 2; do [ "$j" = "$i" ] || routes+="nats-route://127.0.0.1:${route[$j]}, "; done
  cat >"$WORK/n$n.conf" <<CONF
server_name: n$n
listen: 127.0.0.1:${client[$i]}
http: 127.0.0.1:${mon[$i]}
jetstream { store_dir: "$WORK/n$n" }
cluster { name: booth, listen: 127.0.0.1:${route[$i]}, routes: [${routes%, }] }
CONF
  "$WORK/bin/nats-server" -c "$WORK/n$n.conf" >"$WORK/n$n.log" 2>&1 &
  echo $! >"$WORK/n$n.pid"
  urls+="nats://127.0.0.1:${client[$i]},"
done
urls="${urls%,}"
echo "waiting for the JetStream cluster…"
for _ in $(seq 1 100); do
  if curl -fs "http://127.0.0.1:${mon[0]}/healthz?js-enabled-only=true" >/dev/null 2>&1 &&
     curl -fs "http://127.0.0.1:${mon[0]}/jsz" | grep -q '"leader"'; then break; fi
  sleep 0.2
done

for inst in a b; do
  case $inst in a) base=3000;; b) base=4000;; esac
  "$WORK/bin/chargebooth" serve --nats-url "$urls" --replicas 3 --instance "$inst" \
    --data-dir "$WORK/$inst" --staff-token "${STAFF_TOKEN:-cluster}" \
    --http-addr "127.0.0.1:$base" --charger-addr "127.0.0.1:$((base + 100))" --widget-addr "127.0.0.1:$((base + 200))" \
    >"$WORK/$inst.log" 2>&1 &
  echo $! >"$WORK/$inst.pid"
done
for base in 3000 4000; do
  until curl -fs "http://127.0.0.1:$base/readyz" >/dev/null 2>&1; do sleep 0.2; done
done
cat <<MSG
NATS cluster   $urls   (monitoring http://127.0.0.1:${mon[0]}/jsz …)
instance a     http://127.0.0.1:3000  chargers ws://127.0.0.1:3100/chargers  widgets ws://127.0.0.1:3200/widgets
instance b     http://127.0.0.1:4000  chargers ws://127.0.0.1:4100/chargers  widgets ws://127.0.0.1:4200/widgets
staff token    ${STAFF_TOKEN:-cluster}
logs in        $WORK/*.log; stop with scripts/cluster/stop.sh
MSG
