package publish

import (
	"github.com/paulmach/orb"

	"fifteen/geo"
)

var facilitySchema = Schema{
	Kind: "facility", Title: "Facilities", Geometry: "Point", IDType: IDString,
	Description: "Every facility by category (schools, clinics, markets, parks…) as a point: areas and lines " +
		"(parks, greenways) as their representative point. The feature id is category:id, since one mapped " +
		"feature may be a facility of several categories.",
	Fields: []Field{
		{Name: "id", Type: String, Description: "Facility id: osm:node/…, osm:way/…, osm:relation/… or user:…"},
		{Name: "category", Type: String, Description: "Category id (see /v1/categories)"},
		{Name: "kind", Type: String, Description: "How the category is reached: point, area (at its boundary) or line (along it)"},
		{Name: "name", Type: String, Nullable: true, Description: "Name as mapped; null when unnamed"},
		{Name: "capacity", Type: Number, Unit: "places", Nullable: true, Decimals: 1, Description: "Places (pupils, beds) where known; null when unknown"},
		{Name: "capacity_source", Type: String, Nullable: true, Description: "Where the capacity comes from: tag:<key>, user or default; null when unknown"},
		{Name: "source", Type: String, Description: "osm or user"},
		{Name: "snap_m", Type: Number, Unit: "m", Nullable: true, Decimals: 1, Description: "Distance from the facility's point to the walk network; null when too far to be reached"},
		{Name: "on_island", Type: Boolean, Description: "Attached to a part of the network cut off from the largest"},
		{Name: "below_street", Type: Boolean, Description: "Mapped underground or indoors: reached through tunnels and corridors"},
	},
}

// FacilityLayer is facilities of a city: their points, or with Lines the
// full geometry of line facilities (greenways).
type FacilityLayer struct {
	City  *geo.City
	Index []int // facility indexes
	Lines bool
	kind  map[string]string
	ids   map[string]int // feature id to position
}

// Facilities returns the open facilities of city; category, when not
// empty, keeps one category; lines keeps only line facilities, with their
// full geometry.
func Facilities(city *geo.City, category string, lines bool) *FacilityLayer {
	l := &FacilityLayer{City: city, Lines: lines, kind: map[string]string{}, ids: map[string]int{}}
	for _, c := range city.Taxonomy.Categories {
		l.kind[c.ID] = c.Kind
	}
	for i := range city.Facilities {
		f := &city.Facilities[i]
		switch {
		case city.Closed[i]:
			continue
		case lines && l.kind[f.Category] != geo.KindLine:
			continue
		case category != "" && f.Category != category:
			continue
		}
		l.ids[FacilityID(f)] = len(l.Index)
		l.Index = append(l.Index, i)
	}
	return l
}

// Find returns the position of the facility with feature id.
func (l *FacilityLayer) Find(id string) (int, bool) {
	i, ok := l.ids[id]
	return i, ok
}

// FacilitySchema is the schema of facilities; lines describes the
// greenway layer, whose geometry is the full line.
func FacilitySchema(lines bool) *Schema {
	if !lines {
		return &facilitySchema
	}
	s := facilitySchema
	s.Kind, s.Title, s.Geometry = "greenway", "Greenways", "MultiLineString"
	s.Description = "Facilities of line categories (greenways) with their full geometry and the fields of facilities."
	return &s
}

// Schema returns the facility schema.
func (l *FacilityLayer) Schema() *Schema { return FacilitySchema(l.Lines) }

// Len returns the number of facilities.
func (l *FacilityLayer) Len() int { return len(l.Index) }

// FacilityID is a facility's feature id: category:id.
func FacilityID(f *geo.Facility) string { return f.Category + ":" + f.ID }

// ID returns facility i's feature id.
func (l *FacilityLayer) ID(i int) Value { return Str(FacilityID(&l.City.Facilities[l.Index[i]])) }

// Geometry returns the facility's point, or for lines its line.
func (l *FacilityLayer) Geometry(i int) orb.Geometry {
	f := &l.City.Facilities[l.Index[i]]
	if l.Lines {
		switch g := f.Geom.(type) {
		case orb.LineString:
			return orb.MultiLineString{g}
		case orb.MultiLineString:
			return g
		}
	}
	return f.Point
}

// Props appends the facility's fields.
func (l *FacilityLayer) Props(dst []Value, i int) []Value {
	fi := l.Index[i]
	f := &l.City.Facilities[fi]
	snap := l.City.FacilitySnap[fi]
	return append(dst,
		Str(f.ID), Str(f.Category), Str(l.kind[f.Category]), StrOrNull(f.Name),
		NumIf(f.Capacity, f.Capacity > 0), StrOrNull(f.CapacitySource), Str(f.Source),
		NumIf(snap.DistM, snap.Edge >= 0), Bool(l.City.OnIsland(snap)), Bool(f.BelowStreet))
}
