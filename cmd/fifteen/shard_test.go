package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fifteen/data"
)

// The default city cut into shards, each computed by its own process from
// its own city's snapshot through the array-job entry point (run-shard
// with $JOB_COMPLETION_INDEX, as a Kubernetes Indexed Job gives it) run by
// GNU parallel, merges into
// exactly what single-process export writes: cells, communities and
// coverage byte for byte in GeoJSON and CSV, and the shards' own cells
// together are the cells of every walker.
func TestShardsThroughParallel(t *testing.T) {
	par, err := exec.LookPath("parallel")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GNU parallel is not installed: CI must run the shards through it (.ci/run installs it)")
		}
		t.Skip("GNU parallel not installed (apt-get install parallel)")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("fifteen %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return out
	}
	snaps := filepath.Join(dir, "snapshots")
	run("shard", "--quiet", "--out", plan, "--res", "7", "--target", "350", "--snapshots", snaps)
	p, err := data.ReadShardPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Shards) < 4 {
		t.Fatalf("%d shards, want at least 4", len(p.Shards))
	}
	parts := filepath.Join(dir, "parts")
	args := []string{"--will-cite", "--halt", "now,fail=1", "-j", "2",
		"env", "JOB_COMPLETION_INDEX={}", bin, "run-shard", "--quiet", "--plan", plan, "--snapshots", snaps, "--out", parts, ":::"}
	for i := range p.Shards {
		args = append(args, strconv.Itoa(i))
	}
	if out, err := exec.Command(par, args...).CombinedOutput(); err != nil {
		t.Fatalf("parallel: %v\n%s", err, out)
	}
	for _, format := range []string{"geojson", "csv"} {
		merged := filepath.Join(dir, "merged-"+format)
		run("merge-shards", "--quiet", "--plan", plan, "--out", merged, "--format", format, parts)
		for _, coll := range []string{"cells", "communities", "coverage"} {
			want := run("export", "--quiet", "--collection", coll, "--format", format)
			got, err := os.ReadFile(filepath.Join(merged, coll+"."+format))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("merge-shards %s.%s differs from export (%d bytes, want %d)", coll, format, len(got), len(want))
			}
		}
	}
	for _, prof := range []string{"adult", "senior", "wheelchair"} {
		want := strings.Split(strings.TrimSpace(string(run("export", "--quiet", "--collection", "cells", "--format", "csv", "--profile", prof))), "\n")
		var got []string
		for i := range p.Shards {
			b, err := os.ReadFile(filepath.Join(parts, "shard-"+strconv.Itoa(100000 + i)[1:]+".cells-"+prof+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if lines[0] != want[0] {
				t.Fatalf("shard %d cells header %q, want %q", i, lines[0], want[0])
			}
			got = append(got, lines[1:]...)
		}
		slices.Sort(got)
		if !slices.Equal(got, want[1:]) {
			t.Errorf("%s: the shards' cells (%d rows) are not the city's (%d rows)", prof, len(got), len(want)-1)
		}
	}
}

// The shard index comes from the flag, else from the array job's
// variable; a bad value names the variable.
func TestShardIndex(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		name  string
		flag  int
		env   map[string]string
		want  int
		error bool
	}{
		{"flag wins", 3, map[string]string{"JOB_COMPLETION_INDEX": "5"}, 3, false},
		{"kubernetes indexed job", -1, map[string]string{"JOB_COMPLETION_INDEX": "5", "SLURM_ARRAY_TASK_ID": "7"}, 5, false},
		{"slurm array", -1, map[string]string{"SLURM_ARRAY_TASK_ID": "7"}, 7, false},
		{"none", -1, nil, 0, true},
		{"not a number", -1, map[string]string{"SLURM_ARRAY_TASK_ID": "x"}, 0, true},
		{"negative", -1, map[string]string{"JOB_COMPLETION_INDEX": "-2"}, 0, true},
	} {
		got, err := shardIndex(c.flag, env(c.env))
		if (err != nil) != c.error || got != c.want {
			t.Errorf("%s: %d, %v; want %d, error %v", c.name, got, err, c.want, c.error)
		}
	}
}
