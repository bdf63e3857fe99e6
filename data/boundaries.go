package data

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"

	"fifteen/geo"
)

// communityPlaces are the place=* values whose areas may be communities
// (see https://wiki.openstreetmap.org/wiki/Key:place).
var communityPlaces = map[string]bool{"suburb": true, "quarter": true, "neighbourhood": true}

// isBoundaryArea reports whether tags describe an area fifteen may use as a
// community or a population count: boundary=administrative with an
// admin_level, or a place=suburb|quarter|neighbourhood area.
func isBoundaryArea(tags osm.Tags) bool {
	if tags.Find("boundary") == "administrative" && adminLevel(tags) > 0 {
		return true
	}
	return communityPlaces[tags.Find("place")]
}

// adminLevel parses admin_level, or returns 0.
func adminLevel(tags osm.Tags) int {
	n, err := strconv.Atoi(strings.TrimSpace(tags.Find("admin_level")))
	if err != nil || n < 1 || n > 12 {
		return 0
	}
	return n
}

// osmPopulation parses population=*: digits with optional thousands
// separators (1,234 or 1 234 or 1.234.567); anything else is ignored.
func osmPopulation(tags osm.Tags) float64 {
	s := strings.TrimSpace(tags.Find("population"))
	if s == "" {
		return 0
	}
	s = strings.NewReplacer(",", "", " ", "", "\u00a0", "", "'", "").Replace(s)
	if strings.Count(s, ".") > 1 || (strings.Count(s, ".") == 1 && len(s)-strings.Index(s, ".") == 4) {
		s = strings.ReplaceAll(s, ".", "") // 1.234 as a thousands separator
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return 0
	}
	return v
}

// addBoundary keeps a boundary or place area.
func (rd *osmReader) addBoundary(id string, tags osm.Tags, mp orb.MultiPolygon, repaired bool, label int64) {
	b := geo.Boundary{
		ID:         id,
		Name:       tags.Find("name"),
		AdminLevel: adminLevel(tags),
		Population: osmPopulation(tags),
		Geom:       mp,
		Repaired:   repaired,
		LabelNode:  label,
	}
	if tags.Find("boundary") != "administrative" {
		b.AdminLevel = 0
	}
	if p := tags.Find("place"); communityPlaces[p] {
		b.Place = p
	}
	if b.Population > 0 {
		b.PopulationSource = id + " population=" + tags.Find("population")
	}
	rd.out.Boundaries = append(rd.out.Boundaries, b)
}

// placeNames are the place=* values whose names may name a hexagon
// community.
var placeNames = map[string]bool{
	"city": true, "town": true, "village": true, "hamlet": true, "suburb": true, "quarter": true,
	"neighbourhood": true, "borough": true, "isolated_dwelling": true, "locality": false,
}

// nameHexagons names each hexagon community after the nearest named place
// node within 2 km of its centre: "Bear (h3:882aa99983fffff)".
func nameHexagons(comms []geo.Community, places []geo.PlacePoint) {
	if len(places) == 0 {
		return
	}
	const maxM = 2000
	for i := range comms {
		c := &comms[i]
		if !strings.HasPrefix(c.Source, "h3 ") || len(c.Geom) == 0 || len(c.Geom[0]) == 0 {
			continue
		}
		ctr := c.Geom.Bound().Center()
		best, bestM := -1, float64(maxM)
		for j, p := range places {
			if math.Abs(p.Point[1]-ctr[1]) > 0.02 || math.Abs(p.Point[0]-ctr[0]) > 0.03 {
				continue // more than about 2 km apart
			}
			if d := orbgeo.Distance(ctr, p.Point); d < bestM {
				best, bestM = j, d
			}
		}
		if best >= 0 {
			c.Name = places[best].Name + " (" + c.ID + ")"
		}
	}
}

// placeNode keeps a place node with a population.
func (rd *osmReader) placeNode(n *osm.Node, p orb.Point) {
	place := n.Tags.Find("place")
	if place == "" {
		return
	}
	if name := n.Tags.Find("name"); name != "" && placeNames[place] {
		rd.out.PlaceNames = append(rd.out.PlaceNames, geo.PlacePoint{
			ID: "osm:node/" + itoa(int64(n.ID)), Name: name, Place: place, Point: p, NodeID: int64(n.ID)})
	}
	pop := osmPopulation(n.Tags)
	if pop <= 0 {
		return
	}
	rd.out.Places = append(rd.out.Places, geo.PlacePoint{
		ID: "osm:node/" + itoa(int64(n.ID)), Name: n.Tags.Find("name"), Place: place,
		Point: p, Population: pop, NodeID: int64(n.ID),
	})
}

