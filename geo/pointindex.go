package geo

import (
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// PointIndex is an R-tree of points, such as entrance nodes.
type PointIndex struct {
	tr  rtree.RTreeG[int]
	pts []orb.Point
}

// NewPointIndex indexes pts; the slice is kept, not copied.
func NewPointIndex(pts []orb.Point) *PointIndex {
	ix := &PointIndex{pts: pts}
	for i, p := range pts {
		ix.tr.Insert(p, p, i)
	}
	return ix
}

// Len returns the number of points.
func (ix *PointIndex) Len() int { return len(ix.pts) }

// Search calls fn for every point inside b.
func (ix *PointIndex) Search(b orb.Bound, fn func(orb.Point)) {
	ix.tr.Search(b.Min, b.Max, func(_, _ [2]float64, i int) bool {
		fn(ix.pts[i])
		return true
	})
}
