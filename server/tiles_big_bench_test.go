package server

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"fifteen/data"
	"fifteen/geo"
)

// The 32-copy city (scripts/tilecity): its snapshot when
// $FIFTEEN_BENCH_SNAPSHOT names one (fifteen build), else its OSM and
// communities files in $FIFTEEN_BENCH_CACHE. The benchmarks skip when
// neither is set.
var bigOnce = sync.OnceValues(func() (Deps, error) {
	if p := os.Getenv("FIFTEEN_BENCH_SNAPSHOT"); p != "" {
		city, st, err := data.OpenSnapshot(p)
		if err != nil {
			return Deps{}, err
		}
		a, ok, err := data.StoredAccess(city, geo.AccessOptions{})
		if err == nil && !ok {
			a, err = geo.ComputeAccess(city, geo.AccessOptions{})
		}
		return Deps{City: city, Access: a, Load: st}, err
	}
	osmPath, comPath := data.TiledCityFiles(os.Getenv("FIFTEEN_BENCH_CACHE"), 32)
	city, st, err := data.Load(context.Background(), data.Config{OSMPath: osmPath, CommunitiesPath: comPath})
	if err != nil {
		return Deps{}, err
	}
	a, err := geo.ComputeAccess(city, geo.AccessOptions{})
	return Deps{City: city, Access: a, Load: st}, err
})

func bigDeps(b *testing.B) Deps {
	b.Helper()
	if os.Getenv("FIFTEEN_BENCH_SNAPSHOT") == "" {
		dir := os.Getenv("FIFTEEN_BENCH_CACHE")
		if dir == "" {
			b.Skip("set FIFTEEN_BENCH_CACHE (the 32-copy city's files, scripts/tilecity) or FIFTEEN_BENCH_SNAPSHOT")
		}
		if o, _ := data.TiledCityFiles(dir, 32); !fileExists(o) {
			b.Skipf("no 32-copy city in %s: run scripts/tilecity", dir)
		}
	}
	d, err := bigOnce()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func fileExists(p string) bool { _, err := os.Stat(filepath.Clean(p)); return err == nil }

// bigTileSpread returns, for each zoom of layer l, up to 15 tiles over b
// (a 5 × 3 grid of points spread over it).
func bigTileSpread(l *tileLayer, b orb.Bound) []maptile.Tile {
	var out []maptile.Tile
	for z := l.minZoom; z <= l.maxZoom; z++ {
		seen := map[maptile.Tile]bool{}
		for _, fx := range []float64{0.1, 0.3, 0.5, 0.7, 0.9} {
			for _, fy := range []float64{0.3, 0.5, 0.7} {
				p := orb.Point{b.Min[0] + fx*(b.Max[0]-b.Min[0]), b.Min[1] + fy*(b.Max[1]-b.Min[1])}
				t := maptile.At(p, maptile.Zoom(z))
				if !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// BenchmarkBig32TileCold renders a spread of tiles of every layer of the
// 32-copy city (bigTileSpread: up to 15 per zoom, every zoom of the
// layer; the underserved layer for the default walker and gap category)
// once each, per tile from the prepared indexes and without the response
// cache, and reports the slowest (max_ms) and the 95th percentile (p95_ms)
// of the tiles that have features, in wall time and in the rendering
// thread's CPU time (cpu_max_ms, cpu_p95_ms; Linux). "prepare" is building every index
// (what the server does in the background at start); "underserved/other"
// is the first tile of another gap category, which computes its clusters.
func BenchmarkBig32TileCold(b *testing.B) {
	d := bigDeps(b)
	rep, err := d.Access.Report()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("prepare", func(b *testing.B) {
		for b.Loop() {
			newTileData(d.City, d.Access, reportOf(rep)).prepare()
		}
	})
	td := newTileData(d.City, d.Access, reportOf(rep))
	td.prepare()
	ctx := context.Background()
	cat := tileGapCategory(d.City.Taxonomy)
	p, _ := d.Access.ResolveProfile("")
	for i := range tileLayers {
		l := &tileLayers[i]
		b.Run(l.id, func(b *testing.B) {
			// The CPU time of this thread, locked to the goroutine: on the
			// shared machine wall times are mostly waiting for a core.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var ms, cpu []float64
			for b.Loop() {
				ms, cpu = ms[:0], cpu[:0]
				for _, t := range bigTileSpread(l, td.cityBounds()) {
					q := tileQuery{layer: l, tile: t, profile: p, category: cat}
					start, startCPU := time.Now(), threadCPU()
					ok, err := td.tileHasFeatures(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					if !ok {
						continue
					}
					body, err := td.renderTile(ctx, q)
					if err != nil && !errors.Is(err, errEmptyTile) {
						b.Fatal(err)
					}
					tileSink = body
					ms = append(ms, float64(time.Since(start).Microseconds())/1000)
					cpu = append(cpu, (threadCPU()-startCPU).Seconds()*1000)
					if os.Getenv("FIFTEEN_BENCH_VERBOSE") != "" {
						b.Logf("%s %d/%d/%d: %.1f ms, %d bytes", l.id, t.Z, t.X, t.Y, ms[len(ms)-1], len(body))
					}
				}
			}
			reportTileTimes(b, ms, "")
			reportTileTimes(b, cpu, "cpu_")
		})
	}
	b.Run("underserved/other", func(b *testing.B) {
		other := "pharmacy"
		if other == cat {
			other = "hospital"
		}
		q := tileQuery{layer: tileLayerByID("underserved"), tile: bigTileSpread(tileLayerByID("underserved"), td.cityBounds())[7], profile: p, category: other}
		for b.Loop() {
			td := newTileData(d.City, d.Access, reportOf(rep))
			if _, err := td.renderTile(ctx, q); err != nil && !errors.Is(err, errEmptyTile) {
				b.Fatal(err)
			}
		}
	})
}

// reportTileTimes reports the count, 95th percentile and maximum of ms,
// their names prefixed.
func reportTileTimes(b *testing.B, ms []float64, prefix string) {
	if len(ms) == 0 {
		b.Fatal("no tile with features")
	}
	slices.Sort(ms)
	b.ReportMetric(float64(len(ms)), "tiles")
	b.ReportMetric(ms[int(math.Ceil(0.95*float64(len(ms))))-1], prefix+"p95_ms")
	b.ReportMetric(ms[len(ms)-1], prefix+"max_ms")
}

// threadCPU is the CPU time (user and system) of the calling thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rusageThread is Linux's RUSAGE_THREAD.
const rusageThread = 1

// BenchmarkBig32ServerNew builds the server of the 32-copy city: what
// `fifteen serve` does between opening the snapshot and answering
// /readyz (the baseline report and the tiles' preparation start in the
// background and are not waited for).
func BenchmarkBig32ServerNew(b *testing.B) {
	d := bigDeps(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(testConfig(), d); err != nil {
			b.Fatal(err)
		}
	}
}
