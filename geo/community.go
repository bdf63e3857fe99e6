package geo

import "github.com/paulmach/orb"

// Community is an area with a resident population: a municipality, a
// street-level community or a planning unit.
type Community struct {
	ID   string
	Name string
	Geom orb.MultiPolygon
	// Population is the number of residents; always > 0 for a loaded
	// community.
	Population float64
	// Households is the number of households, or 0 when unknown.
	Households float64
	// Aged60Share is the share (0..1) of residents aged 60 and over, or -1
	// when unknown.
	Aged60Share float64
	// ChildShare is the share (0..1) of residents aged under 15, or -1
	// when unknown.
	ChildShare float64
	// AgeShares are the shares (0..1) of the residents in further age
	// bands (keys of AgeBands), from counts or shares the community gives;
	// nil or a missing band when unknown. ChildShare and Aged60Share
	// answer for 0-14 and 60+ when the map lacks them.
	AgeShares map[string]float64
	// Source tells where the community's outline came from: "file" (the
	// planner's communities file), an OSM element with its admin_level or
	// place (e.g. "osm:relation/162110 admin_level=8"), or "h3 res 8" for
	// a hexagon filling an area no boundary covers.
	Source string `json:"source"`
}
