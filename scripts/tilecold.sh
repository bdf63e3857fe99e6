#!/bin/bash
# tilecold.sh BIN SNAPSHOT [RUNS] [ADDR]: starts `BIN serve --snapshot
# SNAPSHOT` RUNS times (default 3) on ADDR (default 127.0.0.1:18214),
# waits until /readyz says the background preparation is done (baseline
# report, tiles, isochrone cell shapes), then fetches once each (all cold: a new server every run) a
# spread of tiles of every layer at every zoom of the layer (a 5 x 3 grid
# of points over the city's bounds; the default walker and gap category)
# and prints, per run and layer, how many answered 200, their 95th
# percentile and slowest time (curl's time_total, on loopback) and the
# same of the server's CPU time per tile (all its threads, from
# /proc/PID/task/*/schedstat: on a shared machine the wall time is mostly
# waiting for a core), and the
# seconds from start until /readyz answered and until the background
# preparation ended (the fetches start TILECOLD_SETTLE seconds later,
# default 5, once serve's collection after it is done). Each server is stopped by its own process id.
set -u
bin=$1 snap=$2 runs=${3:-3} addr=${4:-127.0.0.1:18214}
layers="cells:8:16 communities:6:16 facilities:12:16 underserved:8:16 network:10:16"
for run in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  "$bin" serve --addr "$addr" --store memory --snapshot "$snap" >/dev/null 2>&1 &
  pid=$!
  ready="" prepared=""
  for _ in $(seq 1 2400); do
    body=$(curl -sf "http://$addr/readyz" 2>/dev/null)
    if [ -n "$body" ]; then
      now=$(date +%s.%N)
      [ -z "$ready" ] && ready=$(echo "$now - $start" | bc)
      if echo "$body" | grep -q '"baseline_report":"ready"' && echo "$body" | grep -q '"isochrone_shapes":"ready"' &&
        echo "$body" | grep -Eq '"tiles_prepared":\{"ready":([0-9]+),"of":\1\}'; then
        prepared=$(echo "$now - $start" | bc)
        break
      fi
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$prepared" ]; then
    echo "run $run: not ready"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    continue
  fi
  # Let the collection serve runs once prepared finish (about 2 s of CPU on
  # the 32-copy city, whose live heap is 1 GB).
  sleep "${TILECOLD_SETTLE:-5}"
  # The server's CPU time: all its threads', in nanoseconds.
  cpu_ns() { cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
  # The city's bounds, from a TileJSON: minlon minlat maxlon maxlat.
  bounds=$(curl -sf "http://$addr/tiles/cells.json" | grep -o '"bounds":\[[^]]*\]' | tr -d '"bounds:[]' | tr ',' ' ')
  echo "run $run: ready after $ready s, background preparation done after $prepared s"
  for spec in $layers; do
    IFS=: read -r layer zmin zmax <<<"$spec"
    tiles=$(echo "$bounds" | awk -v zmin="$zmin" -v zmax="$zmax" '{
      pi = atan2(0, -1)
      for (z = zmin; z <= zmax; z++) {
        n = 2 ^ z
        for (i = 0; i < 5; i++) for (j = 0; j < 3; j++) {
          lon = $1 + (0.1 + 0.2 * i) * ($3 - $1); lat = $2 + (0.3 + 0.2 * j) * ($4 - $2)
          x = int((lon + 180) / 360 * n)
          r = lat * pi / 180
          y = int((1 - log(sin(r) / cos(r) + 1 / cos(r)) / pi) / 2 * n)
          t = z "/" x "/" y
          if (!(t in seen)) { seen[t] = 1; print t }
        }
      }
    }')
    for t in $tiles; do
      c0=$(cpu_ns)
      r=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w "%{http_code} %{time_total}" "http://$addr/tiles/$layer/$t.mvt")
      echo "$r $(($(cpu_ns) - c0))"
    done | awk -v layer="$layer" '
      function sort(a, n,   i, j, v) { for (i = 1; i < n; i++) { v = a[i]; for (j = i - 1; j >= 0 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v } }
      $1 == 200 { ms[n] = $2 * 1000; cpu[n] = $3 / 1e6; n++ }
      $1 != 200 && $1 != 204 { bad++ }
      END {
        if (n == 0) { printf "  %-12s no tile with features\n", layer; exit }
        sort(ms, n); sort(cpu, n)
        k = int(0.95 * n + 0.999999) - 1
        printf "  %-12s %3d tiles: p95 %6.1f ms, max %6.1f ms; server CPU p95 %5.1f ms, max %5.1f ms%s\n", layer, n, ms[k], ms[n - 1], cpu[k], cpu[n - 1], (bad ? ", " bad " errors" : "")
      }'
  done
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
