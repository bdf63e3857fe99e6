#!/bin/bash
# memload.sh BIN [SNAPSHOT] [DURATION] [ADDR]: starts `BIN serve` (the
# default city, or `--snapshot SNAPSHOT` when given and not "-") on ADDR
# (default 127.0.0.1:18215) with the per-client rate limits off, as `make
# loadtest` does, and prints its resident memory (VmRSS, from /proc):
# once /readyz answers, once the background preparation is done (the
# baseline report, the tiles' indexes and the isochrones' cell shapes), then the largest seen (sampled
# every 0.2 s) and the last while scripts/loadtest runs its mixed load
# against it (DURATION per phase, default 5s), and the peak the kernel
# recorded (VmHWM), and serve's log of its live heap and memory limit.
# The server is stopped by its own process id.
set -u
bin=$1 snap=${2:--} dur=${3:-5s} addr=${4:-127.0.0.1:18215}
args=(serve --addr "$addr" --store memory --rate -1 --heavy-rate -1 --heavy-concurrent 2)
[ "$snap" != "-" ] && args+=(--snapshot "$snap")
log=$(mktemp)
"$bin" "${args[@]}" >/dev/null 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
ready=""
for _ in $(seq 1 2400); do
  body=$(curl -sf "http://$addr/readyz" 2>/dev/null)
  if [ -n "$body" ]; then
    [ -z "$ready" ] && ready=$(rss) && echo "ready: VmRSS $ready MB"
    if echo "$body" | grep -q '"baseline_report":"ready"' && echo "$body" | grep -q '"isochrone_shapes":"ready"' &&
      echo "$body" | grep -Eq '"tiles_prepared":\{"ready":([0-9]+),"of":\1\}'; then
      echo "prepared (sampled as /readyz says so): VmRSS $(rss) MB"
      break
    fi
  fi
  kill -0 "$pid" 2>/dev/null || { echo "server exited"; exit 1; }
  sleep 0.05
done
maxf=$(mktemp)
echo 0 >"$maxf"
(
  m=0
  while kill -0 "$pid" 2>/dev/null; do
    r=$(rss)
    [ -n "$r" ] && [ "$r" -gt "$m" ] && m=$r && echo "$m" >"$maxf"
    sleep 0.2
  done
) &
sampler=$!
(cd "$(dirname "$0")/.." && go run ./scripts/loadtest -base "http://$addr" -duration "$dur") | sed 's/^/  /'
echo "under mixed load: VmRSS max $(cat "$maxf") MB, at the end $(rss) MB; VmHWM $(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status") MB"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
wait "$sampler" 2>/dev/null
# serve's own account: the live heap and the soft limit it set.
grep -E '"msg":"(memory limit|prepared[^"]*|baseline report ready)"' "$log" | sed 's/^/  serve: /'
grep -c '"status":5[0-9][0-9]' "$log" | sed 's/^/  5xx answers: /'
rm -f "$maxf" "$log"
