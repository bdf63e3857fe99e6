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
	// Entrances are entrance nodes, access points of area facilities.
	Entrances []orb.Point
	// SnapMaxM is the snapping limit in metres.
	SnapMaxM float64
}

// SnapAll attaches every point to the network with the street-level filter,
// marking with Edge -1 the points farther than maxDistM.
func (ix *SegmentIndex) SnapAll(pts func(i int) orb.Point, n int, maxDistM float64) []Snap {
	out := make([]Snap, n)
	for i := range out {
		s, err := ix.Nearest(pts(i), maxDistM, SurfaceOnly)
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
