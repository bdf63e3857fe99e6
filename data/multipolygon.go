package data

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"
	"github.com/tidwall/rtree"
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
		wg, ok := rd.wayIdx[m.Ref]
		if !ok || wg.n < 2 {
			continue
		}
		line := rd.wayPts[wg.off : wg.off+wg.n]
		if m.Role == "inner" {
			inners = append(inners, line)
		} else {
			outers = append(outers, line)
		}
	}
	outRings, bad1 := stitchRings(outers)
	inRings, bad2 := stitchRings(inners)
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
	return mp, bad1 + bad2
}

// stitchRings joins lines sharing end points into closed rings. It returns
// the rings and the number of lines that could not be closed into one.
func stitchRings(lines [][]orb.Point) ([]orb.Ring, int) {
	var rings []orb.Ring
	used := make([]bool, len(lines))
	bad := 0
	for i, l := range lines {
		if used[i] {
			continue
		}
		used[i] = true
		ring := append(orb.Ring(nil), l...)
		for !ring.Closed() {
			extended := false
			for j, m := range lines {
				if used[j] {
					continue
				}
				last := ring[len(ring)-1]
				switch {
				case m[0] == last:
					ring = append(ring, m[1:]...)
				case m[len(m)-1] == last:
					for k := len(m) - 2; k >= 0; k-- {
						ring = append(ring, m[k])
					}
				default:
					continue
				}
				used[j] = true
				extended = true
				break
			}
			if !extended {
				break
			}
		}
		if ring.Closed() && len(ring) >= 4 {
			rings = append(rings, ring)
		} else {
			bad++
		}
	}
	return rings, bad
}

// polyIndex answers point-in-polygon questions over many polygons.
type polyIndex struct {
	polys []orb.Polygon
	tr    rtree.RTreeG[int]
}

func newPolyIndex(polys []orb.Polygon) *polyIndex {
	ix := &polyIndex{polys: polys}
	for i, p := range polys {
		b := p.Bound()
		ix.tr.Insert(b.Min, b.Max, i)
	}
	return ix
}

// contains reports whether p lies inside any of the polygons.
func (ix *polyIndex) contains(p orb.Point) bool {
	found := false
	ix.tr.Search(p, p, func(_, _ [2]float64, i int) bool {
		if planar.PolygonContains(ix.polys[i], p) {
			found = true
			return false
		}
		return true
	})
	return found
}

// anyVertexInside reports whether a vertex of g (or the fallback point
// when g has none) lies inside any of the polygons.
func (ix *polyIndex) anyVertexInside(g orb.Geometry, fallback orb.Point) bool {
	found := false
	visit := func(ls []orb.Point) {
		for _, p := range ls {
			if found {
				return
			}
			found = ix.contains(p)
		}
	}
	switch g := g.(type) {
	case orb.LineString:
		visit(g)
	case orb.MultiLineString:
		for _, l := range g {
			visit(l)
		}
	case orb.Polygon:
		for _, r := range g {
			visit(r)
		}
	default:
		visit([]orb.Point{fallback})
	}
	return found
}
