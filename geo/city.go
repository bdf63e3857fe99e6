package geo

import (
	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// City is everything fifteen knows of one place: its walk network and the
// index over it, its facilities by category, its communities and the
// population placed on H3 cells. A City is immutable once built and safe
// for concurrent use.
type City struct {
	Name string
	// Attribution credits the sources of the data, for every output.
	Attribution string
	Taxonomy    *Taxonomy
	Graph       *Graph
	Index       *SegmentIndex
	Facilities  []Facility
	// FacilitySnap is the attachment of each facility's point to the
	// network; Edge is -1 for a facility too far from it.
	FacilitySnap []Snap
	Communities  []Community
	Population   *Population
	// CellSnap is the attachment of each populated cell's centre to the
	// network, parallel to Population.Cells; Edge is -1 when too far.
	CellSnap []Snap
	// FacilityAccess is every facility's access points on the network
	// (see FacilityAccess); computed on demand when nil.
	FacilityAccess [][]Snap
	// Closed marks facilities closed by a what-if scenario: they stay in
	// Facilities, so indexes hold, but reach nothing.
	Closed map[int]bool
	// Entrances are entrance nodes, access points of area facilities.
	Entrances []orb.Point
	// SnapMaxM is the snapping limit in metres.
	SnapMaxM float64
}

// SnapStreet attaches a point to the walk network as a person standing
// there would join it: at the nearest point of an edge within maxDistM,
// skipping tunnels and indoor corridors unless anyLevel (the point itself is
// underground or indoors). When the nearest edge lies on an island (a piece
// of network cut off from the largest component), the point is attached to
// the largest component instead if that is within maxDistM too.
func (ix *SegmentIndex) SnapStreet(p orb.Point, maxDistM float64, anyLevel bool) (Snap, error) {
	return ix.SnapStreetFor(p, maxDistM, anyLevel, nil)
}

// SnapStreetFor is SnapStreet for one walker: it keeps to the edges the
// walker may use (usable; nil accepts every edge), so that a wheelchair user
// joins the network at the nearest edge without steps, not at steps it can
// never leave. Costs.Usable is the usual argument.
func (ix *SegmentIndex) SnapStreetFor(p orb.Point, maxDistM float64, anyLevel bool, usable func(e int) bool) (Snap, error) {
	return ix.snapStreet(p, maxDistM, anyLevel, usable, nil)
}

// snapHints speed up snapStreet for callers snapping many points; they
// never change its answer.
type snapHints struct {
	// main is the bound of the largest component (largestBound): a point
	// on an island farther than the snapping limit from it is not searched
	// for again, as no edge of the largest component can be near enough.
	main *orb.Bound
	// onNetwork says many points lie on the network (vertices): each is
	// first looked for on the network itself, in a box of a centimetre.
	// An edge found there at distance 0 is the one Nearest finds in its
	// larger boxes: the tree lists matching entries in the same order
	// whatever the box, the first at the smallest distance wins, and every
	// entry at distance 0 is in both boxes.
	onNetwork bool
}

// snapStreet is SnapStreetFor with hints (nil for none).
func (ix *SegmentIndex) snapStreet(p orb.Point, maxDistM float64, anyLevel bool, usable func(e int) bool, h *snapHints) (Snap, error) {
	if h == nil {
		h = &snapHints{}
	}
	var filter SnapFilter = SurfaceOnly
	if anyLevel {
		filter = nil
	}
	if usable != nil {
		level := filter
		filter = func(e int, a EdgeAttr) bool { return usable(e) && (level == nil || level(e, a)) }
	}
	var s Snap
	err := ErrTooFar
	if h.onNetwork && maxDistM > onNetworkM {
		if s, err = ix.Nearest(p, onNetworkM, filter); err == nil && s.DistM != 0 {
			err = ErrTooFar
		}
	}
	if err != nil {
		s, err = ix.Nearest(p, maxDistM, filter)
	}
	if err != nil || ix.g.InLargest(s.Edge) {
		return s, err
	}
	if h.main != nil && !orbgeo.NewBoundAroundPoint(p, maxDistM).Intersects(*h.main) {
		return s, nil // the box Nearest would search last misses it
	}
	inMain := func(e int, a EdgeAttr) bool {
		return ix.g.InLargest(e) && (filter == nil || filter(e, a))
	}
	if m, err := ix.Nearest(p, maxDistM, inMain); err == nil {
		return m, nil
	}
	return s, nil
}

// onNetworkM is the half-size of snapHints.onNetwork's box.
const onNetworkM = 0.01

// largestBound returns the bound of the geometry of the largest
// component's edges.
func largestBound(g *Graph) orb.Bound {
	var b orb.Bound
	first := true
	var pts []orb.Point
	for e := range g.NumEdges() {
		if !g.InLargest(e) {
			continue
		}
		pts = g.AppendEdgeGeometry(pts[:0], e)
		for _, p := range pts {
			if first {
				b, first = orb.Bound{Min: p, Max: p}, false
			}
			b = b.Extend(p)
		}
	}
	return b
}

// SnapAll attaches n points with SnapStreet, marking with Edge -1 those
// farther than maxDistM. anyLevel, when not nil, tells which points are
// underground or indoors.
func (ix *SegmentIndex) SnapAll(pts func(i int) orb.Point, n int, maxDistM float64, anyLevel func(i int) bool) []Snap {
	out := make([]Snap, n)
	for i := range out {
		s, err := ix.SnapStreet(pts(i), maxDistM, anyLevel != nil && anyLevel(i))
		if err != nil {
			s = Snap{Edge: -1}
		}
		out[i] = s
	}
	return out
}

// OnIsland reports whether a snap lies off the largest component.
func (c *City) OnIsland(s Snap) bool {
	return s.Edge >= 0 && !c.Graph.InLargest(s.Edge)
}
