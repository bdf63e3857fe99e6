package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"fifteen/geo"
	"fifteen/publish"
)

func report(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr)
	format := fs.String("format", "table", "table, csv (long: a row per community, walker and category), json or geojson (wide: the communities with every figure)")
	profile := fs.String("profile", "", "walker (table: default "+geo.DefaultProfile+"; other formats: all)")
	category := fs.String("category", "", "only this category")
	circles := fs.String("circles", "distance", "life-circle thresholds: distance (GB 50180-2018's 300/500/1000 m along the walk network) or minutes (5/10/15)")
	bom := fs.Bool("bom", false, "start CSV with a UTF-8 byte-order mark (for spreadsheets on Chinese Windows)")
	opt := accessFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "csv", "json", "geojson"); err != nil {
		return err
	}
	if *circles != "minutes" && *circles != "distance" {
		return usageError{fmt.Sprintf("--circles %q: want minutes or distance", *circles)}
	}
	a, err := loadAccess(ctx, cfg, *opt)
	if err != nil {
		return err
	}
	if *format == "table" && *profile == "" {
		*profile = geo.DefaultProfile
	}
	if *profile != "" {
		if _, err := a.ResolveProfile(*profile); err != nil {
			return usageError{"--profile: " + err.Error()}
		}
	}
	if *category != "" {
		if _, err := a.City.Taxonomy.Index(*category); err != nil {
			return usageError{"--category: " + err.Error()}
		}
	}
	r, err := a.ReportWith(geo.ReportOptions{LifeCircle: geo.LifeCircleConfig{ByMinutes: *circles == "minutes"}})
	if err != nil {
		return err
	}
	r = r.Filter(*profile, *category)
	switch *format {
	case "csv":
		return publish.WriteCSV(stdout, publish.Coverage(a.City, r), publish.CSVOptions{Attribution: a.City.Attribution, BOM: *bom})
	case "json":
		return encodeJSON(stdout, r)
	case "geojson":
		return publish.WriteGeoJSON(stdout, publish.ReportMembers(a, r), publish.Communities(a.City, r, a.Options.K))
	}
	return printReport(stdout, r, *category)
}

func printReport(w io.Writer, r *geo.CoverageReport, category string) error {
	rows := append([]geo.CommunityCoverage{r.Total}, r.Communities...)
	prof := r.Total.Profiles[0].Profile
	fmt.Fprintf(w, "%s: share of residents within each category's walk threshold (%s walker, cutoff %.0f min)\n%s\n\n",
		r.City, prof, r.CutoffMin, r.Attribution)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	if category != "" {
		fmt.Fprintln(tw, "community\tpopulation\tshare\tmean min\tp90 min\tunreached\tgini\topportunities\t")
		for _, cc := range rows {
			c := cc.Profiles[0].Categories[0]
			fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%s\t%.0f\t%.2f\t%.1f\t\n", cc.Name, c.Population, pct(c.Share),
				minutes(c.MeanMin), minutes(c.P90Min), c.Unreached, c.Gini, c.Opportunities)
		}
		return tw.Flush()
	}
	head := "community\tpopulation\tcomplete\tF15"
	for _, c := range r.Total.Profiles[0].Categories {
		head += "\t" + abbreviate(c.Category) + fmt.Sprintf(" %.0f'", c.ThresholdMin)
	}
	fmt.Fprintln(tw, head+"\t")
	for _, cc := range rows {
		p := cc.Profiles[0]
		line := fmt.Sprintf("%s\t%.0f\t%s\t%s", cc.Name, p.Population, pct(p.CompleteShare), pct(p.F15))
		for _, c := range p.Categories {
			line += "\t" + pct(c.Share)
		}
		fmt.Fprintln(tw, line+"\t")
	}
	return tw.Flush()
}

// abbreviate shortens a category id for a table heading.
func abbreviate(id string) string {
	parts := strings.Split(id, "_")
	if len(parts) == 1 {
		if len(id) > 8 {
			return id[:8]
		}
		return id
	}
	s := ""
	for _, p := range parts {
		if len(p) > 4 {
			p = p[:4]
		}
		s += p + "."
	}
	return strings.TrimSuffix(s, ".")
}
