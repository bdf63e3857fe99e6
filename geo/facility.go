package geo

import "github.com/paulmach/orb"

// Facility is one place that provides a service of a category: a school, a
// clinic, a park. Facilities mapped as areas or lines keep their geometry so
// that access can be computed at their boundary or along their line.
type Facility struct {
	// ID is stable across loads of the same input: "osm:node/123",
	// "osm:way/45", "osm:relation/6" or "user:<id>".
	ID string
	// Category is the id of a Category of the taxonomy.
	Category string
	// Name is the facility's name as mapped (any script), possibly empty.
	Name string
	// Point is a representative point: the node itself, or a point on or
	// inside the area or line.
	Point orb.Point
	// Geom is the full geometry of an area (orb.Polygon, orb.MultiPolygon)
	// or line (orb.LineString, orb.MultiLineString) facility; nil for a
	// point facility.
	Geom orb.Geometry
	// Capacity is the number of places (pupils, beds) where known, else 0.
	Capacity float64
	// CapacitySource tells where Capacity came from: "tag:<key>", "user",
	// "default" or "" when unknown.
	CapacitySource string
	// Source is "osm" or "user".
	Source string
	// BelowStreet marks a facility mapped underground or indoors (a
	// clinic in a station concourse): it may be reached by tunnels and
	// indoor corridors, which street-level points are never attached to.
	BelowStreet bool
	// WayIDs are the OSM ways that make up a line facility (the way
	// itself, or a route relation's member ways), so that it can be
	// reached on the network edges built from them.
	WayIDs []int64
}
