package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/tidwall/rtree"

	"fifteen/geo"
	"fifteen/geo/hex"
	"fifteen/publish"
)

// A tile is built from its layer's features that meet it, and only from
// them: each layer has a spatial index of its features' bounds, prepared
// once (in the background when the server starts), and a tile computes
// the geometry and properties of the features the index finds. The
// cells' rows are aggregated per tile from the population cells
// (geo.Access.CellRow); the communities' figures come from the baseline
// report, which a communities tile waits for. The underserved clusters
// are the exception: geo.Access.Gaps ranks them over the whole city, so
// a (walker, category) pair's clusters are computed on its first tile
// (the default pair in the background at start) and kept.

// boundIndex indexes a layer's features by bound: values are the features'
// positions in the layer. It is immutable once built.
type boundIndex struct {
	tr rtree.RTreeG[int32]
	// minZoom, when not nil, hides feature i below zoom minZoom[i].
	minZoom []uint8
}

func (bi *boundIndex) insert(b orb.Bound, i int) { bi.tr.Insert(b.Min, b.Max, int32(i)) }

// search appends to dst the features at zoom z whose bound meets b.
func (bi *boundIndex) search(b orb.Bound, z int, dst []int32) []int32 {
	bi.tr.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool {
		if bi.minZoom == nil || z >= int(bi.minZoom[i]) {
			dst = append(dst, i)
		}
		return true
	})
	return dst
}

// any reports whether some feature at zoom z meets b.
func (bi *boundIndex) any(b orb.Bound, z int) bool {
	found := false
	bi.tr.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool {
		found = bi.minZoom == nil || z >= int(bi.minZoom[i])
		return !found
	})
	return found
}

// tileSource is one layer's features for one tile request: the index of
// their bounds and how to make the features at some of its positions.
type tileSource struct {
	idx *boundIndex
	// features makes the features at positions idx (sorted), with
	// geometries the caller may change.
	features func(idx []int32) []*geojson.Feature
}

// layerFeatures makes the features of a published layer at positions idx:
// properties from the layer's schema (publish.TileProperties), ids from
// id (positions from 1 when nil: an H3 index or a string id does not fit
// a tile's integer id as a JavaScript number), geometries from geom
// (cloned from the layer's when nil).
func layerFeatures(l publish.Layer, idx []int32, id func(i int) uint64, geom func(i int) orb.Geometry) []*geojson.Feature {
	feats := make([]*geojson.Feature, len(idx))
	var scratch []publish.Value
	for k, i := range idx {
		var pr geojson.Properties
		pr, scratch = publish.TileProperties(l, int(i), scratch)
		fid := uint64(i + 1)
		if id != nil {
			fid = id(int(i))
		}
		var g orb.Geometry
		if geom != nil {
			g = geom(int(i))
		} else {
			g = orb.Clone(l.Geometry(int(i)))
		}
		feats[k] = &geojson.Feature{Type: "Feature", ID: fid, Geometry: g, Properties: pr}
	}
	return feats
}

// indexLayer indexes the features of a published layer by bound (those
// with a geometry).
func indexLayer(l publish.Layer) *boundIndex {
	bi := &boundIndex{}
	for i := 0; i < l.Len(); i++ {
		if g := l.Geometry(i); g != nil {
			bi.insert(g.Bound(), i)
		}
	}
	return bi
}

// prepared is a value built once, by whichever comes first: the
// background preparation at start or a request.
type prepared[T any] struct {
	once sync.Once
	done atomic.Bool
	v    T
	err  error
}

func (p *prepared[T]) get(build func() (T, error)) (T, error) {
	p.once.Do(func() {
		p.v, p.err = build()
		p.done.Store(true)
	})
	return p.v, p.err
}

// cellIndex is the populated H3 cells at each resolution of the cells
// layer, shared by every walker: the cells (sorted; a feature's id is its
// position from 1, as in the whole layer), where each one's population
// cells start in Population.Cells (they are contiguous), and the index
// of their hexagons' bounds.
type cellIndex struct {
	cells []hex.Cell
	start []int32 // len(cells)+1
	idx   boundIndex
}

func newCellIndex(pop []geo.PopCell, res int) *cellIndex {
	ci := &cellIndex{}
	for i := range pop {
		c := pop[i].Cell.Parent(res)
		if n := len(ci.cells); n == 0 || ci.cells[n-1] != c {
			ci.cells = append(ci.cells, c)
			ci.start = append(ci.start, int32(i))
		}
	}
	ci.start = append(ci.start, int32(len(pop)))
	for k, c := range ci.cells {
		ci.idx.insert(c.Boundary().Bound(), k)
	}
	return ci
}

