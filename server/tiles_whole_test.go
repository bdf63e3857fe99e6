package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"fifteen/geo"
	"fifteen/publish"
)

// reportOf gives a computed report to newTileData.
func reportOf(rep *geo.CoverageReport) func(context.Context) (*geo.CoverageReport, error) {
	return func(context.Context) (*geo.CoverageReport, error) { return rep, nil }
}

// wholeLayer is a whole published layer with every feature's geometry
// and properties, as the server kept them before tiles were built per
// tile.
type wholeLayer struct {
	geoms   []orb.Geometry
	bounds  []orb.Bound
	ids     []uint64
	props   []geojson.Properties
	minZoom []int
}

// wholeLayerTile renders q as the server did before tiles were built per
// tile: from the whole published layer (every cell of the resolution,
// every edge, …), searched by bound. It is the reference the per-tile
// rendering must equal byte for byte. Layers are kept in memo by key.
func wholeLayerTile(d Deps, rep *geo.CoverageReport, q tileQuery, memo map[string]*wholeLayer) ([]byte, error) {
	key := fmt.Sprint(q.layer.id, q.profile, q.category, cellRes(int(q.tile.Z)))
	wl := memo[key]
	if wl == nil {
		var err error
		if wl, err = newWholeLayer(d, rep, q); err != nil {
			return nil, err
		}
		memo[key] = wl
	}
	b := q.tile.Bound(tileBuffer / float64(tileExtent))
	var feats []*geojson.Feature
	for i, g := range wl.geoms {
		if wl.bounds[i].Intersects(b) && int(q.tile.Z) >= wl.minZoom[i] {
			feats = append(feats, &geojson.Feature{Type: "Feature", ID: wl.ids[i], Geometry: orb.Clone(g), Properties: wl.props[i]})
		}
	}
	if len(feats) == 0 {
		return nil, errEmptyTile
	}
	return encodeTile(q, feats)
}

func newWholeLayer(d Deps, rep *geo.CoverageReport, q tileQuery) (*wholeLayer, error) {
	var l publish.Layer
	id := func(i int) uint64 { return uint64(i + 1) }
	minZoom := func(int) int { return 0 }
	switch q.layer.id {
	case "cells":
		cl, err := publish.Cells(d.Access, q.profile, cellRes(int(q.tile.Z)))
		if err != nil {
			return nil, err
		}
		l = cl
	case "communities":
		l = publish.Communities(d.City, rep.Filter(d.Access.Profiles[q.profile].ID, ""), d.Access.Options.K)
	case "facilities":
		fl := publish.Facilities(d.City, "", false)
		l, id = fl, func(i int) uint64 { return uint64(fl.Index[i] + 1) }
	case "network":
		l, id = publish.NetworkLayer{G: d.City.Graph}, func(e int) uint64 { return uint64(e) }
		minZoom = func(e int) int {
			if d.City.Graph.EdgeAttr(e).Flags&geo.FlagMajorRoad == 0 {
				return networkAllZoom
			}
			return 0
		}
	case "underserved":
		cl, err := publish.Clusters(d.Access, geo.GapOptions{Category: q.category, Profile: d.Access.Profiles[q.profile].ID})
		if errors.Is(err, geo.ErrNoResidents) {
			return &wholeLayer{}, nil
		}
		if err != nil {
			return nil, err
		}
		l, id = cl, func(i int) uint64 { return uint64(cl.Clusters[i].ID) }
	}
	wl := &wholeLayer{}
	var scratch []publish.Value
	for i := 0; i < l.Len(); i++ {
		g := l.Geometry(i)
		if g == nil {
			continue
		}
		var pr geojson.Properties
		pr, scratch = publish.TileProperties(l, i, scratch)
		wl.geoms = append(wl.geoms, g)
		wl.bounds = append(wl.bounds, g.Bound())
		wl.ids = append(wl.ids, id(i))
		wl.props = append(wl.props, pr)
		wl.minZoom = append(wl.minZoom, minZoom(i))
	}
	return wl, nil
}

// TestTilesEqualWholeLayer renders every tile over Monaco and Vaduz of
// every layer, walker and zoom (every third row and column at z15-16; two
// gap categories) per tile and from the whole layer, and wants the same
// bytes: building only what a tile needs changes nothing in it.
func TestTilesEqualWholeLayer(t *testing.T) {
	vaduz, err := vaduzOnce()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, d := range map[string]Deps{"monaco": testDeps(t), "vaduz": vaduz} {
		rep, err := d.Access.Report()
		if err != nil {
			t.Fatal(err)
		}
		td := newTileData(d.City, d.Access, reportOf(rep))
		td.prepare() // the indexes and the low-zoom communities tiles
		memo := map[string]*wholeLayer{}
		sweepTiles(d, td.cityBounds(), func(q tileQuery) {
			key := fmt.Sprintf("%s %s walker %d %s %d/%d/%d", name, q.layer.id, q.profile, q.category, q.tile.Z, q.tile.X, q.tile.Y)
			got, err := td.renderTile(context.Background(), q)
			want, werr := wholeLayerTile(d, rep, q, memo)
			if errors.Is(werr, errEmptyTile) != errors.Is(err, errEmptyTile) || (err != nil && !errors.Is(err, errEmptyTile)) || (werr != nil && !errors.Is(werr, errEmptyTile)) {
				t.Fatalf("%s: per tile %v, whole layer %v", key, err, werr)
			}
			if err == nil {
				n++
				if !slices.Equal(got, want) {
					t.Errorf("%s: %d bytes per tile, %d from the whole layer", key, len(got), len(want))
				}
			}
		})
	}
	if n < 500 {
		t.Errorf("only %d tiles compared", n)
	}
	t.Logf("%d tiles equal", n)
}

// sweepTiles calls f for every tile over b (and one around) of every layer
// and walker, at every zoom of the layer (every second row and column at
// z13, fourth at z14, eighth from z15), for the default gap category and pharmacies.
func sweepTiles(d Deps, b orb.Bound, f func(q tileQuery)) {
	for _, l := range tileLayers {
		profiles := []int{0}
		if l.profile {
			profiles = profiles[:0]
			for p := range d.Access.Profiles {
				profiles = append(profiles, p)
			}
		}
		cats := []string{""}
		if l.category {
			cats = []string{tileGapCategory(d.City.Taxonomy), "pharmacy"}
		}
		for _, p := range profiles {
			for _, cat := range cats {
				for z := maptile.Zoom(l.minZoom); z <= maptile.Zoom(l.maxZoom); z++ {
					lo, hi := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z), maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
					step := uint32(1) // then every second, fourth and eighth row and column
					switch {
					case z >= 15:
						step = 8
					case z >= 14:
						step = 4
					case z >= 13:
						step = 2
					}
					for x := lo.X - 1; x <= hi.X+1; x += step {
						for y := lo.Y - 1; y <= hi.Y+1; y += step {
							f(tileQuery{layer: &l, tile: maptile.New(x, y, z), profile: p, category: cat})
						}
					}
				}
			}
		}
	}
}
