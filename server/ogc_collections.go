package server

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/publish"
)

// The collections of the OGC API. Each one turns its parameters into an
// ogcSet: the features of a published result kind (package publish) in a
// stable order, which the items pages slice and stream, and whose schema
// the schema documents publish.

// ogcSet is the features one combination of a collection's parameters
// selects.
type ogcSet struct {
	layer  publish.Layer
	find   func(id string) (int, bool)
	bounds ogcLazyBounds
}

// Len is the number of features.
func (fs *ogcSet) Len() int { return fs.layer.Len() }

// Find returns the position of the feature with the given id.
func (fs *ogcSet) Find(id string) (int, bool) { return fs.find(id) }

// noBound is the bound of a feature without geometry: it meets no box.
var noBound = orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}

// Bounds are the features' bounds, for bbox filters and extents.
func (fs *ogcSet) Bounds() []orb.Bound {
	return fs.bounds.get(fs.Len(), func(i int) orb.Bound {
		g := fs.layer.Geometry(i)
		if g == nil {
			return noBound
		}
		return g.Bound()
	})
}

// Append appends feature i as a GeoJSON Feature.
func (fs *ogcSet) Append(dst []byte, i int, scratch []publish.Value) ([]byte, []publish.Value) {
	return publish.AppendFeature(dst, fs.layer, i, scratch)
}

// Query parameters that select or shape a collection's features.
const (
	ogcParamCategory = "category"
	ogcParamProfile  = "profile"
	ogcParamRes      = "res"
)

// ogcParams are the parsed collection parameters; -1 means "all" for
// category (facilities, coverage) and profile (communities, coverage).
type ogcParams struct {
	category, profile, res int
}

// ogcCollection is one collection of the OGC API.
type ogcCollection struct {
	id, title, description string
	// geometry names the features' geometry type, for the documentation.
	geometry string
	// params are the collection parameters it takes, besides bbox, limit,
	// offset and f.
	params []string
	// allProfiles: without profile=, every walker (else the default one).
	allProfiles bool
	// build selects the features.
	build func(p ogcParams) (*ogcSet, error)
}

func (c *ogcCollection) takes(param string) bool {
	for _, p := range c.params {
		if p == param {
			return true
		}
	}
	return false
}

// newCollections returns the collections of the server, in listing order.
// Their descriptions are those of the published schemas.
func (o *ogc) newCollections() []*ogcCollection {
	s := o.s
	gapCat := "none"
	if c := s.city.Taxonomy.DefaultGapCategory(); c >= 0 {
		gapCat = s.city.Taxonomy.Categories[c].ID
	}
	communityDesc := publish.Communities(s.city, s.report, s.base.Options.K).Schema().Description
	coverageDesc := publish.Coverage(s.city, s.report).Schema().Description
	return []*ogcCollection{
		{
			id: "facilities", title: "Facilities", geometry: "Point",
			description: publish.FacilitySchema(false).Description + " Filter with category=.",
			params:      []string{ogcParamCategory},
			build:       o.facilities(false),
		},
		{
			id: "communities", title: "Communities", geometry: "MultiPolygon",
			description: communityDesc + " profile= keeps one walker's figures.",
			params:      []string{ogcParamProfile}, allProfiles: true,
			build: o.communities,
		},
		{
			id: "coverage", title: "Coverage (long format)", geometry: "MultiPolygon",
			description: coverageDesc + " Filter with category= and profile=.",
			params:      []string{ogcParamCategory, ogcParamProfile}, allProfiles: true,
			build: o.coverage,
		},
		{
			id: "cells", title: "H3 cells", geometry: "Polygon",
			description: publish.CellSchema(s.city.Taxonomy).Description + " res= 7 to 10 (default 10), profile= " +
				"(default " + geo.DefaultProfile + "); an item's resolution is its own.",
			params: []string{ogcParamProfile, ogcParamRes},
			build:  o.cells,
		},
		{
			id: "underserved", title: "Underserved areas", geometry: "MultiPolygon",
			description: publish.ClusterSchema().Description + " category= (default " + gapCat + "), profile= (default " +
				geo.DefaultProfile + ").",
			params: []string{ogcParamCategory, ogcParamProfile},
			build:  o.underserved,
		},
		{
			id: "greenways", title: "Greenways", geometry: "MultiLineString",
			description: publish.FacilitySchema(true).Description,
			build:       o.facilities(true),
		},
		{
			id: "network", title: "Walk network", geometry: "LineString",
			description: publish.NetworkSchema().Description,
			build:       o.network,
		},
	}
}

func (o *ogc) categoryID(i int) string {
	if i < 0 {
		return ""
	}
	return o.s.city.Taxonomy.Categories[i].ID
}

func (o *ogc) profileID(i int) string {
	if i < 0 {
		return ""
	}
	return o.s.base.Profiles[i].ID
}

func (o *ogc) facilities(lines bool) func(p ogcParams) (*ogcSet, error) {
	return func(p ogcParams) (*ogcSet, error) {
		l := publish.Facilities(o.s.city, o.categoryID(p.category), lines)
		ids := make(map[string]int, l.Len())
		for i := 0; i < l.Len(); i++ {
			ids[publish.FacilityID(&o.s.city.Facilities[l.Index[i]])] = i
		}
		return &ogcSet{layer: l, find: func(id string) (int, bool) { i, ok := ids[id]; return i, ok }}, nil
	}
}

func (o *ogc) communities(p ogcParams) (*ogcSet, error) {
	l := publish.Communities(o.s.city, o.s.report.Filter(o.profileID(p.profile), ""), o.s.base.Options.K)
	return &ogcSet{layer: l, find: l.Find}, nil
}

func (o *ogc) coverage(p ogcParams) (*ogcSet, error) {
	l := publish.Coverage(o.s.city, o.s.report.Filter(o.profileID(p.profile), o.categoryID(p.category)))
	return &ogcSet{layer: l, find: l.Find}, nil
}

func (o *ogc) cells(p ogcParams) (*ogcSet, error) {
	l, err := publish.Cells(o.s.base, p.profile, p.res)
	if err != nil {
		return nil, err
	}
	return &ogcSet{layer: l, find: l.Find}, nil
}

func (o *ogc) underserved(p ogcParams) (*ogcSet, error) {
	if p.category < 0 { // a taxonomy without categories
		l := &publish.ClusterLayer{Profile: o.profileID(p.profile)}
		return &ogcSet{layer: l, find: l.Find}, nil
	}
	l, err := publish.Clusters(o.s.base, geo.GapOptions{Category: o.categoryID(p.category), Profile: o.profileID(p.profile)})
	if err != nil {
		return nil, err
	}
	return &ogcSet{layer: l, find: l.Find}, nil
}

func (o *ogc) network(ogcParams) (*ogcSet, error) {
	l := publish.NetworkLayer{G: o.s.city.Graph}
	n := l.Len()
	return &ogcSet{layer: l, find: func(id string) (int, bool) { return publish.ParseEdgeID(id, n) }}, nil
}

// ogcSetKey names one memoized feature set.
type ogcSetKey struct {
	coll string
	p    ogcParams
}

// set returns the features of coll selected by p, computed once.
func (o *ogc) set(coll *ogcCollection, p ogcParams) (*ogcSet, error) {
	fs, err := o.sets.get(ogcSetKey{coll.id, p}, func() (*ogcSet, error) { return coll.build(p) })
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", coll.id, err)
	}
	return fs, nil
}
