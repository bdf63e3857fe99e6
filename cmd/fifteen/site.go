package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"text/tabwriter"

	"github.com/paulmach/orb"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish"
)

func site(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("site", stderr)
	format := fs.String("format", "table", "table, csv or geojson")
	var opt geo.SitingOptions
	fs.StringVar(&opt.Category, "category", "", "category of the new facilities")
	fs.IntVar(&opt.K, "k", 0, fmt.Sprintf("number of sites to choose, 1 to %d", geo.MaxSites))
	fs.StringVar(&opt.Profile, "profile", geo.DefaultProfile, "walker")
	fs.Float64Var(&opt.Capacity, "capacity", 0, "residents one new facility serves at most (0: unlimited)")
	candidates := fs.String("candidates", "", "GeoJSON of candidate points (default: network vertices in underserved cells)")
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
	res, err := a.SitingContext(ctx, opt)
	if err != nil {
		return domainUsage(err)
	}
	if *format == "table" {
		return printSites(stdout, a, res, opt.Capacity)
	}
	l := publish.SiteLayer{R: res}
	return writeLayer(stdout, *format, l, l.Members(a.City.Attribution), a.City.Attribution, *bom)
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
	users := "residents"
	if r.DemandGroup != "" && r.DemandGroup != "all" {
		users = "people aged " + r.DemandGroup
	}
	what := fmt.Sprintf("bringing the most %s within %g min", users, r.ThresholdMin)
	if r.Measure == geo.SitingPlaces {
		what = fmt.Sprintf("giving the most %s within %g min a place, each with %g places", users, r.ThresholdMin, capacity)
	}
	fmt.Fprintf(w, "%s: new %s sites %s (%s walker)\n%s\n\n", a.City.Name, r.Category, what, r.Profile, a.City.Attribution)
	fmt.Fprintf(w, "%d candidates (%d too far from the network); %.0f %s to serve; the sites serve %.0f (%s)\n",
		r.Candidates, r.TooFar, r.Uncovered, users, r.Covered, pctOf(r.Covered, r.Uncovered))
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
