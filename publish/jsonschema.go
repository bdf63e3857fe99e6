package publish

// JSON Schema documents of a result kind. Two are published for each OGC
// collection:
//
//   - FeatureSchema, the GeoJSON Feature with its properties, linked from
//     a collection and its items as rel="describedBy" (type
//     application/schema+json): GDAL's OAPIF driver reads field types from
//     it. Nullable fields carry "nullable": true beside a single "type"
//     (as OpenAPI 3.0 writes it), because GDAL reads "type" only as a
//     string.
//   - ReturnablesSchema, the flat schema of OGC API - Features Part 5
//     (/collections/{id}/schema): one member per property, the id and the
//     geometry marked with x-ogc-role, nullable fields typed [T, "null"].

// JSONSchemaDraft is the JSON Schema dialect of the documents.
const JSONSchemaDraft = "https://json-schema.org/draft/2020-12/schema"

// fieldSchema is a field's JSON Schema.
func fieldSchema(f *Field, nullArray bool) map[string]any {
	m := map[string]any{"title": f.Name, "description": f.Description}
	t := f.Type.String()
	switch {
	case nullArray && f.Nullable:
		m["type"] = []string{t, "null"}
	default:
		m["type"] = t
		if f.Nullable {
			m["nullable"] = true
		}
	}
	switch f.Type {
	case StringList:
		m["items"] = map[string]any{"type": "string"}
	case IntegerList:
		m["items"] = map[string]any{"type": "integer"}
	}
	if f.Unit != "" {
		m["x-ogc-unit"] = f.Unit
	}
	return m
}

// propertiesOf returns the fields' schemas and their names in order.
func propertiesOf(s *Schema, nullArray bool) (map[string]any, []string) {
	props := make(map[string]any, len(s.Fields))
	order := make([]string, 0, len(s.Fields))
	for i := range s.Fields {
		f := &s.Fields[i]
		props[f.Name] = fieldSchema(f, nullArray)
		order = append(order, f.Name)
	}
	return props, order
}

// OrderedObject is a JSON object whose members are written in Keys order
// (field order matters to readers that build a table from a schema).
type OrderedObject struct {
	Keys   []string
	Values map[string]any
}

// MarshalJSON writes the members in order.
func (o OrderedObject) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, k := range o.Keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendAny(b, o.Values[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func geometrySchema(geom string) map[string]any {
	if geom == "" {
		return map[string]any{"type": "null"}
	}
	return map[string]any{"type": "object", "title": geom,
		"properties": map[string]any{"type": map[string]any{"type": "string", "enum": []string{geom}}}}
}

func idType(s *Schema) string {
	if s.IDType == IDInteger {
		return "integer"
	}
	return "string"
}

// FeatureSchema is the JSON Schema of one GeoJSON Feature of kind s, with
// the given $id.
func FeatureSchema(s *Schema, id string) OrderedObject {
	props, order := propertiesOf(s, false)
	return OrderedObject{
		Keys: []string{"$schema", "$id", "title", "description", "type", "required", "properties"},
		Values: map[string]any{
			"$schema": JSONSchemaDraft, "$id": id, "title": s.Title, "description": s.Description,
			"type": "object", "required": []string{"type", "geometry", "properties"},
			"properties": OrderedObject{
				Keys: []string{"type", "id", "geometry", "properties"},
				Values: map[string]any{
					"type":     map[string]any{"type": "string", "enum": []string{"Feature"}},
					"id":       map[string]any{"type": idType(s)},
					"geometry": geometrySchema(s.Geometry),
					"properties": map[string]any{
						"type": "object", "required": order,
						"properties": OrderedObject{Keys: order, Values: props},
					},
				},
			},
		},
	}
}

// ReturnablesSchema is the OGC API - Features Part 5 schema of kind s,
// with the given $id.
func ReturnablesSchema(s *Schema, id string) OrderedObject {
	props, order := propertiesOf(s, true)
	props["id"] = map[string]any{"title": "id", "description": "Feature id", "type": idType(s), "x-ogc-role": "id"}
	g := map[string]any{"x-ogc-role": "primary-geometry"}
	if s.Geometry != "" {
		g["format"] = "geometry-" + lowerGeom(s.Geometry)
	}
	props["geometry"] = g
	keys := append([]string{"id", "geometry"}, order...)
	return OrderedObject{
		Keys: []string{"$schema", "$id", "title", "description", "type", "properties"},
		Values: map[string]any{
			"$schema": JSONSchemaDraft, "$id": id, "title": s.Title, "description": s.Description,
			"type": "object", "properties": OrderedObject{Keys: keys, Values: props},
		},
	}
}

func lowerGeom(g string) string {
	switch g {
	case "Point":
		return "point"
	case "LineString":
		return "linestring"
	case "Polygon":
		return "polygon"
	case "MultiPolygon":
		return "multipolygon"
	case "MultiLineString":
		return "multilinestring"
	}
	return "any"
}
