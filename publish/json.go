package publish

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Streaming JSON, tile38 style: features are appended to one byte slice
// rather than built as maps and marshalled, so that a page of ten thousand
// features costs one buffer.

// AppendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// U+2028 and U+2029 are escaped for JavaScript.
func AppendString(dst []byte, s string) []byte {
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
		if r == '\u2028' || r == '\u2029' {
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

// Round rounds f to the given number of decimals.
func Round(f float64, decimals int) float64 {
	scale := math.Pow10(decimals)
	r := math.Round(f*scale) / scale
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}

// AppendNumber appends f rounded to decimals, or null when it is not
// finite. Whole numbers keep a decimal point, so that clients that guess
// field types from values (GDAL without a schema) make them real fields.
func AppendNumber(dst []byte, f float64, decimals int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, Round(f, decimals), 'f', -1, 64)
	if bytes.IndexByte(dst[n:], '.') < 0 {
		dst = append(dst, '.', '0')
	}
	return dst
}

// appendValue appends v as JSON, rounded by field f.
func appendValue(dst []byte, v Value, f *Field) []byte {
	switch v.t {
	case Number:
		return AppendNumber(dst, v.f, f.decimals())
	case Integer:
		return strconv.AppendInt(dst, v.i, 10)
	case String:
		return AppendString(dst, v.s)
	case Boolean:
		return strconv.AppendBool(dst, v.b)
	case StringList:
		dst = append(dst, '[')
		for i, s := range v.ss {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, s)
		}
		return append(dst, ']')
	case IntegerList:
		dst = append(dst, '[')
		for i, x := range v.is {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, x, 10)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

// appendPoint appends a point already rounded (to CoordDecimals, or to
// OSM's precision where a ring needs it).
func appendPoint(dst []byte, p orb.Point) []byte {
	dst = append(dst, '[')
	dst = AppendNumber(dst, p[0], CoordDecimals+1)
	dst = append(dst, ',')
	dst = AppendNumber(dst, p[1], CoordDecimals+1)
	return append(dst, ']')
}

func appendPoints(dst []byte, ps []orb.Point) []byte {
	dst = append(dst, '[')
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendPoint(dst, p)
	}
	return append(dst, ']')
}

func appendRings(dst []byte, rs []orb.Ring) []byte {
	dst = append(dst, '[')
	for i, r := range rs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendPoints(dst, r)
	}
	return append(dst, ']')
}

// AppendGeometry appends g, rounded by RoundGeometry, as a GeoJSON
// geometry; null for nil or a type GeoJSON has no name for.
func AppendGeometry(dst []byte, g orb.Geometry) []byte {
	if g == nil {
		return append(dst, "null"...)
	}
	g = RoundGeometry(g)
	open := func(typ string) []byte {
		dst = append(dst, `{"type":"`...)
		dst = append(dst, typ...)
		return append(dst, `","coordinates":`...)
	}
	switch g := g.(type) {
	case orb.Point:
		dst = appendPoint(open("Point"), g)
	case orb.MultiPoint:
		dst = appendPoints(open("MultiPoint"), g)
	case orb.LineString:
		dst = appendPoints(open("LineString"), g)
	case orb.MultiLineString:
		dst = open("MultiLineString")
		dst = append(dst, '[')
		for i, l := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendPoints(dst, l)
		}
		dst = append(dst, ']')
	case orb.Polygon:
		dst = appendRings(open("Polygon"), g)
	case orb.MultiPolygon:
		dst = open("MultiPolygon")
		dst = append(dst, '[')
		for i, p := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendRings(dst, p)
		}
		dst = append(dst, ']')
	default:
		return append(dst, "null"...)
	}
	return append(dst, '}')
}

// AppendProperties appends the members of feature i's properties object,
// without braces, using scratch for the values. It returns the extended
// dst and scratch.
func AppendProperties(dst []byte, l Layer, i int, scratch []Value) ([]byte, []Value) {
	s := l.Schema()
	scratch = l.Props(scratch[:0], i)
	for k, v := range scratch {
		if k > 0 {
			dst = append(dst, ',')
		}
		f := &s.Fields[k]
		dst = AppendString(dst, f.Name)
		dst = append(dst, ':')
		dst = appendValue(dst, v, f)
	}
	return dst, scratch
}

// AppendID appends feature i's id as JSON.
func AppendID(dst []byte, l Layer, i int) []byte {
	return appendValue(dst, l.ID(i), &Field{})
}

// AppendFeature appends feature i of l as a GeoJSON Feature. It returns
// the extended dst and scratch (reuse it for the next feature).
func AppendFeature(dst []byte, l Layer, i int, scratch []Value) ([]byte, []Value) {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = AppendID(dst, l, i)
	dst = append(dst, `,"geometry":`...)
	dst = AppendGeometry(dst, l.Geometry(i))
	dst = append(dst, `,"properties":{`...)
	dst, scratch = AppendProperties(dst, l, i, scratch)
	return append(dst, "}}"...), scratch
}

// Member is a foreign member of a FeatureCollection, such as the
// attribution or the parameters that chose its features.
type Member struct {
	Key   string
	Value any
}

// AppendMembers appends ,"key":value for each member; values are encoded
// by encoding/json without HTML escaping (floats are rounded to
// DefaultDecimals first).
func AppendMembers(dst []byte, members []Member) ([]byte, error) {
	for _, m := range members {
		dst = append(dst, ',')
		dst = AppendString(dst, m.Key)
		dst = append(dst, ':')
		var err error
		if dst, err = appendAny(dst, m.Value); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func appendAny(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case float64:
		return AppendNumber(dst, x, DefaultDecimals), nil
	case *float64:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return AppendNumber(dst, *x, DefaultDecimals), nil
	case string:
		return AppendString(dst, x), nil
	case orb.Point:
		return appendPoint(dst, RoundPoint(x)), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

// WriteGeoJSON writes the features of the layers, in order, as one GeoJSON
// FeatureCollection with the members after "type" (the attribution
// first, by convention), and a final newline.
func WriteGeoJSON(w io.Writer, members []Member, layers ...Layer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	b := append(make([]byte, 0, 4096), `{"type":"FeatureCollection"`...)
	b, err := AppendMembers(b, members)
	if err != nil {
		return err
	}
	b = append(b, `,"features":[`...)
	var scratch []Value
	first := true
	for _, l := range layers {
		for i := 0; i < l.Len(); i++ {
			if !first {
				b = append(b, ',')
			}
			first = false
			b, scratch = AppendFeature(b, l, i, scratch)
			if len(b) > 32<<10 {
				if _, err := bw.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
	}
	b = append(b, "]}\n"...)
	if _, err := bw.Write(b); err != nil {
		return err
	}
	return bw.Flush()
}

// GeoJSON renders the layers as WriteGeoJSON does.
func GeoJSON(members []Member, layers ...Layer) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteGeoJSON(&buf, members, layers...); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
