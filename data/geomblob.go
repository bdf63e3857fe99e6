package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/geo/hex"
)

// Facility geometries are the bulk of a snapshot: gob spends most of its
// time on them as interface values. They are stored instead as one blob
// of tagged, counted float64 coordinates (exact).
const (
	geomNil byte = iota
	geomPoint
	geomMultiPoint
	geomLineString
	geomMultiLineString
	geomRing
	geomPolygon
	geomMultiPolygon
	geomCollection
	geomBound
)

func appendPoints(b []byte, ps []orb.Point) []byte {
	b = binary.AppendUvarint(b, uint64(len(ps)))
	for _, p := range ps {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[0]))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[1]))
	}
	return b
}

func appendRings(b []byte, rs []orb.Ring) []byte {
	b = binary.AppendUvarint(b, uint64(len(rs)))
	for _, r := range rs {
		b = appendPoints(b, r)
	}
	return b
}

// appendGeom appends g to b.
func appendGeom(b []byte, g orb.Geometry) ([]byte, error) {
	switch g := g.(type) {
	case nil:
		return append(b, geomNil), nil
	case orb.Point:
		return appendPoints(append(b, geomPoint), []orb.Point{g}), nil
	case orb.MultiPoint:
		return appendPoints(append(b, geomMultiPoint), g), nil
	case orb.LineString:
		return appendPoints(append(b, geomLineString), g), nil
	case orb.MultiLineString:
		b = binary.AppendUvarint(append(b, geomMultiLineString), uint64(len(g)))
		for _, l := range g {
			b = appendPoints(b, l)
		}
		return b, nil
	case orb.Ring:
		return appendPoints(append(b, geomRing), g), nil
	case orb.Polygon:
		return appendRings(append(b, geomPolygon), g), nil
	case orb.MultiPolygon:
		b = binary.AppendUvarint(append(b, geomMultiPolygon), uint64(len(g)))
		for _, p := range g {
			b = appendRings(b, p)
		}
		return b, nil
	case orb.Collection:
		b = binary.AppendUvarint(append(b, geomCollection), uint64(len(g)))
		for _, x := range g {
			var err error
			if b, err = appendGeom(b, x); err != nil {
				return nil, err
			}
		}
		return b, nil
	case orb.Bound:
		return appendPoints(append(b, geomBound), []orb.Point{g.Min, g.Max}), nil
	}
	return nil, fmt.Errorf("geometry of type %T cannot be stored", g)
}

var errGeomBlob = errors.New("damaged geometry")

// geomReader reads what appendGeom wrote.
type geomReader struct{ b []byte }

func (r *geomReader) count() (int, error) {
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)) { // every item takes at least a byte
		return 0, errGeomBlob
	}
	r.b = r.b[k:]
	return int(n), nil
}

func (r *geomReader) points() ([]orb.Point, error) {
	n, err := r.count()
	if err != nil || 16*n > len(r.b) {
		return nil, errGeomBlob
	}
	ps := make([]orb.Point, n)
	for i := range ps {
		ps[i] = orb.Point{math.Float64frombits(binary.LittleEndian.Uint64(r.b[16*i:])), math.Float64frombits(binary.LittleEndian.Uint64(r.b[16*i+8:]))}
	}
	r.b = r.b[16*n:]
	return ps, nil
}

func (r *geomReader) rings() ([]orb.Ring, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	rs := make([]orb.Ring, n)
	for i := range rs {
		ps, err := r.points()
		if err != nil {
			return nil, err
		}
		rs[i] = ps
	}
	return rs, nil
}

func (r *geomReader) geom() (orb.Geometry, error) {
	if len(r.b) == 0 {
		return nil, errGeomBlob
	}
	tag := r.b[0]
	r.b = r.b[1:]
	switch tag {
	case geomNil:
		return nil, nil
	case geomPoint, geomBound:
		ps, err := r.points()
		if err != nil || len(ps) != int(tag) { // 1 point, or 2 for a bound
			if err == nil && tag == geomBound && len(ps) == 2 {
				return orb.Bound{Min: ps[0], Max: ps[1]}, nil
			}
			return nil, errGeomBlob
		}
		return ps[0], nil
	case geomMultiPoint:
		ps, err := r.points()
		return orb.MultiPoint(ps), err
	case geomLineString:
		ps, err := r.points()
		return orb.LineString(ps), err
	case geomRing:
		ps, err := r.points()
		return orb.Ring(ps), err
	case geomMultiLineString:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		ml := make(orb.MultiLineString, n)
		for i := range ml {
			if ml[i], err = r.points(); err != nil {
				return nil, err
			}
		}
		return ml, nil
	case geomPolygon:
		rs, err := r.rings()
		return orb.Polygon(rs), err
	case geomMultiPolygon:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		mp := make(orb.MultiPolygon, n)
		for i := range mp {
			if mp[i], err = r.rings(); err != nil {
				return nil, err
			}
		}
		return mp, nil
	case geomCollection:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		c := make(orb.Collection, n)
		for i := range c {
			if c[i], err = r.geom(); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	return nil, errGeomBlob
}

// Snaps are stored as fixed 40-byte records: edge, offset, distance and
// point.
func appendSnaps(b []byte, ss []geo.Snap) []byte {
	le := binary.LittleEndian
	for _, s := range ss {
		b = le.AppendUint64(b, uint64(int64(s.Edge)))
		b = le.AppendUint64(b, math.Float64bits(s.OffsetM))
		b = le.AppendUint64(b, math.Float64bits(s.DistM))
		b = le.AppendUint64(b, math.Float64bits(s.Point[0]))
		b = le.AppendUint64(b, math.Float64bits(s.Point[1]))
	}
	return b
}

func (r *geomReader) snaps(n int) ([]geo.Snap, error) {
	if n < 0 || 40*n > len(r.b) {
		return nil, errGeomBlob
	}
	le := binary.LittleEndian
	out := make([]geo.Snap, n)
	for i := range out {
		b := r.b[40*i:]
		out[i] = geo.Snap{Edge: int(int64(le.Uint64(b))), OffsetM: math.Float64frombits(le.Uint64(b[8:])),
			DistM: math.Float64frombits(le.Uint64(b[16:])),
			Point: orb.Point{math.Float64frombits(le.Uint64(b[24:])), math.Float64frombits(le.Uint64(b[32:]))}}
	}
	r.b = r.b[40*n:]
	return out, nil
}

// Population cells are 36-byte records: cell, population, point and
// community.
func appendPopCells(b []byte, cs []geo.PopCell) []byte {
	le := binary.LittleEndian
	for _, c := range cs {
		b = le.AppendUint64(b, uint64(c.Cell))
		b = le.AppendUint64(b, math.Float64bits(c.Pop))
		b = le.AppendUint64(b, math.Float64bits(c.Point[0]))
		b = le.AppendUint64(b, math.Float64bits(c.Point[1]))
		b = le.AppendUint32(b, uint32(c.Community))
	}
	return b
}

func popCellsOf(b []byte) ([]geo.PopCell, error) {
	if len(b)%36 != 0 {
		return nil, errGeomBlob
	}
	le := binary.LittleEndian
	out := make([]geo.PopCell, len(b)/36)
	for i := range out {
		r := b[36*i:]
		out[i] = geo.PopCell{Cell: hex.Cell(le.Uint64(r)), Pop: math.Float64frombits(le.Uint64(r[8:])),
			Point:     orb.Point{math.Float64frombits(le.Uint64(r[16:])), math.Float64frombits(le.Uint64(r[24:]))},
			Community: int32(le.Uint32(r[32:]))}
	}
	return out, nil
}
