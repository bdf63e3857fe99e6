package geo

import "github.com/paulmach/orb"

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
	var filter SnapFilter = SurfaceOnly
	if anyLevel {
		filter = nil
	}
	if usable != nil {
		level := filter
		filter = func(e int, a EdgeAttr) bool { return usable(e) && (level == nil || level(e, a)) }
	}
	s, err := ix.Nearest(p, maxDistM, filter)
	if err != nil || ix.g.InLargest(s.Edge) {
		return s, err
	}
	main := func(e int, a EdgeAttr) bool {
		return ix.g.InLargest(e) && (filter == nil || filter(e, a))
	}
	if m, err := ix.Nearest(p, maxDistM, main); err == nil {
		return m, nil
	}
	return s, nil
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
