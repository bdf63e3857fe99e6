// Command fifteen computes 15-minute walking access to community services
// on a real street network and serves it to map clients.
//
// Usage:
//
//	fifteen serve [--addr :8080] [input flags]
//	fifteen inspect [--json] [input flags]
//	fifteen report [--format table|csv|json|geojson] [--profile P] [--category C] [input flags]
//	fifteen cells [--format csv|geojson] [--res 7..10] [--profile P] [input flags]
//	fifteen gaps (--category C | --tier 5|10|15) [--profile P] [--min-population N] [--community ID] [--format table|csv|geojson] [input flags]
//	fifteen site --category C --k N [--candidates FILE] [--capacity N] [--profile P] [--format table|csv|geojson] [input flags]
//	fifteen whatif --scenario FILE [--format table|json] [input flags]
//	fifteen isochrone --lon X --lat Y [--minutes 5,10,15] [--profile P] [input flags]
//	fifteen build --out FILE [input flags]
//	fifteen version
//
// With no input flags fifteen loads its embedded default city,
// Liechtenstein. Every output derived from OpenStreetMap carries
// "© OpenStreetMap contributors".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"text/tabwriter"

	"fifteen/data"
)

// version is stamped by the Makefile with -X main.version=....
var version = "dev"

const usage = `fifteen: 15-minute walking access to community services.

Usage:
  fifteen serve [--addr :8080] [--basemap URL] [input flags]
                                           serve the city: map, GeoJSON, OGC API - Features,
                                           vector tiles and the analysis API
  fifteen inspect [--json] [input flags]   load a city and print what was found
  fifteen report [--format table|csv|json|geojson] [--profile P] [--category C]
                 [--circles minutes|distance] [--k N] [--cutoff MIN] [input flags]
                                           walking coverage per community, category and walker
  fifteen cells [--format csv|geojson] [--res 7..10] [--profile P] [--k N] [--cutoff MIN] [input flags]
                                           walk minutes per H3 cell and category
  fifteen gaps (--category C | --tier 5|10|15) [--profile P] [--min-population N]
               [--community ID] [--format table|csv|geojson] [--cutoff MIN] [input flags]
                                           underserved clusters of residents, largest first
  fifteen site --category C --k N [--candidates FILE] [--capacity N] [--profile P]
               [--format table|csv|geojson] [--cutoff MIN] [input flags]
                                           best places for N new facilities (greedy maximal covering)
  fifteen whatif --scenario FILE [--format table|json] [--profile P] [input flags]
                                           coverage change if facilities open or close,
                                           walk links are added or ways closed
  fifteen isochrone --lon X --lat Y [--minutes 5,10,15] [--profile P] [--reverse] [--edges]
                                           walking contours around a point (GeoJSON)
  fifteen build --out FILE [input flags]   load a city and write its snapshot, which
                                           --snapshot opens in seconds
  fifteen version                          print the version

Input flags (all commands that load a city; environment variables in brackets):
  --osm FILE          OSM extract: .osm.pbf, .osm, .osm.gz, .osm.bz2 [FIFTEEN_OSM]
                      (default: the embedded city, Liechtenstein)
  --communities FILE  GeoJSON community polygons with population [FIFTEEN_COMMUNITIES]
  --facilities FILE   your own facilities, GeoJSON or CSV [FIFTEEN_FACILITIES]
  --population FILE   CSV of H3 cells with population [FIFTEEN_POPULATION]
  --categories FILE   category taxonomy JSON replacing the default [FIFTEEN_CATEGORIES]
  --snap-m METRES     maximum distance from a point to the network (default 250) [FIFTEEN_SNAP_M]
  --name NAME         the city's display name [FIFTEEN_NAME]
  --snapshot FILE     a snapshot written by fifteen build, opened instead of
                      all the inputs above [FIFTEEN_SNAPSHOT]

Data © OpenStreetMap contributors, ODbL 1.0.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fifteen:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version", "--version":
		fmt.Fprintln(stdout, "fifteen", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "inspect":
		return inspect(ctx, rest, stdout, stderr)
	case "build":
		return build(ctx, rest, stdout, stderr)
	case "report":
		return report(ctx, rest, stdout, stderr)
	case "cells":
		return cells(ctx, rest, stdout, stderr)
	case "gaps":
		return gaps(ctx, rest, stdout, stderr)
	case "site":
		return site(ctx, rest, stdout, stderr)
	case "whatif":
		return whatif(ctx, rest, stdout, stderr)
	case "isochrone":
		return isochrone(ctx, rest, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// inputFlags registers the flags that name a city's inputs, with their
// environment defaults.
func inputFlags(fs *flag.FlagSet) func() (data.Config, error) {
	var cfg data.Config
	env := func(k string) string { return os.Getenv(k) }
	fs.StringVar(&cfg.OSMPath, "osm", env("FIFTEEN_OSM"), "OSM extract")
	fs.StringVar(&cfg.CommunitiesPath, "communities", env("FIFTEEN_COMMUNITIES"), "GeoJSON communities with population")
	fs.StringVar(&cfg.FacilitiesPath, "facilities", env("FIFTEEN_FACILITIES"), "your own facilities (GeoJSON or CSV)")
	fs.StringVar(&cfg.PopulationPath, "population", env("FIFTEEN_POPULATION"), "CSV of H3 cells with population")
	fs.StringVar(&cfg.CategoriesPath, "categories", env("FIFTEEN_CATEGORIES"), "category taxonomy JSON")
	fs.StringVar(&cfg.Name, "name", env("FIFTEEN_NAME"), "city display name")
	fs.StringVar(&cfg.SnapshotPath, "snapshot", env("FIFTEEN_SNAPSHOT"), "snapshot written by fifteen build, instead of the other inputs")
	snap := fs.String("snap-m", env("FIFTEEN_SNAP_M"), "maximum snapping distance in metres")
	return func() (data.Config, error) {
		if *snap != "" {
			v, err := strconv.ParseFloat(*snap, 64)
			if err != nil || !(v > 0 && v <= 5000) {
				return cfg, usageError{fmt.Sprintf("--snap-m %q: want a distance in metres in (0, 5000]", *snap)}
			}
			cfg.SnapMaxM = v
		}
		return cfg, nil
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// parseInputs parses a command's arguments and returns its input config.
func parseInputs(fs *flag.FlagSet, args []string, config func() (data.Config, error)) (data.Config, error) {
	if err := parse(fs, args); err != nil {
		return data.Config{}, err
	}
	return config()
}

func inspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	city, st, err := data.Load(ctx, cfg)
	if err != nil {
		return err
	}
	in := data.Inspect(city, st)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(in)
	}
	return printInspection(stdout, in)
}

func printInspection(w io.Writer, in data.Inspection) error {
	n := in.Network
	fmt.Fprintf(w, "%s\n%s\n\n", in.City, in.Attribution)
	fmt.Fprintf(w, "network: %d vertices, %d edges, %.1f km walkable; %d components, the largest %.1f km (%d vertices)\n",
		n.Vertices, n.Edges, n.WalkableKm, n.Components, n.LargestKm, n.LargestVertices)
	fmt.Fprintf(w, "         steps %.1f km, unpaved %.1f km, tunnel/indoor %.1f km; %.0f B per edge\n\n",
		n.StepsKm, n.UnpavedKm, n.TunnelOrIndoorKm, n.BytesPerEdge)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "category\tname\tfound\tsnapped\ttoo far\ton islands\t")
	for _, c := range in.Facilities.ByCategory {
		fmt.Fprintf(tw, "%s\t%s %s\t%d\t%d\t%d\t%d\t\n", c.Category, c.Name, c.NameZH, c.Found, c.Snapped, c.TooFar, c.OnIsland)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(in.Facilities.Unplaced) > 0 {
		fmt.Fprintf(w, "%d facilities with no geometry in the file: %v\n", len(in.Facilities.Unplaced), in.Facilities.Unplaced)
	}
	p := in.Population
	fmt.Fprintf(w, "\ncommunities: %d, population %.0f; placed %.0f on %d H3 res-%d cells (%.0f too far from the network, %.0f on islands)\n",
		in.Communities.Count, in.Communities.Population, p.Placed, p.Cells, p.Resolution, p.TooFar, p.OnIslands)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "community\tpopulation\tplaced\tcells\tmethod\t")
	for _, c := range p.ByCommunity {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%d\t%s\t\n", c.Name, c.Population, c.Placed, c.Cells, c.Method)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nloaded in %.3f s\n", in.TotalSec)
	return nil
}
