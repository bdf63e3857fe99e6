package server

import (
	"bytes"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Streaming JSON, tile38 style: features are appended to one byte slice
// rather than built as maps and marshalled, so that a page of ten thousand
// network edges costs one buffer. Coordinates are rounded to 6 decimals
// (about 0.1 m) and figures to 4.

// ogcAppendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func ogcAppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' { // valid JSON, but not JavaScript
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// ogcAppendFixed appends f rounded to 1/scale, or null when it is not
// finite.
func ogcAppendFixed(dst []byte, f float64, scale float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	r := math.Round(f*scale) / scale
	if r == 0 {
		r = 0 // no "-0"
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, r, 'f', -1, 64)
	if bytes.IndexByte(dst[n:], '.') < 0 {
		// A decimal point even on whole numbers, so that clients that
		// guess field types from the first page (GDAL) make them real,
		// not integer, fields.
		dst = append(dst, '.', '0')
	}
	return dst
}

// ogcAppendFigure appends a figure rounded to 4 decimals (null when not
// finite).
func ogcAppendFigure(dst []byte, f float64) []byte { return ogcAppendFixed(dst, f, 1e4) }

// ogcAppendCoord appends a coordinate rounded to 6 decimals.
func ogcAppendCoord(dst []byte, f float64) []byte { return ogcAppendFixed(dst, f, 1e6) }

func ogcAppendPoint(dst []byte, p orb.Point) []byte {
	dst = append(dst, '[')
	dst = ogcAppendCoord(dst, p[0])
	dst = append(dst, ',')
	dst = ogcAppendCoord(dst, p[1])
	return append(dst, ']')
}

func ogcAppendPoints(dst []byte, ps []orb.Point) []byte {
	dst = append(dst, '[')
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = ogcAppendPoint(dst, p)
	}
	return append(dst, ']')
}

func ogcAppendRings(dst []byte, rs []orb.Ring) []byte {
	dst = append(dst, '[')
	for i, r := range rs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = ogcAppendPoints(dst, r)
	}
	return append(dst, ']')
}

// ogcAppendGeometry appends g as a GeoJSON geometry, null for nil or a type
// GeoJSON has no name for.
func ogcAppendGeometry(dst []byte, g orb.Geometry) []byte {
	open := func(typ string) []byte {
		dst = append(dst, `{"type":"`...)
		dst = append(dst, typ...)
		return append(dst, `","coordinates":`...)
	}
	switch g := g.(type) {
	case orb.Point:
		dst = ogcAppendPoint(open("Point"), g)
	case orb.MultiPoint:
		dst = ogcAppendPoints(open("MultiPoint"), g)
	case orb.LineString:
		dst = ogcAppendPoints(open("LineString"), g)
	case orb.MultiLineString:
		dst = open("MultiLineString")
		dst = append(dst, '[')
		for i, l := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = ogcAppendPoints(dst, l)
		}
		dst = append(dst, ']')
	case orb.Ring:
		dst = ogcAppendRings(open("Polygon"), []orb.Ring{g})
	case orb.Polygon:
		dst = ogcAppendRings(open("Polygon"), g)
	case orb.MultiPolygon:
		dst = open("MultiPolygon")
		dst = append(dst, '[')
		for i, p := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = ogcAppendRings(dst, p)
		}
		dst = append(dst, ']')
	default:
		return append(dst, "null"...)
	}
	return append(dst, '}')
}

// ogcAppendBBox appends a bound as [minLon, minLat, maxLon, maxLat].
func ogcAppendBBox(dst []byte, b orb.Bound) []byte {
	dst = append(dst, '[')
	for i, f := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = ogcAppendCoord(dst, f)
	}
	return append(dst, ']')
}

// ogcProps appends the members of a JSON object in the order they are given.
type ogcProps struct {
	b []byte
	n int
}

func (p *ogcProps) key(k string) {
	if p.n > 0 {
		p.b = append(p.b, ',')
	}
	p.n++
	p.b = ogcAppendString(p.b, k)
	p.b = append(p.b, ':')
}

func (p *ogcProps) str(k, v string) { p.key(k); p.b = ogcAppendString(p.b, v) }

// strOrNull writes null for an empty string.
func (p *ogcProps) strOrNull(k, v string) {
	if v == "" {
		p.null(k)
		return
	}
	p.str(k, v)
}

func (p *ogcProps) num(k string, f float64) { p.key(k); p.b = ogcAppendFigure(p.b, f) }

// numPtr writes null for nil.
func (p *ogcProps) numPtr(k string, f *float64) {
	if f == nil {
		p.null(k)
		return
	}
	p.num(k, *f)
}

func (p *ogcProps) int(k string, v int64) { p.key(k); p.b = strconv.AppendInt(p.b, v, 10) }

func (p *ogcProps) bool(k string, v bool) { p.key(k); p.b = strconv.AppendBool(p.b, v) }

func (p *ogcProps) null(k string) { p.key(k); p.b = append(p.b, "null"...) }

func (p *ogcProps) raw(k string, v []byte) { p.key(k); p.b = append(p.b, v...) }

func (p *ogcProps) strs(k string, vs []string) {
	p.key(k)
	p.b = append(p.b, '[')
	for i, v := range vs {
		if i > 0 {
			p.b = append(p.b, ',')
		}
		p.b = ogcAppendString(p.b, v)
	}
	p.b = append(p.b, ']')
}

func (p *ogcProps) ints(k string, vs []int64) {
	p.key(k)
	p.b = append(p.b, '[')
	for i, v := range vs {
		if i > 0 {
			p.b = append(p.b, ',')
		}
		p.b = strconv.AppendInt(p.b, v, 10)
	}
	p.b = append(p.b, ']')
}

// ogcAppendFeature appends one GeoJSON Feature: its id (a JSON value already
// encoded), geometry and properties (the members of an object, already
// encoded, without braces).
func ogcAppendFeature(dst, id []byte, g orb.Geometry, properties []byte) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = append(dst, id...)
	dst = append(dst, `,"geometry":`...)
	dst = ogcAppendGeometry(dst, g)
	dst = append(dst, `,"properties":{`...)
	dst = append(dst, properties...)
	return append(dst, "}}"...)
}
