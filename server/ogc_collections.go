package server

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/geo/hex"
)

// The collections of the OGC API. Each one turns its parameters into a
// featureSet: the features it selects, in a stable order, that the items
// pages slice and stream.

// ogcSet is the features one combination of a collection's parameters
// selects.
// ogcGeomSet is a set that can give a feature's geometry, for the exact
// bbox test that follows the envelope test.
type ogcGeomSet interface {
	geometry(i int) orb.Geometry
}

type ogcSet interface {
	// Len is the number of features.
	Len() int
	// Bounds are the features' bounds, for bbox filters and extents.
	Bounds() []orb.Bound
	// Find returns the position of the feature with the given id.
	Find(id string) (int, bool)
	// Append appends feature i as a GeoJSON Feature.
	Append(dst []byte, i int) []byte
}

// Query parameters that select or shape a collection's features.
const (
	ogcParamCategory = "category"
	ogcParamProfile  = "profile"
	ogcParamRes      = "res"
)

// ogcParams are the parsed collection parameters; -1 means "all" for
// category (facilities) and profile (communities).
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
	// build selects the features.
	build func(p ogcParams) (ogcSet, error)
}

func (c *ogcCollection) takes(param string) bool {
	for _, p := range c.params {
		if p == param {
			return true
		}
	}
	return false
}

// ogcDefaultGapCategory is the category of the underserved collection when the
// request names none: clinic (a daily, essential need that every resident
// has) when the taxonomy has it, else its first essential category, else
// its first category.
func ogcDefaultGapCategory(tax *geo.Taxonomy) int {
	first := -1
	for i, c := range tax.Categories {
		if c.ID == "clinic" {
			return i
		}
		if c.Essential && first < 0 {
			first = i
		}
	}
	if first < 0 && len(tax.Categories) > 0 {
		first = 0
	}
	return first
}

// newCollections returns the collections of the server, in listing order.
func (o *ogc) newCollections() []*ogcCollection {
	s := o.s
	cats := s.city.Taxonomy.Categories
	gapCat := "none"
	if c := ogcDefaultGapCategory(s.city.Taxonomy); c >= 0 {
		gapCat = cats[c].ID
	}
	return []*ogcCollection{
		{
			id: "facilities", title: "Facilities", geometry: "Point",
			description: "Every facility by category (schools, clinics, markets, parks…), as a point: " +
				"areas and lines (parks, greenways) as their representative point. Properties: id, " +
				"category, kind, name, capacity (null when unknown), capacity_source, source, snap_m " +
				"(distance to the walk network; null when too far to be reached), on_island, " +
				"below_street. Filter with category=.",
			params: []string{ogcParamCategory},
			build:  o.facilities(false),
		},
		{
			id: "communities", title: "Communities", geometry: "MultiPolygon",
			description: "Communities with their population and every coverage figure of the baseline " +
				"report as flat properties: complete_share_<profile>, f15_<profile>, " +
				"mean_categories_within_<profile>, compliance_<tier>_<profile> (life circles), and per " +
				"category share_, covered_, unreached_, mean_min_, p90_min_, gini_, opportunities_" +
				"<category>_<profile>, with places_, demand_, shortfall_, ratio_<category>_<profile> " +
				"for categories with capacity. profile= keeps one profile's figures.",
			params: []string{ogcParamProfile},
			build:  o.communities,
		},
		{
			id: "cells", title: "H3 cells", geometry: "Polygon",
			description: "Populated H3 cells (res= 7 to 10, default 10) with population and, for the " +
				"walker of profile= (default adult), minutes_<category>: the population-weighted walk " +
				"in minutes to the nearest facility of those who reach one (null when none does), and " +
				"within_<category>: the share within the category's threshold. Feature ids are H3 " +
				"indexes; an item's resolution is its own.",
			params: []string{ogcParamProfile, ogcParamRes},
			build:  o.cells,
		},
		{
			id: "underserved", title: "Underserved areas", geometry: "MultiPolygon",
			description: "Clusters of neighbouring populated cells whose residents are beyond the " +
				"threshold of category= (default " + gapCat + ") for the walker of profile= (default " +
				"adult), ranked by population (id 1 is the largest), as outlines with their figures.",
			params: []string{ogcParamCategory, ogcParamProfile},
			build:  o.underserved,
		},
		{
			id: "greenways", title: "Greenways", geometry: "LineString",
			description: "Facilities of line categories (greenways) with their full geometry, and the " +
				"properties of the facilities collection.",
			build: o.facilities(true),
		},
		{
			id: "network", title: "Walk network", geometry: "LineString",
			description: "The walk network's edges with length_m and their decoded walking " +
				"attributes: steps, unpaved, tunnel, indoor, bridge, major_road, oneway (1 along the " +
				"geometry only, -1 against it only, 0 both ways), incline_pct (null when untagged), " +
				"ways (the OSM way ids) and largest_component. Feature ids are edge numbers.",
			build: o.network,
		},
	}
}

