package server

import (
	"context"

	"fifteen/geo"
	"fifteen/publish"
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
// names none (the rule of the OGC underserved collection too).
func tileGapCategory(t *geo.Taxonomy) string {
	if c := t.DefaultGapCategory(); c >= 0 {
		return t.Categories[c].ID
	}
	return ""
}

// schema is the published schema of the layer's features for the walker
// (communities name their figures by walker, from the baseline report,
// which it waits for), without building them.
func (td *tileData) schema(ctx context.Context, l *tileLayer, profile int) (*publish.Schema, error) {
	switch l.id {
	case "cells":
		return publish.CellSchema(td.city.Taxonomy), nil
	case "communities":
		cl, err := td.communityLayer(ctx, profile)
		if err != nil {
			return nil, err
		}
		return cl.Schema(), nil
	case "facilities":
		return publish.FacilitySchema(false), nil
	case "underserved":
		return publish.ClusterSchema(), nil
	}
	return publish.NetworkSchema(), nil
}