// assembleBoundary builds a boundary's polygons like assemble, and repairs
// rings cut by the extract's edge: the open pieces of the outer ring are
// chained end to nearest start and closed with straight lines, which run
// where the extract has no data anyway. It reports whether it repaired and
// why it could not, if it could not.
func (rd *osmReader) assembleBoundary(r *osm.Relation) (mp orb.MultiPolygon, repaired bool, problem string) {
	var outers, inners [][]orb.Point
	missing := 0
	for _, m := range r.Members {
		if m.Type != osm.TypeWay || (m.Role != "outer" && m.Role != "inner" && m.Role != "") {
			continue
		}
		runs := rd.memberRuns(m.Ref)
		if nodes, ok := rd.wayNodes[m.Ref]; !ok || len(runs) != 1 || len(runs[0]) != len(nodes) {
			missing++
		}
		for _, line := range runs {
			if m.Role == "inner" {
				inners = append(inners, line)
			} else {
				outers = append(outers, line)
			}
		}
	}
	outRings, open := stitchOpen(outers)
	if len(open) > 0 {
		if ring, ok := chainClose(open); ok {
			outRings = append(outRings, ring)
			repaired = true
		} else if len(outRings) == 0 {
			return nil, false, "its outer ring cannot be closed: too few nodes in the extract"
		}
	}
	if len(outRings) == 0 {
		if missing > 0 {
			return nil, false, "its outer ring cannot be closed: none of its member ways is in the extract"
		}
		return nil, false, "its outer ring cannot be closed: it has no outer member"
	}
	inRings, _ := stitchOpen(inners) // a hole cut by the edge is left out
	return ringsToPolygons(outRings, inRings), repaired, ""
}

// stitchOpen joins lines into closed rings like stitchRings and returns the
// pieces that stay open as well.
func stitchOpen(lines [][]orb.Point) ([]orb.Ring, [][]orb.Point) {
	var rings []orb.Ring
	var open [][]orb.Point
	used := make([]bool, len(lines))
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
		// Extend backwards too: the piece found first may be a middle one.
		if !ring.Closed() {
			for {
				extended := false
				for j, m := range lines {
					if used[j] {
						continue
					}
					first := ring[0]
					var pre []orb.Point
					switch {
					case m[len(m)-1] == first:
						pre = m[:len(m)-1]
					case m[0] == first:
						for k := len(m) - 1; k >= 1; k-- {
							pre = append(pre, m[k])
						}
					default:
						continue
					}
					ring = append(append(orb.Ring(nil), pre...), ring...)
					used[j] = true
					extended = true
					break
				}
				if !extended || ring.Closed() {
					break
				}
			}
		}
		if ring.Closed() && len(ring) >= 4 {
			rings = append(rings, ring)
		} else {
			open = append(open, ring)
		}
	}
	return rings, open
}

