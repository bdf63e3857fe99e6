package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"fifteen/geo"
	"fifteen/publish"
)

func gaps(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gaps", stderr)
	format := fs.String("format", "table", "table, csv or geojson")
	var opt geo.GapOptions
	fs.StringVar(&opt.Category, "category", "", "category whose threshold residents must reach")
	fs.IntVar(&opt.Tier, "tier", 0, "life-circle tier instead of a category: 5, 10 or 15")
	fs.StringVar(&opt.Profile, "profile", geo.DefaultProfile, "walker")
	fs.Float64Var(&opt.MinPopulation, "min-population", 0, "leave out clusters of fewer residents")
	fs.StringVar(&opt.Community, "community", "", "only clusters with residents of this community id")
	bom := fs.Bool("bom", false, "start CSV with a UTF-8 byte-order mark")
	aopt := cutoffFlag(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "csv", "geojson"); err != nil {
		return err
	}
	switch {
	case opt.Category == "" && opt.Tier == 0:
		return usageError{"gaps: give --category or --tier"}
	case opt.Category != "" && opt.Tier != 0:
		return usageError{"gaps: give --category or --tier, not both"}
	case opt.Tier != 0 && geo.ValidTier(opt.Tier) != nil:
		return usageError{fmt.Sprintf("--tier %d: want 5, 10 or 15", opt.Tier)}
	case !(opt.MinPopulation >= 0) || math.IsInf(opt.MinPopulation, 0):
		return usageError{fmt.Sprintf("--min-population %v: want a number of residents ≥ 0", opt.MinPopulation)}
	}
	a, err := loadAccess(ctx, cfg, *aopt)
	if err != nil {
		return err
	}
	l, err := publish.Clusters(a, opt)
	if err != nil {
		return domainUsage(err)
	}
	if *format == "table" {
		return printGaps(stdout, a, l)
	}
	return writeLayer(stdout, *format, l, l.Members(a), a.City.Attribution, *bom)
}

// gapsWhat describes what residents of a gaps run must reach.
func gapsWhat(a *geo.Access, l *publish.ClusterLayer) string {
	if l.Tier != 0 {
		return fmt.Sprintf("every category of the %d-minute life circle", l.Tier)
	}
	c, _ := a.City.Taxonomy.Category(l.Category)
	return fmt.Sprintf("a %s within %g min", l.Category, c.ThresholdMin)
}

// communityNames maps community ids to display names.
func communityNames(a *geo.Access, ids []string) string {
	names := map[string]string{}
	for _, c := range a.City.Communities {
		names[c.ID] = c.Name
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if n := names[id]; n != "" {
			out[i] = n
		}
	}
	return strings.Join(out, ", ")
}

func printGaps(w io.Writer, a *geo.Access, l *publish.ClusterLayer) error {
	var total float64
	for _, c := range l.Clusters {
		total += c.Population
	}
	fmt.Fprintf(w, "%s: residents without %s (%s walker, cutoff %.0f min)\n%s\n\n",
		a.City.Name, gapsWhat(a, l), l.Profile, a.Options.CutoffMin, a.City.Attribution)
	fmt.Fprintf(w, "%d clusters, %.0f residents\n", len(l.Clusters), total)
	if len(l.Clusters) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rank\tpopulation\taged 60+\tchildren\tcells\tkm²\tmean min\tmax min\tunreached\tcommunities\t")
	unknown := false
	for _, c := range l.Clusters {
		age := func(f float64) string {
			switch {
			case c.AgeKnown:
				return fmt.Sprintf("%.0f", f)
			case f == 0:
				return "-"
			}
			unknown = true
			return fmt.Sprintf("%.0f*", f)
		}
		fmt.Fprintf(tw, "%d\t%.0f\t%s\t%s\t%d\t%.2f\t%s\t%s\t%.0f\t%s\t\n", c.ID, c.Population, age(c.Aged60), age(c.Children),
			len(c.Cells), c.AreaKm2, minutes(c.MeanMin), minutes(c.MaxMin), c.Unreached, communityNames(a, c.Communities))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if unknown {
		fmt.Fprintln(w, "\n* some residents' communities give no age shares: a lower bound")
	}
	return nil
}
