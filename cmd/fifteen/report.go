package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"fifteen/data"
	"fifteen/geo"
)

// accessFlags registers the options of an access computation.
func accessFlags(fs *flag.FlagSet) *geo.AccessOptions {
	var opt geo.AccessOptions
	fs.IntVar(&opt.K, "k", 1, "number of nearest facilities averaged in mean_k_min")
	fs.Float64Var(&opt.CutoffMin, "cutoff", geo.DefaultCutoffMin, "search cutoff in minutes")
	return &opt
}

// loadAccess loads the city and computes access.
func loadAccess(ctx context.Context, cfg data.Config, opt geo.AccessOptions) (*geo.Access, error) {
	city, _, err := data.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a, err := geo.ComputeAccess(city, opt)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return a, nil
}

func report(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr)
	format := fs.String("format", "table", "table, csv, json or geojson")
	profile := fs.String("profile", "", "walker profile (table: default adult; other formats: all)")
	category := fs.String("category", "", "only this category")
	circles := fs.String("circles", "distance", "life-circle thresholds: distance (GB 50180-2018's 300/500/1000 m along the walk network) or minutes (5/10/15)")
	opt := accessFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	switch *format {
	case "table", "csv", "json", "geojson":
	default:
		return usageError{fmt.Sprintf("--format %q: want table, csv, json or geojson", *format)}
	}
	if *circles != "minutes" && *circles != "distance" {
		return usageError{fmt.Sprintf("--circles %q: want minutes or distance", *circles)}
	}
	a, err := loadAccess(ctx, cfg, *opt)
	if err != nil {
		return err
	}
	if *profile != "" && a.ProfileIndex(*profile) < 0 {
		return usageError{fmt.Sprintf("--profile %q: unknown profile (have %s)", *profile, profileIDs(a))}
	}
	if *category != "" {
		if _, ok := a.City.Taxonomy.Category(*category); !ok {
			return usageError{fmt.Sprintf("--category %q: unknown category", *category)}
		}
	}
	r, err := a.ReportWith(geo.ReportOptions{LifeCircle: geo.LifeCircleConfig{ByMinutes: *circles == "minutes"}})
	if err != nil {
		return err
	}
	filterReport(r, *profile, *category)
	switch *format {
	case "csv":
		return data.WriteReportCSV(stdout, r)
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	case "geojson":
		return data.WriteReportGeoJSON(stdout, a.City, r)
	}
	p := *profile
	if p == "" {
		p = "adult"
		filterReport(r, p, "")
	}
	return printReport(stdout, a, r, *category)
}

func profileIDs(a *geo.Access) string {
	var ids []string
	for _, p := range a.Profiles {
		ids = append(ids, p.ID)
	}
	return strings.Join(ids, ", ")
}

// filterReport keeps only one profile and one category where asked.
func filterReport(r *geo.CoverageReport, profile, category string) {
	keep := func(cc *geo.CommunityCoverage) {
		var ps []geo.Coverage
		for _, p := range cc.Profiles {
			if profile != "" && p.Profile != profile {
				continue
			}
			if category != "" {
				var cs []geo.CategoryCoverage
				for _, c := range p.Categories {
					if c.Category == category {
						cs = append(cs, c)
					}
				}
				p.Categories = cs
			}
			ps = append(ps, p)
		}
		cc.Profiles = ps
	}
	keep(&r.Total)
	for i := range r.Communities {
		keep(&r.Communities[i])
	}
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }

func minutes(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", *f)
}

func printReport(w io.Writer, a *geo.Access, r *geo.CoverageReport, category string) error {
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

func cells(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cells", stderr)
	format := fs.String("format", "csv", "csv or geojson")
	profile := fs.String("profile", "adult", "walker profile")
	res := fs.Int("res", geo.PopulationRes, "H3 resolution, 7 to 10")
	opt := accessFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if *format != "csv" && *format != "geojson" {
		return usageError{fmt.Sprintf("--format %q: want csv or geojson", *format)}
	}
	if *res < 7 || *res > geo.PopulationRes {
		return usageError{fmt.Sprintf("--res %d: want 7 to %d", *res, geo.PopulationRes)}
	}
	a, err := loadAccess(ctx, cfg, *opt)
	if err != nil {
		return err
	}
	p := a.ProfileIndex(*profile)
	if p < 0 {
		return usageError{fmt.Sprintf("--profile %q: unknown profile (have %s)", *profile, profileIDs(a))}
	}
	rows, err := data.CellRows(a, p, *res)
	if err != nil {
		return err
	}
	if *format == "geojson" {
		return data.WriteCellsGeoJSON(stdout, a.City.Attribution, a.City.Taxonomy.Categories, rows)
	}
	return data.WriteCellsCSV(stdout, a.City.Taxonomy.Categories, rows)
}
