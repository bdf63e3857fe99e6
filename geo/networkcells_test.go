package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"fifteen/geo/hex"
)

// TestCellLocatorMatchesH3 walks random paths, in steps of a fraction of a
// cell, and checks that the remembered outlines never answer differently
// from H3, including at cell vertices, at high latitudes and across the
// antimeridian.
func TestCellLocatorMatchesH3(t *testing.T) {
	tests := []struct {
		name  string
		start orb.Point
		res   int
	}{
		{"Vaduz res 10", orb.Point{9.52, 47.14}, 10},
		{"Vaduz res 12", orb.Point{9.52, 47.14}, 12},
		{"Vaduz res 7", orb.Point{9.52, 47.14}, 7},
		{"Porto Alegre res 10", orb.Point{-51.23, -30.03}, 10},
		{"equator res 10", orb.Point{0.001, 0.001}, 10},
		{"Longyearbyen res 10", orb.Point{15.63, 78.22}, 10},
		{"near the pole res 9", orb.Point{30, 89.9}, 9},
		{"antimeridian res 10", orb.Point{179.9995, -16.5}, 10},
		{"coarse res 3", orb.Point{9.52, 47.14}, 3},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := newCellLocator(tt.res)
			stepDeg := hex.EdgeLengthM(tt.res) / 111_320 / 4
			p := tt.start
			check := func(p orb.Point) {
				t.Helper()
				want, err := hex.FromPoint(p, tt.res)
				got, ok := loc.cell(p)
				if ok != (err == nil) || got != want {
					t.Fatalf("cell(%v) = %s, %v; H3 says %s, %v", p, got, ok, want, err)
				}
			}
			for range 20000 {
				dir := rng.Float64() * 2 * math.Pi
				p = orb.Point{p[0] + stepDeg*math.Cos(dir), p[1] + stepDeg*math.Sin(dir)}
				if p[0] > 180 {
					p[0] -= 360
				}
				p[1] = min(p[1], 90)
				check(p)
			}
			// Vertices of remembered cells sit on the outline: H3 decides.
			n := 0
			for c := range loc.shapes {
				for _, v := range c.Boundary() {
					check(v)
				}
				if n++; n == 50 {
					break
				}
			}
		})
	}
	loc := newCellLocator(10)
	loc.cell(orb.Point{9.52, 47.14})
	if _, ok := loc.cell(orb.Point{math.NaN(), 47.14}); ok {
		t.Errorf("NaN point located")
	}
	if _, ok := loc.cell(orb.Point{47.14, 120}); ok {
		t.Errorf("swapped point located")
	}
}

// BenchmarkNetworkCells covers a 4 km × 4 km grid of streets 100 m apart,
// with a vertex every 20 m.
func BenchmarkNetworkCells(b *testing.B) {
	var gb GraphBuilder
	const n, stepDeg = 40, 0.0009
	id := int64(0)
	for w := range 2 * n {
		var ids []int64
		var pts []orb.Point
		for k := range 5*n + 1 {
			along := 9.50 + float64(k)*stepDeg/5
			across := 47.10 + float64(w%n)*stepDeg
			p := orb.Point{along, across}
			if w >= n {
				p = orb.Point{9.50 + float64(w%n)*stepDeg, 47.10 + float64(k)*stepDeg/5}
			}
			id++
			ids = append(ids, id)
			pts = append(pts, p)
		}
		gb.AddWay(int64(w+1), ids, pts, EdgeAttr{})
	}
	g, err := gb.Build()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var sink []hex.Cell
	for b.Loop() {
		sink = NetworkCells(g, PopulationRes)
	}
	_ = sink
}
