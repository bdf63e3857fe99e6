package geo

import (
	"encoding/binary"
	"fmt"
	"math"
)

// GraphData is a Graph's own arrays in little-endian bytes, for a snapshot
// (data.WriteSnapshot): vertices and edge geometry in 1e-7 degrees, edge
// ends, lengths, attributes and OSM ways. The adjacency, dead ends and
// components are derived again on reading; a patched graph (one a network
// what-if changed) is not stored.
type GraphData struct {
	Vertex  []byte // int32 lon, lat per vertex
	From    []byte // uint32 per edge
	To      []byte // uint32 per edge
	LengthM []byte // float32 per edge
	Attr    []byte // uint16 flags, int8 incline per edge
	GeomOff []byte // uint32 per edge + 1
	Geom    []byte // int32 lon, lat per point
	WayOff  []byte // uint32 per edge + 1
	Ways    []byte // int64 per entry
	// MainBits, for a graph cut from a city's (a shard's, see ShardCity),
	// has one bit per vertex (vertex v is bit v%8 of byte v/8), set for
	// the vertices of the city's largest component: cut off from the rest
	// by the cut, a piece of the main network stays "main" for snapping.
	// Empty for a whole graph, whose components are derived.
	MainBits []byte
}

// Data returns g's arrays for a snapshot.
func (g *Graph) Data() (GraphData, error) {
	if g.off != nil {
		return GraphData{}, fmt.Errorf("geo: a graph patched by a what-if cannot be stored")
	}
	le := binary.LittleEndian
	var d GraphData
	for _, v := range g.vertex {
		d.Vertex = le.AppendUint32(le.AppendUint32(d.Vertex, uint32(v.lon)), uint32(v.lat))
	}
	for e := range g.from {
		d.From = le.AppendUint32(d.From, g.from[e])
		d.To = le.AppendUint32(d.To, g.to[e])
		d.LengthM = le.AppendUint32(d.LengthM, math.Float32bits(g.lengthM[e]))
		d.Attr = append(le.AppendUint16(d.Attr, uint16(g.attr[e].Flags)), byte(g.attr[e].InclinePct))
	}
	// The geometry as whole points, endpoints included, whatever the
	// graph's own coding.
	d.GeomOff = le.AppendUint32(d.GeomOff, 0)
	n := uint32(0)
	for e := range g.from {
		g.eachEdgePoint(e, func(p fixed) {
			d.Geom = le.AppendUint32(le.AppendUint32(d.Geom, uint32(p.lon)), uint32(p.lat))
			n++
		})
		d.GeomOff = le.AppendUint32(d.GeomOff, n)
	}
	for _, o := range g.wayOff {
		d.WayOff = le.AppendUint32(d.WayOff, o)
	}
	for _, w := range g.ways {
		d.Ways = le.AppendUint64(d.Ways, uint64(w))
	}
	if g.cut {
		d.MainBits = make([]byte, (len(g.vertex)+7)/8)
		for v := range g.vertex {
			if g.comp[v] == g.largest {
				d.MainBits[v/8] |= 1 << (v % 8)
			}
		}
	}
	return d, nil
}

// GraphFromData rebuilds a Graph from Data's arrays, checking that they
// hold together (sizes, vertex and point indexes in range, offsets in
// order) so that a damaged snapshot gives an error, never a graph that
// panics later.
func GraphFromData(d GraphData) (*Graph, error) {
	bad := func(what string) (*Graph, error) {
		return nil, fmt.Errorf("graph: %s", what)
	}
	if len(d.Vertex)%8 != 0 || len(d.Geom)%8 != 0 || len(d.From)%4 != 0 || len(d.Ways)%8 != 0 {
		return bad("array sizes are not whole")
	}
	nv, ne := len(d.Vertex)/8, len(d.From)/4
	if nv == 0 || ne == 0 {
		return bad("no vertices or edges")
	}
	if len(d.To) != 4*ne || len(d.LengthM) != 4*ne || len(d.Attr) != 3*ne || len(d.GeomOff) != 4*(ne+1) || len(d.WayOff) != 4*(ne+1) {
		return bad("edge arrays of different lengths")
	}
	le := binary.LittleEndian
	g := &Graph{
		vertex:  make([]fixed, nv),
		from:    make([]uint32, ne),
		to:      make([]uint32, ne),
		lengthM: make([]float32, ne),
		attr:    make([]EdgeAttr, ne),
		wayOff:  make([]uint32, ne+1),
		ways:    make([]int64, len(d.Ways)/8),
	}
	for i := range g.vertex {
		g.vertex[i] = fixed{int32(le.Uint32(d.Vertex[8*i:])), int32(le.Uint32(d.Vertex[8*i+4:]))}
	}
	geom := make([]fixed, len(d.Geom)/8)
	for i := range geom {
		geom[i] = fixed{int32(le.Uint32(d.Geom[8*i:])), int32(le.Uint32(d.Geom[8*i+4:]))}
	}
	geomOff := make([]uint32, ne+1)
	for i := range g.ways {
		g.ways[i] = int64(le.Uint64(d.Ways[8*i:]))
	}
	for e := 0; e < ne; e++ {
		g.from[e], g.to[e] = le.Uint32(d.From[4*e:]), le.Uint32(d.To[4*e:])
		if int(g.from[e]) >= nv || int(g.to[e]) >= nv {
			return bad(fmt.Sprintf("edge %d ends at a vertex out of range", e))
		}
		l := math.Float32frombits(le.Uint32(d.LengthM[4*e:]))
		if !(l >= 0) || math.IsInf(float64(l), 0) {
			return bad(fmt.Sprintf("edge %d has length %v", e, l))
		}
		g.lengthM[e] = l
		g.attr[e] = EdgeAttr{Flags: EdgeFlags(le.Uint16(d.Attr[3*e:])), InclinePct: int8(d.Attr[3*e+2])}
	}
	for i := range geomOff {
		geomOff[i] = le.Uint32(d.GeomOff[4*i:])
		g.wayOff[i] = le.Uint32(d.WayOff[4*i:])
	}
	if geomOff[0] != 0 || int(geomOff[ne]) != len(geom) || g.wayOff[0] != 0 || int(g.wayOff[ne]) != len(g.ways) {
		return bad("offsets do not cover the arrays")
	}
	for e := 0; e < ne; e++ {
		if geomOff[e+1] < geomOff[e]+2 || g.wayOff[e+1] < g.wayOff[e] {
			return bad(fmt.Sprintf("edge %d: offsets out of order", e))
		}
	}
	g.geom = make([]gstep, 0, len(geom)-ne)
	g.geomOff = make([]uint32, 1, ne+1)
	for e := 0; e < ne; e++ {
		g.appendGeom(g.vertex[g.from[e]], geom[geomOff[e]:geomOff[e+1]])
	}
	// The arrays as Build leaves them, no spare room: SizeBytes is the
	// same whether the graph was built or read.
	g.absEdge, g.absOff, g.absPts = exact(g.absEdge), exact(g.absOff), exact(g.absPts)
	g.buildAdjacency()
	if len(d.MainBits) == 0 {
		g.buildComponents()
		return g, nil
	}
	if len(d.MainBits) != (nv+7)/8 {
		return bad("main-component bits of another length than the vertices")
	}
	// A cut graph: component 0 is the city's largest, 1 the rest.
	g.cut = true
	g.comp = make([]uint32, nv)
	g.compSize = make([]uint32, 2)
	for v := range nv {
		if d.MainBits[v/8]&(1<<(v%8)) == 0 {
			g.comp[v] = 1
		}
		g.compSize[g.comp[v]]++
	}
	return g, nil
}
