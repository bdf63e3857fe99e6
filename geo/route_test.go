package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// pointAt returns the point of edge e at offM metres from its From vertex.
func pointAt(g *Graph, e int, offM float64) orb.Point { return edgeSlice(g, e, offM, offM)[0] }

// lineLengthM is the length of a line in metres.
func lineLengthM(l orb.LineString) float64 {
	var d float64
	for i := 1; i < len(l); i++ {
		d += orbgeo.Distance(l[i-1], l[i])
	}
	return d
}

// checkRoute checks a route's line against its ends and its distance.
func checkRoute(t *testing.T, g *Graph, what string, origin Source, p Snap, r Route) {
	t.Helper()
	if len(r.Line) < 2 {
		t.Fatalf("%s: line of %d points", what, len(r.Line))
	}
	if d := orbgeo.Distance(r.Line[0], pointAt(g, origin.Snap.Edge, origin.Snap.OffsetM)); d > 0.01 {
		t.Fatalf("%s: line starts %.3f m from the origin's snapped point", what, d)
	}
	if d := orbgeo.Distance(r.Line[len(r.Line)-1], pointAt(g, p.Edge, p.OffsetM)); d > 0.01 {
		t.Fatalf("%s: line ends %.3f m from the destination's snapped point", what, d)
	}
	netM := r.DistM - origin.Snap.DistM - p.DistM
	if got := lineLengthM(r.Line); math.Abs(got-netM) > 0.01+1e-4*netM {
		t.Fatalf("%s: line is %.3f m long, the route says %.3f m along the network", what, got, netM)
	}
}

// TestRoutesMatchReach checks that the time of every route equals Reach.At
// from the same single source, on random graphs with one-way ways and
// steps, for random destinations (some on the origin's own edge), and that
// each line runs from the origin's snapped point to the destination's.
func TestRoutesMatchReach(t *testing.T) {
	profiles := DefaultProfiles()
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 29))
		var b GraphBuilder
		randomWays(&b, rng, 10+rng.IntN(100))
		g, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		s := NewSearcher(g)
		p := &profiles[rng.IntN(len(profiles))]
		c := NewCosts(g, p)
		origin := randomSources(g, rng, 1)[0]
		origin.Snap.DistM = rng.Float64() * 50
		cutoff := Unreached - 1
		if seed%3 == 0 {
			cutoff = uint32(rng.IntN(5000))
		}
		reach := s.Reach(c, []Source{origin}, cutoff, false)
		tree := s.Routes(c, origin, cutoff)
		for k := 0; k < 60; k++ {
			e := rng.IntN(g.NumEdges())
			if k%10 == 0 {
				e = origin.Snap.Edge
			}
			dst := Snap{Edge: e, OffsetM: rng.Float64() * g.EdgeLengthM(e), DistM: rng.Float64() * 30}
			leg := c.Leg(dst.DistM)
			want, _ := reach.At(dst, leg)
			r, ok := tree.To(dst, leg)
			if !ok {
				if want != Unreached {
					t.Fatalf("seed %d dest %d: no route, Reach.At gives %d ds", seed, k, want)
				}
				continue
			}
			if r.TimeDs != want {
				t.Fatalf("seed %d dest %d: route %d ds, Reach.At %d ds", seed, k, r.TimeDs, want)
			}
			checkRoute(t, g, "random", origin, dst, r)
		}
	}
}

// TestRoutesGrid checks a hand-worked walk on a grid: from a corner to a
// point 3 blocks east and 2 north, 30 m along the last block, the route is
// 5 blocks and 30 m long, bends only at street corners, and the walk back
// is as long.
func TestRoutesGrid(t *testing.T) {
	const n = 10
	g := buildGridCity(t, n)
	prof := DefaultProfiles()[0]
	c := NewCosts(g, &prof)
	s := NewSearcher(g)
	vertexAt := func(r, col int) int {
		for v := 0; v < g.NumVertices(); v++ {
			if vr, vc := gridRowCol(g, v); vr == r && vc == col {
				return v
			}
		}
		t.Fatalf("no vertex (%d,%d)", r, col)
		return -1
	}
	origin := gridVertexSource(g, vertexAt(2, 2), 0)
	// The block from (4,5) to (4,6), 30 m from (4,5).
	var dst Snap
	for e := 0; e < g.NumEdges(); e++ {
		f, to := g.EdgeEnds(e)
		fr, fc := gridRowCol(g, f)
		tr, tc := gridRowCol(g, to)
		if fr == 4 && fc == 5 && tr == 4 && tc == 6 {
			dst = Snap{Edge: e, OffsetM: 30}
		} else if fr == 4 && fc == 6 && tr == 4 && tc == 5 {
			dst = Snap{Edge: e, OffsetM: gridSpacingM - 30}
		}
	}
	tree := s.Routes(c, origin, Unreached-1)
	r, ok := tree.To(dst, 0)
	if !ok {
		t.Fatal("no route")
	}
	wantM := 5*gridSpacingM + 30
	if math.Abs(r.DistM-wantM) > 0.5 {
		t.Errorf("route %.2f m, want %.0f", r.DistM, wantM)
	}
	blockDs := uint32(math.Round(gridSpacingM * 10 / prof.SpeedMps()))
	if want := 5*blockDs + c.Partial(g, dst.Edge, 0, 30); dst.OffsetM == 30 && r.TimeDs != want {
		t.Errorf("route %d ds, want %d", r.TimeDs, want)
	}
	checkRoute(t, g, "grid", origin, dst, r)
	for i, p := range r.Line[:len(r.Line)-1] {
		rr := (p[1] - gridLat0) / gridStepDeg
		cc := (p[0] - gridLon0) / gridStepDeg
		if math.Abs(rr-math.Round(rr)) > 1e-3 && math.Abs(cc-math.Round(cc)) > 1e-3 {
			t.Errorf("point %d %v is off the streets", i, p)
		}
	}
	// Unreachable beyond a short cutoff.
	if _, ok := s.Routes(c, origin, blockDs).To(dst, 0); ok {
		t.Error("a route beyond the cutoff")
	}
}
