package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"fifteen/publish"
)

// export writes one collection of the OGC API (the same features, fields
// and ids) as GeoJSON or CSV, for a GIS or a spreadsheet.
func export(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	var ids []string
	for _, c := range publish.Catalogue() {
		ids = append(ids, c.ID)
	}
	collection := fs.String("collection", "", "collection to write: "+strings.Join(ids, ", ")+" (required)")
	format := fs.String("format", "geojson", "geojson, csv or gpkg (GeoPackage)")
	var p publish.Params
	fs.StringVar(&p.Category, "category", "", "category (facilities, coverage, underserved)")
	fs.StringVar(&p.Profile, "profile", "", "walker (communities, coverage, cells, underserved)")
	fs.IntVar(&p.Res, "res", 0, "H3 resolution of cells, 7 to 10 (default 10)")
	bom := fs.Bool("bom", false, "start CSV with a UTF-8 byte-order mark")
	opt := accessFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if *collection == "" {
		return usageError{"export: give --collection (" + strings.Join(ids, ", ") + ")"}
	}
	coll, err := publish.Lookup(*collection)
	if err != nil {
		return usageError{"--collection: " + err.Error()}
	}
	if err := checkFormat(*format, "geojson", "csv", "gpkg"); err != nil {
		return err
	}
	for name, set := range map[string]bool{"category": p.Category != "", "profile": p.Profile != "", "res": p.Res != 0} {
		if set && !coll.Takes(name) {
			return usageError{fmt.Sprintf("--%s: collection %s takes %v", name, coll.ID, coll.Params)}
		}
	}
	a, err := loadAccess(ctx, cfg, *opt)
	if err != nil {
		return err
	}
	if p.Category != "" {
		if _, err := a.City.Taxonomy.Index(p.Category); err != nil {
			return usageError{"--category: " + err.Error()}
		}
	}
	if p.Profile != "" {
		if _, err := a.ResolveProfile(p.Profile); err != nil {
			return usageError{"--profile: " + err.Error()}
		}
	}
	r, err := a.Report()
	if err != nil {
		return err
	}
	l, err := coll.Layer(publish.Source{Access: a, Report: r}, p)
	if err != nil {
		return domainUsage(err)
	}
	if *format == "gpkg" {
		b, err := publish.GeoPackage(ctx, l, publish.GPKGOptions{Table: coll.ID, Attribution: a.City.Attribution})
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	return writeLayer(stdout, *format, l, []publish.Member{{Key: "attribution", Value: a.City.Attribution}}, a.City.Attribution, *bom)
}
