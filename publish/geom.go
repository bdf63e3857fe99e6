package publish

import (
	"math"

	"github.com/paulmach/orb"
)

// roundCoord rounds a coordinate to 1/scale.
func roundCoord(f, scale float64) float64 {
	r := math.Round(f*scale) / scale
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}

const (
	coordScale = 1e6
	// fineScale is OpenStreetMap's own precision (1e-7 degrees), used for
	// the rings that rounding to CoordDecimals would make touch themselves.
	fineScale = 1e7
)

// RoundPoint rounds a point to CoordDecimals.
func RoundPoint(p orb.Point) orb.Point { return roundPointAt(p, coordScale) }

func roundPointAt(p orb.Point, scale float64) orb.Point {
	return orb.Point{roundCoord(p[0], scale), roundCoord(p[1], scale)}
}

// roundPath rounds points into a new slice, dropping a point equal to the
// one before it (rounding can merge neighbours, and a repeated point makes
// a ring or line invalid for strict readers).
func roundPath(ps []orb.Point) []orb.Point { return roundPathAt(ps, coordScale) }

func roundPathAt(ps []orb.Point, scale float64) []orb.Point {
	out := make([]orb.Point, 0, len(ps))
	for _, p := range ps {
		q := roundPointAt(p, scale)
		if n := len(out); n > 0 && out[n-1] == q {
			continue
		}
		out = append(out, q)
	}
	return out
}

// roundRing rounds a ring and keeps it valid: closed, without repeated
// points or spikes (a point whose neighbours coincide, which rounding can
// make of a thin sliver); nil when it degenerates to fewer than four
// points.
func roundRing(r orb.Ring, scale float64) orb.Ring {
	return CleanRing(orb.Ring(roundPathAt(r, scale)))
}

// CleanRing returns r, in a new slice, without repeated consecutive points
// and without spikes (a point whose path turns straight back, as rounding
// and clipping make of thin slivers), closed; nil when fewer than three
// distinct corners are left.
func CleanRing(r orb.Ring) orb.Ring {
	ps := make([]orb.Point, 0, len(r))
	for _, p := range r {
		if n := len(ps); n > 0 && ps[n-1] == p {
			continue
		}
		ps = append(ps, p)
	}
	for len(ps) > 1 && ps[0] == ps[len(ps)-1] {
		ps = ps[:len(ps)-1] // open, to remove spikes cyclically
	}
	for changed := true; changed && len(ps) >= 3; {
		changed = false
		for i := 0; i < len(ps) && len(ps) >= 3; i++ {
			prev, next := ps[(i+len(ps)-1)%len(ps)], ps[(i+1)%len(ps)]
			switch {
			case ps[i] == next:
				ps = append(ps[:i], ps[i+1:]...)
			case prev == next || collinearBack(prev, ps[i], next):
				// Remove the spike's tip, and the repeated neighbour it
				// leaves when prev == next.
				ps = append(ps[:i], ps[i+1:]...)
				if prev == next && len(ps) > 1 {
					j := i % len(ps)
					ps = append(ps[:j], ps[j+1:]...)
				}
			default:
				continue
			}
			changed = true
			i--
		}
	}
	if len(ps) < 3 {
		return nil
	}
	return append(orb.Ring(ps), ps[0])
}

// collinearBack reports whether b is the tip of a zero-area spike a-b-c:
// the three points are on one line and the path turns back at b.
func collinearBack(a, b, c orb.Point) bool {
	cross := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	if cross != 0 {
		return false
	}
	dot := (b[0]-a[0])*(c[0]-b[0]) + (b[1]-a[1])*(c[1]-b[1])
	return dot < 0
}

// roundPolygon rounds a polygon; nil when its shell degenerates. Holes that
// degenerate are dropped. A polygon whose rounded rings would touch
// themselves (two points of a ring merged) keeps OSM's own precision.
func roundPolygon(p orb.Polygon) orb.Polygon {
	out := roundPolygonAt(p, coordScale)
	for _, r := range out {
		if selfTouches(r) {
			return roundPolygonAt(p, fineScale)
		}
	}
	return out
}

func roundPolygonAt(p orb.Polygon, scale float64) orb.Polygon {
	if len(p) == 0 {
		return nil
	}
	shell := roundRing(p[0], scale)
	if shell == nil {
		return nil
	}
	out := orb.Polygon{shell}
	for _, h := range p[1:] {
		if r := roundRing(h, scale); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// selfTouches reports whether a closed ring passes twice through a point.
func selfTouches(r orb.Ring) bool {
	seen := make(map[orb.Point]struct{}, len(r))
	for _, p := range r[:len(r)-1] {
		if _, ok := seen[p]; ok {
			return true
		}
		seen[p] = struct{}{}
	}
	return false
}

// RoundGeometry returns g with its coordinates rounded to CoordDecimals,
// as a new geometry that stays valid where g was: rings closed, without
// repeated points or spikes, degenerate rings and polygons dropped.
func RoundGeometry(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return RoundPoint(g)
	case orb.MultiPoint:
		out := make(orb.MultiPoint, len(g))
		for i, p := range g {
			out[i] = RoundPoint(p)
		}
		return out
	case orb.LineString:
		return orb.LineString(roundPath(g))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, 0, len(g))
		for _, l := range g {
			out = append(out, orb.LineString(roundPath(l)))
		}
		return out
	case orb.Ring:
		return roundPolygon(orb.Polygon{g})
	case orb.Polygon:
		return roundPolygon(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, 0, len(g))
		for _, p := range g {
			if q := roundPolygon(p); q != nil {
				out = append(out, q)
			}
		}
		return out
	case orb.Bound:
		return RoundGeometry(g.ToPolygon())
	}
	return g
}
