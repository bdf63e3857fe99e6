package data

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"fifteen/geo"

	"github.com/paulmach/orb"
)

// ErrBadEncoding means a text file is neither UTF-8 nor valid GB18030 (the
// superset of GBK and GB2312 that spreadsheets on Chinese Windows save).
var ErrBadEncoding = errors.New("data: text neither UTF-8 nor GB18030/GBK")

// decodeText returns b as UTF-8: a UTF-8 byte-order mark is dropped; text
// that is not valid UTF-8 is decoded as GB18030 (which GBK and GB2312 are
// subsets of). It names the file, the line and the byte of the first
// sequence valid in neither, and reports the encoding it read.
func decodeText(b []byte, name string) ([]byte, string, error) {
	b = bytes.TrimPrefix(b, bomUTF8)
	if utf8.Valid(b) {
		return b, "utf-8", nil
	}
	// Decode line by line, so that a bad byte is located: the decoder
	// turns an invalid sequence into U+FFFD, which GB18030 text itself
	// (where it is the four bytes 84 31 A4 37) practically never holds.
	dec := simplifiedchinese.GB18030.NewDecoder()
	var out bytes.Buffer
	out.Grow(len(b) * 3 / 2)
	line := 1
	for len(b) > 0 {
		l, rest, found := bytes.Cut(b, []byte{'\n'})
		u, err := dec.Bytes(l)
		if err != nil || bytes.ContainsRune(u, utf8.RuneError) && !bytes.Contains(l, []byte{0x84, 0x31, 0xA4, 0x37}) {
			return nil, "", fmt.Errorf("%s: %w: line %d, byte %d of the line: an invalid sequence (save the file as UTF-8 or GBK)",
				name, ErrBadEncoding, line, badByte(l)+1)
		}
		out.Write(u)
		if found {
			out.WriteByte('\n')
		}
		line++
		b = rest
	}
	return out.Bytes(), "gb18030", nil
}

// badByte returns the offset in l of the first byte sequence GB18030 does
// not decode: ASCII is one byte, GBK two, GB18030's extension four.
func badByte(l []byte) int {
	dec := simplifiedchinese.GB18030.NewDecoder()
	for i := 0; i < len(l); {
		if l[i] < 0x80 {
			i++
			continue
		}
		ok := false
		for _, k := range []int{2, 4} {
			if i+k > len(l) {
				break
			}
			u, err := dec.Bytes(l[i : i+k])
			dec.Reset()
			if err == nil && utf8.RuneCount(u) == 1 && !bytes.ContainsRune(u, utf8.RuneError) {
				i += k
				ok = true
				break
			}
		}
		if !ok {
			return i
		}
	}
	return 0
}

// transformGeom applies f to every point of g, in place.
func transformGeom(g orb.Geometry, f func(orb.Point) orb.Point) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return f(g)
	case orb.MultiPoint:
		for i := range g {
			g[i] = f(g[i])
		}
	case orb.LineString:
		for i := range g {
			g[i] = f(g[i])
		}
	case orb.MultiLineString:
		for _, l := range g {
			transformGeom(l, f)
		}
	case orb.Ring:
		for i := range g {
			g[i] = f(g[i])
		}
	case orb.Polygon:
		for _, r := range g {
			transformGeom(r, f)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			transformGeom(p, f)
		}
	}
	return g
}

// ToWGS84Points converts points read in crs (geo.CRSWGS84, CRSGCJ02 or
// CRSBD09) to WGS84, in place.
func ToWGS84Points(pts []orb.Point, crs string) {
	if crs == "" || crs == geo.CRSWGS84 {
		return
	}
	for i := range pts {
		pts[i] = geo.ToWGS84(pts[i], crs)
	}
}

// toWGS84Facilities converts the planner's facilities from crs.
func toWGS84Facilities(fs []geo.Facility, crs string) {
	if crs == "" || crs == geo.CRSWGS84 {
		return
	}
	f := func(p orb.Point) orb.Point { return geo.ToWGS84(p, crs) }
	for i := range fs {
		fs[i].Point = f(fs[i].Point)
		if fs[i].Geom != nil {
			fs[i].Geom = transformGeom(fs[i].Geom, f)
		}
	}
}

// toWGS84Communities converts the planner's communities from crs.
func toWGS84Communities(cs []geo.Community, crs string) {
	if crs == "" || crs == geo.CRSWGS84 {
		return
	}
	f := func(p orb.Point) orb.Point { return geo.ToWGS84(p, crs) }
	for i := range cs {
		transformGeom(cs[i].Geom, f)
	}
}
