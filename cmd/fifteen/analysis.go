package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/paulmach/orb"

	"fifteen/data"
	"fifteen/geo"
)

func whatif(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("whatif", stderr)
	file := fs.String("scenario", "", "scenario file, JSON or GeoJSON (required)")
	format := fs.String("format", "table", "table or json")
	profile := fs.String("profile", "adult", "walker profile for the table")
	opt := accessFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if *file == "" {
		return usageError{"whatif: --scenario FILE is required"}
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Sprintf("--format %q: want table or json", *format)}
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	sc, err := data.LoadScenario(f, *file)
	f.Close()
	if err != nil {
		return err
	}
	base, err := loadAccess(ctx, cfg, *opt)
	if err != nil {
		return err
	}
	p := base.ProfileIndex(*profile)
	if p < 0 {
		return usageError{fmt.Sprintf("--profile %q: unknown profile (have %s)", *profile, profileIDs(base))}
	}
	after, err := base.WhatIf(sc)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	rb, err := base.Report()
	if err != nil {
		return err
	}
	ra, err := after.Report()
	if err != nil {
		return err
	}
	diff := geo.DiffReports(rb, ra)
	cells := geo.CellChanges(base, after)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Scenario    string              `json:"scenario"`
			Attribution string              `json:"attribution"`
			Diff        *geo.ReportDiff     `json:"diff"`
			Cells       []geo.CellChange    `json:"cells"`
			Report      *geo.CoverageReport `json:"report"`
		}{sc.Name, base.City.Attribution, diff, cells, ra})
	}
	fmt.Fprintf(stdout, "%s: scenario %q, %s walker\n%s\n\n", base.City.Name, sc.Name, *profile, base.City.Attribution)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "community\tcategory\tshare before\tshare after\tpeople newly covered\t")
	rows := append([]geo.CommunityDiff{diff.Total}, diff.Communities...)
	changed := 0
	for _, cd := range rows {
		for _, c := range cd.Profiles[p].Categories {
			if c.ShareAfter == c.ShareBefore && c.CoveredDelta == 0 {
				continue
			}
			changed++
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%+.0f\t\n", cd.Name, c.Category, pct(c.ShareBefore), pct(c.ShareAfter), c.CoveredDelta)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if changed == 0 {
		fmt.Fprintln(stdout, "no coverage changes")
	}
	fmt.Fprintf(stdout, "\n%d cell walks changed over all profiles and categories\n", len(cells))
	return nil
}

// parseMinutes reads a list such as "5,10,15".
func parseMinutes(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(v > 0 && v <= geo.MaxIsochroneMin) {
			return nil, fmt.Errorf("--minutes %q: want minutes in (0, %v] separated by commas", s, geo.MaxIsochroneMin)
		}
		out = append(out, v)
	}
	return out, nil
}

func isochrone(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("isochrone", stderr)
	lon := fs.Float64("lon", 0, "longitude of the origin (required)")
	lat := fs.Float64("lat", 0, "latitude of the origin (required)")
	mins := fs.String("minutes", "5,10,15", "contour minutes")
	profile := fs.String("profile", "adult", "walker profile")
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
	var prof *geo.Profile
	for _, p := range geo.MergeProfiles(geo.DefaultProfiles(), city.Taxonomy.Profiles) {
		if p.ID == *profile {
			prof = &p
		}
	}
	if prof == nil {
		return usageError{fmt.Sprintf("--profile %q: unknown profile", *profile)}
	}
	costs := geo.NewCosts(city.Graph, prof)
	res, err := geo.Isochrone(city, costs, geo.NewSearcher(city.Graph), origin,
		geo.IsochroneOptions{Minutes: minutes, Reverse: *reverse, Edges: *edges})
	if err != nil {
		return err
	}
	return data.WriteIsochroneGeoJSON(stdout, city.Attribution, prof.ID, res)
}
