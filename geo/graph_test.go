package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// pt places node i of a test grid: ids are 100*row + col, about 111 m apart.
func pt(id int64) orb.Point {
	return orb.Point{9.5 + float64(id%100)*0.001, 47.1 + float64(id/100)*0.001}
}

func addWay(b *GraphBuilder, way int64, attr EdgeAttr, ids ...int64) {
	pts := make([]orb.Point, len(ids))
	for i, id := range ids {
		pts[i] = pt(id)
	}
	b.AddWay(way, ids, pts, attr)
}

func rawLength(ids ...int64) float64 {
	var s float64
	for i := 1; i < len(ids); i++ {
		s += orbgeo.Distance(pt(ids[i-1]), pt(ids[i]))
	}
	return s
}

func TestBuildMergesChains(t *testing.T) {
	steps := EdgeAttr{Flags: FlagSteps}
	fwd := EdgeAttr{Flags: FlagOnewayFwd}
	tests := []struct {
		name      string
		ways      func(b *GraphBuilder)
		vertices  int
		edges     int
		lengthM   float64
		wantArcs  int // total out arcs
		oneVertex bool
	}{
		{"two ways end to end merge into one edge", func(b *GraphBuilder) {
			addWay(b, 1, EdgeAttr{}, 1, 2, 3)
			addWay(b, 2, EdgeAttr{}, 3, 4, 5)
		}, 2, 1, rawLength(1, 2, 3, 4, 5), 2, false},
		{"a way drawn the other way still merges", func(b *GraphBuilder) {
			addWay(b, 1, EdgeAttr{}, 1, 2, 3)
			addWay(b, 2, EdgeAttr{}, 5, 4, 3)
		}, 2, 1, rawLength(1, 2, 3, 4, 5), 2, false},
		{"different attributes keep the junction", func(b *GraphBuilder) {
			addWay(b, 1, EdgeAttr{}, 1, 2, 3)
			addWay(b, 2, steps, 3, 4, 5)
		}, 3, 2, rawLength(1, 2, 3, 4, 5), 4, false},
		{"a side way splits at the shared node", func(b *GraphBuilder) {
			addWay(b, 1, EdgeAttr{}, 1, 2, 3)
			addWay(b, 2, EdgeAttr{}, 2, 102, 202)
		}, 4, 3, rawLength(1, 2, 3) + rawLength(2, 102, 202), 6, false},
		{"an isolated ring keeps one vertex", func(b *GraphBuilder) {
			addWay(b, 1, EdgeAttr{}, 1, 2, 102, 101, 1)
		}, 1, 1, rawLength(1, 2, 102, 101, 1), 2, true},
		{"a ring of two ways keeps one vertex", func(b *GraphBuilder) {
			addWay(b, 1, EdgeAttr{}, 1, 2, 102)
			addWay(b, 2, EdgeAttr{}, 102, 101, 1)
		}, 1, 1, rawLength(1, 2, 102, 101, 1), 2, true},
		{"one-way for walkers in the same direction merges", func(b *GraphBuilder) {
			addWay(b, 1, fwd, 1, 2, 3)
			addWay(b, 2, fwd, 3, 4, 5)
		}, 2, 1, rawLength(1, 2, 3, 4, 5), 1, false},
		{"one-way for walkers in opposite directions does not merge", func(b *GraphBuilder) {
			addWay(b, 1, fwd, 1, 2, 3)
			addWay(b, 2, fwd, 5, 4, 3)
		}, 3, 2, rawLength(1, 2, 3, 4, 5), 2, false},
		{"a clipped way added as two pieces is not joined across the gap", func(b *GraphBuilder) {
			addWay(b, 1, EdgeAttr{}, 1, 2)
			addWay(b, 1, EdgeAttr{}, 4, 5)
		}, 4, 2, rawLength(1, 2) + rawLength(4, 5), 4, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b GraphBuilder
			tc.ways(&b)
			g, err := b.Build()
			if err != nil {
				t.Fatal(err)
			}
			if g.NumVertices() != tc.vertices || g.NumEdges() != tc.edges {
				t.Fatalf("got %d vertices %d edges, want %d and %d", g.NumVertices(), g.NumEdges(), tc.vertices, tc.edges)
			}
			if got := g.TotalLengthM(); math.Abs(got-tc.lengthM) > 1e-3*tc.lengthM {
				t.Errorf("length %.3f, want %.3f", got, tc.lengthM)
			}
			arcs := 0
			for v := 0; v < g.NumVertices(); v++ {
				arcs += len(g.Out(v))
			}
			if arcs != tc.wantArcs {
				t.Errorf("%d arcs, want %d", arcs, tc.wantArcs)
			}
			checkGraph(t, g)
		})
	}
}

