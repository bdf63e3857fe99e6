package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/publish"
	"fifteen/publish/postgis"
)

// runShard computes one shard of a plan and writes its results into a
// directory: the cells it owns per walker (CSV) and its part for
// merge-shards, written last, so that a shard whose part exists is done.
func runShard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run-shard", stderr)
	planPath := fs.String("plan", "", "plan file written by fifteen shard (required)")
	index := fs.Int("index", -1, "shard to compute (default: $JOB_COMPLETION_INDEX, else $SLURM_ARRAY_TASK_ID)")
	outDir := fs.String("out", "", "directory to write the shard's results into (required)")
	snapDir := fs.String("snapshots", "", "directory fifteen shard --snapshots wrote the shards' own cities into: load only this shard's")
	pg := pgFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if *planPath == "" || *outDir == "" {
		return usageError{"run-shard: give --plan FILE and --out DIR"}
	}
	i, err := shardIndex(*index, os.Getenv)
	if err != nil {
		return err
	}
	plan, err := data.ReadShardPlan(*planPath)
	if err != nil {
		return err
	}
	if i >= len(plan.Shards) {
		return usageError{fmt.Sprintf("shard index %d: the plan %s has shards 0 to %d", i, *planPath, len(plan.Shards)-1)}
	}
	if *snapDir != "" {
		if cfg.SnapshotPath != "" {
			return usageError{"run-shard: give --snapshots DIR or --snapshot FILE, not both"}
		}
		cfg.SnapshotPath = filepath.Join(*snapDir, data.ShardSnapshotName(i))
	}
	if pg.set() {
		if err := pg.ping(ctx, strconv.Itoa(i)); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	city, _, err := data.Load(ctx, cfg)
	if err != nil {
		return err
	}
	run, err := geo.RunShard(ctx, city, plan, i)
	if err != nil {
		return err
	}
	layers, err := shardLayers(run, plan, i)
	if err != nil {
		return err
	}
	for _, nl := range layers {
		path := filepath.Join(*outDir, fmt.Sprintf("shard-%05d.%s.csv", i, nl.name))
		err := data.WriteFileAtomic(path, func(w io.Writer) error {
			return publish.WriteCSV(w, nl.layer, publish.CSVOptions{Attribution: city.Attribution})
		})
		if err != nil {
			return err
		}
	}
	if pg.set() {
		// The default walker's cells, as export --to writes the cells
		// table; the part below is written only once they are in.
		w, err := run.Access.ResolveProfile("")
		if err != nil {
			return err
		}
		cells := layers[w].layer
		err = pg.write(ctx, stdout, city.Name, plan.Fingerprint, city.Attribution,
			exportOptions{CutoffMin: plan.CutoffMin, K: plan.K}, []postgis.Table{{Name: "cells", Layer: cells}})
		if err != nil {
			return err
		}
	}
	part := filepath.Join(*outDir, data.ShardPartName(i))
	if err := data.WriteShardPart(part, run.Part); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "shard %d of %d: %d own cells (%d with the buffer), %d edges -> %s\n",
		i, len(plan.Shards), len(run.Own), len(run.Access.City.Population.Cells), run.Access.City.Graph.NumEdges(), part)
	return nil
}

// namedLayer is one of a shard's published results.
type namedLayer struct {
	name  string
	layer publish.Layer
}

// shardLayers returns the published results of a computed shard: per
// walker, its own cells at the population resolution, the rows exactly
// as the whole city's cells collection has them (a writer such as a
// database one takes them as they are, one shard at a time).
func shardLayers(run *geo.ShardRun, plan *geo.ShardPlan, i int) ([]namedLayer, error) {
	var out []namedLayer
	for p, prof := range run.Access.Profiles {
		l, err := publish.Cells(run.Access, p, geo.PopulationRes)
		if err != nil {
			return nil, err
		}
		var own []int
		for k, r := range l.Rows {
			if plan.Owns(i, r.Cell) {
				own = append(own, k)
			}
		}
		out = append(out, namedLayer{"cells-" + prof.ID, publish.Subset{L: l, Index: own}})
	}
	return out, nil
}

// shardIndex returns the shard to compute: the flag, else the index an
// array job gives its task (Kubernetes Indexed Job: JOB_COMPLETION_INDEX;
// Slurm: SLURM_ARRAY_TASK_ID).
func shardIndex(flagged int, getenv func(string) string) (int, error) {
	if flagged >= 0 {
		return flagged, nil
	}
	if flagged != -1 {
		return 0, usageError{fmt.Sprintf("--index %d: want a shard index, 0 or more", flagged)}
	}
	for _, k := range []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"} {
		v := strings.TrimSpace(getenv(k))
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 {
			return 0, usageError{fmt.Sprintf("$%s %q: want a shard index, 0 or more", k, v)}
		}
		return i, nil
	}
	return 0, usageError{"run-shard: give --index I (or run as an array task: $JOB_COMPLETION_INDEX, $SLURM_ARRAY_TASK_ID)"}
}
