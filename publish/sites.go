package publish

import (
	"github.com/paulmach/orb"

	"fifteen/geo"
)

var siteSchema = Schema{
	Kind: "site", Title: "Suggested sites", Geometry: "Point", IDType: IDInteger,
	Description: "Sites for new facilities of one category, in the order a greedy maximal covering chose them, " +
		"with the residents each newly brings within the threshold. Feature ids are ranks.",
	Fields: []Field{
		{Name: "rank", Type: Integer, Description: "Order of choice, from 1"},
		{Name: "community", Type: String, Nullable: true, Description: "Id of the community the site lies in; null when none"},
		{Name: "gain", Type: Number, Unit: "people", Description: "Users of the category (its demand group) the site newly brings within the threshold, or with a capacity the places it fills for users who lack one (see the measure member)"},
		{Name: "cumulative", Type: Number, Unit: "people", Description: "Gains of the sites up to this one"},
		{Name: "cells", Type: Integer, Description: "Population cells the site newly serves"},
		{Name: "snap_lon", Type: Number, Unit: "deg", Decimals: CoordDecimals, Description: "Longitude where the site joins the walk network"},
		{Name: "snap_lat", Type: Number, Unit: "deg", Decimals: CoordDecimals, Description: "Latitude where the site joins the walk network"},
		{Name: "snap_dist_m", Type: Number, Unit: "m", Decimals: 1, Description: "Distance from the site to the network"},
	},
}

// SiteSchema is the schema of suggested sites.
func SiteSchema() *Schema { return &siteSchema }

// SiteLayer is the sites of a siting result.
type SiteLayer struct{ R *geo.SitingResult }

// Schema returns the site schema.
func (l SiteLayer) Schema() *Schema { return &siteSchema }

// Len returns the number of sites.
func (l SiteLayer) Len() int { return len(l.R.Sites) }

// ID returns the site's rank.
func (l SiteLayer) ID(i int) Value { return Int(l.R.Sites[i].Rank) }

// Geometry returns the site's point.
func (l SiteLayer) Geometry(i int) orb.Geometry { return l.R.Sites[i].Point }

// Props appends the site's fields.
func (l SiteLayer) Props(dst []Value, i int) []Value {
	s := &l.R.Sites[i]
	return append(dst, Int(s.Rank), StrOrNull(s.Community), Num(s.Gain), Num(s.Cumulative), Int(s.Cells),
		Num(s.Snap.Point[0]), Num(s.Snap.Point[1]), Num(s.Snap.DistM))
}

// Members are the FeatureCollection members of a siting answer.
func (l SiteLayer) Members(attribution string) []Member {
	r := l.R
	return []Member{{"attribution", attribution}, {"category", r.Category}, {"profile", r.Profile},
		{"demand_group", r.DemandGroup}, {"measure", r.Measure},
		{"threshold_min", r.ThresholdMin}, {"uncovered", r.Uncovered}, {"covered", r.Covered},
		{"candidates", r.Candidates}, {"too_far", r.TooFar}}
}
