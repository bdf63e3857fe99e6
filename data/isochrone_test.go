package data

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"fifteen/geo"
	"fifteen/geo/hex"
)

func TestIsochroneContainsReachedAndNotFarUnreached(t *testing.T) {
	city := defaultCity(t)
	g := city.Graph
	costs := geo.NewCosts(g, &geo.DefaultProfiles()[0])
	s := geo.NewSearcher(g)
	origin := orb.Point{9.5209, 47.1410} // Vaduz, Städtle
	res, err := geo.Isochrone(city, costs, s, origin, geo.IsochroneOptions{Edges: true})
	if err != nil {
		t.Fatal(err)
	}
	// Independent times to every vertex: a full single-source search.
	full := geo.NewSearcher(g).Reach(costs, []geo.Source{{Snap: res.Snap, StartDs: costs.Leg(res.Snap.DistM)}}, geo.Unreached-1, false)
	tolM := 2 * hex.EdgeLengthM(geo.IsochroneRes)
	for _, c := range res.Contours {
		thr := geo.MinToDs(c.Minutes)
		inside, reached := 0, 0
		for v := 0; v < g.NumVertices(); v++ {
			p := g.Vertex(v)
			in := planar.MultiPolygonContains(c.Area, p)
			if full.TimeDs[v] <= thr {
				reached++
				if !in {
					t.Errorf("%v min: reached vertex %d (%.1f min) outside the contour", c.Minutes, v, geo.DsToMin(full.TimeDs[v]))
				}
				continue
			}
			if in {
				inside++
				// An unreached vertex inside must be next to a reached
				// street: within two cells of a reached edge.
				if d := distToEdges(res.Edges, p, c.Minutes); d > tolM {
					t.Errorf("%v min: vertex %d at %.1f min lies inside, %.0f m from any reached street", c.Minutes, v, geo.DsToMin(full.TimeDs[v]), d)
				}
			}
		}
		if reached != c.Vertices {
			t.Errorf("%v min: %d vertices reached, contour says %d", c.Minutes, reached, c.Vertices)
		}
		t.Logf("%v min: %d vertices, %.2f km², %d unreached vertices within tolerance inside", c.Minutes, reached, c.AreaKm2, inside)
	}
	if !(res.Contours[0].AreaKm2 < res.Contours[1].AreaKm2 && res.Contours[1].AreaKm2 < res.Contours[2].AreaKm2) {
		t.Errorf("areas do not grow: %v", res.Contours)
	}
	// 15 minutes at 4.5 km/h is 1,125 m: nothing reached lies farther.
	for _, e := range res.Edges {
		for _, p := range e.Line {
			if d := distM(origin, p); d > 1125+res.Snap.DistM+1 {
				t.Fatalf("reached point %.0f m away, farther than 15 min of walking", d)
			}
		}
	}
}

func distToEdges(edges []geo.ReachedEdge, p orb.Point, maxMin float64) float64 {
	best := math.Inf(1)
	for _, e := range edges {
		if e.FromMin > maxMin && e.ToMin > maxMin {
			continue
		}
		for _, q := range e.Line {
			best = math.Min(best, distM(p, q))
		}
	}
	return best
}

func distM(a, b orb.Point) float64 {
	const r = orb.EarthRadius
	dx := (b[0] - a[0]) * math.Pi / 180 * r * math.Cos(a[1]*math.Pi/180)
	dy := (b[1] - a[1]) * math.Pi / 180 * r
	return math.Hypot(dx, dy)
}

func TestIsochroneBadInput(t *testing.T) {
	city := defaultCity(t)
	costs := geo.NewCosts(city.Graph, &geo.DefaultProfiles()[0])
	s := geo.NewSearcher(city.Graph)
	if _, err := geo.Isochrone(city, costs, s, orb.Point{8.0, 47.1}, geo.IsochroneOptions{}); !errors.Is(err, geo.ErrTooFar) {
		t.Errorf("far point: %v", err)
	}
	if _, err := geo.Isochrone(city, costs, s, orb.Point{9.52, 47.14}, geo.IsochroneOptions{Minutes: []float64{-5}}); !errors.Is(err, geo.ErrBadOption) {
		t.Errorf("negative minutes: %v", err)
	}
	if _, err := geo.Isochrone(city, costs, s, orb.Point{math.NaN(), 47.14}, geo.IsochroneOptions{}); !errors.Is(err, geo.ErrBadCoordinate) {
		t.Errorf("NaN: %v", err)
	}
}

// BenchmarkIsochrone15 is one 5/10/15-minute isochrone in Vaduz from a
// searcher that has met these cells before (a running server's case).
func BenchmarkIsochrone15(b *testing.B) {
	city := defaultCity(b)
	costs := geo.NewCosts(city.Graph, &geo.DefaultProfiles()[0])
	s := geo.NewSearcher(city.Graph)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := geo.Isochrone(city, costs, s, orb.Point{9.5209, 47.1410}, geo.IsochroneOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIsochrone15Cold is the same from a new searcher each time: every
// cell shape comes from H3.
func BenchmarkIsochrone15Cold(b *testing.B) {
	city := defaultCity(b)
	costs := geo.NewCosts(city.Graph, &geo.DefaultProfiles()[0])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := geo.Isochrone(city, costs, geo.NewSearcher(city.Graph), orb.Point{9.5209, 47.1410}, geo.IsochroneOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestIsochroneWithSharedCellShapes(t *testing.T) {
	city := defaultCity(t)
	costs := geo.NewCosts(city.Graph, &geo.DefaultProfiles()[1])
	shapes := geo.NewCellShapes(city.Graph, geo.IsochroneRes)
	if shapes.Len() == 0 {
		t.Fatal("no cell shapes")
	}
	for _, o := range []orb.Point{{9.5209, 47.1410}, {9.5290, 47.1070}, {9.5600, 47.2400}} {
		plain, err := geo.Isochrone(city, costs, geo.NewSearcher(city.Graph), o, geo.IsochroneOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s := geo.NewSearcher(city.Graph)
		s.UseCellShapes(shapes)
		shared, err := geo.Isochrone(city, costs, s, o, geo.IsochroneOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range plain.Contours {
			a, b := plain.Contours[i], shared.Contours[i]
			if a.AreaKm2 != b.AreaKm2 || a.Vertices != b.Vertices || !orb.Equal(a.Area, b.Area) {
				t.Fatalf("%v, %v min: shared shapes give another contour", o, a.Minutes)
			}
		}
	}
}

// BenchmarkIsochrone15Shared is an isochrone from a new searcher that uses
// the city's shared cell shapes, as a server's searchers do.
func BenchmarkIsochrone15Shared(b *testing.B) {
	city := defaultCity(b)
	costs := geo.NewCosts(city.Graph, &geo.DefaultProfiles()[0])
	shapes := geo.NewCellShapes(city.Graph, geo.IsochroneRes)
	b.ReportAllocs()
	for b.Loop() {
		s := geo.NewSearcher(city.Graph)
		s.UseCellShapes(shapes)
		if _, err := geo.Isochrone(city, costs, s, orb.Point{9.5209, 47.1410}, geo.IsochroneOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCellShapes builds the shared shapes of the default city.
func BenchmarkCellShapes(b *testing.B) {
	city := defaultCity(b)
	for b.Loop() {
		geo.NewCellShapes(city.Graph, geo.IsochroneRes)
	}
}
