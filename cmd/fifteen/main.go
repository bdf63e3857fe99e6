// Command fifteen computes 15-minute walking access to community services
// on a real street network and serves it to map clients.
//
// Usage:
//
//	fifteen serve [--addr 127.0.0.1:8080] [--store FILE|postgres://...] [--tokens FILE] [input flags]
//	fifteen inspect [--json] [input flags]
//	fifteen report [--format table|csv|json|geojson] [--profile P] [--category C] [input flags]
//	fifteen cells [--format csv|geojson] [--res 7..10] [--profile P] [input flags]
//	fifteen gaps (--category C | --tier 5|10|15) [--profile P] [--min-population N] [--community ID] [--format table|csv|geojson] [input flags]
//	fifteen site --category C --k N [--candidates FILE] [--capacity N] [--profile P] [--format table|csv|geojson] [input flags]
//	fifteen whatif --scenario FILE [--format table|json] [input flags]
//	fifteen isochrone --lon X --lat Y [--minutes 5,10,15] [--profile P] [input flags]
//	fifteen nearest --lon X --lat Y --category C [--k N] [--profile P] [input flags]
//	fifteen export --collection ID [--format geojson|csv] [--category C] [--profile P] [--res R] [input flags]
//	fifteen export --to postgres://… [--collection ID,…] [--dataset NAME] [--schema S] [--parent-res R] [input flags]
//	fifteen build --out FILE [input flags]
//	fifteen shard --out PLAN [--res R] [--target N] [input flags]
//	fifteen run-shard --plan PLAN [--index I] --out DIR [--to postgres://… --dataset NAME] [input flags]
//	fifteen merge-shards --plan PLAN (--out DIR | --to postgres://… --dataset NAME) [--format geojson|csv] [input flags] DIR...
//	fifteen version
//
// With no input flags fifteen loads its embedded default city,
// Liechtenstein. With --osm alone it makes communities and residents from
// the extract (boundaries, place areas, population=* and buildings). Every
// output derived from OpenStreetMap carries
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
	"strings"
	"syscall"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish"
	"fifteen/server"
)

// version is stamped by the Makefile with -X main.version=....
var version = "dev"

