package publish

import "github.com/paulmach/orb"

// Subset is some features of a layer, in the given order: the same
// schema, ids, geometries and values.
type Subset struct {
	L     Layer
	Index []int
}

// Schema returns the layer's schema.
func (s Subset) Schema() *Schema { return s.L.Schema() }

// Len returns the number of chosen features.
func (s Subset) Len() int { return len(s.Index) }

// ID returns the id of chosen feature i.
func (s Subset) ID(i int) Value { return s.L.ID(s.Index[i]) }

// Geometry returns the geometry of chosen feature i.
func (s Subset) Geometry(i int) orb.Geometry { return s.L.Geometry(s.Index[i]) }

// Props appends the values of chosen feature i.
func (s Subset) Props(dst []Value, i int) []Value { return s.L.Props(dst, s.Index[i]) }
