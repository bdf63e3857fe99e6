package server

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/tidwall/rtree"

	"fifteen/data"
	"fifteen/geo"
)

// tileFeatures is one layer's features in WGS84, indexed by bound so that a
// tile touches only the features that intersect it. It is immutable once
// built; geometries are cloned before they are projected.
type tileFeatures struct {
	tr    rtree.RTreeG[int32]
	geoms []orb.Geometry
	ids   []uint64
	// minZoom, when not nil, hides feature i below zoom minZoom[i].
	minZoom []uint8
	// props are the features' properties, when they do not depend on the
	// query (facilities, network, underserved).
	props []geojson.Properties
}

// add appends a feature and indexes its bound.
func (fs *tileFeatures) add(g orb.Geometry, id uint64, props geojson.Properties) {
	b := g.Bound()
	fs.tr.Insert(b.Min, b.Max, int32(len(fs.geoms)))
	fs.geoms = append(fs.geoms, g)
	fs.ids = append(fs.ids, id)
	if props != nil {
		fs.props = append(fs.props, props)
	}
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

	cells [geo.PopulationRes - 6]tileLazy[*tileCells] // by resolution 7..10

	communitiesOnce sync.Once
	communities     *tileFeatures
	communityProps  [][]geojson.Properties // [profile][community]

	facilitiesOnce sync.Once
	facilities     *tileFeatures

	networkOnce sync.Once
	network     *tileFeatures

	gapsMu sync.Mutex
	gaps   map[string]*tileLazy[*tileFeatures] // by "category|profile"

	boundsOnce sync.Once
	bounds     orb.Bound
}

// tileLazy is a value computed once on first use.
type tileLazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *tileLazy[T]) get(build func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = build() })
	return l.v, l.err
}

// tileCells is the populated cells at one resolution, with their properties
// under each profile.
type tileCells struct {
	features *tileFeatures
	props    [][]geojson.Properties // [profile][cell]
}

func newTileData(city *geo.City, a *geo.Access, rep *geo.CoverageReport) *tileData {
	return &tileData{city: city, access: a, report: rep, gaps: map[string]*tileLazy[*tileFeatures]{}}
}

// cellSet returns the cells at resolution res (7..10).
func (td *tileData) cellSet(res int) (*tileCells, error) {
	return td.cells[res-7].get(func() (*tileCells, error) {
		cs := &tileCells{features: &tileFeatures{}}
		cats := td.city.Taxonomy.Categories
		for p := range td.access.Profiles {
			rows, err := data.CellRows(td.access, p, res)
			if err != nil {
				return nil, err
			}
			if p == 0 {
				// Feature ids are ranks: an H3 index does not fit the
				// 53 bits of a JavaScript number.
				for i, r := range rows {
					cs.features.add(orb.Polygon{r.Cell.Boundary()}, uint64(i+1), nil)
				}
			} else if len(rows) != len(cs.features.ids) {
				return nil, fmt.Errorf("server: tiles: %d cells at resolution %d for profile %d, %d for the first", len(rows), res, p, len(cs.features.ids))
			}
			props := make([]geojson.Properties, len(rows))
			for i, r := range rows {
				pr := make(geojson.Properties, 3+2*len(cats))
				pr["h3"] = r.Cell.String()
				if r.Community != "" {
					pr["community"] = r.Community
				}
				pr["population"] = tileRound(r.Population, tileMinutesDigits)
				for ci, c := range cats {
					if !math.IsNaN(r.Minutes[ci]) {
						pr["minutes_"+c.ID] = tileRound(r.Minutes[ci], tileMinutesDigits)
					}
					pr["within_"+c.ID] = tileRound(r.Within[ci], tileShareDigits)
				}
				props[i] = pr
			}
			cs.props = append(cs.props, props)
		}
		return cs, nil
	})
}

// communitySet returns the communities and their properties per profile.
func (td *tileData) communitySet() (*tileFeatures, [][]geojson.Properties) {
	td.communitiesOnce.Do(func() {
		fs := &tileFeatures{}
		for i, c := range td.city.Communities {
			fs.add(c.Geom, uint64(i+1), nil)
		}
		props := make([][]geojson.Properties, len(td.access.Profiles))
		for p := range props {
			props[p] = make([]geojson.Properties, len(td.report.Communities))
			for i, cc := range td.report.Communities {
				cov := cc.Profiles[p]
				pr := geojson.Properties{
					"id": cc.ID, "name": cc.Name, "population": tileRound(cc.Population, tileMinutesDigits),
					"complete_share":         tileRound(cov.CompleteShare, tileShareDigits),
					"f15":                    tileRound(cov.F15, tileShareDigits),
					"mean_categories_within": tileRound(cov.MeanCategoriesWithin, tileMinutesDigits),
				}
				for _, cg := range cov.Categories {
					pr["share_"+cg.Category] = tileRound(cg.Share, tileShareDigits)
				}
				props[p][i] = pr
			}
		}
		td.communities, td.communityProps = fs, props
	})
	return td.communities, td.communityProps
}

