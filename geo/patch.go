package geo

import (
	"fmt"
	"maps"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// graphPatch is what a network scenario changed: the edges it took out
// (closed ways, and edges cut where a link joins them) and the edges it
// appended (the links and the pieces of cut edges). Vertices and edges of
// the base graph keep their indexes in the patched graph.
type graphPatch struct {
	removed []int // base edges no longer walkable
	added   []int // edges of the patched graph appended to the base's
}

// patch returns g with the edges of closeWays taken out and links added as
// plain footways, without rebuilding it: every vertex and edge of g keeps
// its index, removed edges stay as unwalkable slots (EdgeOpen is false)
// and new edges and vertices are appended. A link's ends join the network
// at the nearest point within maxDistM, cutting the edge there into two
// new edges. The index returned covers the patched graph: the base index
// (skipping removed edges) and a small one over the new edges.
//
// Unlike rebuild, edges on either side of a junction that lost a way are
// not merged into one: walking times may differ from a rebuilt graph's by
// the rounding of one edge time (a decisecond) per such junction.
func (g *Graph) patch(ix *SegmentIndex, maxDistM float64, closeWays []int64, links []orb.LineString) (*Graph, *SegmentIndex, *graphPatch, error) {
	closed := map[int64]bool{}
	for _, w := range closeWays {
		closed[w] = true
	}
	ne := g.NumEdges()
	off := make([]bool, ne)
	if g.off != nil {
		copy(off, g.off)
	}
	found := map[int64]bool{}
	pt := &graphPatch{}
	if len(closed) > 0 {
		for e := 0; e < ne; e++ {
			for _, w := range g.EdgeWays(e) {
				if closed[w] {
					found[w] = true
					if !off[e] {
						off[e] = true
						pt.removed = append(pt.removed, e)
					}
				}
			}
		}
	}
	for _, w := range closeWays {
		if !found[w] {
			return nil, nil, nil, fmt.Errorf("%w: way %d is not in the walk network", ErrBadScenario, w)
		}
	}
	if !slices.Contains(off, false) {
		// As rebuild's ErrEmptyNetwork: nothing is left to walk on (and no
		// link could join it).
		return nil, nil, nil, fmt.Errorf("%w: the scenario closes every way and leaves no walk network", ErrBadScenario)
	}
	h := &Graph{
		vertex:  slices.Clip(g.vertex),
		from:    slices.Clip(g.from),
		to:      slices.Clip(g.to),
		lengthM: slices.Clip(g.lengthM),
		attr:    slices.Clip(g.attr),
		geomOff: slices.Clip(g.geomOff),
		geom:    slices.Clip(g.geom),
		absEdge: slices.Clip(g.absEdge),
		absOff:  slices.Clip(g.absOff),
		absPts:  slices.Clip(g.absPts),
		wayOff:  slices.Clip(g.wayOff),
		ways:    slices.Clip(g.ways),
		off:     off,
	}
	type split struct {
		offM float64
		v    uint32
		pt   orb.Point
	}
	splits := map[int][]split{}
	addVertex := func(p orb.Point) uint32 {
		h.vertex = append(h.vertex, toFixed(p))
		return uint32(len(h.vertex) - 1)
	}
	end := func(k int, p orb.Point) (uint32, orb.Point, error) {
		s, err := ix.SnapStreet(p, maxDistM, false)
		if err != nil {
			return 0, p, fmt.Errorf("%w: link %d: %w", ErrBadScenario, k, err)
		}
		if h.off[s.Edge] {
			return 0, p, fmt.Errorf("%w: link %d ends on a closed way", ErrBadScenario, k)
		}
		f, t := g.EdgeEnds(s.Edge)
		switch {
		case s.OffsetM < 0.5:
			return uint32(f), g.Vertex(f), nil
		case s.OffsetM > g.EdgeLengthM(s.Edge)-0.5:
			return uint32(t), g.Vertex(t), nil
		}
		// Two links joining one point of an edge share the vertex.
		for _, sp := range splits[s.Edge] {
			if sp.pt == s.Point {
				return sp.v, sp.pt, nil
			}
		}
		v := addVertex(s.Point)
		splits[s.Edge] = append(splits[s.Edge], split{s.OffsetM, v, s.Point})
		return v, s.Point, nil
	}
	addEdge := func(f, t uint32, pts []orb.Point, attr EdgeAttr, ways []int64) {
		var l float64
		for i := 1; i < len(pts); i++ {
			l += orbgeo.Distance(pts[i-1], pts[i])
		}
		h.from = append(h.from, f)
		h.to = append(h.to, t)
		h.lengthM = append(h.lengthM, float32(l))
		h.attr = append(h.attr, attr)
		h.appendGeomPoints(h.vertex[f], pts)
		h.ways = append(h.ways, ways...)
		h.wayOff = append(h.wayOff, uint32(len(h.ways)))
		h.off = append(h.off, false)
		pt.added = append(pt.added, len(h.from)-1)
	}
	type linkEdge struct {
		a, z uint32
		pts  []orb.Point
	}
	var les []linkEdge
	for k, l := range links {
		if len(l) < 2 {
			return nil, nil, nil, fmt.Errorf("%w: link %d has fewer than two points", ErrBadScenario, k)
		}
		for _, p := range l {
			if err := ValidPoint(p); err != nil {
				return nil, nil, nil, fmt.Errorf("%w: link %d: %w", ErrBadScenario, k, err)
			}
		}
		a, pa, err := end(k, l[0])
		if err != nil {
			return nil, nil, nil, err
		}
		z, pz, err := end(k, l[len(l)-1])
		if err != nil {
			return nil, nil, nil, err
		}
		if a == z && len(l) == 2 {
			return nil, nil, nil, fmt.Errorf("%w: link %d joins a point to itself", ErrBadScenario, k)
		}
		pts := append([]orb.Point{pa}, l[1:len(l)-1]...)
		les = append(les, linkEdge{a, z, append(pts, pz)})
	}
	// Cut edges where links join them: the edge is taken out and its
	// pieces appended, in order along it.
	for _, e := range slices.Sorted(maps.Keys(splits)) {
		sp := splits[e]
		slices.SortFunc(sp, func(x, y split) int {
			switch {
			case x.offM < y.offM:
				return -1
			case x.offM > y.offM:
				return 1
			}
			return 0
		})
		h.off[e] = true
		pt.removed = append(pt.removed, e)
		geom := g.EdgeGeometry(e)
		f, t := g.EdgeEnds(e)
		attr, ways := g.EdgeAttr(e), slices.Clone(g.EdgeWays(e))
		cur := []orb.Point{geom[0]}
		curV := uint32(f)
		var cum float64
		k := 0
		for i := 1; i < len(geom); i++ {
			seg := orbgeo.Distance(geom[i-1], geom[i])
			for k < len(sp) && sp[k].offM <= cum+seg {
				cur = append(cur, sp[k].pt)
				addEdge(curV, sp[k].v, cur, attr, ways)
				cur, curV = []orb.Point{sp[k].pt}, sp[k].v
				k++
			}
			cum += seg
			cur = append(cur, geom[i])
		}
		for ; k < len(sp); k++ { // rounding past the end
			last := cur[len(cur)-1]
			cur = append(cur[:len(cur)-1], sp[k].pt)
			addEdge(curV, sp[k].v, cur, attr, ways)
			cur, curV = []orb.Point{sp[k].pt, last}, sp[k].v
		}
		addEdge(curV, uint32(t), cur, attr, ways)
	}
	for k, le := range les {
		addEdge(le.a, le.z, le.pts, EdgeAttr{}, []int64{-int64(k + 1)})
	}
	h.buildAdjacency()
	h.buildComponents()

	nx := &SegmentIndex{g: h, tr: ix.tr, skip: h.off}
	if len(pt.added) > 0 {
		nx.more = newSegmentIndexOf(h, pt.added)
	}
	return h, nx, pt, nil
}
