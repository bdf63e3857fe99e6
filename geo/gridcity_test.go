package geo

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

// Generated grid cities: n × n street corners gridSpacingM apart, one way
// per row and one per column, on the equator so that every block is the
// same length. Corner (row, col) has node id row*n + col. The four outer
// corners join just two ways with equal attributes, so the builder merges
// each into one edge of two blocks: the graph has n² - 4 vertices.
const (
	gridSpacingM = 80.0
	gridLon0     = 10.0
	gridLat0     = 0.0
)

// gridStepDeg is gridSpacingM in degrees of latitude (and of longitude on
// the equator).
var gridStepDeg = gridSpacingM / (earthRadiusM * math.Pi / 180)

// buildGridCity builds the n × n grid city.
func buildGridCity(tb testing.TB, n int) *Graph {
	tb.Helper()
	var b GraphBuilder
	ids := make([]int64, n)
	pts := make([]orb.Point, n)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			ids[c], pts[c] = gridNode(n, r, c)
		}
		b.AddWay(int64(1+r), ids, pts, EdgeAttr{})
	}
	for c := 0; c < n; c++ {
		for r := 0; r < n; r++ {
			ids[r], pts[r] = gridNode(n, r, c)
		}
		b.AddWay(int64(1+n+c), ids, pts, EdgeAttr{})
	}
	g, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func gridNode(n, r, c int) (int64, orb.Point) {
	return int64(r*n + c), orb.Point{gridLon0 + float64(c)*gridStepDeg, gridLat0 + float64(r)*gridStepDeg}
}

// gridRowCol returns the row and column of vertex v.
func gridRowCol(g *Graph, v int) (r, c int) {
	p := g.Vertex(v)
	return int(math.Round((p[1] - gridLat0) / gridStepDeg)), int(math.Round((p[0] - gridLon0) / gridStepDeg))
}

