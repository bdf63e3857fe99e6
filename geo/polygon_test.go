package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// starRing returns a closed star-shaped ring of n points around centre,
// outer radius rDeg degrees, with irregular inner points.
func starRing(centre orb.Point, rDeg float64, n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		f := 1.0
		if i%2 == 1 {
			f = 0.4 + 0.3*math.Sin(float64(i))
		}
		r = append(r, orb.Point{centre[0] + rDeg*f*math.Cos(a), centre[1] + rDeg*f*math.Sin(a)})
	}
	return append(r, r[0])
}

// randomPoint returns a uniform point in b.
func randomPoint(rng *rand.Rand, b orb.Bound) orb.Point {
	return orb.Point{
		b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
		b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
	}
}

// TestPolygonSetMatchesPlanar checks the banded point-in-polygon test
// against orb's planar one on random points (fixed seed).
func TestPolygonSetMatchesPlanar(t *testing.T) {
	star := starRing(orb.Point{9.5, 47.1}, 0.01, 200)
	hole := popSquare(orb.Point{9.499, 47.099}, 0.002)
	hole.Reverse()
	u := orb.Polygon{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}
	tests := []struct {
		name string
		poly orb.Polygon
	}{
		{"U shape", u},
		{"square with hole", orb.Polygon{popSquare(orb.Point{0, 0}, 4), popSquare(orb.Point{1, 1}, 2)}},
		{"unclosed triangle", orb.Polygon{{{0, 0}, {1, 0}, {0, 1}}}},
		{"star with hole", orb.Polygon{star, hole}},
		{"square with two holes, one a two-point ring", orb.Polygon{
			popSquare(orb.Point{0, 0}, 4), popSquare(orb.Point{0.5, 0.5}, 1), {{2, 2}, {3, 3}}, popSquare(orb.Point{2.5, 2.5}, 1),
		}},
		{"flat ring", orb.Polygon{{{0, 1}, {1, 1}, {2, 1}, {0, 1}}}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewPolygonSet([]orb.Polygon{tt.poly})
			b := tt.poly.Bound()
			b = b.Pad(0.1*(b.Max[1]-b.Min[1]) + 0.1)
			for range 20000 {
				p := randomPoint(rng, b)
				if got, want := s.Contains(p), planar.PolygonContains(tt.poly, p); got != want {
					t.Fatalf("Contains(%v) = %v, planar says %v", p, got, want)
				}
			}
			// Boundary points where the answer is exact: vertices (in on
			// the outer ring, out on a hole) and midpoints of horizontal
			// and vertical edges.
			for _, r := range tt.poly {
				if len(r) < 3 {
					continue
				}
				for i, a := range r {
					c := r[(i+1)%len(r)]
					pts := []orb.Point{a}
					if a[0] == c[0] || a[1] == c[1] {
						pts = append(pts, orb.Point{(a[0] + c[0]) / 2, (a[1] + c[1]) / 2})
					}
					for _, p := range pts {
						if got, want := s.Contains(p), planar.PolygonContains(tt.poly, p); got != want {
							t.Errorf("boundary point %v: Contains = %v, planar says %v", p, got, want)
						}
					}
				}
			}
		})
	}
}

