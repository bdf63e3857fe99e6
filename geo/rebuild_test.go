package geo

import (
	"fmt"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// rebuild is the reference the tests check network what-ifs against
// (Graph.patch is what scenarios use). It returns a new graph without the edges built from closeWays and
// with links added as plain footways. Each link's ends join the network at
// the nearest point within maxDistM (splitting the edge there); the link's
// geometry runs from those points through its inner points. Closing any way
// of a merged chain closes the whole chain: it has no junction in between.
func (g *Graph) rebuild(ix *SegmentIndex, maxDistM float64, closeWays []int64, links []orb.LineString) (*Graph, error) {
	closed := map[int64]bool{}
	for _, w := range closeWays {
		closed[w] = true
	}
	found := map[int64]bool{}
	drop := make([]bool, g.NumEdges())
	for e := range drop {
		for _, w := range g.EdgeWays(e) {
			if closed[w] {
				drop[e] = true
				found[w] = true
			}
		}
	}
	for _, w := range closeWays {
		if !found[w] {
			return nil, fmt.Errorf("%w: way %d is not in the walk network", ErrBadScenario, w)
		}
	}
	// Node ids: vertices keep their index; every other point gets a new
	// negative id.
	next := int64(-1)
	newID := func() int64 { next--; return next + 1 }
	type split struct {
		offM float64
		id   int64
		pt   orb.Point
	}
	splits := map[int][]split{}
	type linkWay struct {
		ids []int64
		pts []orb.Point
	}
	var lws []linkWay
	end := func(k int, p orb.Point) (int64, orb.Point, error) {
		s, err := ix.SnapStreet(p, maxDistM, false)
		if err != nil {
			return 0, p, fmt.Errorf("%w: link %d: %w", ErrBadScenario, k, err)
		}
		if drop[s.Edge] {
			return 0, p, fmt.Errorf("%w: link %d ends on a closed way", ErrBadScenario, k)
		}
		f, t := g.EdgeEnds(s.Edge)
		switch {
		case s.OffsetM < 0.5:
			return int64(f), g.Vertex(f), nil
		case s.OffsetM > g.EdgeLengthM(s.Edge)-0.5:
			return int64(t), g.Vertex(t), nil
		}
		id := newID()
		splits[s.Edge] = append(splits[s.Edge], split{s.OffsetM, id, s.Point})
		return id, s.Point, nil
	}
	for k, l := range links {
		if len(l) < 2 {
			return nil, fmt.Errorf("%w: link %d has fewer than two points", ErrBadScenario, k)
		}
		for _, p := range l {
			if err := ValidPoint(p); err != nil {
				return nil, fmt.Errorf("%w: link %d: %w", ErrBadScenario, k, err)
			}
		}
		a, pa, err := end(k, l[0])
		if err != nil {
			return nil, err
		}
		z, pz, err := end(k, l[len(l)-1])
		if err != nil {
			return nil, err
		}
		lw := linkWay{ids: []int64{a}, pts: []orb.Point{pa}}
		for _, p := range l[1 : len(l)-1] {
			lw.ids = append(lw.ids, newID())
			lw.pts = append(lw.pts, p)
		}
		lw.ids = append(lw.ids, z)
		lw.pts = append(lw.pts, pz)
		lws = append(lws, lw)
	}
	var b GraphBuilder
	var pts []orb.Point
	for e := 0; e < g.NumEdges(); e++ {
		if drop[e] {
			continue
		}
		pts = g.AppendEdgeGeometry(pts[:0], e)
		f, t := g.EdgeEnds(e)
		ids := make([]int64, len(pts))
		ids[0], ids[len(ids)-1] = int64(f), int64(t)
		for i := 1; i < len(ids)-1; i++ {
			ids[i] = newID()
		}
		wp := slices.Clone(pts)
		if sp := splits[e]; len(sp) > 0 {
			slices.SortFunc(sp, func(x, y split) int {
				switch {
				case x.offM < y.offM:
					return -1
				case x.offM > y.offM:
					return 1
				}
				return 0
			})
			ids, wp = insertSplits(wp, ids, sp, func(s split) (float64, int64, orb.Point) { return s.offM, s.id, s.pt })
		}
		b.addEdgeWays(g.EdgeWays(e), ids, wp, g.EdgeAttr(e))
	}
	for k, lw := range lws {
		if lw.ids[0] == lw.ids[len(lw.ids)-1] && len(lw.ids) == 2 {
			return nil, fmt.Errorf("%w: link %d joins a point to itself", ErrBadScenario, k)
		}
		b.AddWay(-int64(k+1), lw.ids, lw.pts, EdgeAttr{})
	}
	return b.Build()
}

// insertSplits inserts points at offsets along a line (sorted by offset).
func insertSplits[S any](pts []orb.Point, ids []int64, sp []S, get func(S) (float64, int64, orb.Point)) ([]int64, []orb.Point) {
	outIDs := []int64{ids[0]}
	outPts := []orb.Point{pts[0]}
	var cum float64
	k := 0
	for i := 1; i < len(pts); i++ {
		seg := orbgeo.Distance(pts[i-1], pts[i])
		for k < len(sp) {
			off, id, p := get(sp[k])
			if off > cum+seg {
				break
			}
			outIDs = append(outIDs, id)
			outPts = append(outPts, p)
			k++
		}
		cum += seg
		outIDs = append(outIDs, ids[i])
		outPts = append(outPts, pts[i])
	}
	for ; k < len(sp); k++ { // rounding past the end
		_, id, p := get(sp[k])
		n := len(outIDs) - 1
		outIDs = slices.Insert(outIDs, n, id)
		outPts = slices.Insert(outPts, n, p)
	}
	return outIDs, outPts
}
