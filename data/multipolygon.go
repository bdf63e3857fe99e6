package data

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"

	"fifteen/geo"
)

// assemble builds the polygons of a multipolygon relation from its member
// ways: ways are joined end to end into closed rings, and each inner ring is
// put in the outer ring that contains it. Rings that cannot be closed (a
// clipped extract, a broken relation) are left out and counted.
func (rd *osmReader) assemble(r *osm.Relation) (orb.MultiPolygon, int) {
	var outers, inners [][]orb.Point
	for _, m := range r.Members {
		if m.Type != osm.TypeWay {
			continue
		}
		// A member cut by the extract's edge leaves pieces that cannot
		// close a ring; stitchRings counts them.
		for _, line := range rd.memberRuns(m.Ref) {
			if m.Role == "inner" {
				inners = append(inners, line)
			} else {
				outers = append(outers, line)
			}
		}
	}
	outRings, bad1 := stitchRings(outers)
	inRings, bad2 := stitchRings(inners)
	return ringsToPolygons(outRings, inRings), bad1 + bad2
}

// ringsToPolygons makes one polygon of each outer ring (counter-clockwise)
// and puts each inner ring (clockwise) into the first polygon whose shell
// holds it; an inner ring no shell holds is left out.
func ringsToPolygons(outRings, inRings []orb.Ring) orb.MultiPolygon {
	mp := make(orb.MultiPolygon, 0, len(outRings))
	for _, o := range outRings {
		if planar.Area(o) < 0 {
			o.Reverse()
		}
		mp = append(mp, orb.Polygon{o})
	}
	for _, in := range inRings {
		if planar.Area(in) > 0 {
			in.Reverse()
		}
		for i := range mp {
			if planar.RingContains(mp[i][0], in[0]) {
				mp[i] = append(mp[i], in)
				break
			}
		}
	}
	return mp
}

// stitchRings joins lines sharing end points into closed rings. It returns
// the rings and the number of pieces that could not be closed into one.
func stitchRings(lines [][]orb.Point) ([]orb.Ring, int) {
	rings, open := stitchOpen(lines)
	return rings, len(open)
}

// polyIndex answers point-in-polygon questions over many polygons. A point
// on an outer ring counts as inside, so a path sharing a node with a park's
// outline touches the park.
type polyIndex struct {
	set *geo.PolygonSet
}

func newPolyIndex(polys []orb.Polygon) *polyIndex {
	return &polyIndex{set: geo.NewPolygonSet(polys)}
}

// shareInside returns the share (0..1) of the length of a line (or lines)
// that lies inside the polygons, testing the middle of pieces of at most
// 10 m; 0 for another geometry or a line of no length.
func (ix *polyIndex) shareInside(g orb.Geometry) float64 {
	const pieceM = 10.0
	var inside, total float64
	line := func(l orb.LineString) {
		for i := 1; i < len(l); i++ {
			a, b := l[i-1], l[i]
			segM := orbgeo.Distance(a, b)
			if !(segM > 0) {
				continue
			}
			n := int(math.Ceil(segM / pieceM))
			for k := range n {
				f := (float64(k) + 0.5) / float64(n)
				p := orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
				if ix.set.Contains(p) {
					inside += segM / float64(n)
				}
			}
			total += segM
		}
	}
	switch g := g.(type) {
	case orb.LineString:
		line(g)
	case orb.MultiLineString:
		for _, l := range g {
			line(l)
		}
	}
	if total == 0 {
		return 0
	}
	return inside / total
}

// anyVertexInside reports whether a vertex of g (or the fallback point
// when g has none) lies inside any of the polygons.
func (ix *polyIndex) anyVertexInside(g orb.Geometry, fallback orb.Point) bool {
	inside := func(ls []orb.Point) bool {
		return slices.ContainsFunc(ls, ix.set.Contains)
	}
	switch g := g.(type) {
	case orb.LineString:
		return inside(g)
	case orb.MultiLineString:
		return slices.ContainsFunc(g, func(l orb.LineString) bool { return inside(l) })
	case orb.Polygon:
		return slices.ContainsFunc(g, func(r orb.Ring) bool { return inside(r) })
	default:
		return ix.set.Contains(fallback)
	}
}
