package geo

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// TestRunTreeMatchesBruteForce checks the packed R-tree's search against
// testing every box, for trees of one item, of one full node, and of
// several levels.
func TestRunTreeMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, runTreeFanout, 5000} {
		boxes := make([]fixedBox, n)
		vals := make([]uint32, n)
		for i := range boxes {
			x, y := int32(rng.IntN(1_000_000)), int32(rng.IntN(1_000_000))
			boxes[i] = fixedBox{x, y, x + int32(rng.IntN(5000)), y + int32(rng.IntN(5000))}
			vals[i] = uint32(i)
		}
		tr := newRunTree(boxes, vals)
		for q := 0; q < 200; q++ {
			x, y := int32(rng.IntN(1_000_000)), int32(rng.IntN(1_000_000))
			qb := fixedBox{x, y, x + int32(rng.IntN(50_000)), y + int32(rng.IntN(50_000))}
			var got, want []uint32
			tr.search(qb, func(v uint32) bool { got = append(got, v); return true })
			for i, b := range boxes {
				if b.intersects(qb) {
					want = append(want, uint32(i))
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("%d items, query %v: found %d boxes, want %d", n, qb, len(got), len(want))
			}
		}
	}
}

// TestGeometryStepsAndWholeEdges builds edges whose steps fit in int16
// and one with a step of over 0.0033° (kept whole), and checks that every
// edge gives back its points exactly, from the graph and from its
// snapshot arrays.
func TestGeometryStepsAndWholeEdges(t *testing.T) {
	var b GraphBuilder
	addWay(&b, 1, EdgeAttr{}, 101, 102, 103, 104)                 // 0.001° steps
	addWay(&b, 2, EdgeAttr{Flags: FlagSteps}, 104, 204, 304, 504) // the last step 0.002°, fits
	long := []orb.Point{pt(504), {pt(504)[0] + 0.005, pt(504)[1]}, {pt(504)[0] + 0.005, pt(504)[1] - 0.0041}}
	b.AddWay(3, []int64{504, 9001, 9002}, long, EdgeAttr{Flags: FlagUnpaved})
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.absEdge) != 1 {
		t.Fatalf("%d edges kept whole, want 1", len(g.absEdge))
	}
	d, err := g.Data()
	if err != nil {
		t.Fatal(err)
	}
	h, err := GraphFromData(d)
	if err != nil {
		t.Fatal(err)
	}
	for e := 0; e < g.NumEdges(); e++ {
		geom := g.EdgeGeometry(e)
		f, to := g.EdgeEnds(e)
		if geom[0] != g.Vertex(f) || geom[len(geom)-1] != g.Vertex(to) {
			t.Errorf("edge %d: geometry %v does not run from vertex %d to %d", e, geom, f, to)
		}
		if n := g.EdgeNumPoints(e); n != len(geom) {
			t.Errorf("edge %d: %d points, EdgeNumPoints %d", e, len(geom), n)
		}
		for i := range geom {
			if g.EdgePoint(e, i) != geom[i] {
				t.Errorf("edge %d point %d: %v, geometry %v", e, i, g.EdgePoint(e, i), geom[i])
			}
		}
		if hg := h.EdgeGeometry(e); !slices.Equal(hg, geom) {
			t.Errorf("edge %d from the snapshot arrays: %v, want %v", e, hg, geom)
		}
	}
	// Every input point is a point of some edge, exactly.
	for _, id := range []int64{101, 102, 103, 104, 204, 304, 504} {
		found := false
		for e := 0; e < g.NumEdges() && !found; e++ {
			found = slices.Contains(g.EdgeGeometry(e), toFixed(pt(id)).point())
		}
		if !found {
			t.Errorf("node %d is on no edge", id)
		}
	}
	for _, p := range long {
		if !slices.Contains(g.EdgeGeometry(int(g.absEdge[0])), toFixed(p).point()) {
			t.Errorf("point %v of the long way is not on the edge kept whole", p)
		}
	}
}
