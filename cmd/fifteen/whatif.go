package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish"
)

func whatif(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("whatif", stderr)
	file := fs.String("scenario", "", "scenario file, JSON or GeoJSON (required)")
	format := fs.String("format", "table", "table or json")
	profile := fs.String("profile", geo.DefaultProfile, "walker for the table")
	opt := accessFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if *file == "" {
		return usageError{"whatif: --scenario FILE is required"}
	}
	if err := checkFormat(*format, "table", "json"); err != nil {
		return err
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
	p, err := base.ResolveProfile(*profile)
	if err != nil {
		return usageError{"--profile: " + err.Error()}
	}
	after, err := base.WhatIfContext(ctx, sc)
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
	w := publish.NewWhatIf(sc, base, after, rb, ra)
	if *format == "json" {
		return encodeJSON(stdout, w)
	}
	fmt.Fprintf(stdout, "%s: scenario %q, %s walker\n%s\n\n", base.City.Name, sc.Name, base.Profiles[p].ID, base.City.Attribution)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "community\tcategory\tshare before\tshare after\tpeople newly covered\t")
	rows := append([]geo.CommunityDiff{w.Diff.Total}, w.Diff.Communities...)
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
	fmt.Fprintf(stdout, "\n%d cell walks changed over all walkers and categories\n", len(w.Cells))
	return nil
}
