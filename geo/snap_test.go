package geo

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// bruteNearest checks every segment of every edge.
func bruteNearest(g *Graph, p orb.Point, filter SnapFilter) (int, float64) {
	proj := newLocalProj(p)
	bestE, bestD := -1, math.Inf(1)
	for e := 0; e < g.NumEdges(); e++ {
		if filter != nil && !filter(e, g.EdgeAttr(e)) {
			continue
		}
		geom := g.EdgeGeometry(e)
		for i := 1; i < len(geom); i++ {
			if _, d := proj.segmentDist(geom[i-1], geom[i]); d < bestD {
				bestE, bestD = e, d
			}
		}
	}
	return bestE, bestD
}

func TestNearestMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var b GraphBuilder
	randomWays(&b, rng, 120)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	ix := NewSegmentIndex(g)
	noSteps := func(_ int, a EdgeAttr) bool { return a.Flags&FlagSteps == 0 }
	for i := 0; i < 2000; i++ {
		p := orb.Point{9.49 + rng.Float64()*0.022, 47.09 + rng.Float64()*0.022}
		for _, f := range []SnapFilter{nil, noSteps} {
			s, err := ix.Nearest(p, DefaultSnapM, f)
			_, wantD := bruteNearest(g, p, f)
			if wantD > DefaultSnapM {
				if !errors.Is(err, ErrTooFar) {
					t.Fatalf("%v: want ErrTooFar, got %v", p, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%v: %v", p, err)
			}
			if math.Abs(s.DistM-wantD) > 1e-6 {
				t.Fatalf("%v: dist %.4f, brute force %.4f", p, s.DistM, wantD)
			}
			if s.OffsetM < -1e-6 || s.OffsetM > g.EdgeLengthM(s.Edge)+1e-3 {
				t.Fatalf("offset %.3f outside edge of %.3f m", s.OffsetM, g.EdgeLengthM(s.Edge))
			}
		}
	}
}

func TestNearestHandWorked(t *testing.T) {
	// One straight east-west edge; a point 50 m north of its middle snaps
	// onto the segment (not a vertex) at half its length.
	var b GraphBuilder
	addWay(&b, 1, EdgeAttr{}, 1, 3)
	g, _ := b.Build()
	ix := NewSegmentIndex(g)
	mid := orb.Point{9.502, 47.1}
	north := orb.Point{mid[0], mid[1] + 50/(earthRadiusM*math.Pi/180)}
	s, err := ix.Nearest(north, 250, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s.DistM-50) > 0.01 {
		t.Errorf("distance %.3f m, want 50", s.DistM)
	}
	if math.Abs(s.OffsetM-g.EdgeLengthM(0)/2) > 0.5 {
		t.Errorf("offset %.2f m, want half of %.2f", s.OffsetM, g.EdgeLengthM(0))
	}
	if _, err := ix.Nearest(orb.Point{47.1, 9.5}, 250, nil); !errors.Is(err, ErrTooFar) {
		t.Errorf("swapped lat/lon: got %v, want ErrTooFar", err)
	}
	if _, err := ix.Nearest(orb.Point{math.NaN(), 1}, 250, nil); !errors.Is(err, ErrBadCoordinate) {
		t.Errorf("NaN: got %v, want ErrBadCoordinate", err)
	}
	tunnel := func(_ int, a EdgeAttr) bool { return false }
	if _, err := ix.Nearest(north, 250, tunnel); !errors.Is(err, ErrTooFar) {
		t.Errorf("filtered: got %v, want ErrTooFar", err)
	}
}

func TestSnapStreetPrefersMainNetworkAndSurface(t *testing.T) {
	// A main street (nodes 1..5), 60 m south of the query point; a short
	// island footway 30 m north of it; and a tunnel joined to the street
	// that passes right under the point.
	var b GraphBuilder
	addWay(&b, 1, EdgeAttr{}, 1, 2, 3, 4, 5)
	addWay(&b, 2, EdgeAttr{}, 2, 3) // duplicate, to make 1-5 a bigger component than the island
	island := []orb.Point{{9.5015, 47.1 + 90/(earthRadiusM*math.Pi/180)}, {9.5025, 47.1 + 90/(earthRadiusM*math.Pi/180)}}
	b.AddWay(3, []int64{9001, 9002}, island, EdgeAttr{})
	under := orb.Point{9.502, 47.1 + 60/(earthRadiusM*math.Pi/180)}
	b.AddWay(4, []int64{2, 9101, 4}, []orb.Point{pt(2), under, pt(4)}, EdgeAttr{Flags: FlagTunnel})
	g, _ := b.Build()
	ix := NewSegmentIndex(g)
	p := orb.Point{9.502, 47.1 + 60/(earthRadiusM*math.Pi/180)}
	s, err := ix.SnapStreet(p, 250, false)
	if err != nil {
		t.Fatal(err)
	}
	if !g.InLargest(s.Edge) || math.Abs(s.DistM-60) > 0.5 {
		t.Errorf("street point: edge %d (largest %v) at %.1f m, want the main street at 60 m", s.Edge, g.InLargest(s.Edge), s.DistM)
	}
	if s, _ := ix.SnapStreet(p, 40, false); s.Edge < 0 || g.InLargest(s.Edge) || math.Abs(s.DistM-30) > 0.5 {
		t.Errorf("with a 40 m limit the island is all there is: got edge %d at %.1f m", s.Edge, s.DistM)
	}
	if s, _ := ix.SnapStreet(p, 250, true); g.EdgeAttr(s.Edge).Flags&FlagTunnel == 0 || s.DistM > 0.5 {
		t.Errorf("underground point: got edge %d at %.1f m, want the tunnel", s.Edge, s.DistM)
	}
}
