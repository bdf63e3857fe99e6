package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/paulmach/orb"

	"fifteen/data"
	"fifteen/geo"
)

// cutoffFlag registers the search cutoff alone: site's --k is the number of
// sites, not accessFlags' nearest-K.
func cutoffFlag(fs *flag.FlagSet) *geo.AccessOptions {
	var opt geo.AccessOptions
	fs.Float64Var(&opt.CutoffMin, "cutoff", geo.DefaultCutoffMin, "search cutoff in minutes")
	return &opt
}

// domainUsage turns the domain's errors about bad options into usage
// errors.
func domainUsage(err error) error {
	for _, e := range []error{geo.ErrBadOption, geo.ErrUnknownCategory, geo.ErrBadCoordinate} {
		if errors.Is(err, e) {
			return usageError{err.Error()}
		}
	}
	return err
}

func checkFormat(format string) error {
	switch format {
	case "table", "csv", "geojson":
		return nil
	}
	return usageError{fmt.Sprintf("--format %q: want table, csv or geojson", format)}
}

func gaps(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gaps", stderr)
	format := fs.String("format", "table", "table, csv or geojson")
	var opt geo.GapOptions
	fs.StringVar(&opt.Category, "category", "", "category whose threshold residents must reach")
	fs.IntVar(&opt.Tier, "tier", 0, "life-circle tier instead of a category: 5, 10 or 15")
	fs.StringVar(&opt.Profile, "profile", "adult", "walker profile")
	fs.Float64Var(&opt.MinPopulation, "min-population", 0, "leave out clusters of fewer residents")
	fs.StringVar(&opt.Community, "community", "", "only clusters with residents of this community id")
	aopt := cutoffFlag(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	switch {
	case opt.Category == "" && opt.Tier == 0:
		return usageError{"gaps: give --category or --tier"}
	case opt.Category != "" && opt.Tier != 0:
		return usageError{"gaps: give --category or --tier, not both"}
	case opt.Tier != 0 && opt.Tier != 5 && opt.Tier != 10 && opt.Tier != 15:
		return usageError{fmt.Sprintf("--tier %d: want 5, 10 or 15", opt.Tier)}
	case !(opt.MinPopulation >= 0) || math.IsInf(opt.MinPopulation, 0):
		return usageError{fmt.Sprintf("--min-population %v: want a number of residents ≥ 0", opt.MinPopulation)}
	}
	a, err := loadAccess(ctx, cfg, *aopt)
	if err != nil {
		return err
	}
	clusters, err := a.Gaps(opt)
	if err != nil {
		return domainUsage(err)
	}
	switch *format {
	case "csv":
		return data.WriteGapsCSV(stdout, clusters)
	case "geojson":
		return encodeJSON(stdout, data.GapsGeoJSON(a, opt, clusters))
	}
	return printGaps(stdout, a, opt, clusters)
}

// gapsWhat describes what residents of a gaps run must reach.
func gapsWhat(a *geo.Access, opt geo.GapOptions) string {
	if opt.Tier != 0 {
		return fmt.Sprintf("every category of the %d-minute life circle", opt.Tier)
	}
	c, _ := a.City.Taxonomy.Category(opt.Category)
	return fmt.Sprintf("a %s within %g min", opt.Category, c.ThresholdMin)
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

func printGaps(w io.Writer, a *geo.Access, opt geo.GapOptions, clusters []geo.Cluster) error {
	var total float64
	for _, c := range clusters {
		total += c.Population
	}
	fmt.Fprintf(w, "%s: residents without %s (%s walker, cutoff %.0f min)\n%s\n\n",
		a.City.Name, gapsWhat(a, opt), profileOr(opt.Profile), a.Options.CutoffMin, a.City.Attribution)
	fmt.Fprintf(w, "%d clusters, %.0f residents\n", len(clusters), total)
	if len(clusters) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "id\tpopulation\taged 60+\tchildren\tcells\tkm²\tmean min\tmax min\tunreached\tcommunities\t")
	unknown := false
	for _, c := range clusters {
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

func profileOr(p string) string {
	if p == "" {
		return "adult"
	}
	return p
}

func site(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("site", stderr)
	format := fs.String("format", "table", "table, csv or geojson")
	var opt geo.SitingOptions
	fs.StringVar(&opt.Category, "category", "", "category of the new facilities")
	fs.IntVar(&opt.K, "k", 0, fmt.Sprintf("number of sites to choose, 1 to %d", geo.MaxSites))
	fs.StringVar(&opt.Profile, "profile", "adult", "walker profile")
	fs.Float64Var(&opt.Capacity, "capacity", 0, "residents one new facility serves at most (0: unlimited)")
	candidates := fs.String("candidates", "", "GeoJSON of candidate points (default: network vertices in underserved cells)")
	aopt := cutoffFlag(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	switch {
	case opt.Category == "":
		return usageError{"site: give --category"}
	case opt.K < 1 || opt.K > geo.MaxSites:
		return usageError{fmt.Sprintf("--k %d: want a number of sites from 1 to %d", opt.K, geo.MaxSites)}
	case !(opt.Capacity >= 0) || math.IsInf(opt.Capacity, 0):
		return usageError{fmt.Sprintf("--capacity %v: want a number of residents ≥ 0 (0: unlimited)", opt.Capacity)}
	}
	if *candidates != "" {
		if opt.Candidates, err = readCandidates(*candidates); err != nil {
			return err
		}
		data.ToWGS84Points(opt.Candidates, cfg.CRS)
	}
	a, err := loadAccess(ctx, cfg, *aopt)
	if err != nil {
		return err
	}
	res, err := a.Siting(opt)
	if err != nil {
		return domainUsage(err)
	}
	switch *format {
	case "csv":
		return data.WriteSitesCSV(stdout, res)
	case "geojson":
		return encodeJSON(stdout, data.SitesGeoJSON(a, res))
	}
	return printSites(stdout, a, res, opt.Capacity)
}

// readCandidates reads candidate points from a GeoJSON file.
func readCandidates(path string) ([]orb.Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--candidates: %w", err)
	}
	defer f.Close()
	return data.LoadCandidates(f, path)
}

func printSites(w io.Writer, a *geo.Access, r *geo.SitingResult, capacity float64) error {
	limit := ""
	if capacity > 0 {
		limit = fmt.Sprintf(", each serving at most %g", capacity)
	}
	fmt.Fprintf(w, "%s: new %s sites bringing the most residents within %g min (%s walker%s)\n%s\n\n",
		a.City.Name, r.Category, r.ThresholdMin, r.Profile, limit, a.City.Attribution)
	fmt.Fprintf(w, "%d candidates (%d too far from the network); %.0f residents beyond %g min; the sites bring %.0f (%s) within it\n",
		r.Candidates, r.TooFar, r.Uncovered, r.ThresholdMin, r.Covered, pctOf(r.Covered, r.Uncovered))
	if len(r.Sites) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rank\tlon\tlat\tcommunity\tgain\tcumulative\tcells\tsnap m\t")
	for _, s := range r.Sites {
		fmt.Fprintf(tw, "%d\t%.6f\t%.6f\t%s\t%.0f\t%.0f\t%d\t%.0f\t\n", s.Rank, s.Point[0], s.Point[1],
			communityNames(a, []string{s.Community}), s.Gain, s.Cumulative, s.Cells, s.Snap.DistM)
	}
	return tw.Flush()
}

func pctOf(part, whole float64) string {
	if whole <= 0 {
		return "-"
	}
	return pct(part / whole)
}

// sitesCSVHeader is the header of `fifteen site --format csv`.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
