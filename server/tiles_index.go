package server

import (
	"errors"
	"fmt"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/tidwall/rtree"

	"fifteen/geo"
	"fifteen/publish"
)

// tileFeatures is one layer's features in WGS84, indexed by bound so that a
// tile touches only the features that intersect it, with their properties
// rendered from the layer's published schema (publish.TileProperties). It
// is immutable once built; geometries are cloned before they are
// projected.
type tileFeatures struct {
	tr    rtree.RTreeG[int32]
	geoms []orb.Geometry
	ids   []uint64
	// minZoom, when not nil, hides feature i below zoom minZoom[i].
	minZoom []uint8
	props   []geojson.Properties
	// schema is the published schema of the features.
	schema *publish.Schema
}

// tileFeaturesOf indexes the features of a published layer: feature ids
// are ranks from 1 (an H3 index or a string id does not fit a tile's
// integer id as a JavaScript number), unless id gives them.
func tileFeaturesOf(l publish.Layer, id func(i int) uint64) *tileFeatures {
	fs := &tileFeatures{schema: l.Schema()}
	var scratch []publish.Value
	for i := 0; i < l.Len(); i++ {
		g := l.Geometry(i)
		if g == nil {
			continue
		}
		var pr geojson.Properties
		pr, scratch = publish.TileProperties(l, i, scratch)
		fid := uint64(i + 1)
		if id != nil {
			fid = id(i)
		}
		b := g.Bound()
		fs.tr.Insert(b.Min, b.Max, int32(len(fs.geoms)))
		fs.geoms = append(fs.geoms, g)
		fs.ids = append(fs.ids, fid)
		fs.props = append(fs.props, pr)
	}
	return fs
}

// search appends to dst the features at zoom z whose bound meets b.
func (fs *tileFeatures) search(b orb.Bound, z int, dst []int32) []int32 {
	fs.tr.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool {
		if fs.minZoom == nil || z >= int(fs.minZoom[i]) {
			dst = append(dst, i)
		}
		return true
	})
	return dst
}

// any reports whether some feature at zoom z meets b.
func (fs *tileFeatures) any(b orb.Bound, z int) bool {
	found := false
	fs.tr.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool {
		found = fs.minZoom == nil || z >= int(fs.minZoom[i])
		return !found
	})
	return found
}

// tileData builds, lazily and once each, the feature sets of the layers
// from the city and its baseline access. It is safe for concurrent use.
type tileData struct {
	city   *geo.City
	access *geo.Access
	report *geo.CoverageReport

	// sets are the layers' features by layer, walker, category and
	// resolution.
	sets ogcMemo[tileSetKey, *tileFeatures]

	boundsOnce sync.Once
	bounds     orb.Bound
}

// tileSetKey names one layer's features: the walker, category and cell
// resolution it was built for (zero where the layer takes none).
type tileSetKey struct {
	layer    string
	profile  int
	category string
	res      int
}

func newTileData(city *geo.City, a *geo.Access, rep *geo.CoverageReport) *tileData {
	return &tileData{city: city, access: a, report: rep}
}

// set returns the features of one layer, built on first use from the
// layer's published result.
func (td *tileData) set(k tileSetKey) (*tileFeatures, error) {
	return td.sets.get(k, func() (*tileFeatures, error) {
		switch k.layer {
		case "cells":
			l, err := publish.Cells(td.access, k.profile, k.res)
			if err != nil {
				return nil, err
			}
			return tileFeaturesOf(l, nil), nil
		case "communities":
			rep := td.report.Filter(td.access.Profiles[k.profile].ID, "")
			return tileFeaturesOf(publish.Communities(td.city, rep, td.access.Options.K), nil), nil
		case "facilities":
			l := publish.Facilities(td.city, "", false)
			return tileFeaturesOf(l, func(i int) uint64 { return uint64(l.Index[i] + 1) }), nil
		case "network":
			l := publish.NetworkLayer{G: td.city.Graph}
			fs := tileFeaturesOf(l, func(e int) uint64 { return uint64(e) })
			fs.minZoom = make([]uint8, len(fs.ids))
			for i, e := range fs.ids {
				if td.city.Graph.EdgeAttr(int(e)).Flags&geo.FlagMajorRoad == 0 {
					fs.minZoom[i] = networkAllZoom
				}
			}
			return fs, nil
		case "underserved":
			l, err := publish.Clusters(td.access, geo.GapOptions{Category: k.category, Profile: td.access.Profiles[k.profile].ID})
			if errors.Is(err, geo.ErrNoResidents) {
				return &tileFeatures{}, nil // nobody to be underserved
			}
			if err != nil {
				return nil, err
			}
			return tileFeaturesOf(l, func(i int) uint64 { return uint64(l.Clusters[i].ID) }), nil
		}
		return nil, fmt.Errorf("server: no tile layer %q", k.layer)
	})
}

// cityBounds is the bound of the network and the communities.
func (td *tileData) cityBounds() orb.Bound {
	td.boundsOnce.Do(func() {
		g := td.city.Graph
		var b orb.Bound
		first := true
		ext := func(o orb.Bound) {
			if first {
				b, first = o, false
				return
			}
			b = b.Union(o)
		}
		for v := 0; v < g.NumVertices(); v++ {
			p := g.Vertex(v)
			ext(orb.Bound{Min: p, Max: p})
		}
		for _, c := range td.city.Communities {
			ext(c.Geom.Bound())
		}
		td.bounds = b
	})
	return td.bounds
}
