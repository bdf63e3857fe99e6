package data

import (
	"errors"
	"fmt"
	"io"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"fifteen/geo"
)

// ErrBadCandidates means a candidates file could not be read.
var ErrBadCandidates = errors.New("data: invalid candidates file")

// MaxCandidatesBytes bounds a candidates file.
const MaxCandidatesBytes = 16 << 20

// LoadCandidates reads the candidate points of a siting from a GeoJSON
// FeatureCollection of Point or MultiPoint features; name is used in
// errors. Every point must be a valid WGS84 (lon, lat) and there must be at
// least one. Errors about the content wrap ErrBadCandidates; errors of the
// reader itself are wrapped as they are.
func LoadCandidates(r io.Reader, name string) ([]orb.Point, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxCandidatesBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > MaxCandidatesBytes {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", name, ErrBadCandidates, MaxCandidatesBytes)
	}
	if b, _, err = decodeText(b, name); err != nil {
		return nil, fmt.Errorf("%w (%w)", err, ErrBadCandidates)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: not a GeoJSON FeatureCollection (%s)", name, ErrBadCandidates, DescribeJSONError(err))
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%s: %w: type %q, want FeatureCollection", name, ErrBadCandidates, fc.Type)
	}
	var pts []orb.Point
	for i, f := range fc.Features {
		var add []orb.Point
		var g orb.Geometry
		if f != nil {
			g = f.Geometry
		}
		switch g := g.(type) {
		case orb.Point:
			add = []orb.Point{g}
		case orb.MultiPoint:
			add = g
		default:
			kind := "no geometry"
			if g != nil {
				kind = g.GeoJSONType()
			}
			return nil, fmt.Errorf("%s: %w: feature %d: %s, want a Point", name, ErrBadCandidates, i, kind)
		}
		for _, p := range add {
			if err := geo.ValidPoint(p); err != nil {
				return nil, fmt.Errorf("%s: %w: feature %d: %w", name, ErrBadCandidates, i, err)
			}
		}
		pts = append(pts, add...)
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("%s: %w: no points", name, ErrBadCandidates)
	}
	return pts, nil
}