// --- facilities and greenways ---

type ogcFacilitySet struct {
	city   *geo.City
	kind   map[string]string
	idx    []int // facility indexes
	line   bool  // full geometry
	bounds ogcLazyBounds
	idOnce sync.Once
	ids    map[string]int
}

// ogcFacilityID is a facility's feature id: one OSM feature may be a
// facility of several categories (a school that is primary and middle).
func ogcFacilityID(f *geo.Facility) string { return f.Category + ":" + f.ID }

func (o *ogc) facilities(line bool) func(p ogcParams) (ogcSet, error) {
	return func(p ogcParams) (ogcSet, error) {
		city := o.s.city
		kind := map[string]string{}
		for _, c := range city.Taxonomy.Categories {
			kind[c.ID] = c.Kind
		}
		fs := &ogcFacilitySet{city: city, kind: kind, line: line}
		for i := range city.Facilities {
			f := &city.Facilities[i]
			switch {
			case city.Closed[i]:
				continue
			case line && kind[f.Category] != geo.KindLine:
				continue
			case !line && p.category >= 0 && f.Category != city.Taxonomy.Categories[p.category].ID:
				continue
			}
			fs.idx = append(fs.idx, i)
		}
		return fs, nil
	}
}

func (fs *ogcFacilitySet) Len() int { return len(fs.idx) }

func (fs *ogcFacilitySet) geometry(i int) orb.Geometry { return fs.geom(i) }

func (fs *ogcFacilitySet) geom(i int) orb.Geometry {
	f := &fs.city.Facilities[fs.idx[i]]
	if fs.line && f.Geom != nil {
		return f.Geom
	}
	return f.Point
}

func (fs *ogcFacilitySet) Bounds() []orb.Bound {
	return fs.bounds.get(len(fs.idx), func(i int) orb.Bound { return fs.geom(i).Bound() })
}

func (fs *ogcFacilitySet) Find(id string) (int, bool) {
	fs.idOnce.Do(func() {
		fs.ids = make(map[string]int, len(fs.idx))
		for k, i := range fs.idx {
			fs.ids[ogcFacilityID(&fs.city.Facilities[i])] = k
		}
	})
	k, ok := fs.ids[id]
	return k, ok
}

func (fs *ogcFacilitySet) Append(dst []byte, i int) []byte {
	fi := fs.idx[i]
	f := &fs.city.Facilities[fi]
	var p ogcProps
	p.str("id", f.ID)
	p.str("category", f.Category)
	p.str("kind", fs.kind[f.Category])
	p.str("name", f.Name)
	if f.Capacity > 0 {
		p.num("capacity", f.Capacity)
	} else {
		p.null("capacity")
	}
	p.strOrNull("capacity_source", f.CapacitySource)
	p.str("source", f.Source)
	snap := fs.city.FacilitySnap[fi]
	if snap.Edge >= 0 {
		p.num("snap_m", snap.DistM)
	} else {
		p.null("snap_m")
	}
	p.bool("on_island", fs.city.OnIsland(snap))
	p.bool("below_street", f.BelowStreet)
	return ogcAppendFeature(dst, ogcAppendString(nil, ogcFacilityID(f)), fs.geom(i), p.b)
}

