#!/bin/bash
# tilecold.sh BIN SNAPSHOT [RUNS] [ADDR]: starts `BIN serve --snapshot
# SNAPSHOT` RUNS times (default 3) on ADDR (default 127.0.0.1:18214),
# waits until /readyz says the background preparation is done (baseline
# report, tiles, isochrone cell shapes), then fetches once each (all cold: a new server every run) a
# spread of tiles of every layer at every zoom of the layer (a 5 x 3 grid
# of points over the city's bounds; the default walker and gap category)
# and prints, per run and layer, how many answered 200, their 95th
# percentile and slowest time (curl's time_total, on loopback), and the
# seconds from start until /readyz answered and until the background
# preparation ended. Each server is stopped by its own process id.
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
      curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w "%{http_code} %{time_total}\n" "http://$addr/tiles/$layer/$t.mvt"
    done | awk -v layer="$layer" '
      $1 == 200 { ms[n++] = $2 * 1000 }
      $1 != 200 && $1 != 204 { bad++ }
      END {
        if (n == 0) { printf "  %-12s no tile with features\n", layer; exit }
        # insertion sort: a few hundred values at most
        for (i = 1; i < n; i++) { v = ms[i]; for (j = i - 1; j >= 0 && ms[j] > v; j--) ms[j + 1] = ms[j]; ms[j + 1] = v }
        k = int(0.95 * n + 0.999999) - 1
        printf "  %-12s %3d tiles: p95 %6.1f ms, max %6.1f ms%s\n", layer, n, ms[k], ms[n - 1], (bad ? ", " bad " errors" : "")
      }'
  done
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
