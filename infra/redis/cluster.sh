#!/usr/bin/env bash
# A local 3-master Redis Cluster for trying Pigeonhole on Cluster (every key of one recipient carries
# the recipient's hash tag, and BullMQ's keys the {pigeonhole} tag, so all scripts run on Cluster).
#   infra/redis/cluster.sh start [first-port]   # default ports 7001-7003, data in .data/cluster
#   infra/redis/cluster.sh stop
set -euo pipefail
cmd=${1:-start}
first=${2:-7001}
root=.data/cluster
ports=("$first" "$((first + 1))" "$((first + 2))")

case "$cmd" in
start)
  for port in "${ports[@]}"; do
    mkdir -p "$root/$port"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$root/$port" --daemonize yes \
      --cluster-enabled yes --cluster-config-file nodes.conf --appendonly yes \
      --maxmemory-policy noeviction --pidfile "$PWD/$root/$port/redis.pid" --logfile redis.log
  done
  if ! redis-cli -p "$first" cluster info | grep -q cluster_state:ok; then
    redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-yes
  fi
  echo "REDIS_URL=redis://127.0.0.1:$first (cluster)"
  ;;
stop)
  for port in "${ports[@]}"; do
    [ -f "$root/$port/redis.pid" ] && kill "$(cat "$root/$port/redis.pid")" 2>/dev/null || true
  done
  ;;
*)
  echo "usage: $0 start|stop [first-port]" >&2
  exit 2
  ;;
esac
