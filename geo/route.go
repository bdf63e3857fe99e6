package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// MaxNearest bounds the number of facilities Access.NearestRoutes returns.
const MaxNearest = 20

// Route is one walk from an origin to a destination, both attached to the
// network.
type Route struct {
	// TimeDs is the walking time in deciseconds, straight legs included:
	// the time Reach.At gives the destination in a search from the origin.
	TimeDs uint32
	// DistM is the distance walked in metres: the straight leg from the
	// origin to the network, the way along the network and the straight
	// leg from the network to the destination.
	DistM float64
	// Line is the way along the network, from the origin's snapped point
	// through the graph to the destination's snapped point; at least two
	// points (twice the same when both snap to one place).
	Line orb.LineString
}

// RouteTree is the shortest walks from one origin to every vertex within a
// cutoff, with the arc by which each vertex is reached, so that the walk to
// any point can be drawn. It is built by Searcher.Routes and stays valid
// after the Searcher is reused.
type RouteTree struct {
	g        *Graph
	costs    *Costs
	origin   Source
	CutoffDs uint32
	// time is the time of each vertex reached; via is the index in
	// g.out of the arc it is reached by, absent for a vertex reached
	// straight from the origin along the origin's edge.
	time map[uint32]uint32
	via  map[uint32]uint32
	// seedEnd is, for a vertex reached along the origin's edge, the
	// offset of that end (0 or the edge's length).
	seedEnd map[uint32]float64
}

// Routes runs a Dijkstra search outwards from origin (walking away from
// it, as Reach with toSource false) bounded by cutoffDs, keeping
// predecessors. Times equal those of Reach from the same single source.
func (s *Searcher) Routes(c *Costs, origin Source, cutoffDs uint32) *RouteTree {
	g := s.g
	t := &RouteTree{
		g: g, costs: c, origin: origin, CutoffDs: cutoffDs,
		time: map[uint32]uint32{}, via: map[uint32]uint32{}, seedEnd: map[uint32]float64{},
	}
	e := origin.Snap.Edge
	if e < 0 || e >= g.NumEdges() {
		return t
	}
	s.heap.reset()
	from, to := g.EdgeEnds(e)
	l := g.EdgeLengthM(e)
	seed := func(v int, end float64) {
		tm := addTime(origin.StartDs, c.Partial(g, e, origin.Snap.OffsetM, end))
		if old, ok := t.time[uint32(v)]; tm > cutoffDs || (ok && tm >= old) {
			return
		}
		t.time[uint32(v)] = tm
		t.seedEnd[uint32(v)] = end
		s.heap.push(tm, uint32(v))
	}
	seed(from, 0)
	seed(to, l)
	for s.heap.len() > 0 {
		tm, v := s.heap.pop()
		if tm > t.time[v] {
			continue // stale entry
		}
		for i := g.outOff[v]; i < g.outOff[v+1]; i++ {
			a := c.arcOut[i]
			if a.w == impassable {
				continue
			}
			nt := tm + a.w
			if nt > cutoffDs {
				continue
			}
			if old, ok := t.time[a.head]; ok && nt >= old {
				continue
			}
			t.time[a.head] = nt
			t.via[a.head] = i
			s.heap.push(nt, a.head)
		}
	}
	return t
}

// Reached returns the number of vertices reached within the cutoff.
func (t *RouteTree) Reached() int { return len(t.time) }

func (t *RouteTree) timeAt(v int) uint32 {
	if tm, ok := t.time[uint32(v)]; ok {
		return tm
	}
	return Unreached
}

// To returns the walk to a point snapped at p with a straight leg of legDs
// from the network to it, and false when it is beyond the cutoff. The time
// is the one Reach.At gives the point in a search from the origin: through
// either end of p's edge, or along the edge when the origin is on it.
func (t *RouteTree) To(p Snap, legDs uint32) (Route, bool) {
	g, c, o := t.g, t.costs, t.origin
	if p.Edge < 0 || p.Edge >= g.NumEdges() {
		return Route{}, false
	}
	from, to := g.EdgeEnds(p.Edge)
	l := g.EdgeLengthM(p.Edge)
	best, how := Unreached, -1
	try := func(tm uint32, k int) {
		if tm < best {
			best, how = tm, k
		}
	}
	try(addTime(t.timeAt(from), c.Partial(g, p.Edge, 0, p.OffsetM)), 0)
	try(addTime(t.timeAt(to), c.Partial(g, p.Edge, l, p.OffsetM)), 1)
	if o.Snap.Edge == p.Edge {
		try(addTime(o.StartDs, c.Partial(g, p.Edge, o.Snap.OffsetM, p.OffsetM)), 2)
	}
	total := addTime(best, legDs)
	if how < 0 || total > t.CutoffDs {
		return Route{}, false
	}
	r := Route{TimeDs: total}
	var netM float64
	switch how {
	case 0:
		r.Line, netM = t.pathTo(uint32(from))
		r.Line = appendLine(r.Line, edgeSlice(g, p.Edge, 0, p.OffsetM))
		netM += p.OffsetM
	case 1:
		r.Line, netM = t.pathTo(uint32(to))
		r.Line = appendLine(r.Line, edgeSlice(g, p.Edge, l, p.OffsetM))
		netM += l - p.OffsetM
	case 2:
		r.Line = edgeSlice(g, p.Edge, o.Snap.OffsetM, p.OffsetM)
		netM = math.Abs(p.OffsetM - o.Snap.OffsetM)
	}
	if len(r.Line) == 1 {
		r.Line = append(r.Line, r.Line[0])
	}
	r.DistM = o.Snap.DistM + netM + p.DistM
	return r, true
}