// --- communities ---

type ogcCommunitySet struct {
	city    *geo.City
	report  *geo.CoverageReport
	profile int // -1: all
	k       int
	bounds  ogcLazyBounds
}

func (o *ogc) communities(p ogcParams) (ogcSet, error) {
	return &ogcCommunitySet{city: o.s.city, report: o.s.report, profile: p.profile, k: o.s.base.Options.K}, nil
}

func (cs *ogcCommunitySet) Len() int { return len(cs.city.Communities) }

func (cs *ogcCommunitySet) geometry(i int) orb.Geometry { return cs.city.Communities[i].Geom }

func (cs *ogcCommunitySet) Bounds() []orb.Bound {
	return cs.bounds.get(cs.Len(), func(i int) orb.Bound { return cs.city.Communities[i].Geom.Bound() })
}

func (cs *ogcCommunitySet) Find(id string) (int, bool) {
	for i, c := range cs.city.Communities {
		if c.ID == id {
			return i, true
		}
	}
	return 0, false
}

func (cs *ogcCommunitySet) Append(dst []byte, i int) []byte {
	cm := &cs.city.Communities[i]
	var p ogcProps
	p.str("id", cm.ID)
	p.str("name", cm.Name)
	p.num("population", cm.Population)
	numOrNull := func(k string, v float64, ok bool) {
		if ok {
			p.num(k, v)
		} else {
			p.null(k)
		}
	}
	numOrNull("households", cm.Households, cm.Households > 0)
	numOrNull("aged60_share", cm.Aged60Share, cm.Aged60Share >= 0)
	numOrNull("child_share", cm.ChildShare, cm.ChildShare >= 0)
	if i < len(cs.report.Communities) {
		for pi, cov := range cs.report.Communities[i].Profiles {
			if cs.profile >= 0 && pi != cs.profile {
				continue
			}
			sfx := "_" + cov.Profile
			p.num("residents"+sfx, cov.Population)
			p.num("complete_share"+sfx, cov.CompleteShare)
			p.num("f15"+sfx, cov.F15)
			p.num("mean_categories_within"+sfx, cov.MeanCategoriesWithin)
			for _, t := range cov.LifeCircle {
				p.num("compliance_"+strconv.Itoa(t.Tier)+sfx, t.Compliance)
			}
			for _, c := range cov.Categories {
				csfx := "_" + c.Category + sfx
				p.num("share"+csfx, c.Share)
				p.num("covered"+csfx, c.Covered)
				p.num("unreached"+csfx, c.Unreached)
				p.numPtr("mean_min"+csfx, c.MeanMin)
				p.numPtr("p90_min"+csfx, c.P90Min)
				p.num("gini"+csfx, c.Gini)
				p.num("opportunities"+csfx, c.Opportunities)
				if cs.k > 1 {
					p.numPtr("mean_k_min"+csfx, c.MeanKMin)
				}
			}
			for _, c := range cov.Capacity {
				csfx := "_" + c.Category + sfx
				p.num("places"+csfx, c.Places)
				p.num("demand"+csfx, c.Demand)
				p.num("shortfall"+csfx, c.Shortfall)
				p.num("ratio"+csfx, c.MeanRatio)
			}
		}
	}
	return ogcAppendFeature(dst, ogcAppendString(nil, cm.ID), cm.Geom, p.b)
}

// --- cells ---

type ogcCellSet struct {
	cats    []geo.Category
	profile string
	res     int
	rows    []data.CellRow
	bounds  ogcLazyBounds
}