const usage = `fifteen: 15-minute walking access to community services.

Usage:
  fifteen serve [--addr 127.0.0.1:8080] [--basemap URL] [--store FILE|postgres://...|memory]
                [--tokens FILE] [--read-needs-token] [--heavy-concurrent N] [--rate N]
                [--heavy-rate N] [--heavy-budget DUR] [--heavy-wait DUR] [input flags]
                                           serve the city: map, GeoJSON, OGC API - Features,
                                           vector tiles and the analysis API; saved scenarios
                                           in SQLite or PostgreSQL
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
  fifteen nearest --lon X --lat Y --category C [--k N] [--profile P]
                                           the nearest facilities by walking time, with routes (GeoJSON)
  fifteen export --collection ID [--format geojson|csv] [--category C] [--profile P] [--res R]
                                           one collection of the OGC API as a file: facilities,
                                           communities, coverage, cells, underserved, greenways, network
  fifteen export --to postgres://… [--collection ID,…] [--dataset NAME] [--schema S] [--parent-res R]
                                           every collection into PostGIS tables, by COPY in one
                                           transaction (QGIS and GDAL open them)
  fifteen build --out FILE [input flags]   load a city and write its snapshot, which
                                           --snapshot opens in seconds
  fifteen shard --out PLAN [--res R] [--target N] [--cutoff MIN] [--k N] [input flags]
                                           cut the city into shards (H3 parents) computed apart
  fifteen run-shard --plan PLAN [--index I] --out DIR [--to postgres://… --dataset NAME]
                    [input flags]
                                           compute one shard (index also from $JOB_COMPLETION_INDEX
                                           or $SLURM_ARRAY_TASK_ID); --to also writes its cells
                                           to PostGIS
  fifteen merge-shards --plan PLAN (--out DIR | --to postgres://… --dataset NAME)
                       [--format geojson|csv] [--profile P] [--res R] [--category C]
                       [input flags] DIR...
                                           assemble the shards into cells, communities, coverage
                                           and underserved clusters (files, or PostGIS tables)
  fifteen version                          print the version

Input flags (all commands that load a city; environment variables in brackets):
  --osm FILE          OSM extract: .osm.pbf, .osm, .osm.gz, .osm.bz2 [FIFTEEN_OSM]
                      (default: the embedded city, Liechtenstein)
  --communities FILE  GeoJSON community polygons with population [FIFTEEN_COMMUNITIES]
  --facilities FILE   your own facilities, GeoJSON or CSV [FIFTEEN_FACILITIES]
  --population FILE   residents on a grid: CSV of H3 cells, or a GeoTIFF raster in EPSG:4326
                      (WorldPop) or World Mollweide (GHSL) [FIFTEEN_POPULATION]
  --categories FILE   category taxonomy JSON replacing the default [FIFTEEN_CATEGORIES]
  --admin-level N     OSM admin_level whose boundaries become communities when there is no
                      communities file (default: the finest holding half the residents) [FIFTEEN_ADMIN_LEVEL]
  --persons-per-m2 R  residents per m² of residential floor area where no count exists
                      (default 0.0256, i.e. 39 m² per person) [FIFTEEN_PERSONS_PER_M2]
  --crs SYSTEM        coordinate system of the facility, community and candidate files:
                      wgs84 (default), gcj02 (AMap/Gaode, Tencent) or bd09 (Baidu) [FIFTEEN_CRS]
  --quiet             no load stages and progress bar on a terminal's stderr
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
	if errors.Is(err, errHelp) {
		return
	}
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
	err := runCommand(ctx, args, stdout, stderr)
	if errors.Is(err, geo.ErrNoResidents) {
		return noResidents{}
	}
	return err
}

// noResidents is the error of a command that counts residents, run on a
// city loaded without them: one sentence naming the flags that supply them.
type noResidents struct{}

func (noResidents) Error() string { return server.NoResidentsHint }

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
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
	case "nearest":
		return nearest(ctx, rest, stdout, stderr)
	case "export":
		return export(ctx, rest, stdout, stderr)
	case "shard":
		return shard(ctx, rest, stdout, stderr)
	case "run-shard":
		return runShard(ctx, rest, stdout, stderr)
	case "merge-shards":
		return mergeShards(ctx, rest, stdout, stderr)
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
	fs.StringVar(&cfg.PopulationPath, "population", env("FIFTEEN_POPULATION"), "residents on a grid: CSV of H3 cells or a GeoTIFF raster")
	fs.StringVar(&cfg.CategoriesPath, "categories", env("FIFTEEN_CATEGORIES"), "category taxonomy JSON")
	fs.StringVar(&cfg.Name, "name", env("FIFTEEN_NAME"), "city display name")
	fs.StringVar(&cfg.SnapshotPath, "snapshot", env("FIFTEEN_SNAPSHOT"), "snapshot written by fifteen build, instead of the other inputs")
	snap := fs.String("snap-m", env("FIFTEEN_SNAP_M"), "maximum snapping distance in metres")
	level := fs.String("admin-level", env("FIFTEEN_ADMIN_LEVEL"), "admin_level of the OSM boundaries that become communities")
	quiet := fs.Bool("quiet", false, "no load progress on the terminal")
	crs := fs.String("crs", env("FIFTEEN_CRS"), "coordinate system of the facility, community and candidate files: wgs84, gcj02 or bd09")
	ppm2 := fs.String("persons-per-m2", env("FIFTEEN_PERSONS_PER_M2"), "residents per m² of residential floor area, for estimates")
	return func() (data.Config, error) {
		if !*quiet {
			cfg.Progress = terminalProgress(fs.Output())
		}
		if *crs != "" {
			c, err := geo.ParseCRS(strings.ToLower(*crs))
			if err != nil {
				return cfg, usageError{fmt.Sprintf("--crs %q: want wgs84, gcj02 (AMap/Gaode, Tencent) or bd09 (Baidu)", *crs)}
			}
			cfg.CRS = c
		}
		if *level != "" {
			v, err := strconv.Atoi(*level)
			if err != nil || v < 1 || v > 12 {
				return cfg, usageError{fmt.Sprintf("--admin-level %q: want an OSM admin_level from 1 to 12", *level)}
			}
			cfg.AdminLevel = v
		}
		if *ppm2 != "" {
			v, err := strconv.ParseFloat(*ppm2, 64)
			if err != nil || !(v > 0 && v <= 1) {
				return cfg, usageError{fmt.Sprintf("--persons-per-m2 %q: want residents per m² of floor area in (0, 1]", *ppm2)}
			}
			cfg.PersonsPerM2 = v
		}
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

// errHelp is returned when a command's flags were asked for: the usage has
// been printed and the command ends successfully.
var errHelp = errors.New("help shown")

// helpOut is where a command prints its flags when asked with -h or
// --help (standard output: the user asked for it).
var helpOut io.Writer = os.Stdout

func parse(fs *flag.FlagSet, args []string) error {
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), rest[0])}
	}
	return nil
}

// parseArgs parses a command's flags and returns the arguments after them.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			fs.SetOutput(helpOut)
			fs.Usage()
			return nil, errHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, usageError{err.Error()}
	}
	return fs.Args(), nil
}

// parseInputs parses a command's arguments and returns its input config.
func parseInputs(fs *flag.FlagSet, args []string, config func() (data.Config, error)) (data.Config, error) {
	if err := parse(fs, args); err != nil {
		return data.Config{}, err
	}
	return config()
}

// accessFlags registers the options of an access computation.
func accessFlags(fs *flag.FlagSet) *geo.AccessOptions {
	var opt geo.AccessOptions
	fs.IntVar(&opt.K, "k", 1, "number of nearest facilities averaged in mean_k_min")
	fs.Float64Var(&opt.CutoffMin, "cutoff", geo.DefaultCutoffMin, "search cutoff in minutes")
	return &opt
}

// cutoffFlag registers the search cutoff alone: site's --k is the number of
// sites, not accessFlags' nearest-K.
func cutoffFlag(fs *flag.FlagSet) *geo.AccessOptions {
	var opt geo.AccessOptions
	fs.Float64Var(&opt.CutoffMin, "cutoff", geo.DefaultCutoffMin, "search cutoff in minutes")
	return &opt
}

// loadAccess loads the city and computes access, or takes it from the
// snapshot the city was opened from when that stored it with the same
// options.
func loadAccess(ctx context.Context, cfg data.Config, opt geo.AccessOptions) (*geo.Access, error) {
	city, _, err := data.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if a, stored, err := data.StoredAccess(city, opt); err != nil {
		return nil, domainUsage(err)
	} else if stored {
		return a, nil
	}
	a, err := geo.ComputeAccess(city, opt)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return a, nil
}

// domainUsage turns the domain's errors about bad options, unknown
// categories and walkers into usage errors (their messages list what is
// valid).
func domainUsage(err error) error {
	for _, e := range []error{geo.ErrBadOption, geo.ErrUnknownCategory, geo.ErrBadCoordinate} {
		if errors.Is(err, e) {
			return usageError{err.Error()}
		}
	}
	return err
}

// checkFormat checks --format against the formats a command writes.
func checkFormat(format string, formats ...string) error {
	for _, f := range formats {
		if format == f {
			return nil
		}
	}
	return usageError{fmt.Sprintf("--format %q: want %s", format, strings.Join(formats, ", "))}
}

// writeLayer writes a published result as CSV or GeoJSON (the renderings
// the API serves too), with the attribution.
func writeLayer(w io.Writer, format string, l publish.Layer, members []publish.Member, attribution string, bom bool) error {
	if format == "csv" {
		return publish.WriteCSV(w, l, publish.CSVOptions{Attribution: attribution, BOM: bom})
	}
	return publish.WriteGeoJSON(w, members, l)
}

// encodeJSON writes v as indented JSON.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }

func minutes(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", *f)
}
