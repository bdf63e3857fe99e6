package publish

import (
	"github.com/paulmach/orb/geojson"
)

// TileProperties returns feature i's properties for a vector tile: the
// same values as the other renderings, rounded the same way, except that
// nulls are absent (vector tiles have no null), lists are joined by ",",
// and fields marked NotInTiles are left out.
func TileProperties(l Layer, i int, scratch []Value) (geojson.Properties, []Value) {
	s := l.Schema()
	scratch = l.Props(scratch[:0], i)
	pr := make(geojson.Properties, len(scratch))
	for k, v := range scratch {
		f := &s.Fields[k]
		if v.IsNull() || f.NotInTiles {
			continue
		}
		switch v.t {
		case StringList, IntegerList:
			pr[f.Name] = formatValue(v, f, ",")
		default:
			pr[f.Name] = v.Native(f)
		}
	}
	return pr, scratch
}

// TileFields describes the tile properties of s, for a TileJSON's
// vector_layers: name to description.
func TileFields(s *Schema) map[string]string {
	out := make(map[string]string, len(s.Fields))
	for _, f := range s.Fields {
		if f.NotInTiles {
			continue
		}
		d := f.Description
		if f.Unit != "" {
			d += " [" + f.Unit + "]"
		}
		if f.Nullable {
			d += " (absent when null)"
		}
		if f.Type == StringList || f.Type == IntegerList {
			d += " (comma-separated)"
		}
		out[f.Name] = d
	}
	return out
}
