package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// snapHints never change an attachment, on a network of two grids: a
// large one and, 2 km east, a smaller island (where the largest component
// is out of reach), and a third, small grid 100 m north of the large one
// (where it is within reach).
func TestSnapHintsKeepTheAttachment(t *testing.T) {
	var b GraphBuilder
	id := int64(1)
	way := int64(1)
	grid := func(x0, y0 float64, n int) {
		ids := make([][]int64, n)
		for i := range n {
			ids[i] = make([]int64, n)
			for j := range n {
				ids[i][j] = id
				id++
			}
		}
		for j := range n {
			var row, col []int64
			var rp, cp []orb.Point
			for i := range n {
				row = append(row, ids[i][j])
				rp = append(rp, sitePoint(x0+float64(i)*100, y0+float64(j)*100))
				col = append(col, ids[j][i])
				cp = append(cp, sitePoint(x0+float64(j)*100, y0+float64(i)*100))
			}
			b.AddWay(way, row, rp, EdgeAttr{})
			b.AddWay(way+1, col, cp, EdgeAttr{})
			way += 2
		}
	}
	grid(0, 0, 6)
	grid(2500, 0, 3)
	grid(0, 600, 2)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	ix := NewSegmentIndex(g)
	main := largestBound(g)
	rng := rand.New(rand.NewPCG(3, 9))
	var pts []orb.Point
	for v := range g.NumVertices() {
		pts = append(pts, g.Vertex(v))
	}
	for range 500 {
		pts = append(pts, sitePoint(-300+rng.Float64()*3300, -300+rng.Float64()*1300))
	}
	islands := 0
	for _, p := range pts {
		want, werr := ix.SnapStreetFor(p, 250, false, nil)
		got, gerr := ix.snapStreet(p, 250, false, nil, &snapHints{main: &main, onNetwork: true})
		if (werr == nil) != (gerr == nil) || got != want {
			t.Errorf("%v: %+v (%v), SnapStreetFor %+v (%v)", p, got, gerr, want, werr)
		}
		if werr == nil && !g.InLargest(want.Edge) {
			islands++
		}
	}
	if islands == 0 {
		t.Error("no point attached on an island: a weak check")
	}
}