// gridVertexSource returns a source exactly at vertex v: the start or the
// end of one of its edges.
func gridVertexSource(g *Graph, v int, id int32) Source {
	a := g.Out(v)[0]
	e := a.EdgeID()
	off := 0.0
	if a.Reverse() { // the arc walks To -> From: v is the edge's To
		off = g.EdgeLengthM(e)
	}
	return Source{Snap: Snap{Edge: e, OffsetM: off}, ID: id}
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// gridMonotonePathDs walks from vertex v to vertex s always along an arc
// that brings it as many blocks closer as the arc is long, and sums the
// walker's integer edge costs: the exact time of a shortest path in a grid
// whose blocks all cost the same.
func gridMonotonePathDs(tb testing.TB, g *Graph, c *Costs, v, s int) uint32 {
	tb.Helper()
	sr, sc := gridRowCol(g, s)
	dist := func(u int) int {
		r, cc := gridRowCol(g, u)
		return absInt(r-sr) + absInt(cc-sc)
	}
	var sum uint32
	for cur := v; cur != s; {
		next := -1
		for _, a := range g.Out(cur) {
			blocks := int(math.Round(g.EdgeLengthM(a.EdgeID()) / gridSpacingM))
			if dist(cur)-dist(int(a.Head)) == blocks {
				next = int(a.Head)
				sum += c.Edge(a.EdgeID(), a.Reverse())
				break
			}
		}
		if next < 0 {
			tb.Fatalf("no monotone step from vertex %d towards %d", cur, s)
		}
		cur = next
	}
	return sum
}

// TestReachGridClosedForm checks searches on a 30 × 30 grid against the
// closed form: from a source at a vertex, the time of a vertex b blocks
// away (Manhattan distance) is b × round(80 m × deciseconds per metre), the
// sum of the integer block costs along any monotone path; beyond the cutoff
// it is Unreached. From a source part-way along a block, the time is the
// better of its two ends plus their partial block costs.
func TestReachGridClosedForm(t *testing.T) {
	const n = 30
	g := buildGridCity(t, n)
	if got := g.NumVertices(); got != n*n-4 {
		t.Fatalf("%d vertices, want %d (corners merge)", got, n*n-4)
	}
	if got := g.NumComponents(); got != 1 {
		t.Fatalf("%d components, want 1", got)
	}
	s := NewSearcher(g)
	for _, prof := range DefaultProfiles() {
		c := NewCosts(g, &prof)
		blockDs := uint32(math.Round(gridSpacingM * 10 / prof.SpeedMps()))
		for e := 0; e < g.NumEdges(); e++ {
			blocks := uint32(math.Round(g.EdgeLengthM(e) / gridSpacingM))
			if c.Edge(e, false) != blocks*blockDs || c.Edge(e, true) != blocks*blockDs {
				t.Fatalf("%s: edge %d of %v m costs %d/%d ds, want %d × %d", prof.ID, e, g.EdgeLengthM(e), c.Edge(e, false), c.Edge(e, true), blocks, blockDs)
			}
		}
		t.Run(prof.ID+"/vertex source", func(t *testing.T) {
			var src int
			for v := 0; v < g.NumVertices(); v++ {
				if r, cc := gridRowCol(g, v); r == 12 && cc == 17 {
					src = v
				}
			}
			const cutoffBlocks = 20
			cutoff := cutoffBlocks*blockDs + blockDs/2
			for _, toSource := range []bool{true, false} {
				r := s.Reach(c, []Source{gridVertexSource(g, src, 7)}, cutoff, toSource)
				sr, sc := gridRowCol(g, src)
				var reached int
				for v := 0; v < g.NumVertices(); v++ {
					vr, vc := gridRowCol(g, v)
					blocks := absInt(vr-sr) + absInt(vc-sc)
					want, wantID := uint32(blocks)*blockDs, int32(7)
					if path := gridMonotonePathDs(t, g, c, v, src); path != want {
						t.Fatalf("vertex (%d,%d): monotone path %d ds, closed form %d", vr, vc, path, want)
					}
					if blocks > cutoffBlocks {
						want, wantID = Unreached, -1
					} else {
						reached++
					}
					if r.TimeDs[v] != want || r.Nearest[v] != wantID {
						t.Errorf("toSource=%v vertex (%d,%d), %d blocks: time %d nearest %d, want %d %d",
							toSource, vr, vc, blocks, r.TimeDs[v], r.Nearest[v], want, wantID)
					}
				}
				if reached < 500 {
					t.Errorf("only %d vertices within the cutoff", reached)
				}
			}
		})
		t.Run(prof.ID+"/source along a block", func(t *testing.T) {
			// A block in the middle, 30 m from its From vertex, with 50 ds
			// already spent reaching it.
			var e int
			for e = 0; e < g.NumEdges(); e++ {
				f, _ := g.EdgeEnds(e)
				if r, cc := gridRowCol(g, f); r == 15 && cc == 15 {
					break
				}
			}
			if e == g.NumEdges() {
				t.Fatal("no edge starts at (15,15)")
			}
			const offM, startDs = 30.0, 50
			from, to := g.EdgeEnds(e)
			toFrom := uint32(math.Round(float64(blockDs) * offM / gridSpacingM))
			toTo := uint32(math.Round(float64(blockDs) * (gridSpacingM - offM) / gridSpacingM))
			fr, fc := gridRowCol(g, from)
			tr, tc := gridRowCol(g, to)
			r := s.Reach(c, []Source{{Snap: Snap{Edge: e, OffsetM: offM}, StartDs: startDs, ID: 3}}, Unreached-1, true)
			for v := 0; v < g.NumVertices(); v++ {
				vr, vc := gridRowCol(g, v)
				viaFrom := startDs + toFrom + uint32(absInt(vr-fr)+absInt(vc-fc))*blockDs
				viaTo := startDs + toTo + uint32(absInt(vr-tr)+absInt(vc-tc))*blockDs
				if want := min(viaFrom, viaTo); r.TimeDs[v] != want {
					t.Errorf("vertex (%d,%d): time %d, want min(%d, %d)", vr, vc, r.TimeDs[v], viaFrom, viaTo)
				}
			}
			// A point on the same block, 70 m from From, 10 m off the
			// street: along the block to the source, then the leg.
			leg := c.Leg(10)
			got, id := r.At(Snap{Edge: e, OffsetM: 70, DistM: 10}, leg)
			want := startDs + uint32(math.Round(float64(blockDs)*40/gridSpacingM)) + leg
			if got != want || id != 3 {
				t.Errorf("point on the source's block: %d ds from %d, want %d from 3", got, id, want)
			}
		})
	}
}

// The million-vertex grid city, built once per test binary.
const (
	gridBigN          = 1000
	gridBigFacilities = 2000
)

var (
	gridBigOnce sync.Once
	gridBig     *Graph
)

func gridCity1M(tb testing.TB) *Graph {
	tb.Helper()
	if testing.Short() {
		tb.Skip("building a 1,000,000-vertex grid takes seconds")
	}
	gridBigOnce.Do(func() { gridBig = buildGridCity(tb, gridBigN) })
	if gridBig == nil {
		tb.Fatal("grid city not built")
	}
	return gridBig
}

// gridRandomSources places n facilities at distinct random vertices, with a
// fixed seed.
func gridRandomSources(g *Graph, n int, seed uint64) []Source {
	rng := rand.New(rand.NewPCG(seed, 15))
	seen := make(map[int]bool, n)
	src := make([]Source, 0, n)
	for len(src) < n {
		v := rng.IntN(g.NumVertices())
		if seen[v] {
			continue
		}
		seen[v] = true
		src = append(src, gridVertexSource(g, v, int32(len(src))))
	}
	return src
}

// BenchmarkReachGrid1M is one multi-source search over a 1000 × 1000 grid
// city (80 km across) from 2,000 facilities at random vertices, towards
// them, adult walker, 30-minute cutoff: one category's nearest times for a
// large city. Target under 0.2 s on one core (GOMAXPROCS=1). B/node is the
// memory of the per-category result (TimeDs and Nearest), graph-B/node that
// of the graph.
func BenchmarkReachGrid1M(b *testing.B) {
	g := gridCity1M(b)
	c := NewCosts(g, &DefaultProfiles()[0])
	src := gridRandomSources(g, gridBigFacilities, 1)
	s := NewSearcher(g)
	cutoff := MinToDs(30)
	var r *Reach
	b.ReportAllocs()
	for b.Loop() {
		r = s.Reach(c, src, cutoff, true)
	}
	var reached int
	for _, t := range r.TimeDs {
		if t != Unreached {
			reached++
		}
	}
	nv := float64(g.NumVertices())
	b.ReportMetric(float64(cap(r.TimeDs)*4+cap(r.Nearest)*4)/nv, "B/node")
	b.ReportMetric(float64(g.SizeBytes())/nv, "graph-B/node")
	b.ReportMetric(float64(reached)/nv, "reached/node")
}