func (o *ogc) cells(p ogcParams) (ogcSet, error) {
	rows, err := data.CellRows(o.s.base, p.profile, p.res)
	if err != nil {
		return nil, err
	}
	return &ogcCellSet{cats: o.s.city.Taxonomy.Categories, profile: o.s.base.Profiles[p.profile].ID, res: p.res, rows: rows}, nil
}

func (cs *ogcCellSet) Len() int { return len(cs.rows) }

func (cs *ogcCellSet) geometry(i int) orb.Geometry { return orb.Polygon{cs.rows[i].Cell.Boundary()} }

func (cs *ogcCellSet) Bounds() []orb.Bound {
	return cs.bounds.get(len(cs.rows), func(i int) orb.Bound { return cs.rows[i].Cell.Boundary().Bound() })
}

// Find looks a cell up by its H3 index (rows are sorted by cell).
func (cs *ogcCellSet) Find(id string) (int, bool) {
	c, err := hex.Parse(id)
	if err != nil {
		return 0, false
	}
	i := sort.Search(len(cs.rows), func(i int) bool { return cs.rows[i].Cell >= c })
	return i, i < len(cs.rows) && cs.rows[i].Cell == c
}

func (cs *ogcCellSet) Append(dst []byte, i int) []byte {
	r := &cs.rows[i]
	id := r.Cell.String()
	var p ogcProps
	p.str("h3", id)
	p.int("res", int64(cs.res))
	p.strOrNull("community", r.Community)
	p.num("population", r.Population)
	p.str("profile", cs.profile)
	for ci, c := range cs.cats {
		p.num("minutes_"+c.ID, r.Minutes[ci]) // NaN is null
		p.num("within_"+c.ID, r.Within[ci])
	}
	return ogcAppendFeature(dst, ogcAppendString(nil, id), orb.Polygon{r.Cell.Boundary()}, p.b)
}

// --- underserved ---

type ogcGapSet struct {
	category, profile string
	clusters          []geo.Cluster
	bounds            ogcLazyBounds
}

func (o *ogc) underserved(p ogcParams) (ogcSet, error) {
	if p.category < 0 {
		return &ogcGapSet{}, nil // a taxonomy without categories
	}
	cat := o.s.city.Taxonomy.Categories[p.category].ID
	prof := o.s.base.Profiles[p.profile].ID
	cl, err := o.s.base.Gaps(geo.GapOptions{Category: cat, Profile: prof})
	if errors.Is(err, geo.ErrNoResidents) {
		return &ogcGapSet{category: cat, profile: prof}, nil // nobody to be underserved
	}
	if err != nil {
		return nil, err
	}
	return &ogcGapSet{category: cat, profile: prof, clusters: cl}, nil
}

func (gs *ogcGapSet) Len() int { return len(gs.clusters) }

func (gs *ogcGapSet) geometry(i int) orb.Geometry { return gs.clusters[i].Outline }

func (gs *ogcGapSet) Bounds() []orb.Bound {
	return gs.bounds.get(len(gs.clusters), func(i int) orb.Bound { return gs.clusters[i].Outline.Bound() })
}

// gapFeatureID names a cluster across the whole collection: its rank is
// only unique within one category and walker.
func gapFeatureID(category, profile string, rank int) string {
	return category + ":" + profile + ":" + strconv.Itoa(rank)
}

