package server

import (
	"context"
	"errors"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"

	"fifteen/publish"
)

// errEmptyTile tells that a tile has no feature: the handler answers 204.
var errEmptyTile = errors.New("server: empty tile")

// tileQuery is one validated tile request.
type tileQuery struct {
	layer    *tileLayer
	tile     maptile.Tile
	profile  int    // index into the access profiles
	category string // underserved only
}

// tileHasFeatures reports whether some feature of q's layer meets the tile
// (with its buffer): a cheap test that spares building empty tiles.
func (td *tileData) tileHasFeatures(ctx context.Context, q tileQuery) (bool, error) {
	src, err := td.source(ctx, q)
	if err != nil {
		return false, err
	}
	return src.idx.any(q.tile.Bound(tileBuffer/float64(tileExtent)), int(q.tile.Z)), nil
}

// renderTile builds the raw (uncompressed) Mapbox Vector Tile of q: the
// features meeting the tile are made (geometry and properties), projected
// to tile units, clipped to the tile and its buffer, simplified (more at
// low zoom) and encoded. It returns errEmptyTile when nothing is left.
func (td *tileData) renderTile(ctx context.Context, q tileQuery) ([]byte, error) {
	if q.layer.id == "communities" && q.tile.Z <= communitiesPrerenderZoom {
		if m := td.lowZoom.Load(); m != nil {
			if body, ok := (*m)[tileKey{q.tile, q.profile}]; ok {
				return body, nil
			}
			// not rendered: no feature near the city's bounds
		}
	}
	return td.render(ctx, q)
}

// render renders q from its layer's index.
func (td *tileData) render(ctx context.Context, q tileQuery) ([]byte, error) {
	src, err := td.source(ctx, q)
	if err != nil {
		return nil, err
	}
	z := int(q.tile.Z)
	idx := src.idx.search(q.tile.Bound(tileBuffer/float64(tileExtent)), z, nil)
	if len(idx) == 0 {
		return nil, errEmptyTile
	}
	slices.Sort(idx) // a stable order: the data's own
	return encodeTile(q, src.features(idx))
}

// encodeTile projects feats to q's tile units, clips them to the tile and
// its buffer, simplifies them (more at low zoom) and encodes them. It
// returns errEmptyTile when nothing is left.
func encodeTile(q tileQuery, feats []*geojson.Feature) ([]byte, error) {
	z := int(q.tile.Z)
	layer := &mvt.Layer{Name: q.layer.id, Version: 2, Extent: tileExtent, Features: feats}
	layer.ProjectToTile(q.tile)
	layer.Clip(orb.Bound{Min: orb.Point{-tileBuffer, -tileBuffer}, Max: orb.Point{tileExtent + tileBuffer, tileExtent + tileBuffer}})
	// Douglas-Peucker in tile units (8 to a pixel of a 512 px tile): it
	// also drops the repeated points that rounding to the grid makes,
	// which the MVT spec forbids.
	layer.Simplify(simplify.DouglasPeucker(simplifyTolerance(z)))
	layer.RemoveEmpty(1, 1)
	kept := layer.Features[:0]
	for _, f := range layer.Features {
		if f.Geometry = fixWinding(f.Geometry); f.Geometry != nil {
			kept = append(kept, f)
		}
	}
	layer.Features = kept
	if len(kept) == 0 {
		return nil, errEmptyTile
	}
	return mvt.Marshal(mvt.Layers{layer})
}

// simplifyTolerance is the Douglas-Peucker tolerance in tile units at zoom
// z: 1 (1/8 px) from z14, 2 at z12-13, 4 (half a pixel) below.
func simplifyTolerance(z int) float64 {
	switch {
	case z >= 14:
		return 1
	case z >= 12:
		return 2
	default:
		return 4
	}
}

// fixWinding orients polygon rings as MVT 2 wants them in tile units (y
// down): exterior rings with a positive surveyor's area, holes negative. It
// drops rings that clipping or simplification collapsed, and a polygon
// whose exterior ring collapsed.
func fixWinding(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Polygon:
		p := fixPolygon(g)
		if p == nil {
			return nil
		}
		return p
	case orb.MultiPolygon:
		out := g[:0]
		for _, p := range g {
			if p = fixPolygon(p); p != nil {
				out = append(out, p)
			}
		}
		switch len(out) {
		case 0:
			return nil
		case 1:
			return out[0]
		}
		return out
	}
	return g
}

func fixPolygon(p orb.Polygon) orb.Polygon {
	out := p[:0]
	for i, r := range p {
		// Clipping along the buffer line and rounding to the tile grid
		// leave repeated points and zero-width spikes: invalid rings.
		if r = publish.CleanRing(r); r == nil {
			if i == 0 {
				return nil
			}
			continue
		}
		o := orb.Orientation(0)
		if len(r) >= 4 {
			o = r.Orientation()
		}
		if o == 0 { // collapsed to a line or a point
			if i == 0 {
				return nil
			}
			continue
		}
		want := orb.CCW // positive shoelace area: clockwise on screen
		if i > 0 {
			want = orb.CW
		}
		if o != want {
			r.Reverse()
		}
		out = append(out, r)
	}
	return out
}
