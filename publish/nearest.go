package publish

import (
	"github.com/paulmach/orb"

	"fifteen/geo"
)

var routeSchema = Schema{
	Kind: "nearest_route", Title: "Nearest facilities", Geometry: "LineString", IDType: IDInteger,
	Description: "The facilities of one category nearest by walking time from a point, each with its route " +
		"from where the point joins the network to the facility's access point. Feature ids are ranks.",
	Fields: []Field{
		{Name: "rank", Type: Integer, Description: "Rank by walking time, from 1"},
		{Name: "facility_id", Type: String, Description: "Facility id"},
		{Name: "name", Type: String, Nullable: true, Description: "Facility name; null when unnamed"},
		{Name: "category", Type: String, Description: "Category id"},
		{Name: "minutes", Type: Number, Unit: "min", Description: "Walk from the point"},
		{Name: "distance_m", Type: Number, Unit: "m", Decimals: 1, Description: "Length of the route"},
		{Name: "facility_lon", Type: Number, Unit: "deg", Decimals: CoordDecimals, Description: "Longitude of the facility's point"},
		{Name: "facility_lat", Type: Number, Unit: "deg", Decimals: CoordDecimals, Description: "Latitude of the facility's point"},
		{Name: "access_lon", Type: Number, Unit: "deg", Decimals: CoordDecimals, Description: "Longitude of the access point walked to"},
		{Name: "access_lat", Type: Number, Unit: "deg", Decimals: CoordDecimals, Description: "Latitude of the access point walked to"},
	},
}

// RouteSchema is the schema of nearest routes.
func RouteSchema() *Schema { return &routeSchema }

// RouteLayer is the nearest facilities of one request.
type RouteLayer struct {
	City *geo.City
	R    *geo.NearestResult
}

// Schema returns the route schema.
func (l RouteLayer) Schema() *Schema { return &routeSchema }

// Len returns the number of facilities.
func (l RouteLayer) Len() int { return len(l.R.Facilities) }

// ID returns the rank.
func (l RouteLayer) ID(i int) Value { return Int(i + 1) }

// Geometry returns the route.
func (l RouteLayer) Geometry(i int) orb.Geometry { return l.R.Facilities[i].Line }

// Props appends the route's fields.
func (l RouteLayer) Props(dst []Value, i int) []Value {
	nf := &l.R.Facilities[i]
	f := &l.City.Facilities[nf.Facility]
	return append(dst, Int(i+1), Str(f.ID), StrOrNull(f.Name), Str(f.Category), Num(geo.DsToMin(nf.TimeDs)), Num(nf.DistM),
		Num(f.Point[0]), Num(f.Point[1]), Num(nf.Access.Point[0]), Num(nf.Access.Point[1]))
}

// Members are the FeatureCollection members of a nearest answer.
func (l RouteLayer) Members(profile, category string, cutoffMin float64) []Member {
	return []Member{{"attribution", l.City.Attribution}, {"profile", profile}, {"category", category},
		{"cutoff_min", cutoffMin}, {"origin", RoundPoint(l.R.Origin)}, {"snap_m", Round(l.R.Snap.DistM, 1)}}
}
