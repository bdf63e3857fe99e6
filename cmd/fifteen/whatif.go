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
	form := fs.String("report", publish.WhatIfCompact, "the JSON answer: compact (what changed) or full (with the scenario's whole report)")
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
	if *form != publish.WhatIfCompact && *form != publish.WhatIfFull {
		return usageError{fmt.Sprintf("--report %q: want %s or %s", *form, publish.WhatIfCompact, publish.WhatIfFull)}
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
	if *format == "json" && *form == publish.WhatIfFull {
		rb, err := base.Report()
		if err != nil {
			return err
		}
		ra, err := after.Report()
		if err != nil {
			return err
		}
		return encodeJSON(stdout, publish.NewWhatIfReport(sc, base, after, rb, ra))
	}
	w, err := publish.NewWhatIf(sc, base, after)
	if err != nil {
		return err
	}
	if *format == "json" {
		return encodeJSON(stdout, w)
	}
	fmt.Fprintf(stdout, "%s: scenario %q, %s walker\n%s\n\n", base.City.Name, sc.Name, base.Profiles[p].ID, base.City.Attribution)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "community\tcategory\tshare before\tshare after\tpeople newly covered\t")
	changed := 0
	for _, cc := range w.Communities {
		if cc.Profile != base.Profiles[p].ID {
			continue
		}
		for _, c := range cc.Categories {
			if c.After.Share == c.Before.Share && c.After.Covered == c.Before.Covered {
				continue
			}
			changed++
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%+.0f\t\n", cc.Name, c.Category, pct(c.Before.Share), pct(c.After.Share), c.After.Covered-c.Before.Covered)
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