// pathTo returns the line from the origin's snapped point to vertex v,
// which must be reached, and its length along the network.
func (t *RouteTree) pathTo(v uint32) (orb.LineString, float64) {
	g := t.g
	var arcs []uint32
	for {
		i, ok := t.via[v]
		if !ok {
			break
		}
		arcs = append(arcs, i)
		a := g.out[i]
		f, to := g.EdgeEnds(a.EdgeID())
		v = uint32(f) // the arc's tail
		if a.Reverse() {
			v = uint32(to)
		}
	}
	e := t.origin.Snap.Edge
	end := t.seedEnd[v]
	line := edgeSlice(g, e, t.origin.Snap.OffsetM, end)
	distM := math.Abs(end - t.origin.Snap.OffsetM)
	var pts []orb.Point
	for k := len(arcs) - 1; k >= 0; k-- {
		a := g.out[arcs[k]]
		pts = g.AppendEdgeGeometry(pts[:0], a.EdgeID())
		if a.Reverse() {
			slices.Reverse(pts)
		}
		line = appendLine(line, pts)
		distM += g.EdgeLengthM(a.EdgeID())
	}
	return line, distM
}

// appendLine appends the points of next to line, leaving out a first point
// equal to line's last.
func appendLine(line orb.LineString, next []orb.Point) orb.LineString {
	for _, p := range next {
		if n := len(line); n > 0 && line[n-1] == p {
			continue
		}
		line = append(line, p)
	}
	return line
}

// edgeSlice returns the points of edge e between offsets fromM and toM
// metres from its From vertex, in the order walked from fromM to toM, with
// the end points interpolated on their segments.
func edgeSlice(g *Graph, e int, fromM, toM float64) orb.LineString {
	lo, hi := math.Min(fromM, toM), math.Max(fromM, toM)
	pts := g.EdgeGeometry(e)
	at := func(offM float64) orb.Point {
		var cum float64
		for i := 1; i < len(pts); i++ {
			d := orbgeo.Distance(pts[i-1], pts[i])
			if cum+d >= offM && d > 0 {
				f := math.Max(0, math.Min(1, (offM-cum)/d))
				a, b := pts[i-1], pts[i]
				return orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
			}
			cum += d
		}
		return pts[len(pts)-1]
	}
	out := orb.LineString{at(lo)}
	var cum float64
	for i := 1; i < len(pts)-1; i++ {
		cum += orbgeo.Distance(pts[i-1], pts[i])
		if cum > lo && cum < hi {
			out = appendLine(out, pts[i:i+1])
		}
	}
	out = appendLine(out, []orb.Point{at(hi)})
	if toM < fromM {
		slices.Reverse(out)
	}
	return out
}

// NearestFacility is one facility reached from an origin, with the walk to
// its nearest access point.
type NearestFacility struct {
	// Facility is the index in City.Facilities.
	Facility int
	// Access is the access point walked to.
	Access Snap
	Route
}

// NearestResult is the outcome of Access.NearestRoutes.
type NearestResult struct {
	Origin orb.Point
	Snap   Snap
	// Facilities are the nearest facilities, by walking time (ties by
	// facility index).
	Facilities []NearestFacility
}

// NearestRoutes returns the k facilities of category nearest by walking
// time from origin for profile p, within the access cutoff (fewer when
// fewer are within it), each with its route from the origin's snap to the
// facility's access point. It uses searcher s over a's graph.
//
// It returns an error wrapping ErrUnknownCategory for an unknown category,
// ErrBadOption for a profile index or k out of range, ErrBadCoordinate for
// an invalid origin and ErrTooFar for an origin farther from the network
// than the snapping limit.
func (a *Access) NearestRoutes(s *Searcher, p int, category string, origin orb.Point, k int) (*NearestResult, error) {
	if p < 0 || p >= len(a.Profiles) {
		return nil, fmt.Errorf("%w: profile index %d", ErrBadOption, p)
	}
	if k < 1 || k > MaxNearest {
		return nil, fmt.Errorf("%w: k %d outside 1..%d", ErrBadOption, k, MaxNearest)
	}
	c := slices.IndexFunc(a.City.Taxonomy.Categories, func(c Category) bool { return c.ID == category })
	if c < 0 {
		return nil, fmt.Errorf("%w %q", ErrUnknownCategory, category)
	}
	if err := ValidPoint(origin); err != nil {
		return nil, err
	}
	city := a.City
	costs := a.Costs[p]
	snap, err := city.Index.SnapStreetFor(origin, city.snapLimitM(), false, costs.Usable)
	if err != nil {
		return nil, err
	}
	tree := s.Routes(costs, Source{Snap: snap, StartDs: costs.Leg(snap.DistM)}, a.cutoffDs)
	res := &NearestResult{Origin: origin, Snap: snap}
	for _, fi := range a.ByCategory[c] {
		var best NearestFacility
		found := false
		for _, ap := range a.FacilityAccessFor(p, fi) {
			r, ok := tree.To(ap, costs.Leg(ap.DistM))
			if ok && (!found || r.TimeDs < best.TimeDs) {
				best, found = NearestFacility{Facility: fi, Access: ap, Route: r}, true
			}
		}
		if found {
			res.Facilities = append(res.Facilities, best)
		}
	}
	slices.SortStableFunc(res.Facilities, func(x, y NearestFacility) int {
		return cmp.Or(cmp.Compare(x.TimeDs, y.TimeDs), cmp.Compare(x.Facility, y.Facility))
	})
	if len(res.Facilities) > k {
		res.Facilities = res.Facilities[:k]
	}
	return res, nil
}
