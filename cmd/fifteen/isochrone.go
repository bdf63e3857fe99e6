package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish"
)

// parseMinutes reads a list such as "5,10,15"; geo.CheckContours bounds it.
func parseMinutes(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("--minutes %q: want minutes separated by commas", s)
		}
		out = append(out, v)
	}
	if err := geo.CheckContours(out); err != nil {
		return nil, fmt.Errorf("--minutes %q: %w", s, err)
	}
	return out, nil
}

func isochrone(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("isochrone", stderr)
	lon := fs.Float64("lon", 0, "longitude of the origin (required)")
	lat := fs.Float64("lat", 0, "latitude of the origin (required)")
	mins := fs.String("minutes", "5,10,15", fmt.Sprintf("contour minutes, at most %d", geo.MaxContours))
	profile := fs.String("profile", geo.DefaultProfile, "walker")
	reverse := fs.Bool("reverse", false, "the area from which the point is reached")
	edges := fs.Bool("edges", false, "add the reached streets as lines with their times")
	config := inputFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["lon"] || !set["lat"] {
		return usageError{"isochrone: --lon and --lat are required"}
	}
	origin := orb.Point{*lon, *lat}
	if err := geo.ValidPoint(origin); err != nil {
		return usageError{fmt.Sprintf("--lon/--lat: %v", err)}
	}
	minutes, err := parseMinutes(*mins)
	if err != nil {
		return usageError{err.Error()}
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	city, _, err := data.Load(ctx, cfg)
	if err != nil {
		return err
	}
	// The built-in walkers and those of the categories file, as report uses.
	profiles := geo.MergeProfiles(geo.DefaultProfiles(), city.Taxonomy.Profiles)
	var prof *geo.Profile
	var ids []string
	for i := range profiles {
		ids = append(ids, profiles[i].ID)
		if profiles[i].ID == *profile {
			prof = &profiles[i]
		}
	}
	if prof == nil {
		return usageError{fmt.Sprintf("--profile: unknown walker %q; the walkers are %s", *profile, strings.Join(ids, ", "))}
	}
	res, err := geo.Isochrone(city, geo.NewCosts(city.Graph, prof), geo.NewSearcher(city.Graph), origin,
		geo.IsochroneOptions{Minutes: minutes, Reverse: *reverse, Edges: *edges})
	if err != nil {
		return err
	}
	b, err := publish.Isochrone(city.Attribution, prof.ID, res)
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}
