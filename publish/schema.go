package publish

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Type is the type of a field's values.
type Type uint8

// The field types. A list is published as a JSON array, joined by ";" in
// CSV and by "," in vector tiles (which have no lists).
const (
	String Type = iota + 1
	Integer
	Number
	Boolean
	StringList
	IntegerList
)

// String returns the JSON Schema name of the type.
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Integer:
		return "integer"
	case Number:
		return "number"
	case Boolean:
		return "boolean"
	case StringList, IntegerList:
		return "array"
	}
	return "null"
}

// DefaultDecimals is the rounding of numbers whose field names none.
const DefaultDecimals = 4

// CoordDecimals is the rounding of coordinates.
const CoordDecimals = 6

// Field describes one property of a result kind.
type Field struct {
	Name string
	Type Type
	// Unit is the unit of a number: "min", "m", "km2", "people", "share"
	// (a fraction from 0 to 1), "places", "places/person"; empty when
	// the value has none.
	Unit string
	// Nullable fields may be null (absent in vector tiles).
	Nullable bool
	// Decimals rounds a Number (DefaultDecimals when 0).
	Decimals int
	// NotInTiles leaves the field out of vector tiles, where it would
	// cost more than it is worth on a map (long lists).
	NotInTiles  bool
	Description string
}

func (f *Field) decimals() int {
	if f.Decimals > 0 {
		return f.Decimals
	}
	return DefaultDecimals
}

// Schema is one result kind: its fields, in order, and what its features
// are.
type Schema struct {
	// Kind names the result kind, such as "cell".
	Kind        string
	Title       string
	Description string
	// Geometry is the GeoJSON type of the features' geometry.
	Geometry string
	// IDType is the type of the feature ids: String or Integer.
	IDType IDKind
	Fields []Field
}

// IDKind is the type of feature ids.
type IDKind uint8

// Feature id types.
const (
	IDString IDKind = iota
	IDInteger
)

// Field returns the field named name.
func (s *Schema) Field(name string) (*Field, bool) {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i], true
		}
	}
	return nil, false
}

// Value is one property value. The zero Value is null.
type Value struct {
	t  Type
	f  float64
	i  int64
	s  string
	b  bool
	ss []string
	is []int64
}

// Null is the null value.
func Null() Value { return Value{} }

// Num is a number; NaN and infinities are null.
func Num(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}
	}
	return Value{t: Number, f: f}
}

// NumPtr is a number, null when f is nil.
func NumPtr(f *float64) Value {
	if f == nil {
		return Value{}
	}
	return Num(*f)
}

// NumIf is a number when ok, else null.
func NumIf(f float64, ok bool) Value {
	if !ok {
		return Value{}
	}
	return Num(f)
}

// Int is an integer.
func Int(i int) Value { return Value{t: Integer, i: int64(i)} }

// Int64 is an integer.
func Int64(i int64) Value { return Value{t: Integer, i: i} }

// Str is a string.
func Str(s string) Value { return Value{t: String, s: s} }

// StrOrNull is a string, null when empty.
func StrOrNull(s string) Value {
	if s == "" {
		return Value{}
	}
	return Str(s)
}

// Bool is a boolean.
func Bool(b bool) Value { return Value{t: Boolean, b: b} }

// Strs is a list of strings (nil is the empty list).
func Strs(ss []string) Value { return Value{t: StringList, ss: ss} }

// Ints is a list of integers (nil is the empty list).
func Ints(is []int64) Value { return Value{t: IntegerList, is: is} }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.t == 0 }

// Float returns a number's value (NaN for null or another type).
func (v Value) Float() float64 {
	switch v.t {
	case Number:
		return v.f
	case Integer:
		return float64(v.i)
	}
	return math.NaN()
}

// Native returns v as a Go value for renderers outside this package (a
// database writer), rounded by field f as in every rendering: nil for
// null, float64, int64, string, bool, []string or []int64 (never nil for
// a list: the empty list is empty).
func (v Value) Native(f *Field) any {
	switch v.t {
	case Number:
		return Round(v.f, f.decimals())
	case Integer:
		return v.i
	case String:
		return v.s
	case Boolean:
		return v.b
	case StringList:
		if v.ss == nil {
			return []string{}
		}
		return v.ss
	case IntegerList:
		if v.is == nil {
			return []int64{}
		}
		return v.is
	}
	return nil
}

// Layer is the features of one result kind.
type Layer interface {
	Schema() *Schema
	// Len is the number of features.
	Len() int
	// ID is feature i's id: a String or an Integer value.
	ID(i int) Value
	// Geometry is feature i's geometry (nil for none).
	Geometry(i int) orb.Geometry
	// Props appends feature i's values to dst, one per field of the
	// schema, in order.
	Props(dst []Value, i int) []Value
}

// Check verifies that every feature of l has one value per field, of the
// field's type, and null only where the field is nullable.
func Check(l Layer) error {
	s := l.Schema()
	var vals []Value
	for i := 0; i < l.Len(); i++ {
		vals = l.Props(vals[:0], i)
		if len(vals) != len(s.Fields) {
			return fmt.Errorf("publish: %s feature %d: %d values for %d fields", s.Kind, i, len(vals), len(s.Fields))
		}
		for k, v := range vals {
			f := &s.Fields[k]
			switch {
			case v.IsNull() && !f.Nullable:
				return fmt.Errorf("publish: %s feature %d: %s is null but not nullable", s.Kind, i, f.Name)
			case !v.IsNull() && v.t != f.Type:
				return fmt.Errorf("publish: %s feature %d: %s is a %v, the schema says %v", s.Kind, i, f.Name, v.t, f.Type)
			}
		}
		id := l.ID(i)
		if (s.IDType == IDInteger && id.t != Integer) || (s.IDType == IDString && id.t != String) {
			return fmt.Errorf("publish: %s feature %d: id of the wrong type", s.Kind, i)
		}
	}
	return nil
}
