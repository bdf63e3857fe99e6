package publish

import (
	"fmt"
	"sort"

	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// CellLayer is populated H3 cells at one resolution with the walk of one
// walker to every category (geo.Access.Cells).
type CellLayer struct {
	Rows    []geo.CellRow
	Res     int
	Profile string
	schema  *Schema
}

// CellSchema is the schema of cells for the categories of tax.
func CellSchema(tax *geo.Taxonomy) *Schema {
	s := &Schema{
		Kind: "cell", Title: "H3 cells", Geometry: "Polygon", IDType: IDString,
		Description: "Populated H3 cells (resolution 7 to 10) with their residents and, for one walker, the walk to " +
			"each category: minutes_<category>, the population-weighted walk in minutes to the nearest facility of " +
			"those who reach one within the cutoff (null when none does), and within_<category>, the share within " +
			"the category's threshold. Feature ids are H3 indexes.",
		Fields: []Field{
			{Name: "h3", Type: String, Description: "H3 cell index (hexadecimal)"},
			{Name: "res", Type: Integer, Description: "H3 resolution of the cell"},
			{Name: "community", Type: String, Nullable: true, Description: "Id of the community holding most of the cell's residents; null when most live outside every community"},
			{Name: "population", Type: Number, Unit: "people", Description: "Residents on the cell"},
			{Name: "profile", Type: String, Description: "Walker the walks are for"},
		},
	}
	for _, c := range tax.Categories {
		s.Fields = append(s.Fields,
			Field{Name: "minutes_" + c.ID, Type: Number, Unit: "min", Nullable: true,
				Description: fmt.Sprintf("Population-weighted walk in minutes to the nearest %s of the residents who reach one within the cutoff; null when none does", c.Name)},
			Field{Name: "within_" + c.ID, Type: Number, Unit: "share",
				Description: fmt.Sprintf("Share (0 to 1) of the residents within %g minutes of a %s", c.ThresholdMin, c.Name)})
	}
	return s
}

// Cells returns the cells of a at resolution res for walker p.
func Cells(a *geo.Access, p, res int) (*CellLayer, error) {
	rows, err := a.Cells(p, res)
	if err != nil {
		return nil, err
	}
	return CellRows(a, p, res, rows), nil
}

// CellRows is the layer of some of a's cells at resolution res for walker
// p (rows from geo.Access.CellRow), as the vector tiles build them.
func CellRows(a *geo.Access, p, res int, rows []geo.CellRow) *CellLayer {
	return &CellLayer{Rows: rows, Res: res, Profile: a.Profiles[p].ID, schema: CellSchema(a.City.Taxonomy)}
}

// Schema returns the cell schema.
func (l *CellLayer) Schema() *Schema { return l.schema }

// Len returns the number of cells.
func (l *CellLayer) Len() int { return len(l.Rows) }

// ID returns the cell's H3 index.
func (l *CellLayer) ID(i int) Value { return Str(l.Rows[i].Cell.String()) }

// Geometry returns the cell's hexagon.
func (l *CellLayer) Geometry(i int) orb.Geometry { return orb.Polygon{l.Rows[i].Cell.Boundary()} }

// Props appends the cell's fields.
func (l *CellLayer) Props(dst []Value, i int) []Value {
	r := &l.Rows[i]
	dst = append(dst, Str(r.Cell.String()), Int(l.Res), StrOrNull(r.Community), Num(r.Population), Str(l.Profile))
	for ci := range r.Minutes {
		dst = append(dst, Num(r.Minutes[ci]), Num(r.Within[ci]))
	}
	return dst
}

// Find returns the position of the cell with H3 index id.
func (l *CellLayer) Find(id string) (int, bool) {
	c, err := hex.Parse(id)
	if err != nil {
		return 0, false
	}
	i := sort.Search(len(l.Rows), func(i int) bool { return l.Rows[i].Cell >= c })
	return i, i < len(l.Rows) && l.Rows[i].Cell == c
}

// CellMembers are the FeatureCollection members of a cells answer.
func CellMembers(a *geo.Access, l *CellLayer) []Member {
	return []Member{{"attribution", a.City.Attribution}, {"profile", l.Profile}, {"res", l.Res}, {"cutoff_min", a.Options.CutoffMin},
		{"population_source", a.City.Population.Source}}
}