// chainClose joins open pieces into one ring: from the end of the current
// piece to the nearer end of the nearest remaining piece, then back to the
// start. It fails when the result has fewer than three distinct points.
func chainClose(open [][]orb.Point) (orb.Ring, bool) {
	used := make([]bool, len(open))
	ring := append(orb.Ring(nil), open[0]...)
	used[0] = true
	for {
		last := ring[len(ring)-1]
		best, bestD, rev := -1, math.Inf(1), false
		for j, p := range open {
			if used[j] {
				continue
			}
			if d := planar.DistanceSquared(last, p[0]); d < bestD {
				best, bestD, rev = j, d, false
			}
			if d := planar.DistanceSquared(last, p[len(p)-1]); d < bestD {
				best, bestD, rev = j, d, true
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		p := open[best]
		if rev {
			for k := len(p) - 1; k >= 0; k-- {
				ring = append(ring, p[k])
			}
		} else {
			ring = append(ring, p...)
		}
	}
	if ring[0] != ring[len(ring)-1] {
		ring = append(ring, ring[0])
	}
	if len(ring) < 4 || planar.Area(ring) == 0 {
		return nil, false
	}
	return ring, true
}

// boundaryWay keeps a closed way tagged as a boundary or place area; one
// cut by the extract's edge is closed along the cut.
func (rd *osmReader) boundaryWay(w *osm.Way, runs [][2]int, missing int) {
	id := "osm:way/" + itoa(int64(w.ID))
	closed := len(w.Nodes) >= 4 && w.Nodes[0].ID == w.Nodes[len(w.Nodes)-1].ID
	if !closed {
		return // a boundary line, part of some relation
	}
	st := &rd.out.Stats
	if missing == 0 {
		ring := orb.Ring(append([]orb.Point(nil), rd.pts...))
		if planar.Area(ring) < 0 {
			ring.Reverse()
		}
		rd.addBoundary(id, w.Tags, orb.MultiPolygon{{ring}}, false, 0)
		return
	}
	var open [][]orb.Point
	for _, r := range runs {
		open = append(open, append([]orb.Point(nil), rd.pts[r[0]:r[1]]...))
	}
	ring, ok := orb.Ring(nil), len(open) > 0
	if ok {
		ring, ok = chainClose(open)
	}
	if !ok {
		rd.drop(id, w.Tags, "its ring cannot be closed: too few nodes in the extract")
		return
	}
	if planar.Area(ring) < 0 {
		ring.Reverse()
	}
	st.BoundariesRepaired = append(st.BoundariesRepaired, boundaryLabel(id, w.Tags))
	rd.addBoundary(id, w.Tags, orb.MultiPolygon{{ring}}, true, 0)
}

// boundaryRelation assembles a boundary or place relation.
func (rd *osmReader) boundaryRelation(r *osm.Relation, id string) {
	st := &rd.out.Stats
	mp, repaired, problem := rd.assembleBoundary(r)
	if problem != "" {
		rd.drop(id, r.Tags, problem)
		return
	}
	if repaired {
		st.BoundariesRepaired = append(st.BoundariesRepaired, boundaryLabel(id, r.Tags))
	}
	var label int64
	for _, m := range r.Members {
		if m.Type == osm.TypeNode && (m.Role == "label" || m.Role == "admin_centre") {
			label = m.Ref
			if m.Role == "label" {
				break
			}
		}
	}
	rd.addBoundary(id, r.Tags, mp, repaired, label)
}

// bound returns the extent of the stored nodes.
func (s *nodeStore) bound() orb.Bound {
	if len(s.pts) == 0 {
		return orb.Bound{}
	}
	b := orb.Bound{Min: s.pts[0], Max: s.pts[0]}
	for _, p := range s.pts[1:] {
		b = b.Extend(p)
	}
	return b
}

// boundWithin reports whether inner lies inside outer, give or take 1e-6°.
func boundWithin(inner, outer orb.Bound) bool {
	const eps = 1e-6
	return inner.Min[0] >= outer.Min[0]-eps && inner.Min[1] >= outer.Min[1]-eps &&
		inner.Max[0] <= outer.Max[0]+eps && inner.Max[1] <= outer.Max[1]+eps
}

// DroppedBoundary is a boundary that could not be assembled.
type DroppedBoundary struct {
	// Label names it: id, name and level.
	Label      string
	AdminLevel int
	Problem    string
}

// drop lists a boundary that could not be used.
func (rd *osmReader) drop(id string, tags osm.Tags, problem string) {
	label := boundaryLabel(id, tags)
	lv := 0
	if tags.Find("boundary") == "administrative" {
		lv = adminLevel(tags)
	}
	rd.out.Dropped = append(rd.out.Dropped, DroppedBoundary{Label: label, AdminLevel: lv, Problem: problem})
	rd.out.Stats.BoundariesDropped = append(rd.out.Stats.BoundariesDropped, label+": "+problem)
}

// boundaryLabel names a boundary in reports: id, name and level.
func boundaryLabel(id string, tags osm.Tags) string {
	s := id
	if n := tags.Find("name"); n != "" {
		s += " " + strconv.Quote(n)
	}
	if l := adminLevel(tags); l > 0 && tags.Find("boundary") == "administrative" {
		s += " admin_level=" + strconv.Itoa(l)
	} else if p := tags.Find("place"); p != "" {
		s += " place=" + p
	}
	return s
}