// parseGapFeatureID splits a cluster's feature id.
func parseGapFeatureID(id string) (category, profile string, rank int, ok bool) {
	parts := strings.Split(id, ":")
	if len(parts) != 3 {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || strconv.Itoa(n) != parts[2] || n < 1 {
		return "", "", 0, false
	}
	return parts[0], parts[1], n, true
}

// Find looks a cluster up by its feature id.
func (gs *ogcGapSet) Find(id string) (int, bool) {
	cat, prof, n, ok := parseGapFeatureID(id)
	if !ok || cat != gs.category || prof != gs.profile || n > len(gs.clusters) {
		return 0, false
	}
	return n - 1, true
}

func (gs *ogcGapSet) Append(dst []byte, i int) []byte {
	c := &gs.clusters[i]
	var p ogcProps
	p.int("id", int64(c.ID))
	p.str("category", gs.category)
	p.str("profile", gs.profile)
	p.num("population", c.Population)
	p.num("aged60", c.Aged60)
	p.num("children", c.Children)
	p.bool("age_known", c.AgeKnown)
	p.num("area_km2", c.AreaKm2)
	p.int("cells", int64(len(c.Cells)))
	p.strs("communities", c.Communities)
	p.numPtr("mean_min", c.MeanMin)
	p.numPtr("max_min", c.MaxMin)
	p.num("unreached", c.Unreached)
	return ogcAppendFeature(dst, ogcAppendString(nil, gapFeatureID(gs.category, gs.profile, c.ID)), c.Outline, p.b)
}

// --- network ---

type ogcNetworkSet struct {
	g      *geo.Graph
	bounds ogcLazyBounds
}

func (o *ogc) network(ogcParams) (ogcSet, error) {
	return &ogcNetworkSet{g: o.s.city.Graph}, nil
}

func (ns *ogcNetworkSet) Len() int { return ns.g.NumEdges() }

func (ns *ogcNetworkSet) geometry(e int) orb.Geometry { return ns.g.EdgeGeometry(e) }

func (ns *ogcNetworkSet) Bounds() []orb.Bound {
	return ns.bounds.get(ns.Len(), func(e int) orb.Bound {
		b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
		for k := 0; k < ns.g.EdgeNumPoints(e); k++ {
			b = b.Extend(ns.g.EdgePoint(e, k))
		}
		return b
	})
}

// Find looks an edge up by its number.
func (ns *ogcNetworkSet) Find(id string) (int, bool) {
	n, err := strconv.Atoi(id)
	if err != nil || n < 0 || n >= ns.Len() || strconv.Itoa(n) != id {
		return 0, false
	}
	return n, true
}

func (ns *ogcNetworkSet) Append(dst []byte, e int) []byte {
	a := ns.g.EdgeAttr(e)
	var p ogcProps
	p.int("edge", int64(e))
	p.num("length_m", ns.g.EdgeLengthM(e))
	p.bool("steps", a.Flags&geo.FlagSteps != 0)
	p.bool("unpaved", a.Flags&geo.FlagUnpaved != 0)
	p.bool("tunnel", a.Flags&geo.FlagTunnel != 0)
	p.bool("indoor", a.Flags&geo.FlagIndoor != 0)
	p.bool("bridge", a.Flags&geo.FlagBridge != 0)
	p.bool("major_road", a.Flags&geo.FlagMajorRoad != 0)
	oneway := int64(0)
	switch {
	case a.Flags&geo.FlagOnewayFwd != 0:
		oneway = 1
	case a.Flags&geo.FlagOnewayBwd != 0:
		oneway = -1
	}
	p.int("oneway", oneway)
	if a.Flags&geo.FlagIncline != 0 {
		p.int("incline_pct", int64(a.InclinePct))
	} else {
		p.null("incline_pct")
	}
	p.ints("ways", ns.g.EdgeWays(e))
	p.bool("largest_component", ns.g.InLargest(e))
	return ogcAppendFeature(dst, strconv.AppendInt(nil, int64(e), 10), ns.g.EdgeGeometry(e), p.b)
}

// ogcSetKey names one memoized feature set.
type ogcSetKey struct {
	coll string
	p    ogcParams
}

// set returns the features of coll selected by p, computed once.
func (o *ogc) set(coll *ogcCollection, p ogcParams) (ogcSet, error) {
	fs, err := o.sets.get(ogcSetKey{coll.id, p}, func() (ogcSet, error) { return coll.build(p) })
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", coll.id, err)
	}
	return fs, nil
}
