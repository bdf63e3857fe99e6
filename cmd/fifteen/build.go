package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"fifteen/data"
	"fifteen/geo"
)

// build loads a city from its inputs and writes its snapshot.
func build(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("build", stderr)
	out := fs.String("out", "", "snapshot file to write")
	opt := accessFlags(fs)
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{"build: --out FILE is required"}
	}
	if cfg.SnapshotPath != "" {
		return usageError{"build: --snapshot: build from the inputs, not from a snapshot"}
	}
	city, st, err := data.Load(ctx, cfg)
	if err != nil {
		return err
	}
	// The baseline access goes in too (empty for a city without
	// residents): serve and report then start from it.
	var base *geo.Access
	if city.Population != nil {
		if base, err = geo.ComputeAccessContext(ctx, city, *opt); err != nil {
			return err
		}
	}
	t := time.Now()
	if err := data.WriteSnapshot(*out, city, st, base); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s, %d facilities, %d cells; loaded in %.2f s, written in %.2f s\n",
		*out, city.Graph, len(city.Facilities), len(city.CellSnap), st.TotalSec, time.Since(t).Seconds())
	return nil
}