// facilitySet returns the open facilities as points.
func (td *tileData) facilitySet() *tileFeatures {
	td.facilitiesOnce.Do(func() {
		fs := &tileFeatures{}
		for i, f := range td.city.Facilities {
			if td.city.Closed[i] {
				continue
			}
			pr := geojson.Properties{"id": f.ID, "category": f.Category}
			if f.Name != "" {
				pr["name"] = f.Name
			}
			if f.Capacity > 0 {
				pr["capacity"] = f.Capacity
			}
			fs.add(f.Point, uint64(i+1), pr)
		}
		td.facilities = fs
	})
	return td.facilities
}

// networkSet returns the walk network's edges. A one-way edge walkable
// only against its geometry is drawn reversed, so that oneway always means
// "in the direction of the line".
func (td *tileData) networkSet() *tileFeatures {
	td.networkOnce.Do(func() {
		g := td.city.Graph
		fs := &tileFeatures{minZoom: make([]uint8, 0, g.NumEdges())}
		for e := 0; e < g.NumEdges(); e++ {
			fl := g.EdgeAttr(e).Flags
			line := g.EdgeGeometry(e)
			if fl&geo.FlagOnewayBwd != 0 && fl&geo.FlagOnewayFwd == 0 {
				line.Reverse()
			}
			pr := geojson.Properties{"length_m": tileRound(g.EdgeLengthM(e), 10)}
			for _, f := range []struct {
				name string
				flag geo.EdgeFlags
			}{
				{"steps", geo.FlagSteps}, {"unpaved", geo.FlagUnpaved}, {"tunnel", geo.FlagTunnel},
				{"indoor", geo.FlagIndoor}, {"bridge", geo.FlagBridge}, {"major", geo.FlagMajorRoad},
				{"oneway", geo.FlagOnewayFwd | geo.FlagOnewayBwd},
			} {
				if fl&f.flag != 0 {
					pr[f.name] = true
				}
			}
			mz := uint8(networkAllZoom)
			if fl&geo.FlagMajorRoad != 0 {
				mz = 0
			}
			fs.add(line, uint64(e), pr)
			fs.minZoom = append(fs.minZoom, mz)
		}
		td.network = fs
	})
	return td.network
}

// gapSet returns the outlines of the clusters underserved for category
// under profile (both valid ids).
func (td *tileData) gapSet(category, profile string) (*tileFeatures, error) {
	key := category + "|" + profile
	td.gapsMu.Lock()
	l := td.gaps[key]
	if l == nil {
		l = &tileLazy[*tileFeatures]{}
		td.gaps[key] = l
	}
	td.gapsMu.Unlock()
	return l.get(func() (*tileFeatures, error) {
		cls, err := td.access.Gaps(geo.GapOptions{Category: category, Profile: profile})
		if errors.Is(err, geo.ErrNoResidents) {
			return &tileFeatures{}, nil // nobody to be underserved
		}
		if err != nil {
			return nil, err
		}
		fs := &tileFeatures{}
		for _, cl := range cls {
			if len(cl.Outline) == 0 {
				continue
			}
			pr := geojson.Properties{
				"id": cl.ID, "category": category, "profile": profile,
				"population": tileRound(cl.Population, tileMinutesDigits), "cells": len(cl.Cells),
				"area_km2": tileRound(cl.AreaKm2, tileShareDigits), "unreached": tileRound(cl.Unreached, tileMinutesDigits),
			}
			if cl.MeanMin != nil {
				pr["mean_min"] = tileRound(*cl.MeanMin, tileMinutesDigits)
			}
			if cl.MaxMin != nil {
				pr["max_min"] = tileRound(*cl.MaxMin, tileMinutesDigits)
			}
			if len(cl.Communities) > 0 {
				pr["communities"] = strings.Join(cl.Communities, ",")
			}
			fs.add(cl.Outline, uint64(cl.ID), pr)
		}
		return fs, nil
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

// tileRound rounds f to 1/scale.
func tileRound(f float64, scale float64) float64 { return math.Round(f*scale) / scale }