// tileData is the layers' indexes, built once each, and what the tiles
// are made from: the city, its baseline access and (through report, which
// waits for it) the baseline report. It is safe for concurrent use.
type tileData struct {
	city   *geo.City
	access *geo.Access
	report func(ctx context.Context) (*geo.CoverageReport, error)

	cells       [geo.PopulationRes - geo.MinCellsRes + 1]prepared[*cellIndex]
	network     prepared[*boundIndex]
	facilities  prepared[*publish.FacilityLayer]
	facilityIdx prepared[*boundIndex]
	communities prepared[*boundIndex]
	// commLayers are the community layers by walker, with the baseline
	// report's figures.
	commLayers ogcMemo[int, *publish.CommunityLayer]
	// underserved are the clusters by walker and category, with their
	// index.
	underserved ogcMemo[clusterKey, *clusterSet]
	// lowZoom are the communities tiles up to communitiesPrerenderZoom,
	// rendered in the background at start (nil until done): a tile there
	// holds many whole, detailed outlines.
	lowZoom atomic.Pointer[map[tileKey][]byte]

	boundsOnce sync.Once
	bounds     orb.Bound
}

// communitiesPrerenderZoom is the deepest zoom whose communities tiles are
// rendered in the background at start.
const communitiesPrerenderZoom = 8

// tileKey names one tile of one walker.
type tileKey struct {
	tile    maptile.Tile
	profile int
}

type clusterKey struct {
	profile  int
	category string
}

type clusterSet struct {
	l   *publish.ClusterLayer
	idx *boundIndex
}

func newTileData(city *geo.City, a *geo.Access, report func(ctx context.Context) (*geo.CoverageReport, error)) *tileData {
	return &tileData{city: city, access: a, report: report}
}

// prepare builds every index in turn, those of the layers the map opens
// with (communities, facilities) first, then the underserved clusters of
// the default walker and gap category and the low-zoom communities tiles.
// The server runs it in the background at start.
func (td *tileData) prepare() {
	td.communityIndex()
	td.facilityIndex()
	td.cityBounds()
	for res := geo.MinCellsRes; res <= geo.PopulationRes; res++ {
		td.cellIndex(res)
	}
	td.networkIndex()
	if td.access.HasResidents() {
		if cat := tileGapCategory(td.city.Taxonomy); cat != "" {
			p, _ := td.access.ResolveProfile("")
			_, _ = td.clusters(clusterKey{profile: p, category: cat})
		}
	}
	td.prerenderCommunities()
}

// prerenderCommunities renders every communities tile of every walker from
// the layer's minimum zoom to communitiesPrerenderZoom, once the baseline
// report is computed.
func (td *tileData) prerenderCommunities() {
	ctx := context.Background()
	if _, err := td.report(ctx); err != nil {
		return
	}
	l := tileLayerByID("communities")
	b := td.cityBounds()
	m := map[tileKey][]byte{}
	for z := maptile.Zoom(l.minZoom); z <= communitiesPrerenderZoom; z++ {
		lo, hi := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z), maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				for p := range td.access.Profiles {
					q := tileQuery{layer: l, tile: maptile.New(x, y, z), profile: p}
					body, err := td.render(ctx, q)
					if err == nil {
						m[tileKey{q.tile, p}] = body
					}
				}
			}
		}
	}
	td.lowZoom.Store(&m)
}

// tileIndexProgress is what /readyz says of the tiles' preparation: how
// many of the indexes (and the low-zoom communities tiles) are ready.
type tileIndexProgress struct {
	Ready int `json:"ready"`
	Of    int `json:"of"`
}

// progress counts what prepare builds that is ready.
func (td *tileData) progress() tileIndexProgress {
	ready := []bool{td.network.done.Load(), td.facilityIdx.done.Load(), td.communities.done.Load(), td.lowZoom.Load() != nil}
	for i := range td.cells {
		ready = append(ready, td.cells[i].done.Load())
	}
	pr := tileIndexProgress{Of: len(ready)}
	for _, r := range ready {
		if r {
			pr.Ready++
		}
	}
	return pr
}

func (td *tileData) cellIndex(res int) *cellIndex {
	ci, _ := td.cells[res-geo.MinCellsRes].get(func() (*cellIndex, error) {
		return newCellIndex(td.city.Population.Cells, res), nil
	})
	return ci
}

