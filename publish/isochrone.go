package publish

import (
	"github.com/paulmach/orb"

	"fifteen/geo"
)

var contourSchema = Schema{
	Kind: "isochrone_contour", Title: "Isochrone contours", Geometry: "MultiPolygon", IDType: IDInteger,
	Description: "The area within each number of minutes' walk of (or, reversed, to) a point, largest first so " +
		"that smaller contours draw on top. Feature ids number the contours from 1, the largest.",
	Fields: []Field{
		{Name: "kind", Type: String, Description: "contour"},
		{Name: "minutes", Type: Number, Unit: "min", Description: "Walk of the contour"},
		{Name: "profile", Type: String, Description: "Walker"},
		{Name: "area_km2", Type: Number, Unit: "km2", Description: "Area of the contour"},
		{Name: "vertices", Type: Integer, Description: "Network junctions reached"},
		{Name: "origin_lon", Type: Number, Unit: "deg", Decimals: CoordDecimals, Description: "Longitude of the point asked"},
		{Name: "origin_lat", Type: Number, Unit: "deg", Decimals: CoordDecimals, Description: "Latitude of the point asked"},
		{Name: "snap_m", Type: Number, Unit: "m", Decimals: 1, Description: "Distance from the point to the walk network"},
	},
}

var reachedEdgeSchema = Schema{
	Kind: "isochrone_edge", Title: "Reached streets", Geometry: "LineString", IDType: IDInteger,
	Description: "The parts of the walk network reached within the largest contour, with the walk at each end. " +
		"Feature ids are edge numbers.",
	Fields: []Field{
		{Name: "kind", Type: String, Description: "edge"},
		{Name: "edge", Type: Integer, Description: "Edge number (see the network collection)"},
		{Name: "from_min", Type: Number, Unit: "min", Description: "Walk at the line's first point"},
		{Name: "to_min", Type: Number, Unit: "min", Description: "Walk at the line's last point"},
	},
}

// ContourSchema and ReachedEdgeSchema are the schemas of an isochrone's
// features.
func ContourSchema() *Schema { return &contourSchema }

// ReachedEdgeSchema is the schema of an isochrone's reached streets.
func ReachedEdgeSchema() *Schema { return &reachedEdgeSchema }

// ContourLayer is an isochrone's contours, largest first.
type ContourLayer struct {
	R       *geo.IsochroneResult
	Profile string
}

// Schema returns the contour schema.
func (l ContourLayer) Schema() *Schema { return &contourSchema }

// Len returns the number of contours.
func (l ContourLayer) Len() int { return len(l.R.Contours) }

func (l ContourLayer) at(i int) *geo.Contour { return &l.R.Contours[len(l.R.Contours)-1-i] }

// ID returns the contour's number, 1 for the largest.
func (l ContourLayer) ID(i int) Value { return Int(i + 1) }

// Geometry returns the contour's area.
func (l ContourLayer) Geometry(i int) orb.Geometry { return l.at(i).Area }

// Props appends the contour's fields.
func (l ContourLayer) Props(dst []Value, i int) []Value {
	c := l.at(i)
	return append(dst, Str("contour"), Num(c.Minutes), Str(l.Profile), Num(c.AreaKm2), Int(c.Vertices),
		Num(l.R.Origin[0]), Num(l.R.Origin[1]), Num(l.R.Snap.DistM))
}

// ReachedEdgeLayer is an isochrone's reached streets.
type ReachedEdgeLayer struct{ R *geo.IsochroneResult }

// Schema returns the reached edge schema.
func (l ReachedEdgeLayer) Schema() *Schema { return &reachedEdgeSchema }

// Len returns the number of reached edges.
func (l ReachedEdgeLayer) Len() int { return len(l.R.Edges) }

// ID returns the edge number.
func (l ReachedEdgeLayer) ID(i int) Value { return Int(l.R.Edges[i].Edge) }

// Geometry returns the reached part of the edge.
func (l ReachedEdgeLayer) Geometry(i int) orb.Geometry { return l.R.Edges[i].Line }

// Props appends the edge's fields.
func (l ReachedEdgeLayer) Props(dst []Value, i int) []Value {
	e := &l.R.Edges[i]
	return append(dst, Str("edge"), Int(e.Edge), Num(e.FromMin), Num(e.ToMin))
}

// Isochrone renders an isochrone as one GeoJSON FeatureCollection: the
// contours, largest first, then the reached streets when they were asked
// for.
func Isochrone(attribution, profile string, r *geo.IsochroneResult) ([]byte, error) {
	return GeoJSON([]Member{{"attribution", attribution}, {"profile", profile}},
		ContourLayer{R: r, Profile: profile}, ReachedEdgeLayer{R: r})
}
