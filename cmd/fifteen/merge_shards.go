package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish"
	"fifteen/publish/postgis"
)

// mergedShard is the shard id merge-shards writes the assembled
// collections under (the shards write their cells under their index).
const mergedShard = "merged"

// mergeShards assembles the parts that run-shard wrote into the whole
// city's cells, communities (wide), coverage (long) and underserved
// clusters, the same bytes fifteen export writes for those collections.
func mergeShards(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("merge-shards", stderr)
	planPath := fset.String("plan", "", "plan file written by fifteen shard (required)")
	outDir := fset.String("out", "", "directory to write cells, communities, coverage and underserved into (required without --to)")
	format := fset.String("format", "geojson", "geojson or csv")
	var cellsP, gapsP publish.Params
	fset.StringVar(&cellsP.Profile, "profile", "", "walker of the cells and the underserved clusters (default: the default walker)")
	fset.IntVar(&cellsP.Res, "res", 0, "H3 resolution of the cells, 7 to 10 (default 10)")
	fset.StringVar(&gapsP.Category, "category", "", "category of the underserved clusters (default: the taxonomy's gap category)")
	pg := pgFlags(fset)
	config := inputFlags(fset)
	dirs, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	if *planPath == "" || (*outDir == "" && !pg.set()) || len(dirs) == 0 {
		return usageError{"merge-shards: give --plan FILE, --out DIR or --to URL, and the directories run-shard wrote into"}
	}
	if err := checkFormat(*format, "geojson", "csv"); err != nil {
		return err
	}
	plan, err := data.ReadShardPlan(*planPath)
	if err != nil {
		return err
	}
	if pg.set() {
		if err := pg.ping(ctx, mergedShard); err != nil {
			return err
		}
	}
	parts, err := readShardParts(plan, dirs)
	if err != nil {
		return err
	}
	city, _, err := data.Load(ctx, cfg)
	if err != nil {
		return err
	}
	a, err := geo.AssembleAccess(city, plan, parts)
	if err != nil {
		return err
	}
	r, err := a.Report()
	if err != nil {
		return err
	}
	// Each collection is built once, for the files, the database or both.
	var ids []string
	if *outDir != "" {
		ids = append(ids, mergedFiles...)
	}
	if pg.set() {
		for _, id := range mergedTables {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	layers, err := mergedLayers(publish.Source{Access: a, Report: r}, ids, cellsP, gapsP.Category)
	if err != nil {
		return err
	}
	if pg.set() {
		// The shards wrote their own cells; the rest is whole only now.
		var tables []postgis.Table
		for _, nl := range layers {
			if slices.Contains(mergedTables, nl.name) {
				tables = append(tables, postgis.Table{Name: nl.name, Layer: nl.layer})
			}
		}
		err = pg.write(ctx, stdout, city.Name, plan.Fingerprint, city.Attribution,
			exportOptions{CutoffMin: plan.CutoffMin, K: plan.K}, tables)
		if err != nil || *outDir == "" {
			return err
		}
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	for _, nl := range layers {
		if !slices.Contains(mergedFiles, nl.name) {
			continue
		}
		path := filepath.Join(*outDir, nl.name+"."+*format)
		err = data.WriteFileAtomic(path, func(w io.Writer) error {
			return writeLayer(w, *format, nl.layer, []publish.Member{{Key: "attribution", Value: city.Attribution}}, city.Attribution, false)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d features\n", path, nl.layer.Len())
	}
	return nil
}

// The collections merge-shards writes as files, and into PostGIS with
// --to (where every shard wrote its own cells).
var (
	mergedFiles  = []string{"cells", "communities", "coverage", "underserved"}
	mergedTables = []string{"communities", "coverage", "underserved", "facilities", "greenways"}
)

// mergedLayers returns the collections ids, built as export builds them:
// cells with cellsP's walker and resolution, underserved with gapCategory
// and cellsP's walker, the others whole; each a publish.Layer a writer
// takes as it is.
func mergedLayers(src publish.Source, ids []string, cellsP publish.Params, gapCategory string) ([]namedLayer, error) {
	var out []namedLayer
	for _, id := range ids {
		coll, err := publish.Lookup(id)
		if err != nil {
			return nil, err
		}
		cp := publish.Params{}
		switch id {
		case "cells":
			cp = cellsP
		case "underserved":
			cp = publish.Params{Category: gapCategory, Profile: cellsP.Profile}
		}
		l, err := coll.Layer(src, cp)
		if err != nil {
			return nil, domainUsage(err)
		}
		out = append(out, namedLayer{id, l})
	}
	return out, nil
}

// readShardParts reads every shard's part of plan from dirs: each must be
// found exactly once.
func readShardParts(plan *geo.ShardPlan, dirs []string) ([]*geo.ShardPart, error) {
	var parts []*geo.ShardPart
	var missing []int
	for i := range plan.Shards {
		var found []string
		for _, d := range dirs {
			path := filepath.Join(d, data.ShardPartName(i))
			if _, err := os.Stat(path); err == nil {
				found = append(found, path)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		switch len(found) {
		case 0:
			missing = append(missing, i)
			continue
		case 1:
		default:
			return nil, fmt.Errorf("shard %d has results in %v: give one of them", i, found)
		}
		part, err := data.ReadShardPart(found[0])
		if err != nil {
			return nil, err
		}
		if part.Index != i {
			return nil, fmt.Errorf("%s: holds shard %d, not %d", found[0], part.Index, i)
		}
		parts = append(parts, part)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no results for %d of %d shards (%v) in %v: run them with fifteen run-shard", len(missing), len(plan.Shards), head(missing, 20), dirs)
	}
	return parts, nil
}

// head returns the first n of s.
func head(s []int, n int) []int { return s[:min(len(s), n)] }
