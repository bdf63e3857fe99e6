package data

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"fifteen/geo"
)

// RoundCoords rounds a geometry's coordinates to 6 decimals (about 0.1 m),
// in place; a point is returned rounded.
func RoundCoords(g orb.Geometry) orb.Geometry { return roundCoords(g) }

// Round4 rounds a figure to 4 decimals for output.
func Round4(f float64) float64 { return round4(f) }

// Round4Ptr rounds an optional figure; nil stays nil (JSON null).
func Round4Ptr(f *float64) any { return ptrRound(f) }

// FormatNum formats a figure rounded to 4 decimals for CSV, empty when not
// finite.
func FormatNum(f float64) string { return num(f) }

// GapsCSVHeader is the header of WriteGapsCSV.
var GapsCSVHeader = []string{"id", "population", "aged60", "children", "age_known", "cells", "area_km2",
	"mean_min", "max_min", "unreached", "communities", "h3_cells"}

// WriteGapsCSV writes underserved clusters, one row each.
func WriteGapsCSV(w io.Writer, clusters []geo.Cluster) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(GapsCSVHeader); err != nil {
		return err
	}
	for _, c := range clusters {
		cells := make([]string, len(c.Cells))
		for i, h := range c.Cells {
			cells[i] = h.String()
		}
		rec := []string{strconv.Itoa(c.ID), num(c.Population), num(c.Aged60), num(c.Children),
			strconv.FormatBool(c.AgeKnown), strconv.Itoa(len(c.Cells)), num(c.AreaKm2),
			numPtr(c.MeanMin), numPtr(c.MaxMin), num(c.Unreached),
			strings.Join(c.Communities, ";"), strings.Join(cells, " ")}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// GapsGeoJSON is the underserved clusters as MultiPolygons (holes kept)
// with their figures, and what was asked in the collection's members.
func GapsGeoJSON(a *geo.Access, opt geo.GapOptions, clusters []geo.Cluster) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	profile := opt.Profile
	if profile == "" {
		profile = "adult"
	}
	fc.ExtraMembers = geojson.Properties{
		"attribution": a.City.Attribution, "profile": profile, "cutoff_min": a.Options.CutoffMin,
	}
	if opt.Tier != 0 {
		fc.ExtraMembers["tier"] = opt.Tier
	} else if c, ok := a.City.Taxonomy.Category(opt.Category); ok {
		fc.ExtraMembers["category"] = opt.Category
		fc.ExtraMembers["threshold_min"] = c.ThresholdMin
	}
	var total float64
	for _, c := range clusters {
		total += c.Population
		f := geojson.NewFeature(roundCoords(c.Outline.Clone()))
		f.ID = c.ID
		communities := c.Communities
		if communities == nil {
			communities = []string{}
		}
		f.Properties = geojson.Properties{
			"id": c.ID, "population": round4(c.Population), "aged60": round4(c.Aged60), "children": round4(c.Children),
			"age_known": c.AgeKnown, "cells": len(c.Cells), "area_km2": round4(c.AreaKm2),
			"mean_min": ptrRound(c.MeanMin), "max_min": ptrRound(c.MaxMin), "unreached": round4(c.Unreached),
			"communities": communities,
		}
		fc.Append(f)
	}
	fc.ExtraMembers["clusters"] = len(clusters)
	fc.ExtraMembers["population"] = round4(total)
	return fc
}

// SitesCSVHeader is the header of WriteSitesCSV.
var SitesCSVHeader = []string{"rank", "lon", "lat", "community", "gain", "cumulative", "cells",
	"snap_lon", "snap_lat", "snap_dist_m"}

// WriteSitesCSV writes the chosen sites in rank order.
func WriteSitesCSV(w io.Writer, r *geo.SitingResult) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SitesCSVHeader); err != nil {
		return err
	}
	coord := func(f float64) string { return strconv.FormatFloat(float64(int64(f*1e6+0.5*sign(f)))/1e6, 'f', -1, 64) }
	for _, s := range r.Sites {
		rec := []string{strconv.Itoa(s.Rank), coord(s.Point[0]), coord(s.Point[1]), s.Community,
			num(s.Gain), num(s.Cumulative), strconv.Itoa(s.Cells),
			coord(s.Snap.Point[0]), coord(s.Snap.Point[1]), num(s.Snap.DistM)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

// SitesGeoJSON is the chosen sites as points with their ranks and gains.
func SitesGeoJSON(a *geo.Access, r *geo.SitingResult) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = geojson.Properties{
		"attribution": a.City.Attribution, "category": r.Category, "profile": r.Profile,
		"threshold_min": r.ThresholdMin, "uncovered": round4(r.Uncovered), "covered": round4(r.Covered),
		"candidates": r.Candidates, "too_far": r.TooFar,
	}
	for _, s := range r.Sites {
		f := geojson.NewFeature(roundCoords(s.Point))
		f.ID = s.Rank
		f.Properties = geojson.Properties{
			"rank": s.Rank, "community": s.Community, "gain": round4(s.Gain), "cumulative": round4(s.Cumulative),
			"cells": s.Cells, "snap": roundCoords(s.Snap.Point), "snap_dist_m": round4(s.Snap.DistM),
		}
		fc.Append(f)
	}
	return fc
}
