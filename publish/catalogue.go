package publish

import (
	"errors"
	"fmt"

	"fifteen/geo"
)

// Source is what collections are computed from: a city's access and its
// baseline report.
type Source struct {
	Access *geo.Access
	Report *geo.CoverageReport
}

// Params choose a collection's features: a category, a walker and a cell
// resolution, each empty (or 0) for the collection's default.
type Params struct {
	Category string
	Profile  string
	Res      int
}

// The parameters a collection may take.
const (
	ParamCategory = "category"
	ParamProfile  = "profile"
	ParamRes      = "res"
)

// Collection is a published result as a whole collection of features: the
// OGC API's collections and the layers of fifteen export are these.
type Collection struct {
	ID, Title string
	// Params are the parameters the collection takes.
	Params []string
	// AllProfiles: without a walker, every walker's figures (else the
	// default walker's).
	AllProfiles bool
	// Layer computes the features.
	Layer func(src Source, p Params) (Layer, error)
	// Schema returns the features' schema without computing them.
	Schema func(src Source, p Params) *Schema
}

// Takes reports whether the collection takes the parameter.
func (c *Collection) Takes(param string) bool {
	for _, p := range c.Params {
		if p == param {
			return true
		}
	}
	return false
}

// Finder is a layer whose features can be looked up by id.
type Finder interface {
	Find(id string) (int, bool)
}

// Catalogue returns the collections, in listing order.
func Catalogue() []*Collection {
	return []*Collection{
		{ID: "facilities", Title: "Facilities", Params: []string{ParamCategory},
			Layer:  func(src Source, p Params) (Layer, error) { return Facilities(src.Access.City, p.Category, false), nil },
			Schema: func(Source, Params) *Schema { return FacilitySchema(false) }},
		{ID: "communities", Title: "Communities", Params: []string{ParamProfile}, AllProfiles: true,
			Layer: func(src Source, p Params) (Layer, error) {
				return Communities(src.Access.City, src.Report.Filter(p.Profile, ""), src.Access.Options.K), nil
			},
			Schema: func(src Source, p Params) *Schema {
				return Communities(src.Access.City, src.Report.Filter(p.Profile, ""), src.Access.Options.K).Schema()
			}},
		{ID: "coverage", Title: "Coverage (long format)", Params: []string{ParamCategory, ParamProfile}, AllProfiles: true,
			Layer: func(src Source, p Params) (Layer, error) {
				return Coverage(src.Access.City, src.Report.Filter(p.Profile, p.Category)), nil
			},
			Schema: func(src Source, p Params) *Schema {
				return Coverage(src.Access.City, src.Report.Filter(p.Profile, p.Category)).Schema()
			}},
		{ID: "cells", Title: "H3 cells", Params: []string{ParamProfile, ParamRes},
			Layer: func(src Source, p Params) (Layer, error) {
				w, err := src.Access.ResolveProfile(p.Profile)
				if err != nil {
					return nil, err
				}
				res := p.Res
				if res == 0 {
					res = geo.PopulationRes
				}
				return Cells(src.Access, w, res)
			},
			Schema: func(src Source, _ Params) *Schema { return CellSchema(src.Access.City.Taxonomy) }},
		{ID: "underserved", Title: "Underserved areas", Params: []string{ParamCategory, ParamProfile},
			Layer: func(src Source, p Params) (Layer, error) {
				if p.Category == "" {
					c := src.Access.City.Taxonomy.DefaultGapCategory()
					if c < 0 { // a taxonomy without categories
						w, err := src.Access.ResolveProfile(p.Profile)
						if err != nil {
							return nil, err
						}
						return &ClusterLayer{Profile: src.Access.Profiles[w].ID}, nil
					}
					p.Category = src.Access.City.Taxonomy.Categories[c].ID
				}
				l, err := Clusters(src.Access, geo.GapOptions{Category: p.Category, Profile: p.Profile})
				if errors.Is(err, geo.ErrNoResidents) { // nobody to be underserved
					w, _ := src.Access.ResolveProfile(p.Profile)
					return &ClusterLayer{Category: p.Category, Profile: src.Access.Profiles[w].ID}, nil
				}
				return l, err
			},
			Schema: func(Source, Params) *Schema { return ClusterSchema() }},
		{ID: "greenways", Title: "Greenways",
			Layer:  func(src Source, _ Params) (Layer, error) { return Facilities(src.Access.City, "", true), nil },
			Schema: func(Source, Params) *Schema { return FacilitySchema(true) }},
		{ID: "network", Title: "Walk network",
			Layer:  func(src Source, _ Params) (Layer, error) { return NetworkLayer{G: src.Access.City.Graph}, nil },
			Schema: func(Source, Params) *Schema { return NetworkSchema() }},
	}
}

// Lookup returns the collection with id; an unknown id gets an error that
// lists the collections.
func Lookup(id string) (*Collection, error) {
	var ids []string
	for _, c := range Catalogue() {
		if c.ID == id {
			return c, nil
		}
		ids = append(ids, c.ID)
	}
	return nil, fmt.Errorf("%w: no collection %q; the collections are %v", geo.ErrBadOption, id, ids)
}
