package geo

import (
	"math"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// Access-point sampling for area and line facilities.
const (
	// accessStepM is the spacing of samples along a park's boundary or a
	// greenway's line.
	accessStepM = 25.0
	// accessTouchM is how close a walkable edge must come to a sample to
	// give access there: a way crossing the boundary passes within half
	// a step of a sample; a sidewalk along it passes within a few metres.
	accessTouchM = 20.0
	// entranceTouchM is how close an entrance node must be to an area's
	// boundary to belong to it.
	entranceTouchM = 15.0
)

// AccessPoint is one place where a facility can be reached from the walk
// network.
type AccessPoint struct {
	Snap Snap
}

// FacilityAccess returns the access points of a facility: its snapped point
// for a point facility; for an area (a park), every place where a walkable
// way crosses or runs along its boundary and every entrance node on it; for
// a line (a greenway), places all along it. A facility with no such place
// falls back to its snapped point; one too far from the network has none.
//
// A line facility made of OSM ways that are part of the network is reached
// at both ends of every edge built from them (wayEdges maps way ids to
// edges); other lines are sampled along their length.
func FacilityAccess(ix *SegmentIndex, f *Facility, kind string, snap Snap, entrances *PointIndex, wayEdges map[int64][]int32) []Snap {
	var pts []Snap
	type key struct {
		edge int
		m5   int64
	}
	seen := map[key]bool{}
	add := func(s Snap) {
		k := key{s.Edge, int64(s.OffsetM / 5)}
		if seen[k] {
			return
		}
		seen[k] = true
		pts = append(pts, s)
	}
	if kind == KindLine && len(f.WayIDs) > 0 {
		// An edge built from the facility's ways alone is reached at
		// either end. An edge merged with other ways (an unnamed path
		// continuing a greenway) is reached where the facility's own
		// lines end on it: between those points the chain has no
		// junction, so nothing enters the greenway elsewhere.
		g := ix.Graph()
		own := map[int64]bool{}
		for _, w := range f.WayIDs {
			own[w] = true
		}
		for _, w := range f.WayIDs {
			for _, e := range wayEdges[w] {
				if !allOwn(g.EdgeWays(int(e)), own) {
					continue
				}
				from, to := g.EdgeEnds(int(e))
				add(Snap{Edge: int(e), OffsetM: 0, Point: g.Vertex(from)})
				add(Snap{Edge: int(e), OffsetM: g.EdgeLengthM(int(e)), Point: g.Vertex(to)})
			}
		}
		for _, l := range lines(f.Geom) {
			for _, p := range []orb.Point{l[0], l[len(l)-1]} {
				if s, err := ix.Nearest(p, 1, nil); err == nil {
					add(s)
				}
			}
		}
		if len(pts) > 0 {
			return pts
		}
	}
	switch g := f.Geom.(type) {
	case orb.Polygon:
		if kind == KindArea {
			areaAccess(ix, orb.MultiPolygon{g}, entrances, add)
		}
	case orb.MultiPolygon:
		if kind == KindArea {
			areaAccess(ix, g, entrances, add)
		}
	case orb.LineString:
		if kind == KindLine {
			lineAccess(ix, g, add)
		}
	case orb.MultiLineString:
		if kind == KindLine {
			for _, l := range g {
				lineAccess(ix, l, add)
			}
		}
	}
	if len(pts) == 0 && snap.Edge >= 0 {
		pts = append(pts, snap)
	}
	return pts
}

// allOwn reports whether every way is one of own.
func allOwn(ways []int64, own map[int64]bool) bool {
	for _, w := range ways {
		if !own[w] {
			return false
		}
	}
	return true
}

// lines returns the lines of a line geometry, each with two points or more.
func lines(g orb.Geometry) []orb.LineString {
	var out []orb.LineString
	switch g := g.(type) {
	case orb.LineString:
		out = append(out, g)
	case orb.MultiLineString:
		out = append(out, g...)
	}
	var kept []orb.LineString
	for _, l := range out {
		if len(l) >= 2 {
			kept = append(kept, l)
		}
	}
	return kept
}

func areaAccess(ix *SegmentIndex, mp orb.MultiPolygon, entrances *PointIndex, add func(Snap)) {
	for _, poly := range mp {
		for _, ring := range poly {
			lineAccess(ix, orb.LineString(ring), add)
		}
	}
	if entrances == nil {
		return
	}
	b := mp.Bound()
	b = b.Pad(entranceTouchM / 111_000 * 2)
	entrances.Search(b, func(p orb.Point) {
		if !planar.MultiPolygonContains(mp, p) && ringsDistM(mp, p) > entranceTouchM {
			return
		}
		// An entrance may be indoors or underground (a park over a
		// garage): snap it to any edge.
		if s, err := ix.Nearest(p, accessTouchM, nil); err == nil {
			add(s)
		}
	})
}

// lineAccess samples a line every accessStepM metres (and at its ends) and
// keeps the samples that lie on or next to a walkable edge.
func lineAccess(ix *SegmentIndex, l orb.LineString, add func(Snap)) {
	sample := func(p orb.Point) {
		if s, err := ix.Nearest(p, accessTouchM, SurfaceOnly); err == nil {
			add(s)
		}
	}
	for i := 0; i+1 < len(l); i++ {
		a, b := l[i], l[i+1]
		n := int(math.Ceil(orbgeo.Distance(a, b) / accessStepM))
		for k := 0; k < n; k++ {
			t := float64(k) / float64(n)
			sample(orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
		}
	}
	if len(l) > 0 {
		sample(l[len(l)-1])
	}
}

// ringsDistM returns the distance in metres from p to the nearest ring of
// mp.
func ringsDistM(mp orb.MultiPolygon, p orb.Point) float64 {
	proj := newLocalProj(p)
	best := math.Inf(1)
	for _, poly := range mp {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				if _, d := proj.segmentDist(r[i], r[i+1]); d < best {
					best = d
				}
			}
		}
	}
	return best
}
