// Package hex wraps the H3 hexagonal grid for fifteen. It is the only package
// that imports github.com/uber/h3-go, and the only place where an orb.Point,
// which is (lon, lat), is turned into an h3.LatLng, which is (lat, lng), and
// back.
//
// Every coordinate entering the package is checked to be finite and within
// the WGS84 range: h3 returns a perfectly valid cell for a point whose
// latitude and longitude were swapped, so that mistake would otherwise go
// unnoticed.
package hex

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	h3 "github.com/uber/h3-go/v4"
)

// MaxRes is the finest H3 resolution.
const MaxRes = 15

// Sentinel errors of package hex. They are wrapped with context; test them
// with errors.Is.
var (
	// ErrBadCoordinate means a longitude or latitude is not finite or is
	// outside the WGS84 range.
	ErrBadCoordinate = errors.New("hex: coordinate outside WGS84 range")
	// ErrBadResolution means a resolution is outside 0..15, or cells that
	// must share one resolution do not.
	ErrBadResolution = errors.New("hex: invalid resolution")
	// ErrInvalidCell means a value or string is not a valid H3 cell.
	ErrInvalidCell = errors.New("hex: invalid cell")
	// ErrBadPolygon means a polygon has a ring with too few points.
	ErrBadPolygon = errors.New("hex: invalid polygon")
	// ErrTooManyCells means a polygon would cover more cells than
	// MaxPolygonCells at the requested resolution.
	ErrTooManyCells = errors.New("hex: polygon covers too many cells")
)

// MaxPolygonCells bounds the number of cells PolygonCells will compute for
// one polygon, estimated from its bounding box, so that a stray continent-
// sized polygon cannot exhaust memory.
const MaxPolygonCells = 50_000_000

// Cell is an H3 cell index. The zero Cell is invalid. Cells order by their
// index value, which keeps the cells of one parent close together.
type Cell uint64

func (c Cell) h3() h3.Cell { return h3.Cell(int64(c)) }

// String returns the cell as H3's lower-case hexadecimal string, such as
// "8a1f8d6a1a07fff".
func (c Cell) String() string { return strconv.FormatUint(uint64(c), 16) }

