package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"fifteen/publish"
	"fifteen/publish/postgis"
)

// exportOptions are the options a PostGIS export records in its run row.
type exportOptions struct {
	CutoffMin float64 `json:"cutoff_min"`
	K         int     `json:"k"`
	Category  string  `json:"category,omitempty"`
	Profile   string  `json:"profile,omitempty"`
	Res       int     `json:"res,omitempty"`
}

// export writes one collection of the OGC API (the same features, fields
// and ids) as GeoJSON, CSV or GeoPackage, for a GIS or a spreadsheet; with
// --to postgres://…, every collection (or the --collection ones) into
// PostGIS tables, as shard "all" of a dataset, in one transaction.
func export(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	var ids []string
	for _, c := range publish.Catalogue() {
		ids = append(ids, c.ID)
	}
	collection := fs.String("collection", "", "collection to write: "+strings.Join(ids, ", ")+
		" (required, except with --to, which writes all of them without it; comma-separated with --to)")
	pg := pgFlags(fs)
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
	if *collection == "" && !pg.set() {
		return usageError{"export: give --collection (" + strings.Join(ids, ", ") + ") or --to"}
	}
	var colls []*publish.Collection
	if *collection == "" {
		colls = publish.Catalogue()
	} else {
		for _, id := range strings.Split(*collection, ",") {
			coll, err := publish.Lookup(strings.TrimSpace(id))
			if err != nil {
				return usageError{"--collection: " + err.Error()}
			}
			colls = append(colls, coll)
		}
	}
	if len(colls) > 1 && !pg.set() {
		return usageError{"--collection: one collection at a time, except with --to"}
	}
	if err := checkFormat(*format, "geojson", "csv", "gpkg"); err != nil {
		return err
	}
	for name, set := range map[string]bool{"category": p.Category != "", "profile": p.Profile != "", "res": p.Res != 0} {
		if !set {
			continue
		}
		if len(colls) > 1 {
			return usageError{fmt.Sprintf("--%s: give one --collection to narrow", name)}
		}
		if !colls[0].Takes(name) {
			return usageError{fmt.Sprintf("--%s: collection %s takes %v", name, colls[0].ID, colls[0].Params)}
		}
	}
	if pg.set() {
		// Said before the city is loaded and computed, which may take long.
		if err := pg.ping(ctx, postgis.AllShards); err != nil {
			return err
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
	var tables []postgis.Table
	for _, coll := range colls {
		l, err := coll.Layer(publish.Source{Access: a, Report: r}, p)
		if err != nil {
			return domainUsage(err)
		}
		tables = append(tables, postgis.Table{Name: coll.ID, Layer: l})
	}
	if pg.set() {
		return pg.write(ctx, stdout, a.City.Name, a.Fingerprint(), a.City.Attribution,
			exportOptions{CutoffMin: a.Options.CutoffMin, K: a.Options.K, Category: p.Category, Profile: p.Profile, Res: p.Res}, tables)
	}
	l := tables[0].Layer
	coll := colls[0]
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