// TestPolygonSetFirstMatchesPlanar checks First and Contains over
// overlapping multipolygons with holes against a linear scan with orb's
// planar test.
func TestPolygonSetFirstMatchesPlanar(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var mps []orb.MultiPolygon
	for range 40 {
		var mp orb.MultiPolygon
		for range 1 + rng.IntN(3) {
			c := orb.Point{9.45 + 0.1*rng.Float64(), 47.05 + 0.1*rng.Float64()}
			rDeg := 0.005 + 0.02*rng.Float64()
			poly := orb.Polygon{starRing(c, rDeg, 8+2*rng.IntN(100))}
			if rng.IntN(2) == 0 {
				h := starRing(c, rDeg/4, 12)
				h.Reverse()
				poly = append(poly, h)
			}
			mp = append(mp, poly)
		}
		mps = append(mps, mp)
	}
	mps = append(mps, nil, orb.MultiPolygon{{{{9.5, 47.1}, {9.6, 47.2}}}}) // hold nothing
	s := NewPolygonSetMulti(mps)
	if s.Len() != len(mps) {
		t.Errorf("Len = %d, want %d", s.Len(), len(mps))
	}
	var polys []orb.Polygon
	var owner []int
	for i, mp := range mps {
		for _, p := range mp {
			polys = append(polys, p)
			owner = append(owner, i)
		}
	}
	ps := NewPolygonSet(polys)
	bounds := make([]orb.Bound, len(mps))
	for i, mp := range mps {
		bounds[i] = mp.Bound()
	}
	b := orb.Bound{Min: orb.Point{9.42, 47.02}, Max: orb.Point{9.58, 47.18}}
	hits := 0
	for range 20000 {
		p := randomPoint(rng, b)
		want := -1
		for i, mp := range mps {
			if bounds[i].Contains(p) && planar.MultiPolygonContains(mp, p) {
				want = i
				break
			}
		}
		if got := s.First(p); got != want {
			t.Fatalf("First(%v) = %d, want %d", p, got, want)
		}
		if got := s.Contains(p); got != (want >= 0) {
			t.Fatalf("Contains(%v) = %v, want %v", p, got, want >= 0)
		}
		if got := ps.First(p); (got >= 0) != (want >= 0) || got >= 0 && owner[got] != want {
			t.Fatalf("polygon set First(%v) = %d, want a polygon of multipolygon %d", p, got, want)
		}
		if want >= 0 {
			hits++
		}
	}
	if hits < 1000 {
		t.Errorf("only %d random points inside: test polygons too small", hits)
	}
}

func TestPolygonSetEdgeCases(t *testing.T) {
	sq := orb.Polygon{popSquare(orb.Point{0, 0}, 1)}
	s := NewPolygonSet([]orb.Polygon{nil, {{{0, 0}, {1, 1}}}, sq, sq})
	tests := []struct {
		name string
		p    orb.Point
		want int
	}{
		{"inside: lowest index of two equal polygons", orb.Point{0.5, 0.5}, 2},
		{"outside", orb.Point{1.5, 0.5}, -1},
		{"NaN longitude is in nothing", orb.Point{math.NaN(), 0.5}, -1},
		{"NaN latitude is in nothing", orb.Point{0.5, math.NaN()}, -1},
		{"infinite point is in nothing", orb.Point{math.Inf(1), 0.5}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.First(tt.p); got != tt.want {
				t.Errorf("First = %d, want %d", got, tt.want)
			}
			if got := s.Contains(tt.p); got != (tt.want >= 0) {
				t.Errorf("Contains = %v, want %v", got, tt.want >= 0)
			}
		})
	}
	if s.Len() != 4 {
		t.Errorf("Len = %d, want 4", s.Len())
	}
	empty := NewPolygonSet(nil)
	if empty.Len() != 0 || empty.First(orb.Point{0, 0}) != -1 || empty.Contains(orb.Point{0, 0}) {
		t.Errorf("empty set holds something")
	}
}

