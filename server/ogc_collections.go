package server

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"

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
	ogcParamCategory = publish.ParamCategory
	ogcParamProfile  = publish.ParamProfile
	ogcParamRes      = publish.ParamRes
)

// ogcParams are the parsed collection parameters; -1 means "all" for
// category (facilities, coverage) and profile (communities, coverage).
type ogcParams struct {
	category, profile, res int
}

// ogcCollection is one collection of the OGC API: a collection of the
// published catalogue.
type ogcCollection struct {
	id, title, description string
	// geometry names the features' geometry type, for the documentation.
	geometry string
	// params are the collection parameters it takes, besides bbox, limit,
	// offset and f.
	params []string
	// allProfiles: without profile=, every walker (else the default one).
	allProfiles bool
	pub         *publish.Collection
}

func (c *ogcCollection) takes(param string) bool { return c.pub.Takes(param) }

// ogcParamDocs says what each collection parameter does, for the
// descriptions.
var ogcParamDocs = map[string]string{
	ogcParamCategory: "category= keeps one category",
	ogcParamProfile:  "profile= chooses the walker",
	ogcParamRes:      "res= the H3 resolution, 7 to 10 (default 10; an item's resolution is its own)",
}

// newCollections returns the collections of the server, in listing order,
// described by their published schemas.
func (o *ogc) newCollections() []*ogcCollection {
	var out []*ogcCollection
	src := o.source()
	for _, pc := range publish.Catalogue() {
		c := &ogcCollection{id: pc.ID, title: pc.Title, params: pc.Params, allProfiles: pc.AllProfiles, pub: pc}
		sch := pc.Schema(src, publish.Params{})
		c.geometry = sch.Geometry
		c.description = sch.Description
		var docs []string
		for _, p := range pc.Params {
			docs = append(docs, ogcParamDocs[p])
		}
		switch {
		case pc.ID == "underserved":
			gapCat := "none"
			if i := o.s.city.Taxonomy.DefaultGapCategory(); i >= 0 {
				gapCat = o.s.city.Taxonomy.Categories[i].ID
			}
			docs = append(docs, "the category defaults to "+gapCat)
		case pc.AllProfiles:
			docs = append(docs, "without profile=, every walker's figures")
		}
		if len(docs) > 0 {
			c.description += " Parameters: " + strings.Join(docs, "; ") + "."
		}
		out = append(out, c)
	}
	return out
}

// source is what the collections are computed from.
func (o *ogc) source() publish.Source { return publish.Source{Access: o.s.base, Report: o.s.report} }

// publishParams turns parsed parameters into the catalogue's.
func (o *ogc) publishParams(p ogcParams) publish.Params {
	out := publish.Params{Res: p.res}
	if p.category >= 0 {
		out.Category = o.s.city.Taxonomy.Categories[p.category].ID
	}
	if p.profile >= 0 {
		out.Profile = o.s.base.Profiles[p.profile].ID
	}
	return out
}

// build computes the features of coll selected by p.
func (o *ogc) build(coll *ogcCollection, p ogcParams) (*ogcSet, error) {
	l, err := coll.pub.Layer(o.source(), o.publishParams(p))
	if err != nil {
		return nil, err
	}
	return &ogcSet{layer: l, find: l.(publish.Finder).Find}, nil
}

// ogcSetKey names one memoized feature set.
type ogcSetKey struct {
	coll string
	p    ogcParams
}

// set returns the features of coll selected by p, computed once.
func (o *ogc) set(coll *ogcCollection, p ogcParams) (*ogcSet, error) {
	fs, err := o.sets.get(ogcSetKey{coll.id, p}, func() (*ogcSet, error) { return o.build(coll, p) })
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", coll.id, err)
	}
	return fs, nil
}
