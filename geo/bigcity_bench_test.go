package geo_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"fifteen/data"
	"fifteen/geo"
)

// The big city is the default city tiled bigK times side by side
// (scripts/tilecity, data.WriteTiledCity): 330,784 vertices, 423,744
// edges, 28,416 facilities. Its files are generated once into
// $FIFTEEN_BENCH_CACHE (default: the system's temporary directory) and
// reused while the tiling's version holds.
const bigK = 32

var (
	bigOnce   sync.Once
	bigFiles  [2]string
	bigCity   *geo.City
	bigAccess *geo.Access
	bigErr    error
)

func bigCityFiles(tb testing.TB) (string, string) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("big city benchmarks skipped in -short mode")
	}
	dir := os.Getenv("FIFTEEN_BENCH_CACHE")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "fifteen-bench")
	}
	osmPath, comPath := data.TiledCityFiles(dir, bigK)
	_, e1 := os.Stat(osmPath)
	_, e2 := os.Stat(comPath)
	if e1 != nil || e2 != nil {
		var err error
		osmPath, comPath, _, err = data.WriteTiledCity(context.Background(), bigK, dir)
		if err != nil {
			tb.Skipf("cannot build the %d-copy city in %s: %v", bigK, dir, err)
		}
	}
	return osmPath, comPath
}

// big loads the tiled city and its baseline access once per test binary.
func big(tb testing.TB) (*geo.City, *geo.Access) {
	tb.Helper()
	o, c := bigCityFiles(tb)
	bigOnce.Do(func() {
		bigFiles = [2]string{o, c}
		bigCity, bigErr = loadBig(o, c)
		if bigErr == nil {
			bigAccess, bigErr = geo.ComputeAccess(bigCity, geo.AccessOptions{})
		}
	})
	if bigErr != nil {
		tb.Fatal(bigErr)
	}
	return bigCity, bigAccess
}