// TestPolygonSetConcurrent queries a fresh set from several goroutines, so
// that they race to prepare the same polygons (run with -race).
func TestPolygonSetConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var polys []orb.Polygon
	for range 20 {
		c := orb.Point{9.45 + 0.1*rng.Float64(), 47.05 + 0.1*rng.Float64()}
		polys = append(polys, orb.Polygon{starRing(c, 0.03, 100)})
	}
	pts := make([]orb.Point, 2000)
	want := make([]int, len(pts))
	for i := range pts {
		pts[i] = randomPoint(rng, orb.Bound{Min: orb.Point{9.42, 47.02}, Max: orb.Point{9.58, 47.18}})
		want[i] = -1
		for j, poly := range polys {
			if planar.PolygonContains(poly, pts[i]) {
				want[i] = j
				break
			}
		}
	}
	s := NewPolygonSet(polys)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, p := range pts {
				if got := s.First(p); got != want[i] {
					t.Errorf("First(%v) = %d, want %d", p, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

func ExamplePolygonSet() {
	// Two municipalities near Vaduz, as (lon, lat) squares; the second has
	// a hole.
	west := orb.Polygon{{{9.50, 47.10}, {9.51, 47.10}, {9.51, 47.11}, {9.50, 47.11}, {9.50, 47.10}}}
	east := orb.Polygon{
		{{9.51, 47.10}, {9.52, 47.10}, {9.52, 47.11}, {9.51, 47.11}, {9.51, 47.10}},
		{{9.514, 47.104}, {9.514, 47.106}, {9.516, 47.106}, {9.516, 47.104}, {9.514, 47.104}},
	}
	s := NewPolygonSet([]orb.Polygon{west, east})
	fmt.Println(s.First(orb.Point{9.505, 47.105}), s.First(orb.Point{9.512, 47.105}),
		s.First(orb.Point{9.515, 47.105}), s.Contains(orb.Point{9.6, 47.1}))
	// Output: 0 1 -1 false
}

// wobblyRing returns a closed ring of n points around centre, of radius
// rDeg degrees give or take a fifth: like an OSM outline, its edges are
// short.
func wobblyRing(rng *rand.Rand, centre orb.Point, rDeg float64, n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	k, phase := float64(3+rng.IntN(8)), rng.Float64()*2*math.Pi
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		f := 1 + 0.2*math.Sin(k*a+phase) + 0.02*(rng.Float64()-0.5)
		r = append(r, orb.Point{centre[0] + rDeg*f*math.Cos(a), centre[1] + rDeg*f*math.Sin(a)})
	}
	return append(r, r[0])
}

// BenchmarkPolygonSet queries 100 overlapping polygons of 50 to 2,000
// vertices, a third with a hole, with random points; planar is the same
// query as a linear bound check and orb's planar.PolygonContains.
func BenchmarkPolygonSet(b *testing.B) {
	rng := rand.New(rand.NewPCG(15, 15))
	polys := make([]orb.Polygon, 100)
	for i := range polys {
		c := orb.Point{9.45 + 0.1*rng.Float64(), 47.05 + 0.1*rng.Float64()}
		rDeg := 0.002 + 0.01*rng.Float64()
		polys[i] = orb.Polygon{wobblyRing(rng, c, rDeg, 50+rng.IntN(1950))}
		if i%3 == 0 {
			h := wobblyRing(rng, c, rDeg/4, 40)
			h.Reverse()
			polys[i] = append(polys[i], h)
		}
	}
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = randomPoint(rng, orb.Bound{Min: orb.Point{9.45, 47.05}, Max: orb.Point{9.55, 47.15}})
	}
	// build also queries a vertex of each polygon, so that every polygon
	// is prepared.
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		sink := 0
		for b.Loop() {
			s := NewPolygonSet(polys)
			for _, p := range polys {
				sink += s.First(p[0][0])
			}
		}
		_ = sink
	})
	b.Run("first", func(b *testing.B) {
		s := NewPolygonSet(polys)
		b.ReportAllocs()
		sink, i := 0, 0
		for b.Loop() {
			sink += s.First(pts[i%len(pts)])
			i++
		}
		_ = sink
	})
	b.Run("planar", func(b *testing.B) {
		bounds := make([]orb.Bound, len(polys))
		for i, p := range polys {
			bounds[i] = p.Bound()
		}
		b.ReportAllocs()
		sink, i := 0, 0
		for b.Loop() {
			p := pts[i%len(pts)]
			for j, poly := range polys {
				if bounds[j].Contains(p) && planar.PolygonContains(poly, p) {
					sink += j
					break
				}
			}
			i++
		}
		_ = sink
	})
}
