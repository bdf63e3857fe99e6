package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"fifteen/data"
	"fifteen/geo"
)

// shard plans a city into shards that run-shard computes apart and
// merge-shards assembles.
func shard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("shard", stderr)
	out := fs.String("out", "", "plan file to write (JSON; required)")
	res := fs.Int("res", 0, fmt.Sprintf("H3 resolution of the shards' parent cells, 1 to %d (default: the finest at which no parent holds more than --target cells)", geo.PopulationRes-1))
	target := fs.Int("target", geo.DefaultShardCells, "populated cells per shard")
	snapDir := fs.String("snapshots", "", "directory to write each shard's own city into (a snapshot run-shard --snapshots loads alone)")
	opt := cutoffFlag(fs)
	fs.IntVar(&opt.K, "k", 1, "number of nearest facilities averaged in mean_k_min")
	config := inputFlags(fs)
	cfg, err := parseInputs(fs, args, config)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{"shard: give --out FILE for the plan"}
	}
	city, _, err := data.Load(ctx, cfg)
	if err != nil {
		return err
	}
	plan, err := geo.PlanShards(city, *opt, geo.ShardOptions{Res: *res, TargetCells: *target})
	if err != nil {
		return domainUsage(err)
	}
	if *snapDir != "" {
		if err := os.MkdirAll(*snapDir, 0o755); err != nil {
			return err
		}
		for i := range plan.Shards {
			sub, fp, err := geo.ShardCity(city, plan, i)
			if err != nil {
				return err
			}
			if err := data.WriteSnapshot(filepath.Join(*snapDir, data.ShardSnapshotName(i)), sub, nil, nil); err != nil {
				return err
			}
			plan.Shards[i].Fingerprint = fp
		}
	}
	if err := data.WriteShardPlan(*out, plan); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d shards of %d populated cells (%.0f residents), H3 parents at resolution %d, reach %.0f m, buffers up to %.0f m past the shards' cells (more around wide facilities with places)\n",
		*out, len(plan.Shards), plan.Cells, plan.Population, plan.Res, plan.ReachM, plan.BufferM)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "shard\tparents\tcells\tresidents\tbuffer bbox\t")
	const shown = 20
	for _, s := range plan.Shards[:min(len(plan.Shards), shown)] {
		b := s.Bound
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.0f\t%.4f,%.4f,%.4f,%.4f\t\n", s.Index, len(s.Parents), s.Cells, s.Population, b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(plan.Shards) > shown {
		fmt.Fprintf(stdout, "... and %d more shards (all in %s)\n", len(plan.Shards)-shown, *out)
	}
	if *snapDir != "" {
		fmt.Fprintf(stdout, "each shard's own city: %s\n", filepath.Join(*snapDir, "shard-NNNNN.snapshot"))
	}
	return nil
}
