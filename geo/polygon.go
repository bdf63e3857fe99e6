package geo

import (
	"slices"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// PolygonSet answers point-in-polygon queries over many polygons: an R-tree
// (github.com/tidwall/rtree) of polygon bounds finds the candidates, then an
// exact even-odd test runs on rings prepared for repeated queries, their
// edges bucketed into horizontal bands so that a query meets only the edges
// of its band. Unlike orb's planar.PolygonContains, nothing is recomputed
// per query; a polygon is prepared on the first query that reaches its
// bound.
//
// Polygons are indexed by their position in the input. A polygon holds a
// point inside its outer ring and outside every hole; a multipolygon holds a
// point any of its polygons holds. As with planar.PolygonContains, a point
// on the outer ring is held and one on a hole is not: this is exact for
// vertices (a path sharing a node with a park's outline touches the park)
// and for points on horizontal and vertical edges, and subject to rounding
// for points on other edges. Polygons whose outer ring has fewer than three
// points hold nothing, and rings of fewer than three points are not holes.
//
// A PolygonSet keeps references to the input rings, which must not be
// modified afterwards. It is immutable once built and safe for concurrent
// use.
type PolygonSet struct {
	tree rtree.RTreeG[polygonPart]
	n    int
}

// polygonPart is one polygon of the set's entry idx.
type polygonPart struct {
	idx  int
	poly *lazyPolygon
}

// lazyPolygon is a polygon prepared on its first query, so that polygons
// no query reaches cost only their bound.
type lazyPolygon struct {
	src  orb.Polygon
	prep atomic.Pointer[preparedPolygon]
}

// contains reports whether the polygon holds p, preparing it first if need
// be. Concurrent first queries may both prepare it; one result is kept.
func (lp *lazyPolygon) contains(p orb.Point) bool {
	pp := lp.prep.Load()
	if pp == nil {
		lp.prep.CompareAndSwap(nil, newPreparedPolygon(lp.src))
		pp = lp.prep.Load()
	}
	return pp.contains(p)
}

// NewPolygonSet indexes polys; index i of the set is polys[i].
func NewPolygonSet(polys []orb.Polygon) *PolygonSet {
	s := &PolygonSet{n: len(polys)}
	for i, poly := range polys {
		s.insert(i, poly)
	}
	return s
}

// NewPolygonSetMulti indexes mps; index i of the set is mps[i], all of its
// polygons.
func NewPolygonSetMulti(mps []orb.MultiPolygon) *PolygonSet {
	s := &PolygonSet{n: len(mps)}
	for i, mp := range mps {
		for _, poly := range mp {
			s.insert(i, poly)
		}
	}
	return s
}

func (s *PolygonSet) insert(idx int, poly orb.Polygon) {
	if len(poly) == 0 || len(poly[0]) < 3 {
		return
	}
	b := poly[0].Bound()
	s.tree.Insert(b.Min, b.Max, polygonPart{idx: idx, poly: &lazyPolygon{src: poly}})
}

// Len returns the number of polygons (or multipolygons) the set was built
// from, including those that hold nothing.
func (s *PolygonSet) Len() int { return s.n }

// First returns the lowest index of a polygon containing p, or -1 when none
// does or p has a NaN coordinate.
func (s *PolygonSet) First(p orb.Point) int {
	best := -1
	if isNaNPoint(p) {
		return best
	}
	s.tree.Search(p, p, func(_, _ [2]float64, part polygonPart) bool {
		if (best < 0 || part.idx < best) && part.poly.contains(p) {
			best = part.idx
		}
		return true
	})
	return best
}

// FirstAfter returns the lowest index above after of a polygon containing
// p, or -1 when none does.
func (s *PolygonSet) FirstAfter(p orb.Point, after int) int {
	best := -1
	if isNaNPoint(p) {
		return best
	}
	s.tree.Search(p, p, func(_, _ [2]float64, part polygonPart) bool {
		if part.idx > after && (best < 0 || part.idx < best) && part.poly.contains(p) {
			best = part.idx
		}
		return true
	})
	return best
}

// Contains reports whether any polygon of the set contains p. A point with a
// NaN coordinate is in none.
func (s *PolygonSet) Contains(p orb.Point) bool {
	if isNaNPoint(p) {
		return false
	}
	found := false
	s.tree.Search(p, p, func(_, _ [2]float64, part polygonPart) bool {
		found = part.poly.contains(p)
		return !found
	})
	return found
}

// isNaNPoint reports whether p has a NaN coordinate. The R-tree's bound
// comparisons are all false for NaN, so such a point would match every
// entry.
func isNaNPoint(p orb.Point) bool { return p[0] != p[0] || p[1] != p[1] }

// preparedPolygon is a polygon prepared for many point-in-polygon tests.
type preparedPolygon struct {
	rings []preparedRing // outer ring first, then holes
}

// preparedRing is a ring whose edges are bucketed into horizontal bands of
// equal height, so that a ray cast from a point meets only the edges of the
// point's band.
type preparedRing struct {
	pts    []orb.Point // closed: edge i runs from pts[i] to pts[i+1]
	bound  orb.Bound
	minY   float64
	bandH  float64 // band height in degrees
	bandAt []int32 // edges of band k are edges[bandAt[k]:bandAt[k+1]]
	edges  []int32
}

// newPreparedPolygon prepares poly, or returns nil when its outer ring has
// fewer than three points. Holes of fewer than three points are dropped.
func newPreparedPolygon(poly orb.Polygon) *preparedPolygon {
	if len(poly) == 0 || len(poly[0]) < 3 {
		return nil
	}
	pp := &preparedPolygon{rings: make([]preparedRing, 0, len(poly))}
	for _, r := range poly {
		if len(r) >= 3 {
			pp.rings = append(pp.rings, newPreparedRing(r))
		}
	}
	return pp
}

// newPreparedRing prepares r, which has at least three points. An unclosed
// ring is closed on a copy.
func newPreparedRing(r orb.Ring) preparedRing {
	pts := []orb.Point(r)
	if pts[0] != pts[len(pts)-1] {
		pts = append(slices.Clip(pts), pts[0])
	}
	pr := preparedRing{pts: pts, bound: r.Bound()}
	nEdges := len(pts) - 1
	nBands := min(max(nEdges/4, 1), 1024)
	pr.minY = pr.bound.Min[1]
	pr.bandH = (pr.bound.Max[1] - pr.bound.Min[1]) / float64(nBands)
	if !(pr.bandH > 0) {
		pr.bandH, nBands = 1, 1
	}
	// The band of each vertex; edge i covers the bands from that of
	// pts[i] to that of pts[i+1].
	vb := make([]int32, len(pts))
	for i, p := range pts {
		vb[i] = int32(pr.band(p[1], nBands))
	}
	// Count the edges of each band, then fill them in: at[k+1] first holds
	// the count of band k, then the running sum.
	at := make([]int32, nBands+1)
	for i := range nEdges {
		for k := min(vb[i], vb[i+1]); k <= max(vb[i], vb[i+1]); k++ {
			at[k+1]++
		}
	}
	for k := 1; k <= nBands; k++ {
		at[k] += at[k-1]
	}
	pr.bandAt = at
	pr.edges = make([]int32, at[nBands])
	next := slices.Clone(at[:nBands])
	for i := range nEdges {
		for k := min(vb[i], vb[i+1]); k <= max(vb[i], vb[i+1]); k++ {
			pr.edges[next[k]] = int32(i)
			next[k]++
		}
	}
	return pr
}

// band returns the band of latitude y, clamped to 0..nBands-1.
func (pr *preparedRing) band(y float64, nBands int) int {
	return min(max(int((y-pr.minY)/pr.bandH), 0), nBands-1)
}

// locate tells whether p is inside the ring, by the even-odd rule, and
// whether it is on its boundary: on a vertex, on a horizontal or vertical
// edge, or where an edge's crossing of p's latitude computes to p's
// longitude exactly.
func (pr *preparedRing) locate(p orb.Point) (in, on bool) {
	if !pr.bound.Contains(p) {
		return false, false
	}
	k := pr.band(p[1], len(pr.bandAt)-1)
	pts := pr.pts
	for _, e := range pr.edges[pr.bandAt[k]:pr.bandAt[k+1]] {
		a, c := pts[e], pts[e+1]
		if (a[1] > p[1]) != (c[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(c[0]-a[0])/(c[1]-a[1])
			if p[0] < x {
				in = !in
			} else if p[0] == x {
				return false, true
			}
		} else if a[1] == p[1] && (a[0] == p[0] || c[1] == p[1] && (a[0] < p[0]) != (c[0] < p[0])) {
			// p is the edge's start (every vertex starts an edge of its
			// band), or lies on a horizontal edge.
			return false, true
		}
	}
	return in, false
}

// contains reports whether p is inside the outer ring and outside every
// hole. A point on the outer ring is inside; one on a hole is not.
func (pp *preparedPolygon) contains(p orb.Point) bool {
	if in, on := pp.rings[0].locate(p); !in && !on {
		return false
	}
	for i := 1; i < len(pp.rings); i++ {
		if in, on := pp.rings[i].locate(p); in || on {
			return false
		}
	}
	return true
}