// MarshalText implements encoding.TextMarshaler, so a Cell is its string in
// JSON.
func (c Cell) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the rules of Parse.
func (c *Cell) UnmarshalText(text []byte) error {
	v, err := Parse(string(text))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// IsValid reports whether c is a valid H3 cell (not a vertex, an edge or
// garbage).
func (c Cell) IsValid() bool { return c != 0 && c.h3().IsValid() }

// Res returns the resolution of c, 0..15. It is meaningless for an invalid
// cell.
func (c Cell) Res() int { return c.h3().Resolution() }

// Center returns the centre of c as (lon, lat). The centre of an invalid cell
// is (NaN, NaN), which every coordinate check rejects.
func (c Cell) Center() orb.Point {
	if !c.IsValid() {
		return orb.Point{math.NaN(), math.NaN()}
	}
	ll, err := c.h3().LatLng()
	if err != nil {
		return orb.Point{math.NaN(), math.NaN()}
	}
	return toPoint(ll)
}

// Boundary returns the outline of c as a closed ring of (lon, lat) points,
// counter-clockwise, or nil for an invalid cell.
func (c Cell) Boundary() orb.Ring {
	if !c.IsValid() {
		return nil
	}
	b, err := c.h3().Boundary()
	if err != nil || len(b) == 0 {
		return nil
	}
	return closedRing(b)
}

// Parent returns the ancestor of c at resolution res, c itself when res is
// c's resolution, or 0 when c is invalid or res is finer than c.
func (c Cell) Parent(res int) Cell {
	if !c.IsValid() || res < 0 || res > c.Res() {
		return 0
	}
	p, err := c.h3().Parent(res)
	if err != nil {
		return 0
	}
	return Cell(p)
}

// Children returns the descendants of c at resolution res, sorted; c alone
// when res is c's resolution; nil when c is invalid or res is coarser than c
// or above MaxRes.
func (c Cell) Children(res int) []Cell {
	if !c.IsValid() || res < c.Res() || res > MaxRes {
		return nil
	}
	ch, err := c.h3().Children(res)
	if err != nil {
		return nil
	}
	return fromH3(ch)
}

// Neighbors returns the cells adjacent to c (six, or five around a
// pentagon), sorted, without c itself; nil for an invalid cell.
func (c Cell) Neighbors() []Cell {
	if !c.IsValid() {
		return nil
	}
	disk, err := c.h3().GridDisk(1)
	if err != nil {
		return nil
	}
	out := make([]Cell, 0, len(disk))
	for _, d := range disk {
		if Cell(d) != c && d != 0 {
			out = append(out, Cell(d))
		}
	}
	slices.Sort(out)
	return out
}

// AreaM2 returns the exact area of c in square metres, or 0 for an invalid
// cell.
func (c Cell) AreaM2() float64 {
	if !c.IsValid() {
		return 0
	}
	a, err := h3.CellAreaM2(c.h3())
	if err != nil {
		return 0
	}
	return a
}

// EdgeLengthM returns the average edge length of a hexagon at resolution
// res in metres, or 0 for a resolution outside 0..15. At resolution 10 it is
// about 76 m.
func EdgeLengthM(res int) float64 {
	if res < 0 || res > MaxRes {
		return 0
	}
	l, err := h3.HexagonEdgeLengthAvgM(res)
	if err != nil {
		return 0
	}
	return l
}

// CellAreaAvgM2 returns the average area of a hexagon at resolution res in
// square metres, or 0 for a resolution outside 0..15.
func CellAreaAvgM2(res int) float64 {
	if res < 0 || res > MaxRes {
		return 0
	}
	a, err := h3.HexagonAreaAvgM2(res)
	if err != nil {
		return 0
	}
	return a
}

// FromPoint returns the cell at resolution res that contains p, a (lon, lat)
// point. It returns an error wrapping ErrBadCoordinate for a non-finite or
// out-of-range point and ErrBadResolution for res outside 0..15.
func FromPoint(p orb.Point, res int) (Cell, error) {
	if err := checkRes(res); err != nil {
		return 0, err
	}
	if err := checkPoint(p); err != nil {
		return 0, err
	}
	c, err := h3.LatLngToCell(toLatLng(p), res)
	if err != nil {
		return 0, fmt.Errorf("%w: %v at (%v, %v)", ErrBadCoordinate, err, p[0], p[1])
	}
	return Cell(c), nil
}

// Parse reads a cell from its hexadecimal string (an optional "0x" prefix is
// allowed). It returns an error wrapping ErrInvalidCell when s is not
// hexadecimal or not a valid cell index.
func Parse(s string) (Cell, error) {
	t := s
	if len(t) > 2 && (t[:2] == "0x" || t[:2] == "0X") {
		t = t[2:]
	}
	v, err := strconv.ParseUint(t, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a hexadecimal H3 index", ErrInvalidCell, s)
	}
	c := Cell(v)
	if !c.IsValid() {
		return 0, fmt.Errorf("%w: %q", ErrInvalidCell, s)
	}
	return c, nil
}

// PolygonCells returns the sorted, unique cells at resolution res whose
// centres fall inside mp; holes are honoured. A polygon smaller than a cell
// may yield no cell at all. It returns an error wrapping ErrBadCoordinate,
// ErrBadResolution, ErrBadPolygon (a ring with fewer than three points) or
// ErrTooManyCells.
func PolygonCells(mp orb.MultiPolygon, res int) ([]Cell, error) {
	if err := checkRes(res); err != nil {
		return nil, err
	}
	var out []Cell
	for i, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		gp, err := toGeoPolygon(poly)
		if err != nil {
			return nil, fmt.Errorf("polygon %d: %w", i, err)
		}
		if n := estimateCells(poly.Bound(), res); n > MaxPolygonCells {
			return nil, fmt.Errorf("%w: polygon %d would cover about %.0f cells at resolution %d",
				ErrTooManyCells, i, n, res)
		}
		cells, err := h3.PolygonToCells(gp, res)
		if err != nil {
			return nil, fmt.Errorf("%w: polygon %d: %v", ErrBadPolygon, i, err)
		}
		for _, c := range cells {
			if c != 0 {
				out = append(out, Cell(c))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// CellsOutline returns the outline of a set of cells of one resolution as a
// multipolygon of closed (lon, lat) rings: each polygon's outer ring first,
// counter-clockwise, then its holes, clockwise. Duplicate cells are ignored.
// It returns an error wrapping ErrInvalidCell for an invalid cell and
// ErrBadResolution when the cells do not share one resolution.
func CellsOutline(cells []Cell) (orb.MultiPolygon, error) {
	if len(cells) == 0 {
		return nil, nil
	}
	uniq := slices.Clone(cells)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	res := -1
	in := make([]h3.Cell, len(uniq))
	for i, c := range uniq {
		if !c.IsValid() {
			return nil, fmt.Errorf("%w: %s", ErrInvalidCell, c)
		}
		if res < 0 {
			res = c.Res()
		} else if c.Res() != res {
			return nil, fmt.Errorf("%w: cells of resolutions %d and %d mixed", ErrBadResolution, res, c.Res())
		}
		in[i] = c.h3()
	}
	polys, err := h3.CellsToMultiPolygon(in)
	if err != nil {
		return nil, fmt.Errorf("%w: outline: %v", ErrInvalidCell, err)
	}
	mp := make(orb.MultiPolygon, 0, len(polys))
	for _, gp := range polys {
		poly := make(orb.Polygon, 0, 1+len(gp.Holes))
		outer := closedRing(gp.GeoLoop)
		if outer.Orientation() == orb.CW {
			outer.Reverse()
		}
		poly = append(poly, outer)
		for _, h := range gp.Holes {
			hole := closedRing(h)
			if hole.Orientation() == orb.CCW {
				hole.Reverse()
			}
			poly = append(poly, hole)
		}
		mp = append(mp, poly)
	}
	return mp, nil
}

// checkPoint rejects non-finite and out-of-range (lon, lat) points.
func checkPoint(p orb.Point) error {
	lon, lat := p[0], p[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return fmt.Errorf("%w: (%v, %v) is not finite", ErrBadCoordinate, lon, lat)
	}
	if lon < -180 || lon > 180 {
		return fmt.Errorf("%w: longitude %v outside [-180, 180]", ErrBadCoordinate, lon)
	}
	if lat < -90 || lat > 90 {
		return fmt.Errorf("%w: latitude %v outside [-90, 90]", ErrBadCoordinate, lat)
	}
	return nil
}

func checkRes(res int) error {
	if res < 0 || res > MaxRes {
		return fmt.Errorf("%w: %d outside 0..%d", ErrBadResolution, res, MaxRes)
	}
	return nil
}

// toLatLng is the one place where (lon, lat) becomes h3's (lat, lng).
func toLatLng(p orb.Point) h3.LatLng { return h3.LatLng{Lat: p[1], Lng: p[0]} }

// toPoint is the one place where h3's (lat, lng) becomes (lon, lat).
func toPoint(ll h3.LatLng) orb.Point { return orb.Point{ll.Lng, ll.Lat} }

// closedRing converts an h3 loop, which does not repeat its first vertex,
// to a closed orb ring.
func closedRing(loop []h3.LatLng) orb.Ring {
	r := make(orb.Ring, 0, len(loop)+1)
	for _, ll := range loop {
		r = append(r, toPoint(ll))
	}
	if len(r) > 0 && r[0] != r[len(r)-1] {
		r = append(r, r[0])
	}
	return r
}

// toLoop converts a ring to an h3 loop, validating every point and dropping
// the closing point.
func toLoop(r orb.Ring) (h3.GeoLoop, error) {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n--
	}
	if n < 3 {
		return nil, fmt.Errorf("%w: ring with %d distinct points", ErrBadPolygon, n)
	}
	loop := make(h3.GeoLoop, n)
	for i, p := range r[:n] {
		if err := checkPoint(p); err != nil {
			return nil, err
		}
		loop[i] = toLatLng(p)
	}
	return loop, nil
}

func toGeoPolygon(poly orb.Polygon) (h3.GeoPolygon, error) {
	outer, err := toLoop(poly[0])
	if err != nil {
		return h3.GeoPolygon{}, err
	}
	gp := h3.GeoPolygon{GeoLoop: outer}
	for _, hr := range poly[1:] {
		hole, err := toLoop(hr)
		if err != nil {
			return h3.GeoPolygon{}, fmt.Errorf("hole: %w", err)
		}
		gp.Holes = append(gp.Holes, hole)
	}
	return gp, nil
}

// estimateCells estimates how many cells of resolution res cover bound b,
// from an equirectangular area of the box.
func estimateCells(b orb.Bound, res int) float64 {
	const mPerDeg = 111_195.0 // metres per degree on the mean Earth radius
	midLat := (b.Min[1] + b.Max[1]) / 2 * math.Pi / 180
	wM := (b.Max[0] - b.Min[0]) * mPerDeg * math.Cos(midLat)
	hM := (b.Max[1] - b.Min[1]) * mPerDeg
	return wM * hM / CellAreaAvgM2(res)
}

func fromH3(cs []h3.Cell) []Cell {
	out := make([]Cell, 0, len(cs))
	for _, c := range cs {
		if c != 0 {
			out = append(out, Cell(c))
		}
	}
	slices.Sort(out)
	return out
}
