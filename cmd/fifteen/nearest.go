package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/paulmach/orb"

	"fifteen/geo"
	"fifteen/publish"
)

// nearest writes the k facilities of a category nearest by walking time
// from a point, with their routes (GeoJSON, as GET /v1/nearest).
func nearest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("nearest", stderr)
	lon := fs.Float64("lon", 0, "longitude of the origin (required)")
	lat := fs.Float64("lat", 0, "latitude of the origin (required)")
	category := fs.String("category", "", "category of the facilities (required)")
	k := fs.Int("k", 1, fmt.Sprintf("number of facilities, 1 to %d", geo.MaxNearest))
	profile := fs.String("profile", geo.DefaultProfile, "walker")
	cutoff := fs.Float64("cutoff", geo.DefaultCutoffMin, "search cutoff in minutes")
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case !set["lon"] || !set["lat"]:
		return usageError{"nearest: --lon and --lat are required"}
	case *category == "":
		return usageError{"nearest: --category is required"}
	case *k < 1 || *k > geo.MaxNearest:
		return usageError{fmt.Sprintf("--k %d: want 1 to %d", *k, geo.MaxNearest)}
	}
	origin := orb.Point{*lon, *lat}
	if err := geo.ValidPoint(origin); err != nil {
		return usageError{fmt.Sprintf("--lon/--lat: %v", err)}
	}
	a, err := loadAccess(ctx, cfg, geo.AccessOptions{CutoffMin: *cutoff})
	if err != nil {
		return err
	}
	p, err := a.ResolveProfile(*profile)
	if err != nil {
		return usageError{"--profile: " + err.Error()}
	}
	if _, err := a.City.Taxonomy.Index(*category); err != nil {
		return usageError{"--category: " + err.Error()}
	}
	res, err := a.NearestRoutes(geo.NewSearcher(a.City.Graph), p, *category, origin, *k)
	if err != nil {
		return domainUsage(err)
	}
	l := publish.RouteLayer{City: a.City, R: res}
	return publish.WriteGeoJSON(stdout, l.Members(a.Profiles[p].ID, *category, a.Options.CutoffMin), l)
}
