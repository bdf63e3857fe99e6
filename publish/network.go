package publish

import (
	"strconv"

	"github.com/paulmach/orb"

	"fifteen/geo"
)

var networkSchema = Schema{
	Kind: "network_edge", Title: "Walk network", Geometry: "LineString", IDType: IDInteger,
	Description: "The walk network's edges (a chain of OSM way segments between junctions with the same walking " +
		"attributes) with their length and decoded attributes. Feature ids are edge numbers.",
	Fields: []Field{
		{Name: "edge", Type: Integer, Description: "Edge number"},
		{Name: "length_m", Type: Number, Unit: "m", Decimals: 1, Description: "Length along the line (haversine)"},
		{Name: "steps", Type: Boolean, Description: "Steps (highway=steps)"},
		{Name: "unpaved", Type: Boolean, Description: "Unpaved or loose surface"},
		{Name: "tunnel", Type: Boolean, Description: "Tunnel or underground passage"},
		{Name: "indoor", Type: Boolean, Description: "Indoor corridor"},
		{Name: "bridge", Type: Boolean, Description: "Bridge"},
		{Name: "major_road", Type: Boolean, Description: "Primary, secondary or trunk road (or their links)"},
		{Name: "oneway", Type: Integer, Description: "Walkable 1: only along the line's direction, -1: only against it, 0: both ways"},
		{Name: "incline_pct", Type: Integer, Unit: "%", Nullable: true, Description: "Tagged incline along the line, in percent; null when untagged"},
		{Name: "ways", Type: IntegerList, NotInTiles: true, Description: "Ids of the OSM ways the edge was built from"},
		{Name: "largest_component", Type: Boolean, Description: "Part of the largest connected part of the network"},
	},
}

// NetworkLayer is the walk network's edges.
type NetworkLayer struct{ G *geo.Graph }

// NetworkSchema is the schema of network edges.
func NetworkSchema() *Schema { return &networkSchema }

// Schema returns the network edge schema.
func (l NetworkLayer) Schema() *Schema { return &networkSchema }

// Len returns the number of edges.
func (l NetworkLayer) Len() int { return l.G.NumEdges() }

// ID returns the edge number.
func (l NetworkLayer) ID(e int) Value { return Int(e) }

// Geometry returns the edge's line.
func (l NetworkLayer) Geometry(e int) orb.Geometry { return l.G.EdgeGeometry(e) }

// Props appends the edge's fields.
func (l NetworkLayer) Props(dst []Value, e int) []Value {
	a := l.G.EdgeAttr(e)
	oneway := 0
	switch {
	case a.Flags&geo.FlagOnewayFwd != 0:
		oneway = 1
	case a.Flags&geo.FlagOnewayBwd != 0:
		oneway = -1
	}
	incline := Null()
	if a.Flags&geo.FlagIncline != 0 {
		incline = Int(int(a.InclinePct))
	}
	return append(dst, Int(e), Num(l.G.EdgeLengthM(e)),
		Bool(a.Flags&geo.FlagSteps != 0), Bool(a.Flags&geo.FlagUnpaved != 0), Bool(a.Flags&geo.FlagTunnel != 0),
		Bool(a.Flags&geo.FlagIndoor != 0), Bool(a.Flags&geo.FlagBridge != 0), Bool(a.Flags&geo.FlagMajorRoad != 0),
		Int(oneway), incline, Ints(l.G.EdgeWays(e)), Bool(l.G.InLargest(e)))
}

// Find returns the edge with number id.
func (l NetworkLayer) Find(id string) (int, bool) { return ParseEdgeID(id, l.Len()) }

// ParseEdgeID parses an edge's feature id.
func ParseEdgeID(id string, edges int) (int, bool) {
	n, err := strconv.Atoi(id)
	if err != nil || n < 0 || n >= edges || strconv.Itoa(n) != id {
		return 0, false
	}
	return n, true
}
