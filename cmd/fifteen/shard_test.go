package main

import (
	"bytes"
	"encoding/json"
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
// its own city's snapshot through the array-job entry points (the Slurm
// array script with $SLURM_ARRAY_TASK_ID, run by GNU parallel; the
// Kubernetes Indexed Job's command with $JOB_COMPLETION_INDEX), merges into
// exactly what single-process export writes: cells, communities, coverage
// and underserved byte for byte, and the shards' own cells together are
// the city's cells (of a walker other than the default). The geo tests
// compare every walker, format and collection in process.
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
	// Every shard through the Slurm array script, as Slurm would run it
	// (SLURM_ARRAY_TASK_ID), two at a time.
	parts := filepath.Join(dir, "parts")
	args := []string{"--will-cite", "--halt", "now,fail=1", "-j", "2",
		"env", "SLURM_ARRAY_TASK_ID={}", "FIFTEEN=" + bin, "bash", "../../deploy/slurm/fifteen-shards.sbatch", plan, snaps, parts, ":::"}
	for i := range p.Shards {
		args = append(args, strconv.Itoa(i))
	}
	if out, err := exec.Command(par, args...).CombinedOutput(); err != nil {
		t.Fatalf("parallel: %v\n%s", err, out)
	}
	// Shard 0 again through the Kubernetes Indexed Job's command line
	// (JOB_COMPLETION_INDEX), its volume at dir: the same part.
	k8s := k8sCommand(t, "../../deploy/k8s/fifteen-shards.yaml")
	for i, a := range k8s {
		k8s[i] = strings.ReplaceAll(a, "/data/parts", filepath.Join(dir, "k8s-parts"))
		k8s[i] = strings.ReplaceAll(k8s[i], "/data/plan.json", plan)
		k8s[i] = strings.ReplaceAll(k8s[i], "/data/shards", snaps)
	}
	if k8s[0] != "fifteen" || k8s[1] != "run-shard" {
		t.Fatalf("the Indexed Job runs %q, want fifteen run-shard", k8s[:2])
	}
	cmd := exec.Command(bin, k8s[1:]...)
	cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", k8s, err, out)
	}
	a, err := os.ReadFile(filepath.Join(parts, data.ShardPartName(0)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "k8s-parts", data.ShardPartName(0)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("shard 0 through the Indexed Job's command differs from shard 0 through the Slurm script")
	}
	for _, format := range []string{"geojson"} {
		merged := filepath.Join(dir, "merged-"+format)
		run("merge-shards", "--quiet", "--plan", plan, "--out", merged, "--format", format, parts)
		for _, coll := range []string{"cells", "communities", "coverage", "underserved"} {
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
	for _, prof := range []string{"wheelchair"} {
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

// k8sCommand returns the command of the Indexed Job in the manifest at
// path (its flow sequence of quoted strings is JSON) and checks that the
// Job is indexed.
func k8sCommand(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\n  completionMode: Indexed\n") {
		t.Fatalf("%s: not an Indexed Job", path)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "command:"); ok {
			var cmd []string
			if err := json.Unmarshal([]byte(rest), &cmd); err != nil {
				t.Fatalf("%s: command %s: %v", path, rest, err)
			}
			return cmd
		}
	}
	t.Fatalf("%s: no command", path)
	return nil
}
