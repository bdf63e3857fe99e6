package postgis

import (
	"fmt"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"fifteen/geo"
	"fifteen/geo/hex"
	"fifteen/publish"
)

// Parent returns the distribution key of feature i of l: the H3 index
// (hexadecimal) of its parent at resolution res. For cells (schema kind
// "cell", whose ids are H3 indexes) it is the cell's own parent; for any
// other feature, the parent of the resolution-geo.PopulationRes cell that
// holds its representative point (RepresentativePoint), so that a
// facility or a community goes with the cells around it. A feature
// without geometry has the empty key.
func Parent(l publish.Layer, i, res int) (string, error) {
	if res < 0 || res > geo.PopulationRes {
		return "", fmt.Errorf("%w: H3 parent resolution %d: want 0 to %d", ErrBadRun, res, geo.PopulationRes)
	}
	if l.Schema().Kind == "cell" {
		id, _ := l.ID(i).Native(&idField).(string)
		c, err := hex.Parse(id)
		if err != nil {
			return "", fmt.Errorf("cell id %q: %w", id, err)
		}
		if c.Res() < res {
			return "", fmt.Errorf("%w: cell %s is at resolution %d, coarser than the parent resolution %d", ErrBadRun, id, c.Res(), res)
		}
		return c.Parent(res).String(), nil
	}
	g := l.Geometry(i)
	if g == nil {
		return "", nil
	}
	p, ok := RepresentativePoint(g)
	if !ok {
		return "", nil
	}
	c, err := hex.FromPoint(p, geo.PopulationRes)
	if err != nil {
		return "", err
	}
	return c.Parent(res).String(), nil
}

// RepresentativePoint returns a point of g that lies on it: a point
// itself, the middle vertex of a line, and for a polygon the middle of the
// widest stretch of its interior along the horizontal line halfway up its
// outline (for a multipolygon, of its largest part). It is deterministic
// and, unlike a centroid, inside a concave or holed polygon. ok is false
// for an empty geometry.
func RepresentativePoint(g orb.Geometry) (p orb.Point, ok bool) {
	switch g := g.(type) {
	case orb.Point:
		return g, true
	case orb.MultiPoint:
		if len(g) > 0 {
			return g[0], true
		}
	case orb.LineString:
		if len(g) > 0 {
			return g[len(g)/2], true
		}
	case orb.MultiLineString:
		for _, ls := range g {
			if len(ls) > 0 {
				return ls[len(ls)/2], true
			}
		}
	case orb.Polygon:
		return interiorPoint(g)
	case orb.MultiPolygon:
		best, bestArea := -1, -1.0
		for k, poly := range g {
			if a := planar.Area(poly); len(poly) > 0 && a > bestArea {
				best, bestArea = k, a
			}
		}
		if best >= 0 {
			return interiorPoint(g[best])
		}
	case orb.Ring:
		return interiorPoint(orb.Polygon{g})
	case orb.Bound:
		return g.Center(), true
	case orb.Collection:
		for _, x := range g {
			if p, ok := RepresentativePoint(x); ok {
				return p, true
			}
		}
	}
	return orb.Point{}, false
}

// interiorPoint is the middle of the widest interval of poly's interior on
// the horizontal line halfway up its outer ring.
func interiorPoint(poly orb.Polygon) (orb.Point, bool) {
	if len(poly) == 0 || len(poly[0]) == 0 {
		return orb.Point{}, false
	}
	b := poly[0].Bound()
	y := (b.Min[1] + b.Max[1]) / 2
	var xs []float64
	for _, r := range poly {
		for k := 0; k+1 < len(r); k++ {
			a, c := r[k], r[k+1]
			// Half-open in y, so that a vertex on the line counts once.
			if (a[1] <= y && y < c[1]) || (c[1] <= y && y < a[1]) {
				xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
			}
		}
	}
	sort.Float64s(xs)
	best, width := -1, -1.0
	for k := 0; k+1 < len(xs); k += 2 {
		if w := xs[k+1] - xs[k]; w > width {
			best, width = k, w
		}
	}
	if best < 0 {
		return poly[0][0], true
	}
	return orb.Point{(xs[best] + xs[best+1]) / 2, y}, true
}
