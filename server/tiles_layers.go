package server

import (
	"fmt"

	"fifteen/geo"
)

// Vector tile layers. Each layer has its own zoom range; tiles outside it
// are refused with a 400 naming z, and clients overzoom past maxzoom (the
// TileJSON says where that is).
//
//	layer        geometry  zooms   query                 contents
//	cells        polygon   8..16   profile               H3 cells with access per category
//	communities  polygon   6..16   profile               communities with their coverage
//	facilities   point     12..16  -                     facilities with category and name
//	underserved  polygon   8..16   category, profile     outlines of underserved clusters
//	network      line      10..16  -                     walk network edges with their flags
//
// The cells layer aggregates the population cells (H3 resolution 10) to a
// coarser resolution at low zoom, so that a hexagon stays a few pixels
// wide or more (see cellRes):
//
//	zoom     H3 res  hexagon edge
//	8..9     7       ≈ 1.4 km
//	10..11   8       ≈ 530 m
//	12..13   9       ≈ 200 m
//	14..16   10      ≈ 76 m
//
// The network layer shows only major roads (primary, secondary, trunk and
// their links) below zoom 13, and every walkable edge from zoom 13.

// Tile parameters.
const (
	// tileExtent is the size of a tile in its own units.
	tileExtent = 4096
	// tileBuffer is how far, in tile units, geometry reaches past the
	// tile's edge, so that lines and outlines join seamlessly.
	tileBuffer = 64
	// maxTileZoom is the deepest zoom any request may name.
	maxTileZoom = 22
	// networkAllZoom is the zoom from which the network layer shows every
	// edge; below it, only major roads.
	networkAllZoom = 13
	// tileMinutesDigits and tileShareDigits round minutes and shares in
	// tile properties (to 0.01 min and 0.001) to keep tiles small.
	tileMinutesDigits = 100
	tileShareDigits   = 1000
)

// tileLayer describes one vector tile layer.
type tileLayer struct {
	id          string
	description string
	minZoom     int
	maxZoom     int
	// profile and category tell which query parameters the layer reads.
	profile, category bool
}

// tileLayers are the layers, in the order the TileJSON lists them.
var tileLayers = []tileLayer{
	{id: "cells", minZoom: 8, maxZoom: 16, profile: true,
		description: "H3 cells with residents and their walk to each category, for the profile; the resolution follows the zoom (7 at z8-9, 8 at z10-11, 9 at z12-13, 10 from z14)"},
	{id: "communities", minZoom: 6, maxZoom: 16, profile: true,
		description: "Communities with the share of residents within each category's threshold, for the profile"},
	{id: "facilities", minZoom: 12, maxZoom: 16,
		description: "Facilities as points, with their category and name"},
	{id: "underserved", minZoom: 8, maxZoom: 16, profile: true, category: true,
		description: "Outlines of clusters of residents beyond the category's threshold, for the profile; the category defaults to clinic when the taxonomy has it, else to its first essential category"},
	{id: "network", minZoom: 10, maxZoom: 16,
		description: "The walk network: edges with their length and flags; only major roads below z13"},
}

// tileLayerByID returns the layer with id, or nil.
func tileLayerByID(id string) *tileLayer {
	for i := range tileLayers {
		if tileLayers[i].id == id {
			return &tileLayers[i]
		}
	}
	return nil
}

// cellRes is the H3 resolution of the cells layer at zoom z.
func cellRes(z int) int {
	switch {
	case z <= 9:
		return 7
	case z <= 11:
		return 8
	case z <= 13:
		return 9
	default:
		return geo.PopulationRes
	}
}

// tileGapCategory is the category of the underserved layer when the query
// names none: clinic when the taxonomy has it, else its first essential
// category, else its first category (the rule of the OGC underserved
// collection too).
func tileGapCategory(t *geo.Taxonomy) string {
	if c := ogcDefaultGapCategory(t); c >= 0 {
		return t.Categories[c].ID
	}
	return ""
}

// fields describes the properties of the layer's features, for the
// vector_layers of its TileJSON.
func (l *tileLayer) fields(t *geo.Taxonomy) map[string]string {
	f := map[string]string{}
	switch l.id {
	case "cells":
		f["h3"] = "H3 cell index (hexadecimal); the feature id is the cell's rank among the cells of its resolution"
		f["community"] = "Id of the community holding most of the cell's residents"
		f["population"] = "Residents on the cell"
		for _, c := range t.Categories {
			f["minutes_"+c.ID] = fmt.Sprintf("Population-weighted walk in minutes to the nearest %s, of the residents who reach one within the cutoff; absent when none does", c.Name)
			f["within_"+c.ID] = fmt.Sprintf("Share (0..1) of the residents within %g minutes of a %s", c.ThresholdMin, c.Name)
		}
	case "communities":
		f["id"] = "Community id"
		f["name"] = "Community name"
		f["population"] = "Residents"
		f["complete_share"] = "Share (0..1) of residents within the threshold of every essential category"
		f["f15"] = "Share (0..1) of residents whose mean walk over the essential categories is at most 15 minutes"
		f["mean_categories_within"] = "Mean number of categories within their thresholds"
		for _, c := range t.Categories {
			f["share_"+c.ID] = fmt.Sprintf("Share (0..1) of residents within %g minutes of a %s", c.ThresholdMin, c.Name)
		}
	case "facilities":
		f["id"] = "Facility id, such as osm:node/123"
		f["category"] = "Category id"
		f["name"] = "Name as mapped; absent when unnamed"
		f["capacity"] = "Places (pupils, beds) where known; absent otherwise"
	case "underserved":
		f["id"] = "Cluster rank, 1 for the most populous"
		f["category"] = "Category whose threshold the residents are beyond"
		f["profile"] = "Walker profile"
		f["population"] = "Underserved residents"
		f["cells"] = "Number of H3 resolution-10 cells"
		f["area_km2"] = "Area of the cells in km²"
		f["mean_min"] = "Population-weighted mean walk in minutes of those who reach a facility within the cutoff; absent when none does"
		f["max_min"] = "Longest such walk in minutes; absent when none"
		f["unreached"] = "Residents with no facility within the cutoff"
		f["communities"] = "Ids of the communities of the residents, comma-separated, the most populous first"
	case "network":
		f["length_m"] = "Length of the edge in metres"
		f["steps"] = "Steps (highway=steps)"
		f["unpaved"] = "Unpaved or loose surface"
		f["tunnel"] = "Tunnel or underground passage"
		f["indoor"] = "Indoor corridor"
		f["bridge"] = "Bridge"
		f["major"] = "Primary, secondary or trunk road"
		f["oneway"] = "Walkable only in the direction the line is drawn"
	}
	return f
}
