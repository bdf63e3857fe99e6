#!/bin/bash
# serveready.sh BIN SNAPSHOT [RUNS] [ADDR]: starts `BIN serve --snapshot
# SNAPSHOT` RUNS times (default 3) on ADDR (default 127.0.0.1:18213) and
# prints, per run, the seconds until /readyz answers 200 (polled every
# 50 ms), the resident memory then (VmRSS) and the time of a first cell
# tile. Each server is stopped by its own process id.
set -u
bin=$1 snap=$2 runs=${3:-3} addr=${4:-127.0.0.1:18213}
for _ in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  "$bin" serve --addr "$addr" --store memory --snapshot "$snap" >/dev/null 2>&1 &
  pid=$!
  ok=0
  for _ in $(seq 1 1200); do
    if curl -sf "http://$addr/readyz" >/dev/null 2>&1; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  end=$(date +%s.%N)
  if [ "$ok" = 1 ]; then
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    tile=$(curl -s -o /dev/null -w "%{http_code} %{time_total}" "http://$addr/tiles/cells/14/8625/5753.mvt")
    echo "ready $(echo "$end - $start" | bc) s; VmRSS ${rss} kB; first cell tile: HTTP ${tile} s"
  else
    echo "not ready"
  fi
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