// checkGraph verifies the invariants every built graph keeps.
func checkGraph(t *testing.T, g *Graph) {
	t.Helper()
	for e := 0; e < g.NumEdges(); e++ {
		f, to := g.EdgeEnds(e)
		geom := g.EdgeGeometry(e)
		if len(geom) < 2 || geom[0] != g.Vertex(f) || geom[len(geom)-1] != g.Vertex(to) {
			t.Fatalf("edge %d geometry does not join its vertices", e)
		}
		var l float64
		for i := 1; i < len(geom); i++ {
			l += orbgeo.Distance(geom[i-1], geom[i])
		}
		if math.Abs(l-g.EdgeLengthM(e)) > 1e-3*math.Max(l, 1) {
			t.Fatalf("edge %d length %.3f, geometry %.3f", e, g.EdgeLengthM(e), l)
		}
		if g.Component(f) != g.Component(to) {
			t.Fatalf("edge %d spans two components", e)
		}
		if len(g.EdgeWays(e)) == 0 {
			t.Fatalf("edge %d has no way", e)
		}
	}
	// Every out arc has a matching in arc at its head.
	for v := 0; v < g.NumVertices(); v++ {
		for _, a := range g.Out(v) {
			found := false
			for _, b := range g.In(int(a.Head)) {
				if int(b.Head) == v && b.EdgeID() == a.EdgeID() && b.Reverse() != a.Reverse() {
					found = true
				}
			}
			if !found {
				t.Fatalf("arc %d->%d on edge %d has no in arc", v, a.Head, a.EdgeID())
			}
		}
	}
}

func TestBuildEmpty(t *testing.T) {
	var b GraphBuilder
	if _, err := b.Build(); err != ErrEmptyNetwork {
		t.Fatalf("got %v, want ErrEmptyNetwork", err)
	}
}

// randomWalk returns the node ids of a short random walk on a size×size
// grid of node ids (100*row + col), without repeating a node in a row.
func randomWalk(rng *rand.Rand, size int) []int64 {
	r, c := rng.IntN(size), rng.IntN(size)
	ids := []int64{int64(100*r + c)}
	for k := 0; k < 1+rng.IntN(6); k++ {
		switch rng.IntN(4) {
		case 0:
			c = min(c+1, size-1)
		case 1:
			c = max(c-1, 0)
		case 2:
			r = min(r+1, size-1)
		default:
			r = max(r-1, 0)
		}
		id := int64(100*r + c)
		if id != ids[len(ids)-1] {
			ids = append(ids, id)
		}
	}
	return ids
}

// randomWays adds n random ways over a 20×20 grid of node ids, some of them
// steps, some one-way, so merging meets every case.
func randomWays(b *GraphBuilder, rng *rand.Rand, n int) float64 {
	var total float64
	for w := 0; w < n; w++ {
		ids := randomWalk(rng, 20)
		if len(ids) < 2 {
			continue
		}
		var a EdgeAttr
		switch rng.IntN(6) {
		case 0:
			a.Flags = FlagSteps
		case 1:
			a.Flags = FlagOnewayFwd
		}
		addWay(b, int64(w), a, ids...)
		total += rawLength(ids...)
	}
	return total
}

func TestBuildRandomPreservesLength(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		var b GraphBuilder
		total := randomWays(&b, rng, 5+rng.IntN(80))
		g, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		if got := g.TotalLengthM(); math.Abs(got-total) > 1e-4*total {
			t.Fatalf("seed %d: merged length %.2f m, ways %.2f m", seed, got, total)
		}
		checkGraph(t, g)
		// No kept vertex of degree 2 joins two edges that could merge.
		for v := 0; v < g.NumVertices(); v++ {
			out := g.Out(v)
			if len(out) == 2 && out[0].EdgeID() != out[1].EdgeID() && len(g.In(v)) == 2 {
				a0 := g.EdgeAttr(out[0].EdgeID())
				if out[0].Reverse() {
					a0 = a0.reversed()
				}
				a1 := g.EdgeAttr(out[1].EdgeID())
				if out[1].Reverse() {
					a1 = a1.reversed()
				}
				if a0.reversed() == a1 && a0.Flags&(FlagOnewayFwd|FlagOnewayBwd) == 0 {
					// Degree 2 vertex with equal attributes must have
					// been a piece end used by one way only at both ends:
					// impossible after merging.
					t.Fatalf("seed %d: vertex %d joins two mergeable edges", seed, v)
				}
			}
		}
	}
}

func TestComponents(t *testing.T) {
	var b GraphBuilder
	addWay(&b, 1, EdgeAttr{}, 1, 2, 3)
	addWay(&b, 2, EdgeAttr{}, 2, 102)
	addWay(&b, 3, EdgeAttr{}, 1001, 1002)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if g.NumComponents() != 2 {
		t.Fatalf("%d components, want 2", g.NumComponents())
	}
	if g.ComponentSize(g.LargestComponent()) != 4 {
		t.Fatalf("largest has %d vertices, want 4", g.ComponentSize(g.LargestComponent()))
	}
}

func TestHilbert16IsAPermutationWithUnitSteps(t *testing.T) {
	// On a small corner of the grid the curve visits every cell once and
	// moves one step at a time.
	const n = 16
	pos := map[uint64][2]uint32{}
	for x := uint32(0); x < n; x++ {
		for y := uint32(0); y < n; y++ {
			pos[hilbert16(x<<12, y<<12)>>24] = [2]uint32{x, y}
		}
	}
	if len(pos) != n*n {
		t.Fatalf("%d distinct positions, want %d", len(pos), n*n)
	}
	for d := uint64(1); d < n*n; d++ {
		a, b := pos[d-1], pos[d]
		dx, dy := int(a[0])-int(b[0]), int(a[1])-int(b[1])
		if dx*dx+dy*dy != 1 {
			t.Fatalf("step %d: %v -> %v", d, a, b)
		}
	}
}