// loadBig loads the tiled city from its OSM file or, when
// $FIFTEEN_BENCH_SNAPSHOT names a file, from that snapshot (written from
// the OSM load when absent): a snapshot answers as the load it came from
// and opens in a second, which shortens the benchmarks' start.
func loadBig(osmPath, comPath string) (*geo.City, error) {
	snap := os.Getenv("FIFTEEN_BENCH_SNAPSHOT")
	if snap != "" {
		if city, _, err := data.OpenSnapshot(snap); err == nil {
			return city, nil
		}
	}
	city, _, err := data.Load(context.Background(), data.Config{OSMPath: osmPath, CommunitiesPath: comPath})
	if err != nil || snap == "" {
		return city, err
	}
	return city, data.WriteSnapshot(snap, city, nil, nil)
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU runs the benchmark's loop body and reports, besides the wall
// time, the CPU time per operation (all threads): on a shared, loaded
// machine the wall time stretches with the other work, the CPU time much
// less.
func reportCPU(b *testing.B, body func()) {
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		body()
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkBig32Load loads the 32-copy city from its OSM file.
func BenchmarkBig32Load(b *testing.B) {
	o, c := bigCityFiles(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := data.Load(context.Background(), data.Config{OSMPath: o, CommunitiesPath: c}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBig32AccessAll computes every category for the three default
// walkers on the 32-copy city.
func BenchmarkBig32AccessAll(b *testing.B) {
	city, _ := big(b)
	reportCPU(b, func() {
		if _, err := geo.ComputeAccess(city, geo.AccessOptions{}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkBig32OneCategory runs one category's searches (nearest and
// opportunities, adult walker) on the 32-copy city, per category.
func BenchmarkBig32OneCategory(b *testing.B) {
	city, a := big(b)
	s := geo.NewSearcher(city.Graph)
	for c, cat := range city.Taxonomy.Categories {
		if a.Facilities(c) == 0 {
			continue
		}
		b.Run(cat.ID, func(b *testing.B) {
			reportCPU(b, func() { a.OneCategoryForBench(s, 0, c) })
		})
	}
}

// BenchmarkBig32Nearest runs one category's nearest-facility search (one
// multi-source search, adult walker, 30-minute cutoff) on the 32-copy
// city, per category.
func BenchmarkBig32Nearest(b *testing.B) {
	city, a := big(b)
	s := geo.NewSearcher(city.Graph)
	for c, cat := range city.Taxonomy.Categories {
		if a.Facilities(c) == 0 {
			continue
		}
		b.Run(cat.ID, func(b *testing.B) {
			reportCPU(b, func() { a.NearestForTest(s, 0, c) })
		})
	}
}

// bigFacility returns the first facility of category cat in the copy in
// the middle of the row.
func bigFacility(tb testing.TB, city *geo.City, cat string) int {
	var bound orb.Bound
	for v := 0; v < city.Graph.NumVertices(); v++ {
		if v == 0 {
			bound = orb.Bound{Min: city.Graph.Vertex(v), Max: city.Graph.Vertex(v)}
		}
		bound = bound.Extend(city.Graph.Vertex(v))
	}
	mid := bound.Center()
	best, bd := -1, 0.0
	for i, f := range city.Facilities {
		if f.Category != cat {
			continue
		}
		if d := abs(f.Point[0]-mid[0]) + abs(f.Point[1]-mid[1]); best < 0 || d < bd {
			best, bd = i, d
		}
	}
	if best < 0 {
		tb.Fatalf("no %s", cat)
	}
	return best
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkBig32WhatIf opens or closes one clinic near the middle of the
// 32-copy city: the answer in process, the changed access and its compact
// difference from the baseline (DiffAccess), not rendered. The baseline's
// report is computed first, as the server computes it at start.
func BenchmarkBig32WhatIf(b *testing.B) {
	city, a := big(b)
	if _, err := a.Report(); err != nil {
		b.Fatal(err)
	}
	fi := bigFacility(b, city, "clinic")
	p := city.Facilities[fi].Point
	for _, tc := range []struct {
		name string
		sc   geo.Scenario
	}{
		{"open", geo.Scenario{Add: []geo.NewFacility{{Category: "clinic", Point: orb.Point{p[0] + 0.01, p[1] + 0.005}}}}},
		{"close", geo.Scenario{Close: []string{city.Facilities[fi].ID}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpuPerOp(b)
			for b.Loop() {
				after, err := a.WhatIf(tc.sc)
				if err != nil {
					b.Fatal(err)
				}
				geo.DiffAccess(a, after)
			}
		})
	}
}

// BenchmarkBig32WhatIfNetwork closes one way or adds one link next to a
// clinic in the largest component of the 32-copy city. (In the tiled city
// every copy's main component has the same size: a link elsewhere would
// make that copy's the largest, which moves the snaps SnapStreet makes
// near two copies, a case a real city rarely meets.)
func BenchmarkBig32WhatIfNetwork(b *testing.B) {
	city, a := big(b)
	fi := -1
	for i, f := range city.Facilities {
		if f.Category == "clinic" && city.FacilitySnap[i].Edge >= 0 && city.Graph.InLargest(city.FacilitySnap[i].Edge) {
			fi = i
			break
		}
	}
	if fi < 0 {
		b.Fatal("no clinic in the largest component")
	}
	s := city.FacilitySnap[fi]
	way := city.Graph.EdgeWays(s.Edge)[0]
	p := city.Facilities[fi].Point
	for _, tc := range []struct {
		name string
		sc   geo.Scenario
	}{
		{"close_way", geo.Scenario{CloseWays: []int64{way}}},
		{"add_link", geo.Scenario{AddLinks: []orb.LineString{{s.Point, {p[0] + 0.003, p[1] + 0.002}}}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			reportCPU(b, func() {
				if _, err := a.WhatIf(tc.sc); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkBig32Siting chooses 10 clinic sites among every vertex of the
// underserved cells of the 32-copy city.
func BenchmarkBig32Siting(b *testing.B) {
	_, a := big(b)
	reportCPU(b, func() {
		if _, err := a.Siting(geo.SitingOptions{Category: "clinic", K: 10}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkBig32OpenSnapshot opens the 32-copy city's snapshot (network,
// index, facilities, cells, population and baseline access), written once
// from the loaded city.
func BenchmarkBig32OpenSnapshot(b *testing.B) {
	city, a := big(b)
	path := filepath.Join(b.TempDir(), "big.snap")
	if err := data.WriteSnapshot(path, city, nil, a); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, _, err := data.OpenSnapshot(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok, err := data.StoredAccess(c, geo.AccessOptions{}); !ok || err != nil {
			b.Fatal("no stored baseline", err)
		}
	}
}