func (td *tileData) networkIndex() *boundIndex {
	bi, _ := td.network.get(func() (*boundIndex, error) {
		g := td.city.Graph
		bi := &boundIndex{minZoom: make([]uint8, g.NumEdges())}
		for e := 0; e < g.NumEdges(); e++ {
			n := g.EdgeNumPoints(e)
			if n == 0 {
				continue
			}
			p := g.EdgePoint(e, 0)
			b := orb.Bound{Min: p, Max: p}
			for i := 1; i < n; i++ {
				b = b.Extend(g.EdgePoint(e, i))
			}
			bi.insert(b, e)
			if g.EdgeAttr(e).Flags&geo.FlagMajorRoad == 0 {
				bi.minZoom[e] = networkAllZoom
			}
		}
		return bi, nil
	})
	return bi
}

func (td *tileData) facilityLayer() *publish.FacilityLayer {
	l, _ := td.facilities.get(func() (*publish.FacilityLayer, error) {
		return publish.Facilities(td.city, "", false), nil
	})
	return l
}

func (td *tileData) facilityIndex() *boundIndex {
	bi, _ := td.facilityIdx.get(func() (*boundIndex, error) { return indexLayer(td.facilityLayer()), nil })
	return bi
}

func (td *tileData) communityIndex() *boundIndex {
	bi, _ := td.communities.get(func() (*boundIndex, error) {
		// The outlines need no report.
		return indexLayer(&publish.CommunityLayer{City: td.city}), nil
	})
	return bi
}

// communityLayer is the communities with the baseline report's figures
// for walker p, once the report is computed (it waits for it).
func (td *tileData) communityLayer(ctx context.Context, p int) (*publish.CommunityLayer, error) {
	rep, err := td.report(ctx)
	if err != nil {
		return nil, err
	}
	return td.commLayers.get(p, func() (*publish.CommunityLayer, error) {
		r := rep.Filter(td.access.Profiles[p].ID, "")
		return publish.Communities(td.city, r, td.access.Options.K), nil
	})
}

// clusters are the underserved clusters of k, computed on first use.
func (td *tileData) clusters(k clusterKey) (*clusterSet, error) {
	return td.underserved.get(k, func() (*clusterSet, error) {
		l, err := publish.Clusters(td.access, geo.GapOptions{Category: k.category, Profile: td.access.Profiles[k.profile].ID})
		if errors.Is(err, geo.ErrNoResidents) {
			return &clusterSet{l: &publish.ClusterLayer{}, idx: &boundIndex{}}, nil // nobody to be underserved
		}
		if err != nil {
			return nil, err
		}
		return &clusterSet{l: l, idx: indexLayer(l)}, nil
	})
}

// source returns the features of q's layer.
func (td *tileData) source(ctx context.Context, q tileQuery) (tileSource, error) {
	switch q.layer.id {
	case "cells":
		res := cellRes(int(q.tile.Z))
		ci := td.cellIndex(res)
		return tileSource{idx: &ci.idx, features: func(idx []int32) []*geojson.Feature {
			rows := make([]geo.CellRow, len(idx))
			for k, i := range idx {
				rows[k] = td.access.CellRow(q.profile, ci.cells[i], int(ci.start[i]), int(ci.start[i+1]))
			}
			l := publish.CellRows(td.access, q.profile, res, rows)
			pos := make([]int32, len(idx))
			for k := range pos {
				pos[k] = int32(k)
			}
			return layerFeatures(l, pos, func(k int) uint64 { return uint64(idx[k]) + 1 }, nil)
		}}, nil
	case "communities":
		bi := td.communityIndex()
		l, err := td.communityLayer(ctx, q.profile)
		if err != nil {
			return tileSource{}, err
		}
		return tileSource{idx: bi, features: func(idx []int32) []*geojson.Feature { return layerFeatures(l, idx, nil, nil) }}, nil
	case "facilities":
		l, bi := td.facilityLayer(), td.facilityIndex()
		return tileSource{idx: bi, features: func(idx []int32) []*geojson.Feature {
			return layerFeatures(l, idx, func(i int) uint64 { return uint64(l.Index[i] + 1) }, nil)
		}}, nil
	case "network":
		l := publish.NetworkLayer{G: td.city.Graph}
		return tileSource{idx: td.networkIndex(), features: func(idx []int32) []*geojson.Feature {
			return layerFeatures(l, idx, func(e int) uint64 { return uint64(e) }, func(e int) orb.Geometry { return l.G.EdgeGeometry(e) })
		}}, nil
	case "underserved":
		cs, err := td.clusters(clusterKey{profile: q.profile, category: q.category})
		if err != nil {
			return tileSource{}, err
		}
		return tileSource{idx: cs.idx, features: func(idx []int32) []*geojson.Feature {
			return layerFeatures(cs.l, idx, func(i int) uint64 { return uint64(cs.l.Clusters[i].ID) }, nil)
		}}, nil
	}
	return tileSource{}, fmt.Errorf("server: no tile layer %q", q.layer.id)
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
